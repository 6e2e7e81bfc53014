"""Divergence, interruption, persistence, determinism and global state."""

import io
import pickle
import pickletools
import subprocess
import sys
import warnings

import joblib
import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from skorch.callbacks import Callback
from skorch.exceptions import DeviceWarning

from sklstm import LSTMForecaster, LSTMRegressor, make_windows
from sklstm._scaling import _Scaler
from sklstm.exceptions import TrainingDivergedError, VersionMismatchWarning

FAST = dict(hidden_size=8, lr=1e-2, max_epochs=5, batch_size=16, random_state=0)


def _data(n=80, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 8, 1))
    return X, X[:, -2:, 0].sum(axis=1)


def test_divergence_stops_at_once_and_leaves_no_model():
    X, y = _data()
    reg = LSTMRegressor(optimizer="sgd", scale_y=False, **{**FAST, "lr": 1e12})
    with pytest.raises(TrainingDivergedError) as info:
        reg.fit(X, y * 1e6)
    message = str(info.value)
    assert "Training diverged: the training loss became" in message
    assert "in epoch 1, so training was stopped" in message
    assert "Lower the learning rate (lr=1000000000000.0; try lr=1e+11)" in message
    assert "LSTMRegressor is left unfitted" in message
    assert isinstance(info.value, FloatingPointError)
    # No fitted attribute survives: nothing half-trained can be used by mistake.
    assert [name for name in vars(reg) if name.endswith("_")] == []
    with pytest.raises(NotFittedError):
        reg.predict(X)


def test_divergence_in_the_last_update_is_caught():
    # One batch, one epoch: the only loss is computed before the single
    # update, which makes the weights infinite.
    X, y = _data()
    reg = LSTMRegressor(
        optimizer="sgd",
        scale_y=False,
        **{**FAST, "lr": 1e38, "max_epochs": 1, "batch_size": len(X)},
    )
    with pytest.raises(TrainingDivergedError, match="weights .* became non-finite"):
        reg.fit(X, y * 1e6)
    assert not hasattr(reg, "net_")


@pytest.mark.parametrize("how", ["partial_fit", "warm_start"])
def test_divergence_in_continued_training_keeps_the_earlier_model(how):
    X, y = _data()
    reg = LSTMRegressor(warm_start=how == "warm_start", **FAST).fit(X, y)
    expected = reg.predict(X)
    history = [dict(row) for row in reg.net_.history]
    # Targets far beyond the scaling fitted on the first call: the loss
    # overflows float32 in the first batch.
    with pytest.raises(TrainingDivergedError, match="restored to its state before"):
        getattr(reg, "fit" if how == "warm_start" else how)(X, y * 1e25)
    np.testing.assert_array_equal(reg.predict(X), expected)
    assert reg.n_epochs_ == 5 and [dict(row) for row in reg.net_.history] == history
    # The optimizer state was restored too: training goes on normally.
    reg.partial_fit(X, y)
    assert reg.n_epochs_ == 6 and np.isfinite(reg.predict(X)).all()


class _FailWhenArmed(Callback):
    armed = False

    def on_batch_end(self, net, training=None, **kwargs):
        if self.armed and len(net.history[-1]["batches"]) == 2:
            raise RuntimeError("out of memory (simulated)")


def test_any_error_in_continued_training_keeps_the_earlier_model():
    X, y = _data()
    reg = LSTMRegressor(callbacks=[("fail", _FailWhenArmed())], **FAST).fit(X, y)
    expected = reg.predict(X)
    dict(reg.net_.callbacks_)["fail"].armed = True
    with pytest.raises(RuntimeError, match="simulated"):
        reg.partial_fit(X, y)  # fails after two updates
    np.testing.assert_array_equal(reg.predict(X), expected)
    assert reg.n_epochs_ == len(reg.net_.history) == 5


def test_forecaster_divergence_raises_the_same_error():
    X, y = make_windows(np.sin(np.arange(120) / 4.0) * 1e6, look_back=8, horizon=2)
    # The squared error: the absolute error's bounded gradients do not blow up.
    fc = LSTMForecaster(
        horizon=2,
        normalize=None,
        scale_y=False,
        optimizer="sgd",
        loss="squared_error",
        **FAST,
    )
    with pytest.raises(TrainingDivergedError, match="LSTMForecaster is left unfitted"):
        fc.set_params(lr=1e12).fit(X, y)


class _InterruptAt(Callback):
    def __init__(self, epoch):
        self.epoch = epoch

    def on_epoch_end(self, net, **kwargs):
        if len(net.history) == self.epoch:
            raise KeyboardInterrupt


def test_keyboard_interrupt_leaves_a_usable_estimator():
    X, y = _data()
    reg = LSTMRegressor(
        callbacks=[("stop", _InterruptAt(3))], **{**FAST, "max_epochs": 50}
    )
    reg.fit(X, y)  # skorch ends training quietly
    assert reg.n_epochs_ == 3
    assert np.isfinite(reg.predict(X)).all()


class _InterruptInBatch(Callback):
    """Interrupt in the middle of an epoch, as a Ctrl-C usually does."""

    def __init__(self, epoch, batch):
        self.epoch = epoch
        self.batch = batch
        self.fired = False

    def on_batch_end(self, net, training=None, **kwargs):
        batches = net.history[-1]["batches"]
        at = len(net.history) == self.epoch and len(batches) == self.batch
        if training and at and not self.fired:
            self.fired = True
            raise KeyboardInterrupt


@pytest.mark.parametrize("Estimator", [LSTMRegressor, LSTMForecaster])
@pytest.mark.parametrize("early_stopping", [False, True])
def test_interrupt_mid_epoch_keeps_a_consistent_model(Estimator, early_stopping):
    X, y = _data()
    # One training: with the forecaster's linear fallback the interrupt would
    # end the held-out network's training and the full one would follow.
    one = {"linear_fallback": False} if Estimator is LSTMForecaster else {}
    est = Estimator(
        early_stopping=early_stopping,
        callbacks=[("stop", _InterruptInBatch(epoch=4, batch=2))],
        **{**FAST, "max_epochs": 50, **one},
    ).fit(X, y)
    history = est.net_.history
    # The cut-short 4th epoch is dropped: every epoch on record is complete.
    assert est.n_epochs_ == len(history) == 3
    assert len(history[:, "train_loss"]) == 3
    if early_stopping:
        assert len(history[:, "valid_loss"]) == 3
    assert np.isfinite(est.predict(X)).all()
    # Training can go on from there.
    est.partial_fit(X, y)
    assert est.n_epochs_ == 4 and history[-1, "epoch"] == 4


class _RaiseLrAt(Callback):
    """Wreck the weights from some epoch on, so the best epoch lies behind."""

    def __init__(self, epoch):
        self.epoch = epoch

    def on_epoch_begin(self, net, **kwargs):
        if len(net.history) == self.epoch:
            for group in net.optimizer_.param_groups:
                group["lr"] = 5.0


def test_interrupt_with_early_stopping_restores_best_weights():
    X, y = _data(n=100)
    reg = LSTMRegressor(
        early_stopping=True,
        n_iter_no_change=50,
        callbacks=[("wreck", _RaiseLrAt(6)), ("stop", _InterruptAt(9))],
        **{**FAST, "max_epochs": 100},
    ).fit(X, y)
    history = reg.net_.history
    assert reg.n_epochs_ == 9
    best_epoch = int(np.argmin(history[:, "valid_loss"]))
    assert best_epoch < 8  # the wrecked last epochs are worse
    # The restored weights reproduce the best epoch's validation loss.
    scaler = _Scaler.of(reg)
    Xt = scaler.scale_X(X[-10:])
    yt = scaler.scale_y(y[-10:, None])
    with torch.no_grad():
        loss = torch.nn.functional.mse_loss(reg.net_.module_(Xt), yt).item()
    assert loss == pytest.approx(history[best_epoch, "valid_loss"], rel=1e-5)


@pytest.mark.parametrize("Estimator", [LSTMRegressor, LSTMForecaster])
def test_pickle_and_joblib_round_trip_identical_predictions(Estimator, tmp_path):
    X, y = _data()
    est = Estimator(**FAST).fit(X, y)
    expected = est.predict(X)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(est)).predict(X), expected)
    joblib.dump(est, tmp_path / "model.joblib")
    np.testing.assert_array_equal(
        joblib.load(tmp_path / "model.joblib").predict(X), expected
    )
    fitted_clone = clone(est)
    assert not hasattr(fitted_clone, "net_")
    with pytest.raises(NotFittedError):
        fitted_clone.predict(X)


def _tag_every_storage_as_cuda(monkeypatch):
    """Make torch.save write CPU tensors as if they lived on ``cuda:0``.

    torch records each storage's device at save time and restores it there at
    load time. A tagger with the highest priority writes "cuda:0", so the
    bytes are those of a model saved on a GPU.
    """
    registry = [(-1000, lambda storage: "cuda:0", lambda storage, location: None)]
    registry += list(torch.serialization._package_registry)
    monkeypatch.setattr(torch.serialization, "_package_registry", registry)


@pytest.mark.skipif(torch.cuda.is_available(), reason="exercises the no-CUDA path")
@pytest.mark.parametrize("Estimator", [LSTMRegressor, LSTMForecaster])
def test_model_saved_on_cuda_loads_and_predicts_on_cpu(Estimator, monkeypatch):
    X, y = _data()
    est = Estimator(**FAST).fit(X, y)
    expected = est.predict(X)
    # What a GPU machine pickles: device="cuda" in the estimator and its net,
    # and tensors tagged with their CUDA device.
    est.device = est.net_.device = "cuda"
    with monkeypatch.context() as patch:
        _tag_every_storage_as_cuda(patch)
        blob = pickle.dumps(est)
        tensor = io.BytesIO()
        torch.save(torch.ones(3), tensor)
    # The tagging is real: without a device map torch refuses such bytes here.
    with pytest.raises(RuntimeError, match="CUDA device"):
        torch.load(io.BytesIO(tensor.getvalue()))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        restored = pickle.loads(blob)
    assert any(
        issubclass(w.category, DeviceWarning)
        and "no CUDA devices are available" in str(w.message)
        for w in caught
    )
    assert str(restored.net_.device) == "cpu"
    assert {p.device.type for p in restored.net_.module_.parameters()} == {"cpu"}
    np.testing.assert_array_equal(restored.predict(X), expected)
    # Training continues on the CPU (the optimizer state was mapped as well);
    # a fresh fit with device="cuda" says clearly why it cannot run here.
    restored.partial_fit(X, y)
    assert np.isfinite(restored.predict(X)).all()
    with pytest.raises(ValueError, match="device='cuda' cannot be used"):
        clone(restored).fit(X, y)


def test_unpickling_another_version_is_detected():
    X, y = _data()
    reg = LSTMRegressor(**FAST).fit(X, y)
    state = reg.__getstate__()
    assert "_sklstm_version" in state
    state["_sklstm_version"] = "0.0.1"
    restored = LSTMRegressor.__new__(LSTMRegressor)
    with pytest.warns(VersionMismatchWarning, match="saved with sklstm 0.0.1"):
        restored.__setstate__(state)
    # A pickle from before the version was recorded is detected as well.
    state.pop("_sklstm_version", None)  # (__setstate__ consumed it already)
    with pytest.warns(VersionMismatchWarning, match="saved with sklstm unknown"):
        LSTMRegressor.__new__(LSTMRegressor).__setstate__(state)
    # Unpickling the same version is silent.
    with warnings.catch_warnings():
        warnings.simplefilter("error", VersionMismatchWarning)
        pickle.loads(pickle.dumps(reg))


_FIT_IN_SUBPROCESS = """
import sys, numpy as np, torch
from sklstm import LSTMForecaster, make_windows
# Bit-identical results need the same device and thread count (float sums
# are ordered by the threads); the test session runs torch on one thread.
torch.set_num_threads(1)
series = np.sin(np.arange(200) / 5.0)
X, y = make_windows(series, look_back=12, horizon=3)
model = LSTMForecaster(horizon=3, hidden_size=8, max_epochs=3, dropout=0.1,
                       random_state=7).fit(X, y)
sys.stdout.buffer.write(model.predict(X).tobytes())
"""


def test_same_random_state_is_bit_identical_across_processes():
    # Both processes run side by side: most of their time is importing torch.
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _FIT_IN_SUBPROCESS],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(2)
    ]
    outputs = []
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err.decode()
        outputs.append(out)
    assert len(outputs[0]) == 8 * 186 * 3  # float64, 186 windows x 3 steps
    assert outputs[0] == outputs[1]
    # And equal to the same fit in this process, twice.
    series = np.sin(np.arange(200) / 5.0)
    X, y = make_windows(series, look_back=12, horizon=3)
    for _ in range(2):
        here = LSTMForecaster(
            horizon=3, hidden_size=8, max_epochs=3, dropout=0.1, random_state=7
        ).fit(X, y)
        assert here.predict(X).tobytes() == outputs[0]


def test_random_state_none_gives_different_models():
    X, y = _data()
    a = LSTMRegressor(**{**FAST, "random_state": None}).fit(X, y).predict(X)
    b = LSTMRegressor(**{**FAST, "random_state": None}).fit(X, y).predict(X)
    assert not np.array_equal(a, b)


@pytest.mark.parametrize("early_stopping", [False, True])
def test_fit_and_predict_leave_global_state_alone(early_stopping):
    X, y = _data()
    threads = torch.get_num_threads()
    torch.manual_seed(0)
    torch_rng = torch.random.get_rng_state().clone()
    np.random.seed(0)  # noqa: NPY002 (the legacy global RNG is what is checked)
    numpy_rng = np.random.get_state()[1].copy()  # noqa: NPY002
    # Without a GPU, torch queues CUDA seeds until CUDA starts; torch.manual_seed
    # would leave one queued, seeding the user's CUDA generators later on.
    lazy_cuda_seeds = torch.cuda._lazy_seed_tracker.get_calls()
    for est in [
        LSTMRegressor(dropout=0.2, early_stopping=early_stopping, **FAST),
        LSTMForecaster(dropout=0.2, early_stopping=early_stopping, **FAST),
    ]:
        est.fit(X, y)
        est.partial_fit(X, y)
        est.predict(X)
    assert torch.get_num_threads() == threads
    assert torch.equal(torch.random.get_rng_state(), torch_rng)
    assert np.array_equal(np.random.get_state()[1], numpy_rng)  # noqa: NPY002
    assert torch.cuda._lazy_seed_tracker.get_calls() == lazy_cuda_seeds


def test_fit_runs_on_the_callers_thread_count():
    X, y = _data()
    threads = torch.get_num_threads()
    seen = []

    class _Threads(Callback):
        def on_epoch_begin(self, net, **kwargs):
            seen.append(torch.get_num_threads())

    torch.set_num_threads(2)
    try:
        LSTMRegressor(callbacks=[("threads", _Threads())], **FAST).fit(X, y)
    finally:
        torch.set_num_threads(threads)
    assert seen == [2] * FAST["max_epochs"]


def _bytes_in_pickle(data):
    """The bytes objects that the (first) pickle in ``data`` holds."""
    return [arg for _, arg, _ in pickletools.genops(data) if isinstance(arg, bytes)]


def _torch_storage(blob):
    """A storage as torch pickles it (its legacy ``torch.save`` format): five
    small pickles (magic number, protocol, system info, the storage's type
    and size, its key), then the element count and the raw bytes. Returns
    the globals the pickles name, the element count and the raw bytes."""
    stream = io.BytesIO(blob)
    names = []
    for _ in range(5):
        names += [a for op, a, _ in pickletools.genops(stream) if "GLOBAL" in op.name]
    numel = int.from_bytes(stream.read(8), "little")
    return names, numel, stream.read()


def test_saved_state_is_plain_bytes_of_torch_tensors():
    # Guard against pickles that drag the training data along: the network
    # travels as the raw bytes of its tensors, and nothing else of any size.
    X, y = _data(n=2000)
    reg = LSTMRegressor(**{**FAST, "max_epochs": 1}).fit(X, y)
    data = pickle.dumps(reg)
    assert len(data) < X.nbytes / 4
    # skorch pickles the module, criterion and optimizer into one bytes
    # object; the others are the scalers' statistics, a few bytes each.
    outer = _bytes_in_pickle(data)
    state = max(outer, key=len)
    assert all(len(b) <= 64 for b in outer if b is not state), sorted(map(len, outer))
    # In it, every tensor is a float32 storage of raw bytes: exactly the
    # module's weights and the optimizer's state, no other data.
    tensors = list(reg.net_.module_.state_dict().values())
    for per_parameter in reg.net_.optimizer_.state_dict()["state"].values():
        tensors += list(per_parameter.values())
    expected = sorted(t.detach().cpu().numpy().tobytes() for t in tensors)
    found = []
    for blob in _bytes_in_pickle(state):
        names, numel, raw = _torch_storage(blob)
        assert names == ["torch FloatStorage"]
        assert len(raw) == 4 * numel
        found.append(raw)
    # 6 weights, and Adam's step, exp_avg and exp_avg_sq of each.
    assert (len(found), len(tensors)) == (6 + 6 * 3, 6 + 6 * 3)
    assert sorted(found) == expected
