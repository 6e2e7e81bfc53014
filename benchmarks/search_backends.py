"""Time one small GridSearchCV of LSTMForecaster: sequential, loky, Dask (and Ray).

Run ``python benchmarks/search_backends.py`` (``--ray`` adds Ray's joblib
backend when ray is installed). Each parallel backend is timed twice: the first
("cold") run includes starting the worker processes and importing torch in
them, the second ("warm") reuses them. Every search must find the same best
parameters and the same cross-validation scores as the sequential one; the
script fails if not. Prints a markdown table and writes it to
``benchmarks/results/search_backends.md``.
"""

import argparse
import os
import platform
import time
from pathlib import Path

import joblib
import numpy as np
import torch
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit

from sklstm import LSTMForecaster, make_windows
from sklstm.datasets import load_airline

GRID = {"hidden_size": [16, 32], "lr": [3e-3, 1e-2]}


def make_search(n_jobs, n_threads=None):
    model = LSTMForecaster(
        horizon=12, max_epochs=30, n_threads=n_threads, random_state=0
    )
    return GridSearchCV(
        model,
        GRID,
        cv=TimeSeriesSplit(n_splits=3),
        scoring="neg_mean_absolute_error",
        n_jobs=n_jobs,
    )


def timed_search(X, y, n_jobs, n_threads=None):
    start = time.perf_counter()
    search = make_search(n_jobs, n_threads).fit(X, y)
    return time.perf_counter() - start, search


def same_results(search, reference):
    scores = search.cv_results_["mean_test_score"]
    ref = reference.cv_results_["mean_test_score"]
    return search.best_params_ == reference.best_params_, float(
        np.max(np.abs(scores - ref) / np.abs(ref))
    )


def main(use_ray=False, out=Path(__file__).parent / "results/search_backends.md"):
    X, y = make_windows(np.log(load_airline().to_numpy()), look_back=24, horizon=12)
    n_fits = len(list(make_search(None).cv.split(X))) * 4 + 1
    rows = []
    seconds, reference = timed_search(X, y, n_jobs=None)
    rows.append(("sequential (n_jobs=None)", seconds, True, 0.0))
    seconds, search = timed_search(X, y, n_jobs=None, n_threads=1)
    rows.append(("sequential, n_threads=1", seconds, *same_results(search, reference)))

    def run_backend(name, context):
        for label in ("cold", "warm"):
            with context():
                seconds, search = timed_search(X, y, n_jobs=-1)
            same, rel = same_results(search, reference)
            rows.append((f"{name}, n_jobs=-1, {label}", seconds, same, rel))

    run_backend("loky", lambda: joblib.parallel_config(backend="loky"))

    from distributed import Client, LocalCluster

    start = time.perf_counter()
    with (
        LocalCluster(
            n_workers=os.cpu_count(),
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address="127.0.0.1:0",
        ) as cluster,
        Client(cluster),
    ):
        rows.append(
            ("dask LocalCluster start", time.perf_counter() - start, None, None)
        )
        run_backend("dask", lambda: joblib.parallel_config(backend="dask"))

    if use_ray:
        import ray
        from ray.util.joblib import register_ray

        register_ray()
        start = time.perf_counter()
        ray.init(num_cpus=os.cpu_count(), include_dashboard=False, log_to_driver=False)
        rows.append(("ray.init", time.perf_counter() - start, None, None))
        try:
            run_backend("ray", lambda: joblib.parallel_config(backend="ray"))
        finally:
            ray.shutdown()

    base = rows[1][1]  # sequential on one torch thread
    lines = [
        f"One GridSearchCV: {len(GRID['hidden_size']) * len(GRID['lr'])} candidates x "
        f"3 TimeSeriesSplit folds + refit = {n_fits} fits of LSTMForecaster "
        f"(horizon=12, max_epochs=30) on {len(X)} airline windows.",
        f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} "
        f"CPUs, torch {torch.__version__}, {torch.get_num_threads()} torch threads "
        "in the main process.",
        "",
        "| run | seconds | x sequential, 1 thread | same best params "
        "| max rel. score diff |",
        "|---|---:|---:|---|---:|",
    ]
    for name, seconds, same, rel in rows:
        if same is None:
            lines.append(f"| {name} | {seconds:.1f} | | | |")
        else:
            lines.append(
                f"| {name} | {seconds:.1f} | {seconds / base:.2f} | {same} | "
                f"{rel:.1e} |"
            )
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    lines.append(f"\nLoad average after the run (1, 5, 15 min): {load}.")
    table = "\n".join(lines)
    print(table)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(table + "\n")
    if not all(row[2] for row in rows if row[2] is not None):
        raise SystemExit("A parallel search found other best parameters.")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ray", action="store_true", help="also time Ray's backend")
    main(use_ray=parser.parse_args().ray)
