import numpy as np
import pandas as pd
import pytest

from sklstm.datasets import load_airline, load_bike_sharing, load_elnino


@pytest.mark.parametrize(
    "loader, n, first, last",
    [
        (load_airline, 144, "1949-01", "1960-12"),
        (load_elnino, 732, "1950-01", "2010-12"),
    ],
)
def test_loaders_return_monthly_series(loader, n, first, last):
    y = loader()
    assert isinstance(y, pd.Series)
    assert len(y) == n
    assert isinstance(y.index, pd.PeriodIndex)
    assert y.index.freqstr == "M"
    assert str(y.index[0]) == first and str(y.index[-1]) == last
    assert y.index.is_monotonic_increasing and y.index.is_unique
    assert np.isfinite(y.to_numpy()).all()


def test_airline_known_values():
    y = load_airline()
    # Box & Jenkins series G: first year and last value.
    assert y.iloc[:12].tolist() == [
        112,
        118,
        132,
        129,
        121,
        135,
        148,
        148,
        136,
        119,
        104,
        118,
    ]
    assert y.iloc[-1] == 432


def test_bike_sharing_hourly_frame():
    frame = load_bike_sharing()
    columns = ["bikers", "hour", "weekday", "workingday", "holiday", "weathersit"]
    columns += ["temp", "atemp", "hum", "windspeed"]
    assert list(frame.columns) == columns
    assert frame.shape == (8645, 10)
    assert isinstance(frame.index, pd.DatetimeIndex)
    assert frame.index.is_monotonic_increasing and frame.index.is_unique
    assert str(frame.index[0]) == "2011-01-01 00:00:00"
    assert str(frame.index[-1]) == "2011-12-31 23:00:00"
    assert not frame.isna().any().any()
    # Hourly, with the 115 hours the docstring lists as missing.
    assert (frame.index == frame.index.floor("h")).all()
    full = pd.date_range("2011-01-01", "2011-12-31 23:00", freq="h")
    missing = full.difference(frame.index)
    assert len(missing) == 115 and frame.index.isin(full).all()
    outages = pd.Series(1, index=missing).groupby(missing.date).size()
    assert outages.loc[outages > 4].to_dict() == {
        pd.Timestamp(day).date(): n
        for day, n in [
            ("2011-01-18", 12),
            ("2011-01-26", 8),
            ("2011-01-27", 16),
            ("2011-02-22", 6),
            ("2011-08-27", 6),
            ("2011-08-28", 7),
        ]
    }
    # The calendar columns agree with the index.
    assert (frame["hour"] == frame.index.hour).all()
    assert (frame["weekday"] == (frame.index.dayofweek + 1) % 7).all()
    weekend = frame["weekday"].isin([0, 6])
    assert (frame["workingday"] == (~weekend & (frame["holiday"] == 0))).all()
    assert frame["bikers"].min() >= 1 and frame["bikers"].max() == 651
    assert set(frame["weathersit"]) == {1, 2, 3, 4}
    weather = frame[["temp", "atemp", "hum", "windspeed"]]
    assert ((weather >= 0) & (weather <= 1)).all().all()
