"""Calendar features: inputs that are known ahead by construction.

A forecaster that is given future inputs must know them when it forecasts.
The calendar is the one input that always is: the hour, weekday, day of the
year and month of any future timestamp, and whether it is a holiday. This
module turns timestamps into those features as periodic (sin/cos) columns,
so that 23:00 sits next to 00:00 and December next to January.
"""

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import StrOptions
from sklearn.utils._set_output import _get_output_config
from sklearn.utils.validation import (
    _check_feature_names,
    _check_feature_names_in,
    check_is_fitted,
)

__all__ = ["CalendarFeatures"]

FEATURES = ("hour", "dayofweek", "dayofyear", "month")

_HOW_TO_PASS = (
    "pass a DatetimeIndex or PeriodIndex, a pandas Series or a one-column "
    "DataFrame of datetimes, a DataFrame or Series indexed by a DatetimeIndex, "
    "or a NumPy array of datetime64"
)

# Bounds of the "auto" spacing classes, on the median step between distinct
# timestamps. A month is at least 28 days, so a monthly index never falls
# below the last bound; a week is 7 days, so daily data with gaps (business
# days: steps of 1 and 3 days) stays daily.
_DAY = pd.Timedelta(days=1)
_WEEK = pd.Timedelta(days=7)
_MONTH = pd.Timedelta(days=28)


def _is_datetime_like(values):
    """Whether a pandas object's values are datetimes or periods."""
    dtype = values.dtype
    if pd.api.types.is_datetime64_any_dtype(dtype) or isinstance(dtype, pd.PeriodDtype):
        return True
    if pd.api.types.is_object_dtype(dtype) and len(values):
        # Timestamps of mixed time zones, datetime.date or Period objects
        # stay object; strings are left to the caller (see _to_index).
        return pd.api.types.infer_dtype(values, skipna=True) in (
            "datetime",
            "datetime64",
            "date",
            "period",
        )
    return False


def _to_index(values, what):
    """A naive DatetimeIndex of the wall-clock times of ``values``."""
    values = pd.Index(values)
    if isinstance(values, pd.PeriodIndex):
        # A period is read at its start: the month 2024-03 is 2024-03-01.
        index = values.to_timestamp(how="start")
    elif isinstance(values, pd.DatetimeIndex):
        index = values
    elif pd.api.types.is_object_dtype(values.dtype) and _is_datetime_like(values):
        if pd.api.types.infer_dtype(values, skipna=True) == "period":
            index = pd.PeriodIndex(values).to_timestamp(how="start")
        else:
            try:
                index = pd.DatetimeIndex(values)
            except (TypeError, ValueError):
                # Mixed time zones: one instant each, read in UTC.
                index = pd.to_datetime(values, utc=True)
    else:
        hint = (
            "; it holds strings: convert them first with pd.to_datetime"
            if pd.api.types.infer_dtype(values, skipna=True) == "string"
            else ""
        )
        raise ValueError(
            f"CalendarFeatures reads timestamps: {_HOW_TO_PASS}. Got {what} of "
            f"dtype {values.dtype}{hint}."
        )
    if index.tz is not None:
        # The calendar is the local one: a timestamp's hour and day are those
        # of its wall clock in its own time zone.
        index = index.tz_localize(None)
    if index.hasnans:
        raise ValueError(
            "CalendarFeatures got missing timestamps (NaT); drop or fill those "
            "rows first: every row needs its date."
        )
    return index


def _timestamps(X):
    """Read the timestamps of ``X``.

    Returns ``(timestamps, index, n_columns)``: a naive DatetimeIndex of
    wall-clock times, the row index for a pandas output (None for a NumPy
    array), and the number of columns ``X`` has (1 for one-dimensional
    input).

    A datetime column wins over a datetime index, so that a
    :class:`~sklearn.compose.ColumnTransformer` that selects a column gets
    that column even when the table is indexed by dates.
    """
    if isinstance(X, pd.Index):
        return _to_index(X, f"a {type(X).__name__}"), X, 1
    if isinstance(X, pd.Series):
        if _is_datetime_like(X):
            return _to_index(X, "a Series"), X.index, 1
        if isinstance(X.index, (pd.DatetimeIndex, pd.PeriodIndex)):
            return _to_index(X.index, "an index"), X.index, 1
        return _to_index(X, "a Series"), X.index, 1  # raises, naming the dtype
    if isinstance(X, pd.DataFrame):
        dated = [i for i in range(X.shape[1]) if _is_datetime_like(X.iloc[:, i])]
        if len(dated) == 1:
            return _to_index(X.iloc[:, dated[0]], "a column"), X.index, X.shape[1]
        if len(dated) > 1:
            raise ValueError(
                f"CalendarFeatures reads one timestamp column, but X has "
                f"{len(dated)} datetime columns "
                f"{[X.columns[i] for i in dated]}; select one, e.g. X[['time']]."
            )
        if isinstance(X.index, (pd.DatetimeIndex, pd.PeriodIndex)):
            return _to_index(X.index, "an index"), X.index, X.shape[1]
        if X.shape[1] == 1:
            return _to_index(X.iloc[:, 0], "a column"), X.index, 1  # raises
        raise ValueError(
            f"CalendarFeatures reads timestamps: {_HOW_TO_PASS}. Got a DataFrame "
            f"with columns {list(X.columns)} of dtypes {list(X.dtypes.astype(str))}"
            ", none of them datetimes, and a "
            f"{type(X.index).__name__}; set the time as the index, or convert "
            "the time column with pd.to_datetime."
        )
    if hasattr(X, "__array__") or isinstance(X, (list, tuple)):
        arr = np.asarray(X)
        if arr.ndim == 2 and arr.shape[1] == 1:
            arr = arr[:, 0]
        if arr.ndim != 1:
            raise ValueError(
                f"CalendarFeatures reads one column of timestamps, got an array "
                f"of shape {arr.shape}; {_HOW_TO_PASS}."
            )
        return _to_index(arr, "an array"), None, 1
    raise ValueError(
        f"CalendarFeatures reads timestamps: {_HOW_TO_PASS}. Got an object of "
        f"type {type(X).__name__}."
    )


def _auto_features(timestamps):
    """The features ``features="auto"`` picks for the spacing of ``timestamps``."""
    distinct = timestamps.unique().sort_values()
    if len(distinct) < 2:
        raise ValueError(
            'features="auto" reads the spacing of the timestamps, but fit got '
            f"{len(distinct)} distinct timestamp(s); fit on at least two, or "
            'name the features, e.g. features=["dayofweek", "dayofyear"].'
        )
    # The median step is robust to gaps (weekends, a missing day) and to the
    # hour that daylight saving time adds or removes.
    step = pd.Timedelta(np.median(np.diff(distinct.asi8)), unit="ns")
    if step < _DAY:
        return ["hour", "dayofweek", "dayofyear"]
    if step < _WEEK:
        return ["dayofweek", "dayofyear"]
    if step < _MONTH:
        return ["dayofyear"]
    return ["month"]


def _check_features(features):
    """The list of feature names of a ``features`` list or tuple."""
    names = list(features)
    unknown = [name for name in names if name not in FEATURES]
    if not names or unknown:
        raise ValueError(
            'features must be "auto" or a non-empty list of names among '
            f"{list(FEATURES)}, got {features!r}"
            + (f"; unknown: {unknown}." if unknown else ".")
        )
    if len(set(names)) != len(names):
        raise ValueError(f"features must not name a feature twice, got {features!r}.")
    return names


def _holiday_dates(holidays):
    """The calendar days of ``holidays``, as a naive DatetimeIndex at midnight."""
    if holidays is None:
        return None
    try:
        dates = pd.DatetimeIndex(pd.to_datetime(holidays))
    except (TypeError, ValueError) as exc:
        raise ValueError(
            "holidays must be a list of dates that pd.to_datetime reads, e.g. "
            f'["2024-12-25", "2025-01-01"]; could not read them: {exc}'
        ) from exc
    if dates.tz is not None:
        dates = dates.tz_localize(None)
    return dates.dropna().normalize().unique()


def _angles(timestamps, feature):
    """The position of each timestamp in the cycle of ``feature``, in radians."""
    if feature == "hour":
        # Minutes and seconds as fractions, so that 06:30 lies between 06:00
        # and 07:00 (half-hourly data keep their distinct values).
        seconds = (timestamps - timestamps.normalize()).total_seconds()
        fraction = seconds.to_numpy() / 86400.0
    elif feature == "dayofweek":
        fraction = timestamps.dayofweek.to_numpy() / 7.0  # Monday is 0
    elif feature == "dayofyear":
        # The year's own length, so that December 31 is next to January 1
        # in leap years too.
        days = np.where(timestamps.is_leap_year, 366.0, 365.0)
        fraction = (timestamps.dayofyear.to_numpy() - 1.0) / days
    else:  # month
        fraction = (timestamps.month.to_numpy() - 1.0) / 12.0
    return 2.0 * np.pi * np.asarray(fraction, dtype=np.float64)


class CalendarFeatures(TransformerMixin, BaseEstimator):
    """Periodic calendar features of timestamps, known ahead by construction.

    Turns each timestamp into the sine and cosine of its position in the
    day, the week, the year and the month cycle, and optionally a holiday
    flag. These features of a future timestamp are known when forecasting,
    so they can be given as inputs known in advance. The sin/cos pair puts
    the ends of each cycle next to each other (23:00 next to 00:00, December
    next to January), which a plain hour or month number does not.

    Times are read on the wall clock: a time-zone-aware timestamp's hour and
    day are those of its own time zone. A period (of a PeriodIndex) is read
    at its start.

    Parameters
    ----------
    features : "auto", list or tuple of str, default="auto"
        Calendar features to encode, among ``"hour"`` (hour of the day, with
        minutes and seconds as fractions), ``"dayofweek"`` (Monday first),
        ``"dayofyear"`` (over the year's length, 365 or 366 days) and
        ``"month"``; each gives two columns, ``<name>_sin`` and
        ``<name>_cos``, in the order named. ``"auto"`` picks them from the
        median step between the distinct timestamps seen in :term:`fit`:
        under one day (sub-daily) ``["hour", "dayofweek", "dayofyear"]``;
        one day up to a week (daily) ``["dayofweek", "dayofyear"]``; one
        week up to 28 days (weekly) ``["dayofyear"]``; 28 days or more
        (monthly or coarser) ``["month"]``. ``features_`` holds the choice.

    holidays : array-like of dates or None, default=None
        Dates (anything :func:`pandas.to_datetime` reads) of holidays. If
        given, a last column ``holiday`` is 1.0 for timestamps on one of
        those calendar days (at any time of the day) and 0.0 otherwise.

    Attributes
    ----------
    features_ : list of str
        The features encoded, in column order: ``features`` as given, or
        the choice of ``"auto"``.

    n_features_in_ : int
        Number of columns of ``X`` seen during :term:`fit` (1 for an index,
        a Series or a one-dimensional array).

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of the columns of ``X`` seen during :term:`fit`. Defined only
        when ``X`` is a DataFrame whose column names are all strings.

    See Also
    --------
    SlidingWindowTransformer : Windows of past rows as features.
    LSTMForecaster : Forecaster that takes inputs known in advance.

    Notes
    -----
    ``X`` is read as follows; other columns are ignored:

    - a :class:`~pandas.DatetimeIndex` or :class:`~pandas.PeriodIndex`: its
      values;
    - a :class:`~pandas.Series`: its values if they are datetimes or
      periods, else its index if that is a DatetimeIndex or PeriodIndex;
    - a :class:`~pandas.DataFrame`: its datetime (or period) column if it
      has exactly one, else its index if that is a DatetimeIndex or
      PeriodIndex. A column wins over the index, so that a
      :class:`~sklearn.compose.ColumnTransformer` that selects a time column
      reads that column;
    - a NumPy array of ``datetime64`` of shape ``(n,)`` or ``(n, 1)``.

    Strings are not parsed: convert them with :func:`pandas.to_datetime`
    first. Missing timestamps (NaT) raise a ValueError.

    The output has one row per timestamp. With
    ``set_output(transform="pandas")`` it is a DataFrame with the index of
    ``X`` (the index itself for a DatetimeIndex or PeriodIndex; a default
    RangeIndex for a NumPy array).

    With ``features`` given as a list, the transformer learns nothing from
    the data and can transform without being fitted.

    Examples
    --------
    >>> import pandas as pd
    >>> from sklstm import CalendarFeatures
    >>> hours = pd.date_range("2024-01-01", periods=4, freq="6h")
    >>> calendar = CalendarFeatures().fit(hours)
    >>> calendar.features_
    ['hour', 'dayofweek', 'dayofyear']
    >>> CalendarFeatures(features=["hour"]).fit_transform(hours).round(3)
    array([[ 0.,  1.],
           [ 1.,  0.],
           [ 0., -1.],
           [-1., -0.]])
    >>> days = pd.date_range("2024-12-24", periods=3, freq="D")
    >>> holidays = CalendarFeatures(holidays=["2024-12-25"]).set_output(
    ...     transform="pandas"
    ... )
    >>> holidays.fit_transform(days)[["dayofweek_sin", "holiday"]].round(3)
                dayofweek_sin  holiday
    2024-12-24          0.782      0.0
    2024-12-25          0.975      1.0
    2024-12-26          0.434      0.0
    """

    _parameter_constraints: dict = {
        "features": [StrOptions({"auto"}), list, tuple],
        "holidays": ["array-like", None],
    }

    def __init__(self, features="auto", *, holidays=None):
        self.features = features
        self.holidays = holidays

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Choose the features (for ``features="auto"``) from the timestamps.

        Parameters
        ----------
        X : DatetimeIndex, PeriodIndex, Series, DataFrame or ndarray
            Timestamps, read as described in the Notes of the class.

        y : None
            Ignored.

        Returns
        -------
        self : object
            The fitted transformer.
        """
        timestamps, _, n_columns = _timestamps(X)
        if len(timestamps) == 0:
            raise ValueError("CalendarFeatures got no timestamps: X has 0 rows.")
        _holiday_dates(self.holidays)  # fail at fit, not first at transform
        if isinstance(self.features, str):
            self.features_ = _auto_features(timestamps)
        else:
            self.features_ = _check_features(self.features)
        # Not validate_data: it would cast the datetimes to numbers. Only the
        # shape and column names are recorded, as sklearn does for any X.
        self.n_features_in_ = n_columns
        _check_feature_names(
            self, X if isinstance(X, pd.DataFrame) else None, reset=True
        )
        return self

    def _features(self):
        """The features encoded: those fitted, else those named."""
        if hasattr(self, "features_"):
            return self.features_
        # Only reached unfitted with a list of features (see __sklearn_tags__).
        return _check_features(self.features)

    def transform(self, X):
        """Encode the calendar of each timestamp.

        Parameters
        ----------
        X : DatetimeIndex, PeriodIndex, Series, DataFrame or ndarray
            Timestamps, read as described in the Notes of the class; they
            may be future timestamps, in any order.

        Returns
        -------
        X_calendar : ndarray of shape (n_timestamps, n_features_out)
            Float64 features, columns as named by
            :meth:`get_feature_names_out`.
        """
        check_is_fitted(self)
        features = self._features()
        timestamps, index, _ = _timestamps(X)
        columns = []
        for feature in features:
            angles = _angles(timestamps, feature)
            columns += [np.sin(angles), np.cos(angles)]
        holidays = _holiday_dates(self.holidays)
        if holidays is not None:
            columns.append(timestamps.normalize().isin(holidays).astype(np.float64))
        out = np.column_stack(columns) if len(timestamps) else None
        if out is None:
            out = np.empty((0, len(columns)), dtype=np.float64)
        if _get_output_config("transform", self)["dense"] == "pandas":
            # A DataFrame here keeps the index of an Index input too (the
            # set_output wrapper would only copy that of a Series or
            # DataFrame); the wrapper then sets the column names.
            return pd.DataFrame(out, index=index)
        return out

    def get_feature_names_out(self, input_features=None):
        """Get output feature names: ``<name>_sin``, ``<name>_cos``, ``holiday``.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Ignored, except that it is checked against the names seen in
            :meth:`fit`: the output names depend only on the features.

        Returns
        -------
        feature_names_out : ndarray of str objects
            Two names per feature of ``features_``, then ``"holiday"`` if
            ``holidays`` is given.
        """
        check_is_fitted(self)
        if hasattr(self, "n_features_in_"):
            _check_feature_names_in(self, input_features)
        names = [f"{f}_{part}" for f in self._features() for part in ("sin", "cos")]
        if self.holidays is not None:
            names.append("holiday")
        return np.asarray(names, dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # Timestamps, not numbers: with two_d_array off (as for scikit-learn's
        # text vectorizers) scikit-learn's common checks, which feed numeric
        # arrays, know they cannot run on this transformer.
        tags.input_tags.two_d_array = False
        tags.input_tags.one_d_array = True
        tags.transformer_tags.preserves_dtype = []
        # Named features are learned from nothing: only "auto" needs fit.
        tags.requires_fit = isinstance(self.features, str)
        return tags
