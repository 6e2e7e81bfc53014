"""Peak memory, fit time and forecast time of LSTMForecaster on large panels.

A synthetic daily panel of ``n_series`` series of ``n_days`` values each
(a level per series, a weekly cycle, a slow trend and noise; all positive)
is windowed with ``make_windows(panel, look_back=28, horizon=14)`` and
``LSTMForecaster(horizon=14)`` is fitted at its defaults, then forecasts
every series from its end. Each size runs in a subprocess of its own, so
its peak resident memory (``ru_maxrss``) is its own; the table shows it next
to the bytes of the panel's values and the bytes a materialised copy of the
windows (``X`` and ``y`` as float64 arrays) would take.

Sizes: 1k, 10k, 30k and 100k series of 200 days; ``--m5`` adds an M5-sized
panel (30,490 series of 1,941 days); ``--sizes`` picks others. ``--quick``:
a smoke run on tiny panels whose numbers mean nothing. Times depend on the
machine and on what else runs on it; memory does not. Results are printed
and appended, one JSON line per size as it finishes, to
``benchmarks/results/scale.jsonl``.

``--budget N_SERIES`` compares training budgets instead: it fits on all but
the last 14 days of each series of an ``N_SERIES`` x 200 panel with the
default budget (beyond 1.6M windows, one epoch of 1.6M windows drawn at
random), with one full epoch over all windows, and with 30 sampled epochs
of 1.6M / 30 windows, for each of ``--seeds``, and reports the sMAPE and
MASE of the forecasts of those 14 days next to the seasonal naive
forecast's (``benchmarks/results/scale_budgets.jsonl``).

``--ddp`` runs the data-parallel comparison of ``benchmarks/scale_ddp.py``
instead (two ``distributed=True`` processes of one thread each against one
process of two threads, same batches and seeds; ``--ddp-series``,
``--ddp-epochs``, ``--seeds``), on an otherwise idle machine.

Run: ``python benchmarks/scale.py`` (about an hour on two CPU cores with
``--m5``), ``python benchmarks/scale.py --budget 30000``.
"""

import argparse
import json
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

LOOK_BACK, HORIZON = 28, 14
RESULTS = Path(__file__).resolve().parent / "results" / "scale.jsonl"


def synthetic_panel(n_series, n_days, seed=0):
    """``n_series`` positive daily series of ``n_days`` values (a list)."""
    rng = np.random.default_rng(seed)
    t = np.arange(n_days)
    panel = []
    for _ in range(n_series):
        level = rng.lognormal(3.0, 1.0)
        weekly = 1 + rng.uniform(0.05, 0.4) * np.sin(
            2 * np.pi * (t + rng.integers(7)) / 7
        )
        trend = 1 + rng.normal(0, 0.001) * t
        noise = rng.normal(1, 0.1, n_days)
        panel.append(np.maximum(level * weekly * trend * noise, 0.0))
    return panel


def _peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(n_series, n_days, max_epochs="auto"):
    """One size, in this process: prints one JSON line."""
    import torch

    torch.set_num_threads(int(torch.get_num_threads()))
    from sklstm import LSTMForecaster, make_windows

    start_mb = _peak_mb()
    panel = synthetic_panel(n_series, n_days)
    values_bytes = sum(s.nbytes for s in panel)
    t0 = time.perf_counter()
    X, y = make_windows(panel, look_back=LOOK_BACK, horizon=HORIZON)
    windows_s = time.perf_counter() - t0
    n_windows = len(X)
    after_windows_mb = _peak_mb()
    model = LSTMForecaster(horizon=HORIZON, max_epochs=max_epochs, random_state=0)
    t0 = time.perf_counter()
    model.fit(X, y)
    fit_s = time.perf_counter() - t0
    after_fit_mb = _peak_mb()
    t0 = time.perf_counter()
    forecasts = model.forecast(panel)
    forecast_s = time.perf_counter() - t0
    finite = bool(np.isfinite(np.asarray(forecasts)).all())
    result = {
        "n_series": n_series,
        "n_days": n_days,
        "n_windows": n_windows,
        "values_MB": round(values_bytes / 1e6, 1),
        "materialised_Xy_MB": round(n_windows * (LOOK_BACK + HORIZON) * 8 / 1e6, 1),
        "batch_size": model.batch_size_,
        "epochs": model.n_epochs_,
        "make_windows_s": round(windows_s, 1),
        "fit_s": round(fit_s, 1),
        "forecast_s": round(forecast_s, 1),
        "rss_at_start_MB": round(start_mb, 1),
        "peak_rss_after_make_windows_MB": round(after_windows_mb, 1),
        "peak_rss_after_fit_MB": round(after_fit_mb, 1),
        "peak_rss_MB": round(_peak_mb(), 1),
        "finite_forecasts": finite,
    }
    print(json.dumps(result))


# The training budgets --budget compares on a panel beyond the 1.6M window
# passes: the default (one epoch of 1.6M windows drawn at random), one full
# epoch over every window (what the defaults did before sampling), and 30
# epochs of 1.6M / 30 windows each (the cosine schedule then anneals).
BUDGETS = ("default", "full-epoch", "30-sampled-epochs")


def budget_child(n_series, n_days, budget, seed):
    """Fit on all but the last ``HORIZON`` days of every series with one of
    ``BUDGETS``, forecast them; prints one JSON line of errors."""
    import sklstm._base
    from sklstm import LSTMForecaster, make_windows

    panel = synthetic_panel(n_series, n_days)
    train = [s[:-HORIZON] for s in panel]
    X, y = make_windows(train, look_back=LOOK_BACK, horizon=HORIZON)
    params = {}
    if budget == "full-epoch":
        params["max_epochs"] = 1
    elif budget == "30-sampled-epochs":
        passes = sklstm._base._WINDOW_PASSES
        sklstm._base._auto_budget = lambda n: (256, 30)
        sklstm._base._auto_samples_per_epoch = lambda n: passes // 30
    model = LSTMForecaster(horizon=HORIZON, random_state=seed, **params)
    t0 = time.perf_counter()
    model.fit(X, y)
    fit_s = time.perf_counter() - t0
    pred = np.asarray(model.forecast(train))
    truth = np.stack([s[-HORIZON:] for s in panel])
    naive = np.stack([np.resize(s[-7:], HORIZON) for s in train])
    scale = np.array([np.abs(s[7:] - s[:-7]).mean() for s in train])[:, None]

    def smape(p):
        total = np.abs(truth) + np.abs(p)
        ratio = np.where(total > 0, np.abs(truth - p) / np.maximum(total, 1e-12), 0)
        return float(200 * ratio.mean())

    print(
        json.dumps(
            {
                "n_series": n_series,
                "n_windows": len(X),
                "budget": budget,
                "seed": seed,
                "epochs": model.n_epochs_,
                "fit_s": round(fit_s, 1),
                "smape": round(smape(pred), 5),
                "mase": round(float((np.abs(truth - pred) / scale).mean()), 6),
                "seasonal_naive_smape": round(smape(naive), 3),
                "seasonal_naive_mase": round(
                    float((np.abs(truth - naive) / scale).mean()), 4
                ),
            }
        )
    )


def run_budgets(n_series, n_days, seeds, label, budgets=BUDGETS):
    """Each of ``budgets`` and seed in a subprocess; appends rows."""
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    for seed in seeds:
        for budget in budgets:
            command = [sys.executable, __file__, "--budget-child", str(n_series)]
            command += [str(n_days), budget, str(seed)]
            done = subprocess.run(command, capture_output=True, text=True)
            if done.returncode:
                row = {"budget": budget, "seed": seed, "error": done.stderr[-500:]}
            else:
                row = json.loads(done.stdout.strip().splitlines()[-1])
            row.update(label=label, machine=platform.node())
            print(json.dumps(row), flush=True)
            with RESULTS.with_name("scale_budgets.jsonl").open("a") as f:
                f.write(json.dumps(row) + "\n")


def run(sizes, label, max_epochs="auto"):
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    rows = []
    for n_series, n_days in sizes:
        command = [sys.executable, __file__, "--child", str(n_series), str(n_days)]
        command += ["--max-epochs", str(max_epochs)]
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode:
            row = {
                "n_series": n_series,
                "n_days": n_days,
                "error": done.stderr.strip().splitlines()[-1:],
                "returncode": done.returncode,
            }
        else:
            row = json.loads(done.stdout.strip().splitlines()[-1])
        row.update(label=label, machine=platform.node())
        rows.append(row)
        print(json.dumps(row), flush=True)
        with RESULTS.open("a") as f:
            f.write(json.dumps(row) + "\n")
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", nargs=2, type=int, metavar=("N_SERIES", "N_DAYS"))
    parser.add_argument(
        "--sizes",
        type=int,
        nargs="*",
        default=[1_000, 10_000, 30_000, 100_000],
        help="numbers of series of 200 days (none: only --m5)",
    )
    parser.add_argument("--days", type=int, default=200)
    parser.add_argument("--m5", action="store_true", help="add 30,490 x 1,941")
    parser.add_argument("--quick", action="store_true", help="smoke run")
    parser.add_argument("--max-epochs", default="auto")
    parser.add_argument("--label", default="", help="recorded with each row")
    parser.add_argument(
        "--budget",
        type=int,
        metavar="N_SERIES",
        help="compare the training budgets on N_SERIES series instead",
    )
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--budgets", nargs="+", choices=BUDGETS, default=BUDGETS)
    parser.add_argument("--budget-child", nargs=4)
    parser.add_argument("--ddp", action="store_true", help="DDP against 1 process")
    parser.add_argument("--ddp-series", type=int, default=3000)
    parser.add_argument("--ddp-epochs", type=int, default=2)
    args = parser.parse_args()
    epochs = args.max_epochs if args.max_epochs == "auto" else int(args.max_epochs)
    if args.ddp:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        import scale_ddp

        argv = ["--series", str(args.ddp_series), "--epochs", str(args.ddp_epochs)]
        argv += ["--seeds", str(len(args.seeds))] + ["--quick"] * args.quick
        scale_ddp.main(scale_ddp.parse(argv))
    elif args.child:
        child(*args.child, max_epochs=epochs)
    elif args.budget_child:
        n_series, n_days, budget, seed = args.budget_child
        budget_child(int(n_series), int(n_days), budget, int(seed))
    elif args.budget:
        run_budgets(args.budget, args.days, args.seeds, args.label, args.budgets)
    else:
        sizes = [(n, args.days) for n in args.sizes]
        if args.m5:
            sizes.append((30_490, 1_941))
        if args.quick:
            sizes, epochs = [(50, 60), (200, 60)], 1
        run(sizes, args.label, epochs)
