"""One process of the data-parallel tests (tests/test_ddp.py).

Started by ``torchrun`` (``python -m torch.distributed.run --standalone
--nproc_per_node 2 tests/_ddp_worker.py OUT``): joins a gloo process group,
fits the tiny forecasters of :data:`CONFIGS` with ``distributed=True`` and
writes what each rank ends with to ``OUT/rank{rank}.npz``; rank 0 also saves
the first model with ``sklstm.save`` and pickle. After leaving the group,
every rank trains one more epoch with ``distributed=False``, to check that
nothing of the data-parallel training stays attached to the network.
"""

import pickle
import sys
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist

import sklstm
from sklstm import LSTMForecaster, make_windows

# Small enough for a few seconds on one thread; the panel has more windows
# than a batch holds and a last batch that does not split evenly.
TINY = {
    "horizon": 3,
    "hidden_size": 4,
    "max_epochs": 3,
    "batch_size": 16,
    "random_state": 0,
}
CONFIGS = {
    # Without dropout, whose masks differ from one process's, the processes
    # take one process's steps, up to float rounding.
    "plain": {"early_stopping": True, "validation_fraction": 0.2, "dropout": 0.0},
    # An ensemble with dropout between stacked layers: members train on their
    # own parts of each batch, and dropout masks come from per-rank generators.
    "ensemble": {
        "n_estimators": 2,
        "num_layers": 2,
        "dropout": 0.3,
        "early_stopping": True,
        "validation_fraction": 0.2,
    },
}


def panel():
    """Three seasonal series of different lengths and levels."""
    rng = np.random.default_rng(0)
    series = []
    for n, level in [(90, 10.0), (110, 30.0), (75, 5.0)]:
        t = np.arange(n)
        season = 1 + 0.3 * np.sin(2 * np.pi * t / 12)
        series.append(level * season * np.exp(0.05 * rng.standard_normal(n)))
    return series


def data():
    X, y = make_windows(panel(), 12, 3)
    return X[:-20], y[:-20], X[-20:]


def main(out):
    out = Path(out)
    dist.init_process_group("gloo")
    rank = dist.get_rank()
    X, y, X_test = data()
    results = {}
    models = {}
    for name, params in CONFIGS.items():
        model = LSTMForecaster(**TINY, **params, distributed=True).fit(X, y)
        models[name] = model
        history = model.net_.history
        results[f"{name}_module"] = np.array(type(model.net_.module_).__name__)
        results[f"{name}_train_loss"] = np.array(history[:, "train_loss"])
        if "valid_loss" in history[0]:
            results[f"{name}_valid_loss"] = np.array(history[:, "valid_loss"])
        results[f"{name}_predict"] = model.predict(X_test)
        for key, value in model.net_.module_.state_dict().items():
            results[f"{name}_weight_{key}"] = value.numpy().copy()
    # Processes that hold different data refuse to train, all of them.
    try:
        LSTMForecaster(**TINY, distributed=True).fit(
            X[: len(X) - rank], y[: len(y) - rank]
        )
    except ValueError as exc:
        results["mismatch"] = np.array(str(exc))
    if rank == 0:
        sklstm.save(models["plain"], out / "plain.sklstm")
        with open(out / "plain.pkl", "wb") as file:
            pickle.dump(models["plain"], file)
    dist.barrier()
    dist.destroy_process_group()
    # One more epoch on this process alone.
    model = models["plain"].set_params(distributed=False).partial_fit(X, y)
    results["continued_predict"] = model.predict(X_test)
    np.savez(out / f"rank{rank}.npz", **results)


if __name__ == "__main__":
    torch.set_num_threads(1)
    main(sys.argv[1])
