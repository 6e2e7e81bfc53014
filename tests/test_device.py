"""Device handling: tensors moved once per fit, pinned batches on CUDA.

The CUDA tests are skipped on machines without a GPU; the CPU tests check
that the same code paths leave CPU training as it was, and spy on the calls
that move tensors (to the estimator's device, pinned on the way to a GPU),
so that those paths are checked on every machine.
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


def test_in_memory_windows_move_to_the_estimators_device_once(monkeypatch):
    # "cpu:0" is not the device the windows start on ("cpu"): a fit that
    # ignored the estimator's device would not ask for it.
    X, y = _windows()
    events = []
    original = _WindowDataset.to

    def spy_to(self, device):
        moved = original(self, device)
        events.append(("to", torch.device(device)))
        return moved

    class Batches(Callback):
        def on_batch_begin(self, net, batch=None, **kwargs):
            events.append(("batch", batch[0].device, batch[1].device))

    monkeypatch.setattr(_WindowDataset, "to", spy_to)
    reg = LSTMRegressor(device="cpu:0", callbacks=[Batches()], **FAST)
    reg.fit(np.array(X), y[:, 0])
    # Once per fit, before the first batch, to the estimator's device.
    assert events[0] == ("to", torch.device("cpu", 0))
    batches = events[1:]
    assert len(batches) == FAST["max_epochs"] * -(-len(X) // FAST["batch_size"])
    assert set(batches) == {("batch", torch.device("cpu"), torch.device("cpu"))}


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


def test_lazy_batches_are_pinned_and_copied_to_the_gpu_spied(monkeypatch):
    # Without a GPU too: pin_memory and the copy to "cuda" are recorded (and
    # leave the tensors where they are) instead of run.
    X, y = _windows()
    fc = LSTMForecaster(horizon=2, **FAST).fit(X, y)  # X is a view: lazy
    source = _WindowSource(X[:, :, None])
    cpu = _LazyWindowDataset(
        source, y, _Batches(_WindowTransform.of(fc), _Scaler.of(fc))
    )
    gpu = cpu.to("cuda")
    assert gpu.device == torch.device("cuda") and cpu.device.type == "cpu"
    pinned, copied = [], []
    original_to = torch.Tensor.to

    def spy_pin_memory(self):
        pinned.append(self.clone())
        return pinned[-1]

    def spy_to(self, *args, **kwargs):
        device = kwargs.get("device", args[0] if args else None)
        if isinstance(device, (str, torch.device)) and (
            torch.device(device).type == "cuda"
        ):
            # The tensor copied is the pinned one, asynchronously.
            pinned_here = any(self is p for p in pinned)
            copied.append((pinned_here, kwargs.get("non_blocking", False)))
            return self
        return original_to(self, *args, **kwargs)

    monkeypatch.setattr(torch.Tensor, "pin_memory", spy_pin_memory)
    monkeypatch.setattr(torch.Tensor, "to", spy_to)
    index = np.arange(5, 40)
    expected = cpu[index]
    assert not pinned and not copied  # the CPU path neither pins nor copies
    batch = gpu[index]
    assert len(pinned) == len(copied) == len(batch) == 2
    assert copied == [(True, True)] * 2
    for got, want in zip(batch, expected):
        torch.testing.assert_close(got, want, rtol=0, atol=0)


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
