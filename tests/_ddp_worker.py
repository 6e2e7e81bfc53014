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
from skorch.callbacks import Callback

import sklstm
from sklstm import LSTMClassifier, LSTMForecaster, make_windows


class Parts(Callback):
    """Records the windows of every training batch of the first epoch (the
    last scaled value of each, sorted)."""

    def initialize(self):
        self.parts_ = []
        return self

    def on_batch_begin(self, net, batch=None, training=None, **kwargs):
        if training and len(net.history) == 1:
            self.parts_.append(np.sort(batch[0][:, -1, 0].numpy()))


# Small enough for a few seconds on one thread; every data set has more
# samples than a batch holds and a last batch that does not split evenly.
TINY = {"hidden_size": 4, "max_epochs": 3, "batch_size": 16, "random_state": 0}
FORECAST = {"horizon": 3, "look_back": 12}
# name: (estimator class, data, parameters)
CONFIGS = {
    # Without dropout, whose masks differ from one process's, the processes
    # take one process's steps, up to float rounding.
    "plain": (
        LSTMForecaster,
        "panel",
        {
            **FORECAST,
            "early_stopping": True,
            "validation_fraction": 0.2,
            "dropout": 0.0,
        },
    ),
    # An ensemble with dropout between stacked layers: members train on their
    # own parts of each batch, and dropout masks come from per-rank generators.
    "ensemble": (
        LSTMForecaster,
        "panel",
        {
            **FORECAST,
            "n_estimators": 2,
            "num_layers": 2,
            "dropout": 0.3,
            "early_stopping": True,
            "validation_fraction": 0.2,
        },
    ),
    # Windows of one long series, gathered batch by batch from it.
    "lazy": (
        LSTMForecaster,
        "series",
        {**FORECAST, "dropout": 0.0, "callbacks": [("parts", Parts())]},
    ),
    "classifier": (LSTMClassifier, "classes", {}),
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


def data(kind):
    """``(X, y, X_test)`` of a data kind of :data:`CONFIGS`."""
    if kind == "classes":
        X = np.random.default_rng(1).standard_normal((100, 8, 1))
        y = (X[:, -3:, 0].sum(axis=1) > 0).astype(int)
        return X[:80], y[:80], X[80:]
    X, y = make_windows(panel()[1] if kind == "series" else panel(), 12, 3)
    return X[:-20], y[:-20], X[-20:]


def estimator(name, **params):
    """The estimator of config ``name``, unfitted."""
    cls, _, config = CONFIGS[name]
    return cls(**TINY, **config, **params)


def outputs(model, X_test):
    """Predictions: class probabilities for a classifier."""
    if hasattr(model, "predict_proba"):
        return model.predict_proba(X_test)
    return model.predict(X_test)


def main(out):
    out = Path(out)
    dist.init_process_group("gloo")
    rank = dist.get_rank()
    results = {}
    models = {}
    for name, (_, kind, _) in CONFIGS.items():
        X, y, X_test = data(kind)
        model = estimator(name, distributed=True).fit(X, y)
        models[name] = model
        history = model.net_.history
        results[f"{name}_module"] = np.array(type(model.net_.module_).__name__)
        results[f"{name}_train_loss"] = np.array(history[:, "train_loss"])
        if "valid_loss" in history[0]:
            results[f"{name}_valid_loss"] = np.array(history[:, "valid_loss"])
        results[f"{name}_predict"] = outputs(model, X_test)
        if name == "lazy":
            parts = dict(model.net_.callbacks_)["parts"].parts_
            results["parts"] = np.concatenate(parts)
            results["part_sizes"] = np.array([len(part) for part in parts])
        for key, value in model.net_.module_.state_dict().items():
            results[f"{name}_weight_{key}"] = value.numpy().copy()
    # A continued fit trains on the processes' parts again.
    X, y, X_test = data("series")
    results["lazy_partial_predict"] = models["lazy"].partial_fit(X, y).predict(X_test)
    # Processes that hold different data refuse to train, all of them.
    X, y, X_test = data("panel")
    try:
        estimator("plain", distributed=True).fit(X[: len(X) - rank], y[: len(y) - rank])
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
