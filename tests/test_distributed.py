"""Parallel and distributed searches: joblib's loky backend and a real Dask cluster.

The Dask tests start a ``distributed.LocalCluster`` of two worker processes
that listen on 127.0.0.1 only, once for the module, and stop it at the end.
"""

import os
import subprocess
import sys
import threading

import joblib
import numpy as np
import psutil
import pytest
import torch
from distributed import Client, LocalCluster
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
from skorch.callbacks import Callback

from sklstm import LSTMForecaster, LSTMRegressor, make_windows

THREAD_VARS = ["OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"]


class RecordThreads(Callback):
    """Record torch's thread count, as seen by the fitting thread, every epoch."""

    def on_epoch_end(self, net, **kwargs):
        net.history.record("torch_threads", torch.get_num_threads())


def fit_threads(estimator, X=None, y=None):
    """Largest torch thread count seen during the fit (usable as a scorer)."""
    return max(estimator.net_.history[:, "torch_threads"])


def _windows():
    t = np.arange(160)
    rng = np.random.default_rng(0)
    series = np.sin(2 * np.pi * t / 12) + 0.01 * t + 0.05 * rng.normal(size=len(t))
    return make_windows(series, look_back=12, horizon=3)


def _search(n_jobs):
    model = LSTMForecaster(
        horizon=3,
        hidden_size=8,
        max_epochs=4,
        callbacks=[RecordThreads()],
        random_state=0,
    )
    return GridSearchCV(
        model,
        {"lr": [1e-2, 3e-2], "look_back": [6, 12]},
        cv=TimeSeriesSplit(n_splits=2),
        scoring={"mse": "neg_mean_squared_error", "threads": fit_threads},
        refit="mse",
        n_jobs=n_jobs,
    )


@pytest.fixture(scope="module")
def sequential():
    X, y = _windows()
    return _search(n_jobs=None).fit(X, y)


@pytest.fixture
def default_thread_env(monkeypatch):
    # Test the backends' own defaults, not limits a user set in the environment.
    for var in THREAD_VARS:
        monkeypatch.delenv(var, raising=False)


def _assert_same_search(parallel, sequential):
    assert parallel.best_params_ == sequential.best_params_
    # Each fit is seeded from random_state, wherever it runs.
    assert_allclose(
        parallel.cv_results_["mean_test_mse"],
        sequential.cv_results_["mean_test_mse"],
        rtol=1e-5,
    )
    X, _ = _windows()
    assert_array_equal(
        parallel.best_estimator_.predict(X), sequential.best_estimator_.predict(X)
    )


def _max_fit_threads(search):
    return int(np.max(search.cv_results_["mean_test_threads"]))


def test_core_does_not_import_dask():
    code = (
        "import sys, sklstm; "
        "print([m for m in ('dask', 'distributed') if m in sys.modules])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


# --------------------------------------------------------------------- loky


def test_loky_search_equals_sequential_with_bounded_threads(
    sequential, default_thread_env
):
    X, y = _windows()
    with joblib.parallel_config(backend="loky"):
        search = _search(n_jobs=-1).fit(X, y)
    _assert_same_search(search, sequential)
    # loky gives each of its n_jobs workers cpu_count // n_jobs threads.
    n_jobs = joblib.cpu_count()
    assert _max_fit_threads(search) == max(os.cpu_count() // n_jobs, 1)
    assert n_jobs * _max_fit_threads(search) <= os.cpu_count()


def test_loky_search_with_n_threads(default_thread_env):
    X, y = _windows()
    n_jobs = 2
    # loky gives each worker cpu_count // n_jobs threads by itself; ask for a
    # different count, so the fits see it only if n_threads was applied.
    loky_default = max(os.cpu_count() // n_jobs, 1)
    n_threads = 2 if loky_default == 1 else 1
    search = _search(n_jobs=n_jobs)
    with joblib.parallel_config(backend="loky"):
        search.set_params(estimator__n_threads=n_threads).fit(X, y)
    assert_array_equal(search.cv_results_["mean_test_threads"], n_threads)


# --------------------------------------------------------------------- dask


@pytest.fixture(scope="module")
def dask_client():
    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            # The scheduler always serves HTTP (health, metrics); a free port
            # on loopback, rather than the fixed 8787, never collides.
            dashboard_address="127.0.0.1:0",
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client
    # Leaving the block closed the cluster: its worker processes are gone.


def test_dask_local_cluster_is_local_and_stops(dask_client):
    pids = dask_client.run(os.getpid)
    assert len(pids) == 2
    assert all(address.startswith("tcp://127.0.0.1:") for address in pids)
    assert dask_client.scheduler.address.startswith("tcp://127.0.0.1:")
    for pid in [os.getpid(), *pids.values()]:
        listening = [
            conn.laddr.ip
            for conn in psutil.Process(pid).net_connections(kind="inet")
            if conn.status == psutil.CONN_LISTEN
        ]
        assert set(listening) <= {"127.0.0.1"}, (pid, listening)


def test_dask_search_equals_sequential_with_bounded_threads(sequential, dask_client):
    X, y = _windows()
    with joblib.parallel_config(backend="dask"):
        search = _search(n_jobs=-1).fit(X, y)
    _assert_same_search(search, sequential)
    # The fits ran on the cluster's worker processes, not here.
    assert set(dask_client.run(os.getpid).values()).isdisjoint({os.getpid()})
    # Dask workers start with one torch thread per process.
    n_workers = len(dask_client.scheduler_info()["workers"])
    assert _max_fit_threads(search) == 1
    assert n_workers * _max_fit_threads(search) <= os.cpu_count()


def test_dask_cluster_shutdown_ends_worker_processes():
    with (
        LocalCluster(
            n_workers=1,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address="127.0.0.1:0",
        ) as cluster,
        Client(cluster) as client,
    ):
        (pid,) = client.run(os.getpid).values()
        worker = psutil.Process(pid)
        assert worker.is_running()
    _, alive = psutil.wait_procs([worker], timeout=10)
    assert not alive


# ------------------------------------------------------------------ n_threads


@pytest.fixture
def two_torch_threads():
    previous = torch.get_num_threads()
    torch.set_num_threads(2)
    yield 2
    torch.set_num_threads(previous)


def _tiny(cls, **params):
    return cls(hidden_size=4, max_epochs=2, callbacks=[RecordThreads()], **params)


@pytest.mark.parametrize("cls", [LSTMForecaster, LSTMRegressor])
def test_n_threads_applies_during_fit_and_is_restored(cls, two_torch_threads):
    X, y = _windows()
    est = _tiny(cls, n_threads=1, random_state=0).fit(X, y[:, 0])
    assert est.net_.history[:, "torch_threads"] == [1, 1]
    assert torch.get_num_threads() == two_torch_threads
    est.predict(X)
    assert torch.get_num_threads() == two_torch_threads


def test_n_threads_none_leaves_torch_alone(two_torch_threads):
    X, y = _windows()
    est = _tiny(LSTMForecaster, horizon=3, random_state=0).fit(X, y)
    assert est.net_.history[:, "torch_threads"] == [2, 2]
    assert torch.get_num_threads() == two_torch_threads


def test_n_threads_restored_after_error(two_torch_threads):
    class Boom(Callback):
        def on_epoch_end(self, net, **kwargs):
            raise RuntimeError("boom")

    X, y = _windows()
    est = LSTMForecaster(horizon=3, max_epochs=2, n_threads=1, callbacks=[Boom()])
    with pytest.raises(RuntimeError, match="boom"):
        est.fit(X, y)
    assert torch.get_num_threads() == two_torch_threads


def test_n_threads_restored_after_overlapping_fits_in_threads(two_torch_threads):
    # Fit A enters, then fit B (in a fresh thread, which starts from torch's
    # process-wide count, now A's n_threads) enters, A leaves, B leaves. The
    # count must end as it began, also for threads started afterwards.
    a_inside, b_inside, a_done = (threading.Event() for _ in range(3))

    class Signal(Callback):
        def __init__(self, set_event=None, wait_event=None):
            self.set_event = set_event
            self.wait_event = wait_event

        def __deepcopy__(self, memo):
            return self  # events cannot be copied; the estimator copies callbacks

        def on_epoch_end(self, net, **kwargs):
            if len(net.history) == 1:
                self.set_event.set()
                assert self.wait_event.wait(timeout=60)

    X, y = _windows()
    errors = []

    def fit(callback, after=None):
        try:
            LSTMForecaster(
                horizon=3, max_epochs=2, n_threads=1, callbacks=[callback]
            ).fit(X, y)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            if after is not None:
                after.set()

    thread_a = threading.Thread(target=fit, args=(Signal(a_inside, b_inside), a_done))
    thread_a.start()
    assert a_inside.wait(timeout=60)
    thread_b = threading.Thread(target=fit, args=(Signal(b_inside, a_done),))
    thread_b.start()
    thread_a.join()
    thread_b.join()
    assert not errors
    seen = []
    later = threading.Thread(target=lambda: seen.append(torch.get_num_threads()))
    later.start()
    later.join()
    assert seen == [two_torch_threads]
    assert torch.get_num_threads() == two_torch_threads
