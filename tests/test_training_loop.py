"""sklstm's trimmed skorch loop keeps skorch's behaviour where it matters."""

import pickle
import zipfile

import numpy as np
import pytest
import torch
from skorch import NeuralNetRegressor
from skorch.callbacks import Callback

import sklstm
from sklstm import LSTMClassifier, LSTMForecaster, LSTMRegressor, make_windows

FAST = dict(hidden_size=4, max_epochs=2, batch_size=50, random_state=0)


def _data():
    X, y = make_windows(np.sin(np.arange(210) / 5.0), look_back=10)
    return np.array(X), y  # 200 windows: 4 batches of 50 per epoch


class _Counter(Callback):
    def initialize(self):
        self.calls_ = {"begin": 0, "grad": 0, "end": 0}
        self.modes_ = []
        return self

    def on_batch_begin(self, net, **kwargs):
        self.calls_["begin"] += 1

    def on_grad_computed(self, net, named_parameters=None, **kwargs):
        self.calls_["grad"] += 1
        assert all(p.grad is not None for _, p in named_parameters)

    def on_batch_end(self, net, **kwargs):
        self.calls_["end"] += 1
        self.modes_.append(net.module_.training)
        net.module_.eval()  # the next training batch must be in train mode again


class _Quiet(Callback):
    """Defines no per-batch hook."""


def test_per_batch_hooks_reach_the_callbacks_that_define_them():
    X, y = _data()
    reg = LSTMRegressor(callbacks=[("count", _Counter()), ("quiet", _Quiet())], **FAST)
    reg.fit(X, y)
    counter = dict(reg.net_.callbacks_)["count"]
    assert counter.calls_ == {"begin": 8, "grad": 8, "end": 8}
    # Every training batch ran in train mode, although the callback switched
    # the module to eval mode after each one.
    assert counter.modes_ == [True] * 8
    # Callbacks without per-batch hooks are not called for every batch.
    quiet = dict(reg.net_.callbacks_)["quiet"]
    owners = [
        getattr(hook, "__self__", None)
        for hooks in reg.net_.batch_hooks_.values()
        for hook in hooks
    ]
    assert any(o is counter for o in owners)
    assert not any(o is quiet for o in owners)


def test_history_records_every_batch():
    X, y = _data()
    reg = LSTMRegressor(early_stopping=True, validation_fraction=0.25, **FAST)
    history = reg.fit(X, y).net_.history
    for epoch in history:
        batches = epoch["batches"]
        assert len(batches) == 3 + 1  # 150 training windows, 50 validation ones
        assert [set(b) for b in batches[:3]] == [{"train_loss", "train_batch_size"}] * 3
        assert set(batches[3]) == {"valid_loss", "valid_batch_size"}
        np.testing.assert_allclose(
            epoch["train_loss"], np.mean([b["train_loss"] for b in batches[:3]])
        )


def test_pickled_net_drops_its_hook_cache_and_keeps_training():
    X, y = _data()
    reg = LSTMRegressor(callbacks=[("count", _Counter())], **FAST).fit(X, y)
    assert reg.net_.batch_hooks_
    restored = pickle.loads(pickle.dumps(reg))
    assert "batch_hooks_" not in vars(restored.net_)
    restored.partial_fit(X, y)
    assert dict(restored.net_.callbacks_)["count"].calls_["end"] == 8 + 4
    assert isinstance(restored.net_, NeuralNetRegressor)


def test_saved_files_name_the_skorch_class_and_load_into_the_fast_one(tmp_path):
    X, y = _data()
    fc = LSTMForecaster(**FAST).fit(X, y)
    path = tmp_path / "model.sklstm"
    sklstm.save(fc, path)
    with zipfile.ZipFile(path) as archive:
        manifest = archive.read("manifest.json").decode()
    assert '"net_class": "skorch.NeuralNetRegressor"' in manifest
    loaded = sklstm.load(path)
    assert type(loaded.net_) is type(fc.net_)
    np.testing.assert_array_equal(loaded.predict(X), fc.predict(X))
    loaded.partial_fit(X, y)
    assert len(loaded.net_.history) == 3


class _GradNoop(Callback):
    """Defines ``on_grad_computed``, which sends training through the closure."""

    def on_grad_computed(self, net, named_parameters=None, **kwargs):
        pass


@pytest.mark.parametrize("Estimator", [LSTMRegressor, LSTMForecaster])
def test_direct_optimizer_step_trains_exactly_like_the_closure(Estimator):
    # Without on_grad_computed callbacks the built-in optimizers step without
    # skorch's closure; the arithmetic must be the same, bit for bit.
    X, y = _data()
    direct = Estimator(**FAST).fit(X, y)
    closure = Estimator(callbacks=[("grad", _GradNoop())], **FAST).fit(X, y)
    for (name, a), (_, b) in zip(
        direct.net_.module_.named_parameters(), closure.net_.module_.named_parameters()
    ):
        assert torch.equal(a, b), name
    np.testing.assert_array_equal(direct.predict(X), closure.predict(X))


class _LBFGS(torch.optim.LBFGS):
    def __init__(self, params, lr=1, weight_decay=0.0):  # sklstm passes weight_decay
        super().__init__(params, lr=lr, max_iter=2)


def test_optimizer_that_needs_a_closure_still_gets_one():
    # LBFGS re-evaluates the loss and raises without a closure.
    X, y = _data()
    reg = LSTMRegressor(optimizer=_LBFGS, lr=0.1, **FAST).fit(X, y)
    assert np.isfinite(reg.predict(X)).all()
    assert reg.n_epochs_ == FAST["max_epochs"]


@pytest.mark.parametrize("Estimator", [LSTMRegressor, LSTMForecaster, LSTMClassifier])
def test_continued_fits_take_new_training_settings_and_reject_the_others(Estimator):
    X, y = _data()
    if Estimator is LSTMClassifier:
        y = (y > 0).astype(int)
    est = Estimator(warm_start=True, **FAST).fit(X, y)
    steps = float(est.net_.optimizer_.state_dict()["state"][0]["step"])
    # The learning rate, batch size and epochs of a continued fit take effect;
    # the optimizer goes on from its state (Adam's step count keeps growing).
    est.set_params(lr=1e-4, batch_size=100, max_epochs=3).fit(X, y)
    assert est.net_.lr == 1e-4 and est.net_.batch_size == 100
    assert len(est.net_.history) == 5
    assert est.net_.optimizer_.state_dict()["state"][0]["step"] == steps + 3 * 2
    before = est.predict(X)
    # A parameter that shaped the fitted network cannot change: it would be
    # ignored. Neither fit nor partial_fit trains, and the model is kept.
    est.set_params(hidden_size=8, dropout=0.2)
    for call in (est.fit, est.partial_fit):
        with pytest.raises(ValueError, match=r"dropout \(0\.[01] -> 0\.2\), "
                           r"hidden_size \(4 -> 8\) changed.*Set it back"):  # fmt: skip
            call(X, y)
    np.testing.assert_array_equal(est.predict(X), before)
    assert len(est.net_.history) == 5
    # Without warm_start, fit trains a new model with the new parameters.
    est.set_params(warm_start=False, max_epochs=1).fit(X, y)
    assert est.net_.module_.head.in_features == 8
    assert len(est.net_.history) == 1


# --------------------------------------------------------- "auto" budget
@pytest.mark.parametrize(
    "n, expected",
    [
        (1, (32, 100)),
        (2048, (32, 100)),
        (2049, (64, 67)),
        (4097, (128, 45)),
        (8193, (256, 30)),
        (53_334, (256, 30)),
        (100_000, (256, 16)),
        (5_000_000, (256, 1)),
    ],
)
def test_auto_budget_follows_the_documented_rule(n, expected):
    from sklstm._base import _auto_budget

    assert _auto_budget(n) == expected


def test_auto_budget_on_small_data_is_the_earlier_default():
    X, y = _data()
    fc = LSTMForecaster(hidden_size=4, random_state=0).fit(X[:40], y[:40])
    assert fc.get_params()["max_epochs"] == "auto"
    assert (fc.batch_size_, fc.n_epochs_) == (32, 100)
    # Predictions are padded to the fitted batch size: batch invariance holds.
    np.testing.assert_array_equal(fc.predict(X[3:4]), fc.predict(X[:10])[3:4])
    manual = LSTMForecaster(hidden_size=4, max_epochs=100, batch_size=32)
    manual.set_params(random_state=0).fit(X[:40], y[:40])
    np.testing.assert_array_equal(manual.predict(X), fc.predict(X))


@pytest.mark.parametrize("Estimator", [LSTMRegressor, LSTMClassifier, LSTMForecaster])
def test_auto_batch_size_grows_with_the_data_and_verbose_says_so(Estimator, capsys):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(3000, 4))
    y = (X[:, -1] > 0).astype(int) if Estimator is LSTMClassifier else X[:, -1]
    est = Estimator(hidden_size=4, max_epochs=1, verbose=1, random_state=0)
    est.fit(X, y)
    assert est.batch_size_ == 64 and est.net_.batch_size == 64
    assert est.n_epochs_ == 1
    out = capsys.readouterr().out
    assert "3,000 training samples: batch_size=64, max_epochs=1" in out
    # An integer is used as it is; a continued fit re-reads the parameters.
    est.set_params(batch_size=100, warm_start=True, verbose=0).fit(X, y)
    assert est.batch_size_ == 100 and est.n_epochs_ == 2
    est.set_params(batch_size="auto").partial_fit(X, y)
    assert est.batch_size_ == 64 and est.n_epochs_ == 3


def test_auto_epochs_beyond_the_window_passes_sample_each_epoch(monkeypatch):
    # Beyond _WINDOW_PASSES windows an "auto" epoch is a random sample of
    # _WINDOW_PASSES of them (here 100 of 300), drawn anew every epoch.
    import sklstm._base

    monkeypatch.setattr(sklstm._base, "_WINDOW_PASSES", 100)
    X, y = make_windows(np.sin(np.arange(310) / 5.0), look_back=10)
    fc = LSTMForecaster(hidden_size=4, random_state=0).fit(X, y)
    assert fc.n_epochs_ == 1
    assert len(fc.net_.history[-1]["batches"]) == 4  # 100 windows, batches of 32
    # An explicit max_epochs trains on every window of every epoch.
    full = LSTMForecaster(hidden_size=4, max_epochs=1, random_state=0).fit(X, y)
    assert len(full.net_.history[-1]["batches"]) == 10


def test_sampled_epochs_draw_without_replacement_from_the_fit_generator():
    from sklstm._data import _BatchIterator

    seen = []

    class Recording:
        def __len__(self):
            return 50

        def __getitem__(self, index):
            seen.append(np.asarray(index))
            return index

    def epoch(seed):
        seen.clear()
        generator = torch.Generator().manual_seed(seed)
        batches = _BatchIterator(
            Recording(),
            batch_size=8,
            shuffle=True,
            generator=generator,
            max_samples=20,
        )
        assert len(batches) == 3
        list(batches)
        return np.concatenate(seen)

    drawn = epoch(0)
    assert len(drawn) == 20 and len(set(drawn.tolist())) == 20
    np.testing.assert_array_equal(drawn, epoch(0))
    assert not np.array_equal(drawn, epoch(1))
