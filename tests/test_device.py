"""Device handling: tensors moved once per fit, pinned batches on CUDA.

The CUDA tests are skipped on machines without a GPU; the CPU tests check
that the same code paths leave CPU training as it was.
"""

import pickle

import numpy as np
import pytest
import torch
from skorch.callbacks import Callback

from sklstm import LSTMForecaster, LSTMRegressor, make_windows
from sklstm._data import _LazyWindowDataset, _WindowDataset, _WindowSource
from sklstm._forecaster import _Batches
from sklstm._scaling import _Scaler
from sklstm._target import _WindowTransform

FAST = dict(hidden_size=4, max_epochs=2, batch_size=64, random_state=0)
needs_cuda = pytest.mark.skipif(
    not torch.cuda.is_available(), reason="needs a CUDA device"
)


class _BatchDevices(Callback):
    def initialize(self):
        self.devices_ = set()
        return self

    def on_batch_begin(self, net, batch=None, **kwargs):
        self.devices_.add(batch[0].device.type)
        self.devices_.add(batch[1].device.type)


def _windows(n=400):
    return make_windows(np.sin(np.arange(n) / 6.0), look_back=16, horizon=2)


def test_moving_to_the_current_device_is_free():
    X = torch.zeros(10, 3, 1)
    dataset = _WindowDataset(X, torch.zeros(10, 1))
    assert dataset.to("cpu") is dataset
    assert dataset.device.type == "cpu"


def test_cpu_training_sees_cpu_batches():
    X, y = _windows()
    fc = LSTMForecaster(horizon=2, callbacks=[("spy", _BatchDevices())], **FAST)
    fc.fit(np.array(X), y)
    # The user's list is copied at fit time; read the net's copy.
    assert dict(fc.net_.callbacks_)["spy"].devices_ == {"cpu"}


@needs_cuda
def test_in_memory_windows_move_to_the_gpu_once(monkeypatch):
    X, y = _windows()
    moves = []
    original = _WindowDataset.to

    def spy_to(self, device):
        moved = original(self, device)
        moves.append(moved.device.type)
        return moved

    monkeypatch.setattr(_WindowDataset, "to", spy_to)
    reg = LSTMRegressor(device="cuda", callbacks=[("spy", _BatchDevices())], **FAST)
    reg.fit(np.array(X), y[:, 0])
    assert moves == ["cuda"]  # once per fit, before the first batch
    assert dict(reg.net_.callbacks_)["spy"].devices_ == {"cuda"}
    assert reg.predict(np.array(X)).shape == (len(X),)


@needs_cuda
def test_lazy_batches_are_pinned_and_copied_to_the_gpu():
    X, y = _windows()
    fc = LSTMForecaster(horizon=2, device="cuda", **FAST)
    fc.fit(X, y)  # X is a view: the lazy path
    source = _WindowSource(X[:, :, None])
    batches = _Batches(_WindowTransform.of(fc), _Scaler.of(fc))
    cpu = _LazyWindowDataset(source, y, batches)
    gpu = cpu.to("cuda")
    index = np.arange(5, 40)
    for on_cpu, on_gpu in zip(cpu[index], gpu[index]):
        assert on_gpu.is_cuda and not on_cpu.is_cuda
        torch.testing.assert_close(on_gpu.cpu(), on_cpu, rtol=0, atol=0)


@needs_cuda
def test_gpu_training_matches_between_data_paths():
    X, y = _windows()
    params = dict(horizon=2, device="cuda", **FAST)
    lazy_fc = LSTMForecaster(**params).fit(X, y)
    eager_fc = LSTMForecaster(**params).fit(np.array(X), y)
    np.testing.assert_allclose(
        lazy_fc.predict(X), eager_fc.predict(np.array(X)), rtol=1e-5, atol=1e-5
    )


@needs_cuda
@pytest.mark.parametrize("Estimator", [LSTMRegressor, LSTMForecaster])
def test_cuda_pickle_round_trip_predicts_identically(Estimator):
    X, y = _windows()
    X = np.array(X)
    kwargs = {"horizon": 2} if Estimator is LSTMForecaster else {}
    y = y if Estimator is LSTMForecaster else y[:, 0]
    model = Estimator(device="cuda", **kwargs, **FAST).fit(X, y)
    loaded = pickle.loads(pickle.dumps(model))
    assert next(loaded.net_.module_.parameters()).is_cuda
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
