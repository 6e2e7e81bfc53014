"""Forecast accuracy of LSTMForecaster against classical baselines on real series.

Every series ships inside a pip package: two are bundled with sklstm
(airline, El Nino), seven come from statsmodels' datasets (install the
``benchmark`` extra: ``pip install -e ".[benchmark]"``). For each series the
last ``H`` points are held out; every model is fit on the rest and forecasts
the ``H`` held-out points from the end of the training data.

Models: naive (last value), seasonal naive, ETS (statsmodels ``ETSModel``,
the best of a small grid by AIC), Ridge on lag windows (direct multi-output),
and ``LSTMForecaster`` with its default settings (only ``horizon`` and
``random_state`` set), direct and recursive. Windows for Ridge and the LSTM
have ``look_back = max(3 * season, 2 * H)`` steps, one rule for all series.

Scores: MASE (scaled by the in-sample seasonal-naive error) and sMAPE, with
the geometric mean of MASE over the series, and the fit time.

Run: ``make bench-accuracy`` or ``python benchmarks/accuracy.py``. ``--quick``
runs the two bundled series with few epochs and no ETS (the smoke test);
``--set k=v`` changes LSTMForecaster parameters (e.g. ``--set normalize=None``)
to compare settings.
"""

import argparse
import ast
import time
import warnings

import numpy as np
import pandas as pd
from sklearn.linear_model import Ridge

from sklstm import LSTMForecaster, make_windows
from sklstm.datasets import load_airline, load_elnino

# (name, season, horizon)
SERIES = [
    ("airline", 12, 12),
    ("elnino", 12, 12),
    ("co2", 12, 12),
    ("elec_equip", 12, 12),
    ("sunspots", 1, 6),
    ("nile", 1, 6),
    ("us_realgdp", 4, 8),
    ("us_cpi", 4, 8),
    ("us_unemp", 4, 8),
]


def load_series(name):
    """Return the named series as a 1-D float array, oldest first."""
    if name == "airline":
        return load_airline().to_numpy()
    if name == "elnino":
        return load_elnino().to_numpy()
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
    macro = datasets.macrodata.load_pandas().data
    column = {"us_realgdp": "realgdp", "us_cpi": "cpi", "us_unemp": "unemp"}[name]
    return macro[column].to_numpy(dtype=float)


def mase(truth, pred, train, season):
    scale = np.mean(np.abs(train[season:] - train[:-season]))
    return float(np.mean(np.abs(truth - pred)) / scale)


def smape(truth, pred):
    return float(200 * np.mean(np.abs(truth - pred) / (np.abs(truth) + np.abs(pred))))


def ets_forecast(train, season, horizon):
    """Best ETS of a small grid by AIC (additive errors)."""
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    seasonal = [None]
    if season > 1 and len(train) >= 3 * season:
        seasonal += ["add", "mul"] if np.all(train > 0) else ["add"]
    best = None
    for trend, damped in [(None, False), ("add", False), ("add", True)]:
        for seas in seasonal:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    model = ETSModel(
                        pd.Series(train),
                        error="add",
                        trend=trend,
                        damped_trend=damped,
                        seasonal=seas,
                        seasonal_periods=season if seas else None,
                    ).fit(disp=False)
                except Exception:  # noqa: BLE001 - a grid point that fails is skipped
                    continue
            if best is None or model.aic < best.aic:
                best = model
    return np.asarray(best.forecast(horizon))


def run_series(name, params, quick=False):
    season, horizon = {s: (m, h) for s, m, h in SERIES}[name]
    values = load_series(name)
    train, test = values[:-horizon], values[-horizon:]
    look_back = max(3 * season, 2 * horizon)
    X, y = make_windows(train, look_back=look_back, horizon=horizon)
    rows = {}

    def record(model, pred, seconds):
        rows[model] = (mase(test, pred, train, season), smape(test, pred), seconds)

    record("naive", np.repeat(train[-1], horizon), 0.0)
    record("seasonal naive", train[-season:][np.arange(horizon) % season], 0.0)
    if not quick:
        start = time.perf_counter()
        pred = ets_forecast(train, season, horizon)
        record("ETS", pred, time.perf_counter() - start)
    start = time.perf_counter()
    ridge = Ridge(alpha=1.0).fit(X, y)
    record("Ridge on lags", ridge.predict(train[None, -look_back:])[0], 0.0)
    rows["Ridge on lags"] = (*rows["Ridge on lags"][:2], time.perf_counter() - start)
    for strategy in ["direct", "recursive"]:
        extra = {"max_epochs": 3} if quick else {}
        start = time.perf_counter()
        settings = {"random_state": 0, **params, **extra, "strategy": strategy}
        model = LSTMForecaster(horizon=horizon, **settings).fit(X, y)
        seconds = time.perf_counter() - start
        record(f"sklstm {strategy}", model.forecast(train), seconds)
    return rows


def main(names=None, params=None, quick=False):
    params = params or {}
    names = names or [name for name, _, _ in SERIES]
    results = {name: run_series(name, params, quick=quick) for name in names}
    models = list(next(iter(results.values())))
    print("MASE per series (lower is better)\n")
    print("| series | " + " | ".join(models) + " |")
    print("|---" * (len(models) + 1) + "|")
    for name, rows in results.items():
        cells = " | ".join(f"{rows[m][0]:.3f}" for m in models)
        print(f"| {name} | {cells} |")
    print("\nSummary\n")
    print("| model | geo. mean MASE | mean sMAPE (%) | total fit s |")
    print("|---|---|---|---|")
    summary = {}
    for m in models:
        mases = np.array([results[n][m][0] for n in names])
        smapes = np.array([results[n][m][1] for n in names])
        seconds = sum(results[n][m][2] for n in names)
        summary[m] = float(np.exp(np.mean(np.log(mases))))
        print(f"| {m} | {summary[m]:.3f} | {smapes.mean():.2f} | {seconds:.1f} |")
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
    parser.add_argument("--quick", action="store_true", help="smoke run")
    parser.add_argument("--series", nargs="*", help="subset of series names")
    parser.add_argument("--set", nargs="*", help="LSTMForecaster params, k=v")
    args = parser.parse_args()
    names = args.series or (["airline", "elnino"] if args.quick else None)
    main(names, _parse_set(args.set), quick=args.quick)
