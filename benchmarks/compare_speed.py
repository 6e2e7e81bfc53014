"""Speed of two checkouts of sklstm on the same workloads, interleaved.

For a change that must not change speed (a restructuring): each repetition
runs the workloads below once with each checkout, in fresh processes on one
torch thread, alternating which goes first; the table gives the medians and
their ratio. Run it on an otherwise idle machine::

    git worktree add --detach /tmp/sklstm-before <commit>
    python benchmarks/compare_speed.py /tmp/sklstm-before . --reps 7

Workloads: a forecaster fitted on the lazy windows of one long series (with
calibration), one fitted on the copied windows of a panel, predictions of
the first, a panel forecast with intervals past the horizon, and a
regressor's fit and predict.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

WORKLOAD = r"""
import json, sys, time
import numpy as np, torch
torch.set_num_threads(1)
import sklstm
from sklstm import LSTMForecaster, LSTMRegressor, make_windows
rng = np.random.default_rng(0)
t = np.arange(4000)
series = 50 + 10 * np.sin(2 * np.pi * t / 24) + 0.01 * t + rng.standard_normal(4000)
X, y = make_windows(series, 48, 12)
out = {}
t0 = time.perf_counter()
fc = LSTMForecaster(
    horizon=12, max_epochs=3, random_state=0, calibration_fraction=0.2
).fit(X, y)
out["fit, lazy windows of one series (3,939), 3 epochs"] = time.perf_counter() - t0
panel = [
    50 + 10 * np.sin(2 * np.pi * np.arange(120) / 12 + k) + rng.standard_normal(120)
    for k in range(300)
]
Xp, yp = make_windows(panel, 24, 6)
Xp, yp = np.array(Xp), np.array(yp)
t0 = time.perf_counter()
fp = LSTMForecaster(
    horizon=6, max_epochs=2, random_state=0, calibration_fraction=0.1
).fit(Xp, yp)
out[f"fit, copied windows of a panel ({len(Xp):,}), 2 epochs"] = (
    time.perf_counter() - t0
)
t0 = time.perf_counter()
for _ in range(3):
    fc.predict(X)
out["predict 3,939 windows, 3 times"] = time.perf_counter() - t0
t0 = time.perf_counter()
fp.forecast(panel, steps=18, coverage=[0.8, 0.95])
out["forecast 300 series, 18 steps, intervals"] = time.perf_counter() - t0
Xr = rng.standard_normal((4000, 20, 3))
t0 = time.perf_counter()
LSTMRegressor(max_epochs=3, random_state=0).fit(Xr, Xr[:, -1, 0]).predict(Xr)
out["regressor fit + predict (4,000 x 20 x 3), 3 epochs"] = time.perf_counter() - t0
print(json.dumps(out))
"""


def run(tree):
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=str(tree))
    done = subprocess.run(
        [sys.executable, "-c", WORKLOAD],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path, help="checkout to compare against")
    parser.add_argument("after", type=Path, help="checkout with the change")
    parser.add_argument("--reps", type=int, default=7)
    args = parser.parse_args(argv)
    trees = {"before": args.before.resolve(), "after": args.after.resolve()}
    times = {name: [] for name in trees}
    for rep in range(args.reps):
        order = list(trees) if rep % 2 == 0 else list(trees)[::-1]
        for name in order:
            times[name].append(run(trees[name]))
    print("| workload | before (s) | after (s) | after / before |")
    print("|---|---|---|---|")
    for key in times["after"][0]:
        before = statistics.median(t[key] for t in times["before"])
        after = statistics.median(t[key] for t in times["after"])
        print(f"| {key} | {before:.3f} | {after:.3f} | {after / before:.3f} |")


if __name__ == "__main__":
    main()
