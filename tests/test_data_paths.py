"""The fast data paths give the same results as the straightforward ones."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
import torch

from sklstm import (
    LSTMClassifier,
    LSTMForecaster,
    LSTMRegressor,
    SlidingWindowTransformer,
    make_windows,
)
from sklstm._data import _window_base

FAST = dict(hidden_size=4, max_epochs=2, batch_size=64, random_state=0)


def test_window_views_are_recognised_and_copies_are_not():
    series = np.arange(20.0)
    X, _ = make_windows(series, look_back=5)
    base = _window_base(X[:, :, None])
    assert base is not None and np.shares_memory(base, series)
    np.testing.assert_array_equal(base[:, 0], series[: len(X) + 4])
    assert _window_base(X.copy()[:, :, None]) is None
    assert _window_base(np.zeros((4, 3, 1))) is None
    # Multichannel windows of a 2-D series, and the transformer's output.
    data = np.arange(40.0).reshape(20, 2)
    X2, _ = make_windows(data, look_back=4, target=0)
    np.testing.assert_array_equal(_window_base(X2), data[: len(X2) + 3])
    flat = SlidingWindowTransformer(look_back=3).fit_transform(data)
    assert _window_base(flat.reshape(20, 3, 2)) is not None


@pytest.mark.parametrize("strategy", ["direct", "recursive"])
@pytest.mark.parametrize(
    "normalize, difference, error_scale",
    [("window", None, "spread"), (None, 2, "spread"), ("window", None, "level")],
)
def test_lazy_windows_train_and_predict_like_materialised_ones(
    strategy, normalize, difference, error_scale
):
    series = np.sin(np.arange(600) / 6.0) + 0.01 * np.arange(600)
    X, y = make_windows(series, look_back=16, horizon=3)
    params = dict(horizon=3, strategy=strategy, normalize=normalize, **FAST)
    params.update(difference=difference, error_scale=error_scale)
    lazy = LSTMForecaster(**params).fit(X, y)  # X is a view: gathered per batch
    eager = LSTMForecaster(**params).fit(np.array(X), y)
    np.testing.assert_array_equal(lazy.predict(X), eager.predict(np.array(X)))
    np.testing.assert_array_equal(lazy.x_scale_, eager.x_scale_)
    assert lazy.net_.history[:, "train_loss"] == eager.net_.history[:, "train_loss"]


def test_early_stopping_split_on_lazy_windows():
    series = np.sin(np.arange(400) / 5.0)
    X, y = make_windows(series, look_back=10)
    params = dict(early_stopping=True, **{**FAST, "max_epochs": 3})
    lazy = LSTMForecaster(**params).fit(X, y)
    eager = LSTMForecaster(**params).fit(np.array(X), y)
    assert lazy.net_.history[:, "valid_loss"] == eager.net_.history[:, "valid_loss"]


# Run in a fresh process: fits, and the growth of its peak resident memory
# (everything: numpy and torch's allocator alike) over the resident memory
# before each, in MiB. glibc's mmap threshold is fixed so that freed blocks go
# back to the system instead of being reused uncounted.
_PEAK_RSS_SCRIPT = """
import json
import numpy as np
import torch
from sklstm import LSTMForecaster, LSTMRegressor, make_windows

torch.set_num_threads(1)


def status(key):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024


def growth(run):
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # the peak (VmHWM) restarts from the current size
    before = status("VmRSS")
    run()
    return (status("VmHWM") - before) / 2**20


params = dict(hidden_size=2, max_epochs=1, batch_size=2048, random_state=0)
out = {}
for Estimator in [LSTMForecaster, LSTMRegressor]:
    def fit_predict(X, y):
        return lambda: Estimator(**params).fit(X, y).predict(X)

    windows = {}
    for n in [5_000, 10_000, 40_000]:
        windows[n] = make_windows(np.sin(np.arange(n) / 10.0), look_back=64)
    fit_predict(*windows[5_000])()  # warm up: lazy imports, thread pools
    fit_predict(np.array(windows[5_000][0]), windows[5_000][1])()
    X, y = windows[40_000]
    out[Estimator.__name__] = {
        "short": growth(fit_predict(*windows[10_000])),
        "long": growth(fit_predict(X, y)),
        "long_copied": growth(fit_predict(np.array(X), y)),
        "windows": X.nbytes / 2**20,
    }
print(json.dumps(out))
"""


@pytest.mark.skipif(sys.platform != "linux", reason="reads peak memory from /proc")
def test_training_on_a_long_series_does_not_copy_its_windows():
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MALLOC_MMAP_THRESHOLD_": "131072"}
    result = subprocess.run(
        [sys.executable, "-c", _PEAK_RSS_SCRIPT],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    for name, mib in json.loads(result.stdout).items():
        # Windows of a series 4 times as long (40,000 windows of 64 steps:
        # 20 MiB as float64) take hardly more memory to train on and predict:
        # block-wise processing gathers one batch of windows at a time...
        assert mib["long"] - mib["short"] < mib["windows"] / 4, (name, mib)
        # ...while materialised windows cost at least a float32 copy more.
        assert mib["long_copied"] - mib["short"] > mib["windows"] / 4, (name, mib)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_training_matches_cpu_closely():
    series = np.sin(np.arange(400) / 6.0)
    X, y = make_windows(series, look_back=16, horizon=2)
    params = dict(horizon=2, **FAST)
    cpu = LSTMForecaster(device="cpu", **params).fit(X, y)
    gpu = LSTMForecaster(device="cuda", **params).fit(X, y)
    assert next(gpu.net_.module_.parameters()).is_cuda
    # Same seed and batches; cuDNN and CPU kernels round differently.
    np.testing.assert_allclose(gpu.predict(X), cpu.predict(X), atol=1e-3)


@pytest.mark.parametrize("early_stopping", [False, True])
def test_regressor_gathers_window_views_like_copied_windows(early_stopping):
    # Windows of a two-channel series as a strided view, with leading NaN
    # padding from the transformer: the lazy path must match the copy exactly.
    t = np.arange(400.0)
    data = np.column_stack([np.sin(t / 6.0), np.cos(t / 9.0)])
    flat = SlidingWindowTransformer(look_back=12).fit_transform(data)
    X = flat.reshape(400, 12, 2)
    assert _window_base(X) is not None
    y = np.roll(data[:, 0], -1)
    params = dict(early_stopping=early_stopping, n_features=None, **FAST)
    lazy = LSTMRegressor(**params).fit(X, y)
    eager = LSTMRegressor(**params).fit(np.array(X), y)
    np.testing.assert_array_equal(lazy.x_mean_, eager.x_mean_)
    np.testing.assert_array_equal(lazy.x_scale_, eager.x_scale_)
    assert lazy.net_.history[:, "train_loss"] == eager.net_.history[:, "train_loss"]
    np.testing.assert_array_equal(lazy.predict(X), eager.predict(np.array(X)))
    # The classifier reads windows the same way.
    labels = (y > 0).astype(int)
    lazy_clf = LSTMClassifier(**FAST).fit(X, labels)
    eager_clf = LSTMClassifier(**FAST).fit(np.array(X), labels)
    np.testing.assert_array_equal(
        lazy_clf.predict_proba(X), eager_clf.predict_proba(np.array(X))
    )
