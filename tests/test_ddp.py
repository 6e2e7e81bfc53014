"""Data-parallel training (``distributed=True``) on two local processes.

The module's fixture starts ``torchrun`` with two processes that join a gloo
process group over loopback and run ``tests/_ddp_worker.py``; the tests read
what each process ended with and compare it with a fit in this process.
"""

import os
import pickle
import subprocess
import sys
from pathlib import Path

import _ddp_worker as worker
import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose, assert_array_equal

import sklstm
from sklstm import LSTMClassifier, LSTMForecaster, LSTMNet, LSTMRegressor
from sklstm._data import _Shard, _WindowSource

WORKER = Path(worker.__file__)


@pytest.fixture(scope="module")
def ranks(tmp_path_factory):
    """What each of the two processes wrote: ``(rank0, rank1, directory)``."""
    out = tmp_path_factory.mktemp("ddp")
    root = str(Path(sklstm.__file__).resolve().parents[1])
    env = {
        **os.environ,
        "OMP_NUM_THREADS": "1",
        "PYTHONPATH": os.pathsep.join([root, os.environ.get("PYTHONPATH", "")]),
    }
    # --standalone: a rendezvous on localhost, on a free port of its choice.
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone"]
    command += ["--nproc_per_node", "2", str(WORKER), str(out)]
    done = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-5000:]
    rank0, rank1 = (dict(np.load(out / f"rank{r}.npz")) for r in (0, 1))
    return rank0, rank1, out


def _single(name):
    """The fit of config ``name`` in this one process, on the same data."""
    X, y, X_test = worker.data(worker.CONFIGS[name][1])
    # On one torch thread (tests/conftest.py), as each of the processes.
    return worker.estimator(name).fit(X, y), X_test


def test_both_processes_end_with_the_same_model(ranks):
    rank0, rank1, _ = ranks
    assert rank0.keys() == rank1.keys()
    assert any("_weight_" in key for key in rank0)
    for key in rank0:
        if key not in ("mismatch", "parts", "part_sizes"):  # per process
            assert_array_equal(rank0[key], rank1[key], err_msg=key)


def test_fitted_network_is_a_plain_lstmnet(ranks):
    rank0, _, _ = ranks
    for name in worker.CONFIGS:
        assert str(rank0[f"{name}_module"]) == "LSTMNet"


@pytest.mark.parametrize("name", ["plain", "lazy", "classifier"])
def test_two_processes_take_the_steps_of_one(ranks, name):
    # Each process trains on half of every batch of 16 samples; the averaged
    # gradients are the whole batch's, so the fit is one process's up to
    # float rounding (no dropout in these configs).
    rank0, _, _ = ranks
    model, X_test = _single(name)
    history = model.net_.history
    assert_allclose(rank0[f"{name}_train_loss"], history[:, "train_loss"], rtol=1e-6)
    if name == "plain":
        valid = history[:, "valid_loss"]
        assert_allclose(rank0[f"{name}_valid_loss"], valid, rtol=1e-6)
    for key, value in model.net_.module_.state_dict().items():
        assert_allclose(rank0[f"{name}_weight_{key}"], value.numpy(), atol=1e-6)
    predicted = worker.outputs(model, X_test)
    assert_allclose(rank0[f"{name}_predict"], predicted, rtol=1e-5)


def test_partial_fit_on_two_processes_continues_as_on_one(ranks):
    rank0, _, _ = ranks
    model, X_test = _single("lazy")
    X, y, _ = worker.data(worker.CONFIGS["lazy"][1])
    predicted = model.partial_fit(X, y).predict(X_test)
    assert not np.allclose(rank0["lazy_predict"], predicted, rtol=1e-4)
    assert_allclose(rank0["lazy_partial_predict"], predicted, rtol=1e-5)


def test_lazy_config_gathers_windows_per_batch():
    # What makes the "lazy" config the per-batch path of one long series:
    # its (univariate) windows are a strided view of the series.
    X, _, _ = worker.data(worker.CONFIGS["lazy"][1])
    assert _WindowSource(X[:, :, None]).lazy
    X, _, _ = worker.data(worker.CONFIGS["plain"][1])
    assert not _WindowSource(X[:, :, None]).lazy


def test_each_process_trains_on_its_own_part_of_every_batch(ranks):
    rank0, rank1, _ = ranks
    model, _ = _single("lazy")
    batches = dict(model.net_.callbacks_)["parts"].parts_
    parts = [
        np.split(rank["parts"], np.cumsum(rank["part_sizes"])[:-1])
        for rank in (rank0, rank1)
    ]
    assert len(parts[0]) == len(parts[1]) == len(batches) > 1
    for batch, first, second in zip(batches, *parts):
        # Disjoint halves (sizes differ by at most one) that make up the batch.
        assert abs(len(first) - len(second)) <= 1
        assert_array_equal(np.sort(np.concatenate([first, second])), batch)


def test_ensemble_with_dropout_reaches_the_same_validation_loss(ranks):
    # Dropout masks are drawn per process, so the steps differ from one
    # process's; the validation loss they reach does not, beyond noise.
    rank0, _, _ = ranks
    model, _ = _single("ensemble")
    single = model.net_.history[-1, "valid_loss"]
    assert abs(rank0["ensemble_valid_loss"][-1] - single) < 0.2 * single
    # And training did something: the loss fell from the first epoch's.
    assert rank0["ensemble_valid_loss"][-1] < rank0["ensemble_valid_loss"][0]


def test_saved_model_loads_and_predicts_without_a_process_group(ranks):
    rank0, _, out = ranks
    _, X_test = _single("plain")
    loaded = sklstm.load(out / "plain.sklstm")
    assert loaded.distributed is True
    assert type(loaded.net_.module_) is LSTMNet
    assert_array_equal(loaded.predict(X_test), rank0["plain_predict"])
    with open(out / "plain.pkl", "rb") as file:
        unpickled = pickle.load(file)
    assert type(unpickled.net_.module_) is LSTMNet
    assert_array_equal(unpickled.predict(X_test), rank0["plain_predict"])


def test_training_goes_on_in_one_process_after_the_group_is_gone(ranks):
    # partial_fit with distributed=False after destroy_process_group: no
    # gradient hook of DistributedDataParallel is left on the network.
    rank0, _, _ = ranks
    assert rank0["continued_predict"].shape == rank0["plain_predict"].shape
    assert not np.array_equal(rank0["continued_predict"], rank0["plain_predict"])


def test_processes_with_different_data_refuse_to_train(ranks):
    rank0, rank1, _ = ranks
    for rank in (rank0, rank1):
        message = str(rank["mismatch"])
        assert "same data" in message
        assert "rank 1" in message


@pytest.mark.parametrize("cls", [LSTMRegressor, LSTMClassifier, LSTMForecaster])
def test_distributed_without_a_process_group_raises(cls):
    assert not torch.distributed.is_initialized()
    rng = np.random.default_rng(0)
    X = rng.standard_normal((20, 6, 1))
    y = (X[:, -1, 0] > 0).astype(int)
    model = cls(distributed=True, max_epochs=1, hidden_size=2)
    with pytest.raises(ValueError, match=r"torchrun.*init_process_group"):
        model.fit(X, y)
    assert not hasattr(model, "net_")


@pytest.mark.parametrize("world", [1, 2, 3])
@pytest.mark.parametrize("n", [1, 2, 5, 16])
def test_shards_split_every_batch(world, n):
    chunk = torch.randperm(n)
    shards = [_Shard(rank, world) for rank in range(world)]
    weights = [shard.share(n)[0] for shard in shards]
    # The parts with windows, in rank order, are the batch; a process without
    # any takes a window weighted 0.
    parts = [shard.part(chunk) for shard in shards]
    real = [part for part, weight in zip(parts, weights) if weight]
    assert_array_equal(torch.cat(real), chunk)
    assert all(len(part) for part in parts)
    # Weighted mean losses averaged over the processes: the batch's mean.
    losses = torch.rand(n)
    means = [losses[part].mean() * weight for part, weight in zip(parts, weights)]
    assert_allclose(sum(means) / world, losses.mean(), rtol=1e-6)
