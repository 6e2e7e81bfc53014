"""Data-parallel training (``distributed=True``) against one process.

On a synthetic panel (``--series`` daily series of 200 days, weekly season,
trend and noise; ``look_back=28``, ``horizon=14``) an ``LSTMForecaster`` is
trained for a fixed number of epochs, with the same global batch
(``batch_size=256``) and seed, twice:

- ``1 process``: one process with ``n_threads=2`` (``OMP_NUM_THREADS=2``);
- ``DDP x2``: two processes of one thread each, started with ``torchrun
  --standalone --nproc_per_node 2``, joined in a gloo process group over
  loopback, each training on its half of every batch.

Each side runs in fresh processes of its own, started one after the other,
and times ``fit`` alone (from a barrier of all its processes to the end of
``fit`` on rank 0), not the start of Python or of the process group. Both
are scored on the validation block: the last 14 days of every series, held
out of training, forecast from the 28 days before them, as MASE against the
in-sample weekly seasonal naive; the seasonal naive forecast's own score is
the baseline row. Seeds are repeated (``--seeds``) and the table gives each
seed's times, the speedup (1 process / DDP) and both scores, then their
means and standard deviations.

Run on an otherwise idle machine with at least 2 cores:
``python benchmarks/scale_ddp.py`` (``--quick`` for a smoke run whose
numbers mean nothing).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

DAYS, LOOK_BACK, HORIZON, SEASON = 200, 28, 14, 7
BATCH = 256


def panel(n_series, seed=0):
    """``(n_series, DAYS)`` positive series: level, trend, weekly season, noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(DAYS)
    level = rng.lognormal(3.0, 1.0, (n_series, 1))
    trend = 1 + rng.normal(0, 0.002, (n_series, 1)) * t
    phase = rng.uniform(0, 2 * np.pi, (n_series, 1))
    season = 1 + rng.uniform(0.1, 0.5, (n_series, 1)) * np.sin(
        2 * np.pi * t / SEASON + phase
    )
    noise = np.exp(rng.normal(0, 0.1, (n_series, DAYS)))
    return level * trend * season * noise


def mase(truth, forecast, train):
    """Mean over series of MAE scaled by the in-sample seasonal naive MAE."""
    scale = np.abs(train[:, SEASON:] - train[:, :-SEASON]).mean(axis=1)
    return float((np.abs(truth - forecast).mean(axis=1) / scale).mean())


def worker(args):
    """One process of one side: fit, time, score; rank 0 writes the result."""
    import torch

    from sklstm import LSTMForecaster, make_windows

    distributed = args.worker == "ddp"
    if distributed:
        import torch.distributed as dist

        dist.init_process_group("gloo")
        rank = dist.get_rank()
    else:
        rank = 0
    data = panel(args.series)
    train, truth = data[:, :-HORIZON], data[:, -HORIZON:]
    X, y = make_windows(list(train), LOOK_BACK, HORIZON)
    model = LSTMForecaster(
        look_back=LOOK_BACK,
        horizon=HORIZON,
        max_epochs=args.epochs,
        batch_size=BATCH,
        n_threads=1 if distributed else 2,
        distributed=distributed,
        random_state=args.seed,
    )
    if distributed:
        dist.barrier()
    start = time.perf_counter()
    model.fit(X, y)
    seconds = time.perf_counter() - start
    if rank == 0:
        score = mase(truth, model.predict(train[:, -LOOK_BACK:]), train)
        result = {
            "seconds": seconds,
            "mase": score,
            "windows": len(X),
            "threads": torch.get_num_threads(),
        }
        Path(args.out).write_text(json.dumps(result))
    if distributed:
        dist.destroy_process_group()


def run_side(side, args, seed):
    """Start one side's processes and return rank 0's result."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "result.json"
        script = [__file__, "--worker", side, "--out", str(out)]
        script += ["--series", str(args.series), "--epochs", str(args.epochs)]
        script += ["--seed", str(seed)]
        if side == "ddp":
            command = [sys.executable, "-m", "torch.distributed.run"]
            command += ["--standalone", "--nproc_per_node", "2", *script]
            threads = "1"
        else:
            command, threads = [sys.executable, *script], "2"
        env = {**os.environ, "OMP_NUM_THREADS": threads}
        subprocess.run(command, env=env, check=True)
        return json.loads(out.read_text())


def _mean_sd(values):
    sd = statistics.stdev(values) if len(values) > 1 else float("nan")
    return f"{statistics.mean(values):.3f} +- {sd:.3f}"


def main(args):
    seeds = list(range(args.seeds))
    rows = []
    for seed in seeds:
        # Alternate which side goes first, so that neither always runs on
        # a machine warmed (or slowed) by the other.
        sides = ["single", "ddp"] if seed % 2 == 0 else ["ddp", "single"]
        result = {side: run_side(side, args, seed) for side in sides}
        rows.append(result)
    data = panel(args.series)
    train, truth = data[:, :-HORIZON], data[:, -HORIZON:]
    naive = mase(truth, np.tile(train[:, -SEASON:], 2)[:, :HORIZON], train)
    windows = rows[0]["single"]["windows"]
    print(
        f"\n{args.series:,} series x {DAYS} days, {windows:,} training windows, "
        f"look_back={LOOK_BACK}, horizon={HORIZON}, batch_size={BATCH}, "
        f"{args.epochs} epochs\n"
    )
    print(
        "| seed | 1 process, 2 threads (s) | DDP x2, 1 thread each (s) | speedup "
        "| MASE 1 process | MASE DDP |"
    )
    print("|---|---|---|---|---|---|")
    speedups = []
    for seed, row in zip(seeds, rows):
        single, ddp = row["single"], row["ddp"]
        speedups.append(single["seconds"] / ddp["seconds"])
        print(
            f"| {seed} | {single['seconds']:.1f} | {ddp['seconds']:.1f} | "
            f"{speedups[-1]:.2f}x | {single['mase']:.3f} | {ddp['mase']:.3f} |"
        )
    print(
        f"| mean +- sd | {_mean_sd([r['single']['seconds'] for r in rows])} | "
        f"{_mean_sd([r['ddp']['seconds'] for r in rows])} | {_mean_sd(speedups)} | "
        f"{_mean_sd([r['single']['mase'] for r in rows])} | "
        f"{_mean_sd([r['ddp']['mase'] for r in rows])} |"
    )
    print(f"\nSeasonal naive (weekly) on the same validation block: MASE {naive:.3f}")
    return rows, naive


def parse(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--series", type=int, default=3000)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="a smoke run")
    parser.add_argument("--worker", choices=["single", "ddp"], help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.quick:
        args.series, args.epochs, args.seeds = 100, 1, 1
    return args


if __name__ == "__main__":
    arguments = parse()
    if arguments.worker:
        worker(arguments)
    else:
        main(arguments)
