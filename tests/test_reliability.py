"""Divergence, interruption, persistence, determinism and global state."""

import io
import pickle
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
from sklstm.exceptions import TrainingDivergedError, VersionMismatchWarning

FAST = dict(hidden_size=8, lr=1e-2, max_epochs=5, batch_size=16, random_state=0)


def _data(n=80, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 8, 1))
    return X, X[:, -2:, 0].sum(axis=1)


def test_divergence_stops_at_once_and_leaves_no_model():
    X, y = _data()
    reg = LSTMRegressor(optimizer="sgd", scale_y=False, **{**FAST, "lr": 1e12})
    with pytest.raises(TrainingDivergedError, match=r"Lower the learning rate \(lr="):
        reg.fit(X, y * 1e6)
    assert not hasattr(reg, "net_")
    with pytest.raises(NotFittedError):
        reg.predict(X)
    assert issubclass(TrainingDivergedError, FloatingPointError)


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
    Xt = reg._scale_X(X[-10:])
    yt = reg._scale_y(y[-10:, None])
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


@pytest.mark.skipif(torch.cuda.is_available(), reason="exercises the no-CUDA path")
def test_model_saved_with_cuda_device_loads_on_cpu():
    # No GPU here: fit on CPU, then mark the net as a CUDA one, as a pickle
    # made on a GPU machine would be. skorch maps it to the CPU on load.
    X, y = _data()
    reg = LSTMRegressor(**FAST).fit(X, y)
    expected = reg.predict(X)
    reg.net_.device = "cuda"
    blob = pickle.dumps(reg)
    with pytest.warns(DeviceWarning, match="cuda"):
        restored = pickle.loads(blob)
    assert str(restored.net_.device) == "cpu"
    np.testing.assert_array_equal(restored.predict(X), expected)


def test_unpickling_another_version_is_detected():
    X, y = _data()
    reg = LSTMRegressor(**FAST).fit(X, y)
    state = reg.__getstate__()
    assert "_sklstm_version" in state
    state["_sklstm_version"] = "0.0.1"
    restored = LSTMRegressor.__new__(LSTMRegressor)
    with pytest.warns(VersionMismatchWarning, match="saved with sklstm 0.0.1"):
        restored.__setstate__(state)
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
    outputs = [
        subprocess.run(
            [sys.executable, "-c", _FIT_IN_SUBPROCESS],
            capture_output=True,
            check=True,
        ).stdout
        for _ in range(2)
    ]
    assert len(outputs[0]) == 8 * 186 * 3  # float64, 186 windows x 3 steps
    assert outputs[0] == outputs[1]
    # And equal to the same fit in this process.
    series = np.sin(np.arange(200) / 5.0)
    X, y = make_windows(series, look_back=12, horizon=3)
    here = LSTMForecaster(
        horizon=3, hidden_size=8, max_epochs=3, dropout=0.1, random_state=7
    ).fit(X, y)
    assert here.predict(X).tobytes() == outputs[0]


def test_random_state_none_gives_different_models():
    X, y = _data()
    a = LSTMRegressor(**{**FAST, "random_state": None}).fit(X, y).predict(X)
    b = LSTMRegressor(**{**FAST, "random_state": None}).fit(X, y).predict(X)
    assert not np.array_equal(a, b)


def test_fit_and_predict_leave_global_torch_state_alone():
    X, y = _data()
    threads = torch.get_num_threads()
    torch.manual_seed(0)
    rng_before = torch.random.get_rng_state().clone()
    reg = LSTMRegressor(dropout=0.2, **FAST)
    reg.fit(X, y)
    reg.partial_fit(X, y)
    reg.predict(X)
    assert torch.get_num_threads() == threads
    assert torch.equal(torch.random.get_rng_state(), rng_before)


def test_saved_state_is_plain_bytes_of_torch_tensors():
    # Guard against pickles that drag the training data along.
    X, y = _data(n=2000)
    reg = LSTMRegressor(**{**FAST, "max_epochs": 1}).fit(X, y)
    buffer = io.BytesIO()
    pickle.dump(reg, buffer)
    assert buffer.tell() < X.nbytes / 4
