"""Forecasts as pandas objects: indexed by the dates that continue a history.

``LSTMForecaster.forecast`` computes arrays; these helpers give them the
index and names of the history they continue (a Series for point forecasts,
a DataFrame with interval columns), or leave them as arrays when the history
has no dates.
"""

import warnings

import pandas as pd


def _as_forecast(history, pred, target_index=0):
    """``pred`` as a Series indexed by the dates after ``history``, if it has any."""
    index = _future_index(getattr(history, "index", None), len(pred))
    if index is None:
        return pred
    name = getattr(history, "name", None)
    if isinstance(history, pd.DataFrame):
        name = history.columns[target_index]
    return pd.Series(pred, index=index, name=name)


def _interval_frame(history, point, lower, upper, levels, many):
    """The forecast ``point`` ``(steps,)`` and its bounds ``(steps, k)`` as a
    DataFrame: ``forecast``, then ``lower``/``upper`` (suffixed by the
    percentage, ``lower_80``, when ``many`` coverages were asked for)."""
    steps = len(point)
    index = _future_index(getattr(history, "index", None), steps)
    columns = {"forecast": point}
    for k, level in enumerate(levels):
        suffix = f"_{100 * level:g}" if many else ""
        columns[f"lower{suffix}"] = lower[:, k]
        columns[f"upper{suffix}"] = upper[:, k]
    return pd.DataFrame(columns, index=pd.RangeIndex(steps) if index is None else index)


def _future_index(index, steps):
    """Continue a regular DatetimeIndex or a PeriodIndex by ``steps`` periods."""
    if isinstance(index, pd.PeriodIndex):
        return pd.period_range(index[-1] + 1, periods=steps, freq=index.freq)
    if isinstance(index, pd.DatetimeIndex) and len(index) > 2:
        with warnings.catch_warnings():
            # pandas 3 warns that infer_freq will return an offset instead of
            # a string; to_offset below takes either.
            warnings.filterwarnings("ignore", "A future version of pandas will return")
            freq = index.freq or pd.infer_freq(index)
        if freq is None:
            return None
        offset = pd.tseries.frequencies.to_offset(freq)
        return pd.date_range(index[-1] + offset, periods=steps, freq=offset)
    return None
