"""CalendarFeatures: known values, the "auto" choice, inputs, outputs, errors."""

import pickle

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import Ridge
from sklearn.pipeline import make_pipeline
from sklearn.utils import get_tags
from sklearn.utils._param_validation import InvalidParameterError

from sklstm import CalendarFeatures

ATOL = 1e-12


def _encode(timestamps, feature):
    """The (sin, cos) columns of one feature."""
    out = CalendarFeatures(features=[feature]).fit_transform(timestamps)
    assert out.shape == (len(timestamps), 2)
    return out[:, 0], out[:, 1]


def test_day_of_week_known_values():
    # 2024-01-01 is a Monday, the start of the weekly cycle: angle 0.
    days = pd.date_range("2024-01-01", periods=8, freq="D")
    sin, cos = _encode(days, "dayofweek")
    assert_allclose([sin[0], cos[0]], [0.0, 1.0], atol=ATOL)
    # Wednesday is 2/7 of the week; the next Monday is back at angle 0.
    assert_allclose(
        [sin[2], cos[2]], [np.sin(4 * np.pi / 7), np.cos(4 * np.pi / 7)], atol=ATOL
    )
    assert_allclose([sin[7], cos[7]], [sin[0], cos[0]], atol=ATOL)
    # The time of day does not move the day of the week.
    late = pd.DatetimeIndex(["2024-01-01 23:59"])
    assert_allclose(np.ravel(_encode(late, "dayofweek")), [0.0, 1.0], atol=ATOL)


def test_hour_known_values():
    times = pd.DatetimeIndex(
        ["2024-01-01 00:00", "2024-01-01 06:00", "2024-01-01 12:00", "2024-01-01 18:00"]
    )
    sin, cos = _encode(times, "hour")
    assert_allclose(sin, [0.0, 1.0, 0.0, -1.0], atol=ATOL)
    assert_allclose(cos, [1.0, 0.0, -1.0, 0.0], atol=ATOL)
    # Minutes count as fractions of the hour: 06:30 is 6.5 / 24 of the day.
    sin, cos = _encode(pd.DatetimeIndex(["2024-05-05 06:30"]), "hour")
    angle = 2 * np.pi * 6.5 / 24
    assert_allclose([sin[0], cos[0]], [np.sin(angle), np.cos(angle)], atol=ATOL)


def test_month_january_and_july_are_opposite():
    sin, cos = _encode(pd.DatetimeIndex(["2023-01-15", "2023-07-15"]), "month")
    assert_allclose([sin[0], cos[0]], [0.0, 1.0], atol=ATOL)
    assert_allclose([sin[1], cos[1]], [0.0, -1.0], atol=ATOL)
    # The day within the month does not matter.
    other = _encode(pd.DatetimeIndex(["2023-01-01", "2023-01-31"]), "month")
    assert_allclose(other[0], [0.0, 0.0], atol=ATOL)


def test_day_of_year_uses_the_year_length():
    # December 31 is one step before January 1 in both kinds of year, and
    # July 2 of the leap year 2024 (day 184 of 366) is exactly half way.
    sin, cos = _encode(
        pd.DatetimeIndex(["2023-12-31", "2024-12-31", "2024-07-02", "2024-01-01"]),
        "dayofyear",
    )
    assert_allclose(np.arctan2(sin[0], cos[0]), -2 * np.pi / 365, atol=ATOL)
    assert_allclose(np.arctan2(sin[1], cos[1]), -2 * np.pi / 366, atol=ATOL)
    assert_allclose([sin[2], cos[2]], [0.0, -1.0], atol=ATOL)
    assert_allclose([sin[3], cos[3]], [0.0, 1.0], atol=ATOL)


def test_columns_follow_the_features_order():
    times = pd.date_range("2024-03-01 05:00", periods=5, freq="37h")
    both = CalendarFeatures(features=("month", "hour")).fit_transform(times)
    assert_allclose(both[:, :2], np.column_stack(_encode(times, "month")))
    assert_allclose(both[:, 2:], np.column_stack(_encode(times, "hour")))
    assert both.dtype == np.float64


@pytest.mark.parametrize(
    "freq, expected",
    [
        ("15min", ["hour", "dayofweek", "dayofyear"]),
        ("h", ["hour", "dayofweek", "dayofyear"]),
        ("D", ["dayofweek", "dayofyear"]),
        ("B", ["dayofweek", "dayofyear"]),  # weekends are gaps, not the step
        ("W", ["dayofyear"]),
        ("MS", ["month"]),
        ("ME", ["month"]),
        ("QS", ["month"]),
    ],
)
def test_auto_choice_from_the_spacing(freq, expected):
    index = pd.date_range("2023-01-01", periods=30, freq=freq)
    calendar = CalendarFeatures().fit(index)
    assert calendar.features_ == expected
    assert calendar.transform(index).shape == (30, 2 * len(expected))
    names = [f"{name}_{part}" for name in expected for part in ("sin", "cos")]
    assert_array_equal(calendar.get_feature_names_out(), names)


def test_auto_reads_the_spacing_of_unsorted_timestamps_with_gaps():
    hours = pd.date_range("2024-01-01", periods=48, freq="h")
    shuffled = hours[np.random.default_rng(0).permutation(48)].delete([3, 10, 11])
    assert CalendarFeatures().fit(shuffled).features_[0] == "hour"


def test_auto_daily_across_daylight_saving_time():
    # Two local days 23 and 25 hours long; the wall clock still steps a day.
    days = pd.date_range("2024-03-29", periods=3, freq="D", tz="Europe/Paris")
    days = days.append(
        pd.date_range("2024-10-26", periods=3, freq="D", tz="Europe/Paris")
    )
    assert CalendarFeatures().fit(days[:3]).features_ == ["dayofweek", "dayofyear"]
    # Hours are read on the local wall clock: local midnight is hour 0.
    sin, cos = _encode(days, "hour")
    assert_allclose(sin, 0.0, atol=ATOL)
    assert_allclose(cos, 1.0, atol=ATOL)


def test_features_given_are_kept_and_need_no_fit():
    hours = pd.date_range("2024-01-01", periods=10, freq="h")
    calendar = CalendarFeatures(features=["month"])
    assert not get_tags(calendar).requires_fit
    assert get_tags(CalendarFeatures()).requires_fit
    # Stateless with named features: transform before (and without) fit.
    unfitted = calendar.transform(hours)
    assert_array_equal(unfitted, calendar.fit(hours).transform(hours))
    assert calendar.features_ == ["month"]
    with pytest.raises(NotFittedError):
        CalendarFeatures().transform(hours)


def test_holidays_flag_whole_calendar_days():
    times = pd.date_range("2024-12-24 18:00", periods=8, freq="6h")
    calendar = CalendarFeatures(
        features=["hour"], holidays=["2024-12-25", pd.Timestamp("2024-12-26 13:00")]
    )
    out = calendar.fit_transform(times)
    assert out.shape == (8, 3)
    assert_array_equal(
        calendar.get_feature_names_out(), ["hour_sin", "hour_cos", "holiday"]
    )
    # 24th 18:00 | 25th 00:00, 06:00, 12:00, 18:00 | 26th 00:00, 06:00, 12:00
    assert_array_equal(out[:, -1], [0, 1, 1, 1, 1, 1, 1, 1])
    assert_array_equal(
        CalendarFeatures(features=["hour"], holidays=[]).fit_transform(times)[:, -1], 0
    )


def test_holidays_on_time_zone_aware_timestamps_use_the_local_day():
    # 2024-12-25 00:30 in Paris is still the 24th in UTC.
    paris = pd.DatetimeIndex(["2024-12-25 00:30", "2024-12-24 23:30"]).tz_localize(
        "Europe/Paris"
    )
    out = CalendarFeatures(features=["month"], holidays=["2024-12-25"]).fit_transform(
        paris
    )
    assert_array_equal(out[:, -1], [1.0, 0.0])


def test_period_index_is_read_at_the_period_start():
    months = pd.period_range("2023-01", periods=12, freq="M")
    calendar = CalendarFeatures().fit(months)
    assert calendar.features_ == ["month"]
    out = calendar.transform(months)
    assert_allclose(
        out, CalendarFeatures(features=["month"]).transform(months.to_timestamp())
    )
    assert_allclose(out[[0, 6]], [[0.0, 1.0], [0.0, -1.0]], atol=ATOL)
    hours = pd.period_range("2024-01-01 00:00", periods=5, freq="h")
    assert CalendarFeatures().fit(hours).features_[0] == "hour"
    assert_allclose(_encode(hours, "hour")[0][[0, 1]], [0.0, np.sin(2 * np.pi / 24)])


def test_every_input_form_gives_the_same_features():
    index = pd.date_range("2024-02-27", periods=6, freq="13h")
    expected = CalendarFeatures(holidays=["2024-02-29"]).fit_transform(index)
    values = np.arange(6.0)
    forms = {
        "numpy": index.to_numpy(),
        "numpy column": index.to_numpy().reshape(-1, 1),
        "series": pd.Series(index),
        "series index": pd.Series(values, index=index),
        "frame column": pd.DataFrame({"time": index}),
        "frame index": pd.DataFrame({"y": values, "x": -values}, index=index),
        "frame index, no columns": pd.DataFrame(index=index),
        "object timestamps": np.array(list(index), dtype=object),
        "list": list(index),
    }
    for name, X in forms.items():
        out = CalendarFeatures(holidays=["2024-02-29"]).fit(X).transform(X)
        assert_allclose(out, expected, atol=ATOL, err_msg=name)


def test_frame_reads_its_datetime_column_before_its_index():
    # A ColumnTransformer selecting a time column must read that column even
    # if the table is indexed by other dates.
    column = pd.date_range("2024-01-01", periods=4, freq="D")
    frame = pd.DataFrame(
        {"time": column, "y": np.arange(4.0)},
        index=pd.date_range("2000-06-01 12:00", periods=4, freq="h"),
    )
    calendar = CalendarFeatures().fit(frame)
    assert calendar.features_ == ["dayofweek", "dayofyear"]
    assert_allclose(calendar.transform(frame), calendar.transform(column))
    assert calendar.n_features_in_ == 2
    assert_array_equal(calendar.feature_names_in_, ["time", "y"])
    # Without a datetime column, the DatetimeIndex is read.
    by_index = CalendarFeatures().fit(frame[["y"]])
    assert by_index.features_ == ["hour", "dayofweek", "dayofyear"]


def test_set_output_pandas_keeps_the_index():
    index = pd.date_range("2024-01-01", periods=5, freq="D", name="date")
    calendar = CalendarFeatures(holidays=["2024-01-01"]).set_output(transform="pandas")
    out = calendar.fit_transform(pd.Series(np.arange(5.0), index=index))
    assert isinstance(out, pd.DataFrame)
    assert out.index.equals(index)
    assert list(out.columns) == list(calendar.get_feature_names_out())
    assert_allclose(
        out.to_numpy(), calendar.set_output(transform="default").transform(index)
    )
    # An index passed as X becomes the index of the output.
    calendar.set_output(transform="pandas")
    assert calendar.transform(index).index.equals(index)
    months = pd.period_range("2024-01", periods=3, freq="M")
    assert calendar.transform(months).index.equals(months)
    labelled = pd.DataFrame({"time": index}, index=list("abcde"))
    assert list(calendar.transform(labelled).index) == list("abcde")
    assert isinstance(calendar.transform(index.to_numpy()).index, pd.RangeIndex)
    empty = calendar.transform(index[:0])
    assert empty.shape == (0, 5)


def test_future_timestamps_need_no_history():
    history = pd.DataFrame(
        {"y": np.arange(48.0)}, index=pd.date_range("2024-01-01", periods=48, freq="h")
    )
    calendar = CalendarFeatures().fit(history)
    future = pd.date_range(history.index[-1], periods=7, freq="h")[1:]
    assert calendar.transform(future).shape == (6, 6)
    # The columns of the frame given to transform do not matter.
    assert_allclose(
        calendar.transform(future), calendar.transform(pd.DataFrame(index=future))
    )


def test_pipeline_and_column_transformer():
    time = pd.date_range("2023-01-01", periods=400, freq="D")
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"time": time, "x": rng.standard_normal(400)})
    # A weekly pattern plus x: linear in the day-of-week sin/cos and x.
    angle = 2 * np.pi * time.dayofweek.to_numpy() / 7
    y = 3 * np.sin(angle) - 2 * np.cos(angle) + frame["x"].to_numpy()
    columns = ColumnTransformer(
        [("cal", CalendarFeatures(holidays=["2023-12-25"]), ["time"])],
        remainder="passthrough",
    )
    model = make_pipeline(columns, Ridge(alpha=1e-6)).fit(frame, y)
    assert_allclose(model.predict(frame), y, atol=1e-4)
    assert_array_equal(
        columns.get_feature_names_out(),
        [
            "cal__dayofweek_sin",
            "cal__dayofweek_cos",
            "cal__dayofyear_sin",
            "cal__dayofyear_cos",
            "cal__holiday",
            "remainder__x",
        ],
    )
    out = columns.set_output(transform="pandas").fit_transform(frame)
    assert out.index.equals(frame.index)
    assert out.loc[358, "cal__holiday"] == 1.0  # 2023-12-25
    assert out["cal__holiday"].sum() == 1.0


def test_get_feature_names_out_checks_input_features():
    frame = pd.DataFrame({"time": pd.date_range("2024-01-01", periods=3, freq="D")})
    calendar = CalendarFeatures(features=["month"]).fit(frame)
    assert_array_equal(
        calendar.get_feature_names_out(["time"]), ["month_sin", "month_cos"]
    )
    with pytest.raises(ValueError, match="input_features"):
        calendar.get_feature_names_out(["other"])


def test_clone_and_pickle():
    days = pd.date_range("2024-12-20", periods=10, freq="D")
    calendar = CalendarFeatures(holidays=["2024-12-25"]).fit(days)
    restored = pickle.loads(pickle.dumps(calendar))
    assert restored.features_ == calendar.features_
    assert_array_equal(restored.transform(days), calendar.transform(days))
    fresh = clone(calendar)
    assert not hasattr(fresh, "features_")
    assert fresh.get_params() == {"features": "auto", "holidays": ["2024-12-25"]}
    assert_array_equal(fresh.fit_transform(days), calendar.transform(days))


@pytest.mark.parametrize(
    "X, match",
    [
        (np.arange(5.0), "reads timestamps: pass a DatetimeIndex.*dtype float64"),
        (np.arange(5).reshape(-1, 1), "reads timestamps.*dtype int64"),
        (pd.DataFrame({"a": [1.0, 2.0], "b": [3.0, 4.0]}), "none of them datetimes"),
        (pd.Series([1, 2, 3]), "reads timestamps.*Series of dtype int64"),
        (
            np.array(["2024-01-01", "2024-01-02"]),
            "strings: convert them.*pd.to_datetime",
        ),
        (pd.Series(["2024-01-01", "2024-01-02"]), "strings: convert them"),
        (pd.DatetimeIndex(["2024-01-01", None]), r"missing timestamps \(NaT\)"),
        (np.array(["2024-01-01"], dtype="datetime64[ns]").reshape(1, 1, 1), "shape"),
        (
            pd.DataFrame(
                {
                    "t": pd.date_range("2024", periods=2),
                    "u": pd.date_range("2025", periods=2),
                }
            ),
            "2 datetime columns",
        ),
        ("2024-01-01", "type str"),
        (pd.DatetimeIndex([]), "no timestamps"),
    ],
)
def test_bad_input(X, match):
    with pytest.raises(ValueError, match=match):
        CalendarFeatures(features=["month"]).fit(X)
    if match != "no timestamps":  # transform may take zero rows
        with pytest.raises(ValueError, match=match):
            CalendarFeatures(features=["month"]).transform(X)


def test_auto_needs_two_distinct_timestamps():
    single = pd.DatetimeIndex(["2024-01-01", "2024-01-01"])
    with pytest.raises(ValueError, match="at least two.*name the features"):
        CalendarFeatures().fit(single)
    assert CalendarFeatures(features=["month"]).fit(single).features_ == ["month"]


@pytest.mark.parametrize(
    "features, error, match",
    [
        ("hour", InvalidParameterError, "'features' parameter"),
        (None, InvalidParameterError, "'features' parameter"),
        (["minute"], ValueError, r"unknown: \['minute'\]"),
        (["hour", "Month"], ValueError, r"unknown: \['Month'\]"),
        ([], ValueError, "non-empty list"),
        (("hour", "hour"), ValueError, "twice"),
    ],
)
def test_bad_features(features, error, match):
    days = pd.date_range("2024-01-01", periods=3, freq="D")
    with pytest.raises(error, match=match):
        CalendarFeatures(features=features).fit(days)


def test_bad_holidays():
    days = pd.date_range("2024-01-01", periods=3, freq="D")
    with pytest.raises(InvalidParameterError, match="'holidays' parameter"):
        CalendarFeatures(holidays="2024-01-01").fit(days)
    with pytest.raises(ValueError, match="holidays must be a list of dates"):
        CalendarFeatures(holidays=["not a date"]).fit(days)


def test_tags_keep_numeric_checks_away():
    # scikit-learn's common checks feed numeric arrays; two_d_array off tells
    # them that this transformer reads something else (timestamps).
    tags = get_tags(CalendarFeatures())
    assert not tags.input_tags.two_d_array
    assert tags.input_tags.one_d_array
