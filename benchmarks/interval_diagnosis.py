"""Why do the conformal intervals of ``benchmarks/intervals.py`` over-cover?

Validation origins only (``load_subset(..., validation=True)``): every
number here comes from the training parts of the competition series; the
held-out test blocks are never read.

Three parts:

1. ``lstm``: the setting of ``benchmarks/intervals.py --validation`` (one
   global ``LSTMForecaster(horizon=h)`` trained on every series without its
   last ``2 h`` values, calibrated on the window before the last ``h``, scored
   on the last ``h``). The forecasts of the calibration and validation windows
   are cached in ``benchmarks/results/`` and then re-calibrated offline: the
   conformity scores per horizon step on both blocks, the library's rule
   (absolute error divided by the window's spread) against other scales, and
   the coverage each rule gives on the validation block.
2. ``origins``: one network trained without the last ``back * h`` values
   of every series, scored from the origins ``-back h, ..., -h``: is the
   block just after the training data special, or the period? And the last
   block calibrated on each earlier block alone and on all of them.
3. ``naive``: model-free. Seasonal naive, calibrated by the same split
   conformal rule on one block of ``h`` values of every series and scored on
   the next block, for several consecutive pairs of blocks going back in
   time. If it over-covers by as much, the cause is in the data (the errors
   of one calendar period against the next), not in the network.

Series shorter than ``h`` plus one season are left out (none of Tourism's).
Run: ``python benchmarks/interval_diagnosis.py --subsets tourism_quarterly
--seed 0`` (``--parts naive`` skips the network; ``--parts origins --back
4``; ``--cqr`` caches a CQR network, ``--transform none`` one without the
logarithm). The findings are in ``docs/research_log.rst`` (round 13).
"""

import argparse
import math
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from competitions import load_subset, seasonal_naive  # noqa: E402
from intervals import _left_pad, fit_global  # noqa: E402

CACHE = Path(__file__).resolve().parent / "results"
LEVELS = (0.8, 0.95)


def conformal_q(scores, c):
    """Per-column ``ceil((n + 1) c)``-th smallest score (the library's rule)."""
    n = len(scores)
    return np.sort(scores, axis=0)[math.ceil((n + 1) * c - 1e-9) - 1]


def coverage(y, lo, hi):
    return float(np.mean((lo <= y) & (y <= hi)))


def in_sample_mae(x, m):
    x = np.asarray(x, dtype=float)
    x = x[~np.isnan(x)]
    d = np.abs(x[m:] - x[:-m]) if len(x) > m else np.abs(np.diff(x))
    s = np.mean(d) if d.size else 1.0
    return s if s > 0 else 1.0


# ----------------------------------------------------------------- network
def lstm_cache(sub, seed, epochs, quantiles, transform="auto"):
    """Forecasts of the calibration and validation windows (cached)."""
    tag = ("cqr" if quantiles else "conf") + f"_{transform}"
    path = CACHE / f"diag_{sub.name}_{tag}_s{seed}_e{epochs}.npz"
    if path.exists():
        return dict(np.load(path))
    h, look_back = sub.horizon, 3 * sub.season
    fit_series = [x[:-h] for x in sub.train if len(x) - h >= look_back + h]
    model = fit_global(
        fit_series,
        h,
        look_back,
        seed,
        epochs,
        256,
        quantiles=quantiles,
        target_transform=None if transform == "none" else transform,
    )
    X_cal = np.stack([_left_pad(x[:-h], look_back) for x in sub.train])
    X_val = np.stack([_left_pad(x, look_back) for x in sub.train])
    out = {
        "y_cal": np.stack([x[-h:] for x in sub.train]),
        "y_val": np.stack(sub.test),
        "s_cal": model._score_scale(X_cal[:, :, None])[:, 0],
        "s_val": model._score_scale(X_val[:, :, None])[:, 0],
        "p_cal": model._predict_flat(X_cal[:, :, None], quantiles is not None),
        "p_val": model._predict_flat(X_val[:, :, None], quantiles is not None),
    }
    if quantiles:
        out["levels"] = model.quantile_levels_
    CACHE.mkdir(exist_ok=True)
    np.savez(path, **out)
    return out


def lstm_report(sub, d):
    h, m = sub.horizon, sub.season
    y_cal, y_val = d["y_cal"], d["y_val"]
    p_cal, p_val = d["p_cal"], d["p_val"]
    if p_cal.ndim == 3:  # CQR cache: take the median for the point rules
        mid = int(np.flatnonzero(d["levels"] == 0.5)[0])
        p_cal, p_val = p_cal[..., mid], p_val[..., mid]
    e_cal, e_val = np.abs(y_cal - p_cal), np.abs(y_val - p_val)
    n = len(y_cal)
    # Scales known at each origin.
    mae_cal = np.array([in_sample_mae(x[:-h], m) for x in sub.train])[:, None]
    mae_val = np.array([in_sample_mae(x, m) for x in sub.train])[:, None]
    lev_cal = np.array([np.nanmean(np.abs(x[:-h][-m:])) for x in sub.train])[:, None]
    lev_val = np.array([np.nanmean(np.abs(x[-m:])) for x in sub.train])[:, None]
    lb, tr = 3 * m, sub.train
    win_cal = np.array([np.nanmean(np.abs(x[:-h][-lb:])) for x in sub.train])[:, None]
    win_val = np.array([np.nanmean(np.abs(x[-lb:])) for x in sub.train])[:, None]

    def mad(v):
        v = np.diff(np.asarray(v, dtype=float))
        v = np.abs(v[~np.isnan(v)])
        return np.mean(v) if v.size and np.mean(v) > 0 else 1.0

    mad_cal = np.array([mad(x[:-h][-lb:]) for x in sub.train])[:, None]
    mad_val = np.array([mad(x[-lb:]) for x in sub.train])[:, None]
    rules = {
        "window spread (library)": (d["s_cal"][:, None], d["s_val"][:, None]),
        "in-sample seasonal naive MAE": (mae_cal, mae_val),
        "level (mean of last season)": (lev_cal, lev_val),
        "level (mean of the window)": (win_cal, win_val),
        "mean absolute change in the window": (mad_cal, mad_val),
        "none, on log1p errors": "log",
        "log1p window spread, on log1p errors": "logspread",
    }
    print(f"\n## {sub.name}: LSTM (validation, {n} series, h={h})\n")
    print(
        f"median |error| / in-sample MAE: calibration block "
        f"{np.median(e_cal / mae_cal):.3f}, validation block "
        f"{np.median(e_val / mae_val):.3f}; mean {np.mean(e_cal / mae_cal):.3f} "
        f"vs {np.mean(e_val / mae_val):.3f}"
    )
    ratio = np.median(d["s_val"] / d["s_cal"])
    print(f"median window spread ratio validation/calibration origin: {ratio:.3f}")
    print(
        "\n| scores divided by | cov 80 | cov 95 | width 80 | width 95 | MSIS 80 "
        "| MSIS 95 | q80 / oracle | q95 / oracle |\n" + "|---" * 9 + "|"
    )
    for name, rule in rules.items():
        cells, widths, ratios, msis = [], [], [], []
        for c in LEVELS:
            if isinstance(rule, str):
                ls_cal, ls_val = 1.0, 1.0
                if rule == "logspread":
                    ls_cal = np.array([np.nanstd(np.log1p(x[:-h][-lb:])) for x in tr])
                    ls_val = np.array([np.nanstd(np.log1p(x[-lb:])) for x in tr])
                    ls_cal, ls_val = ls_cal[:, None], ls_val[:, None]
                    ls_cal[ls_cal == 0] = 1
                    ls_val[ls_val == 0] = 1
                g_cal = np.abs(np.log1p(y_cal) - np.log1p(p_cal)) / ls_cal
                g_val = np.abs(np.log1p(y_val) - np.log1p(p_val)) / ls_val
                q = conformal_q(g_cal, c)
                lo = np.expm1(np.log1p(p_val) - q * ls_val)
                hi = np.expm1(np.log1p(p_val) + q * ls_val)
                q_or = conformal_q(g_val, c)
            else:
                sc, sv = rule
                q = conformal_q(e_cal / sc, c)  # (h,)
                lo, hi = p_val - q * sv, p_val + q * sv
                q_or = conformal_q(e_val / sv, c)
            cells.append(coverage(y_val, lo, hi))
            widths.append(np.mean((hi - lo) / mae_val))
            a = 1 - c
            miss = (lo - y_val) * (y_val < lo) + (y_val - hi) * (y_val > hi)
            score = (hi - lo) + 2 / a * miss
            msis.append(np.mean(score.mean(axis=1) / mae_val[:, 0]))
            ratios.append(np.median(q / q_or))
        print(
            f"| {name} | {cells[0]:.3f} | {cells[1]:.3f} | {widths[0]:.2f} "
            f"| {widths[1]:.2f} | {msis[0]:.2f} | {msis[1]:.2f} "
            f"| {ratios[0]:.2f} | {ratios[1]:.2f} |"
        )
    # Per-step quantiles of the library's scores on both blocks.
    sc, sv = d["s_cal"][:, None], d["s_val"][:, None]
    print("\nper step, library scores: q80 cal/val, q95 cal/val, cov80, cov95")
    for k in range(h):
        a, b = e_cal[:, k] / sc[:, 0], e_val[:, k] / sv[:, 0]
        q8, q9 = conformal_q(a[:, None], 0.8)[0], conformal_q(a[:, None], 0.95)[0]
        v8, v9 = np.quantile(b, 0.8), np.quantile(b, 0.95)
        c8 = np.mean(b <= q8)
        c9 = np.mean(b <= q9)
        print(
            f"  step {k + 1:2d}: {q8:.3f}/{v8:.3f}  {q9:.3f}/{v9:.3f}  "
            f"{c8:.3f} {c9:.3f}"
        )


def origins_report(sub, seed, epochs, back):
    """Errors of one network at consecutive origins after its training end.

    The network trains on every series without its last ``back * h`` values
    and forecasts from the origins ``-back h, ..., -h``: is the block just
    after the training data special, or the calendar period?
    """
    h, m, look_back = sub.horizon, sub.season, 3 * sub.season
    full = [np.concatenate([x, y]) for x, y in zip(sub.train, sub.test)]
    cut = back * h
    full = [x for x in full if len(x) - cut >= look_back + h]
    model = fit_global([x[:-cut] for x in full], h, look_back, seed, epochs, 256)
    print(f"\n## {sub.name}: one network trained without the last {back} h values")
    print("| origin | LSTM median (mean) abs error / MAE | seasonal naive |")
    print("|---|---|---|")
    scores, last = {}, None
    for j in range(back, 0, -1):
        o = [len(x) - j * h for x in full]
        X_o = np.stack([_left_pad(x[:oi], look_back) for x, oi in zip(full, o)])
        pred = model._predict_flat(X_o[:, :, None], False)
        truth = np.stack([x[oi : oi + h] for x, oi in zip(full, o)])
        spread = model._score_scale(X_o[:, :, None])
        scores[j] = np.abs(truth - pred) / spread
        last = (pred, truth, spread)
        mae = np.array([in_sample_mae(x[:oi], m) for x, oi in zip(full, o)])
        err = np.mean(np.abs(truth - pred), axis=1) / mae
        sn = np.array(
            [
                np.mean(np.abs(x[oi : oi + h] - seasonal_naive(x[:oi], m, h)))
                for x, oi in zip(full, o)
            ]
        )
        sn = sn / mae
        print(
            f"| -{j} h | {np.median(err):.3f} ({np.mean(err):.3f}) "
            f"| {np.median(sn):.3f} ({np.mean(sn):.3f}) |"
        )
    # The last block (-1 h), calibrated by the library's rule on each
    # earlier block alone and on all of them together.
    pred, truth, spread = last
    print("\n| calibration blocks | coverage 80 at -1 h | coverage 95 at -1 h |")
    print("|---|---|---|")
    choices = {f"-{j} h": [j] for j in range(back, 1, -1)}
    choices["all earlier"] = list(range(back, 1, -1))
    for label, js in choices.items():
        cal = np.concatenate([scores[j] for j in js])
        cells = []
        for c in LEVELS:
            half = conformal_q(cal, c) * spread
            cells.append(coverage(truth, pred - half, pred + half))
        print(f"| {label} | {cells[0]:.3f} | {cells[1]:.3f} |")


# ------------------------------------------------------------ model-free
def naive_report(sub, n_pairs):
    """Seasonal naive, split conformal on block j+1, scored on block j."""
    h, m = sub.horizon, sub.season
    full = [np.concatenate([x, y]) for x, y in zip(sub.train, sub.test)]
    look_back = 3 * m
    print(f"\n## {sub.name}: seasonal naive, block j+1 calibrates block j\n")
    print(
        "| j (blocks back) | series | cov 80 (spread) | cov 95 (spread) "
        "| cov 80 (MAE) | cov 95 (MAE) |\n|---|---|---|---|---|---|"
    )
    for j in range(1, n_pairs + 1):
        errs = {"cal": [], "val": []}
        scales = {"spread": ([], []), "mae": ([], [])}
        for x in full:
            # Origins: validation end = len - (j-1) h; calibration one h back.
            end = len(x) - (j - 1) * h
            if end - 2 * h < look_back + m:
                continue
            for key, origin in (("cal", end - 2 * h), ("val", end - h)):
                hist = x[:origin]
                naive = seasonal_naive(hist, m, h)
                errs[key].append(np.abs(x[origin : origin + h] - naive))
                i = 0 if key == "cal" else 1
                scales["spread"][i].append(np.std(hist[-look_back:]) or 1.0)
                scales["mae"][i].append(in_sample_mae(hist, m))
        if len(errs["cal"]) < 40:
            break
        e_cal, e_val = np.array(errs["cal"]), np.array(errs["val"])
        cells = []
        for key in ("spread", "mae"):
            sc = np.array(scales[key][0])[:, None]
            sv = np.array(scales[key][1])[:, None]
            for c in LEVELS:
                q = conformal_q(e_cal / sc, c)
                cells.append(float(np.mean(e_val <= q * sv)))
        print(f"| {j} | {len(e_cal)} | " + " | ".join(f"{v:.3f}" for v in cells) + " |")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subsets", nargs="+", default=["tourism_quarterly"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--parts", nargs="+", default=["naive", "lstm"])
    parser.add_argument("--cqr", action="store_true")
    parser.add_argument("--transform", default="auto")
    parser.add_argument("--pairs", type=int, default=4)
    parser.add_argument("--back", type=int, default=3)
    args = parser.parse_args(argv)
    for name in args.subsets:
        sub = load_subset(name, validation=True)
        m = sub.season
        # Series long enough for a calibration window with some history.
        keep = [i for i, x in enumerate(sub.train) if len(x) >= sub.horizon + m]
        sub.ids = [sub.ids[i] for i in keep]
        sub.train = [sub.train[i] for i in keep]
        sub.test = [sub.test[i] for i in keep]
        if "naive" in args.parts:
            naive_report(sub, args.pairs)
        if "origins" in args.parts:
            origins_report(sub, args.seed, args.epochs, args.back)
        if "lstm" in args.parts:
            quantiles = (0.025, 0.1, 0.9, 0.975) if args.cqr else None
            cached = lstm_cache(sub, args.seed, args.epochs, quantiles, args.transform)
            lstm_report(sub, cached)


if __name__ == "__main__":
    main()
