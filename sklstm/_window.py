"""Sliding-window utilities: turn a time-ordered series into model inputs.

Two tools with two different contracts:

- :func:`make_windows` builds trimmed, aligned ``(X, y)`` training pairs for
  scripts: it drops the rows that have no complete window or no complete
  target, so ``X`` and ``y`` have fewer rows than the series.
- :class:`SlidingWindowTransformer` is a scikit-learn transformer that keeps
  the number of rows (a :class:`~sklearn.pipeline.Pipeline` cannot drop rows)
  and fills the leading incomplete windows with ``fill_value`` instead.

Both also accept a panel of several series (a list or dict of series, or a
long table with an id column); their windows never cross from one series into
the next.
"""

import contextlib
from numbers import Integral, Real
from typing import NamedTuple

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import as_strided, sliding_window_view
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval, InvalidParameterError
from sklearn.utils.validation import (
    _check_feature_names_in,
    check_array,
    check_is_fitted,
    validate_data,
)

from ._data import _PanelWindows
from ._validation import explain_input_errors

__all__ = ["SlidingWindowTransformer", "make_windows"]


def _check_positive_int(value, name):
    """Return ``value`` as an int, raising if it is not an integer >= 1."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, Integral):
        raise TypeError(
            f"{name} must be a positive int, got {value!r} of type "
            f"{type(value).__name__}; pass e.g. {name}=1."
        )
    if value < 1:
        raise ValueError(f"{name} must be a positive int (>= 1), got {value!r}.")
    return int(value)


def _is_real_numeric_dtype(dtype):
    return pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_complex_dtype(
        dtype
    )


def _as_float_array(series):
    """Convert ``series`` to a float32 or float64 ndarray and its column labels.

    Floating arrays (float32, float64) are kept as they are, without a copy;
    bool and integer data become float64. Complex, string, datetime and object
    data that cannot be converted to float raise a TypeError.
    """
    columns = None
    if isinstance(series, (pd.DataFrame, pd.Series)):
        if isinstance(series, pd.DataFrame):
            columns = series.columns
            dtypes = list(series.dtypes)
        else:
            dtypes = [series.dtype]
        if dtypes and all(_is_real_numeric_dtype(dt) for dt in dtypes):
            float32 = all(dt == np.float32 for dt in dtypes)
            arr = series.to_numpy(
                dtype=np.float32 if float32 else np.float64, na_value=np.nan
            )
        else:
            arr = series.to_numpy(dtype=object)
    else:
        try:
            arr = np.asarray(series)
        except (ValueError, TypeError) as exc:
            raise ValueError(
                "series must be a rectangular 1-D or 2-D array-like of numbers "
                f"(could not build an array from it: {exc})."
            ) from exc

    kind = arr.dtype.kind
    if kind in "biu":
        arr = arr.astype(np.float64)
    elif kind == "f":
        if arr.dtype not in (np.float32, np.float64):
            arr = arr.astype(np.float64)
    elif kind == "O":
        try:
            arr = arr.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise TypeError(
                "series must hold numbers that convert to float; its object "
                f"values could not be converted ({exc}). Encode or drop the "
                "non-numeric columns first."
            ) from exc
    else:
        raise TypeError(
            f"series must hold real numbers, got dtype {arr.dtype}; convert it "
            "to a float array first (complex, string and datetime data are not "
            "supported)."
        )
    return arr, columns


def _resolve_one_target(item, n_features, columns, name="target"):
    if isinstance(item, (bool, np.bool_)):
        raise TypeError(
            f"{name} must be an int position or a column name, got {item!r} (a bool)."
        )
    if isinstance(item, Integral):
        if not -n_features <= item < n_features:
            raise ValueError(
                f"{name}={item!r} is out of range for a series with {n_features} "
                f"column(s); use a position in [{-n_features}, {n_features - 1}]"
                + (" or a column name." if columns is not None else ".")
            )
        return int(item) % n_features
    if columns is None:
        raise ValueError(
            f"{name}={item!r} is not an int position; column names can only be "
            "used when series is a pandas DataFrame."
        )
    try:
        found = item in columns
    except TypeError as exc:
        raise TypeError(
            f"{name} must be an int position or a column name, got {item!r}."
        ) from exc
    if not found:
        raise ValueError(
            f"{name}={item!r} is not a column of series; its columns are "
            f"{list(columns)}."
        )
    loc = columns.get_loc(item)
    if not isinstance(loc, Integral):
        raise ValueError(
            f"{name}={item!r} names several columns of series; give the column "
            "positions as ints instead."
        )
    return int(loc)


def _resolve_target(target, n_features, columns, name="target"):
    """Return the list of target column positions and whether it is a list."""
    if target is None:
        return list(range(n_features))
    if isinstance(target, (list, tuple, np.ndarray, pd.Index)):
        items = list(target)
        if not items:
            raise ValueError(
                f"{name} must name at least one column, got an empty list."
            )
    else:
        items = [target]
    positions = [_resolve_one_target(item, n_features, columns, name) for item in items]
    if len(set(positions)) != len(positions):
        raise ValueError(f"{name} must not name a column twice, got {target!r}.")
    return positions


class _Panel(NamedTuple):
    """Series of a panel, each time-ordered, with their ids."""

    ids: list
    series: list
    kind: str  # "list", "dict" or "long": how the panel was given


def _is_series_object(item):
    return isinstance(item, (np.ndarray, pd.Series, pd.DataFrame)) and item.ndim >= 1


def _column_position(column, columns, name):
    """Position of ``column`` (an int position or a label) among ``columns``."""
    n_columns = len(columns)
    if isinstance(column, (bool, np.bool_)):
        raise TypeError(
            f"{name} must be a column label or an int position, got {column!r}."
        )
    if isinstance(column, Integral):
        if not -n_columns <= column < n_columns:
            raise ValueError(
                f"{name}={column!r} is out of range for a table with {n_columns} "
                "column(s)."
            )
        return int(column) % n_columns
    try:
        loc = columns.get_loc(column)
    except (KeyError, TypeError, pd.errors.InvalidIndexError):
        raise ValueError(
            f"{name}={column!r} is not a column of the table; its columns are "
            f"{list(columns)}."
        ) from None
    if not isinstance(loc, Integral):
        raise ValueError(
            f"{name}={column!r} names several columns; give its int position."
        )
    return int(loc)


def _long_table(table, id_column, time_column):
    """Columns of a long table: (id values, time values or None, value frame)."""
    if not isinstance(table, pd.DataFrame):
        arr = np.asarray(table)
        if arr.ndim != 2:
            raise ValueError(
                "With id_column, series must be a long 2-D table (a pandas "
                f"DataFrame or a 2-D array), got shape {arr.shape}."
            )
        table = pd.DataFrame(arr)
    id_pos = _column_position(id_column, table.columns, "id_column")
    time_pos = None
    if time_column is not None:
        time_pos = _column_position(time_column, table.columns, "time_column")
        if time_pos == id_pos:
            raise ValueError("time_column and id_column must be different columns.")
    value_pos = [i for i in range(table.shape[1]) if i not in (id_pos, time_pos)]
    if not value_pos:
        raise ValueError(
            "The long table has no value columns besides id_column"
            + (" and time_column." if time_pos is not None else ".")
        )
    ids = table.iloc[:, id_pos]
    times = None if time_pos is None else table.iloc[:, time_pos]
    return ids, times, table.iloc[:, value_pos]


def _split_panel(series, id_column=None, time_column=None):
    """Split a panel into its series, or return None for a single series.

    A panel is a dict of series, a list or tuple whose items are all NumPy
    arrays or pandas objects, or a long table with ``id_column``.
    """
    if id_column is None:
        if time_column is not None:
            raise ValueError(
                "time_column is only used with id_column, to order the rows of "
                "each series in a long table; sort a single series yourself."
            )
        if isinstance(series, dict):
            if not series:
                raise ValueError("series is an empty dict: the panel has no series.")
            return _Panel(list(series), list(series.values()), "dict")
        if (
            isinstance(series, (list, tuple))
            and series
            and all(_is_series_object(item) for item in series)
        ):
            return _Panel(list(range(len(series))), list(series), "list")
        return None

    ids, times, values = _long_table(series, id_column, time_column)
    if len(values) == 0:
        raise ValueError("series is an empty table: the panel has no series.")
    codes, uniques = pd.factorize(ids)
    if (codes < 0).any():
        raise ValueError(
            "id_column has missing values; every row needs the id of its series."
        )
    if times is None:
        order = np.argsort(codes, kind="stable")
    else:
        if times.isna().any():
            raise ValueError("time_column has missing values.")
        # Sort by id, then time, without comparing values of different types.
        time_codes = pd.factorize(times, sort=True)[0]
        order = np.lexsort((time_codes, codes))
        same_series = np.diff(codes[order]) == 0
        if (same_series & (np.diff(time_codes[order]) == 0)).any():
            raise ValueError(
                "time_column repeats a time within a series; each series needs "
                "one row per time step."
            )
    values = values.iloc[order]
    if times is not None:
        values.index = pd.Index(times.iloc[order])
    ends = np.cumsum(np.bincount(codes, minlength=len(uniques)))
    starts = np.r_[0, ends[:-1]]
    pieces = [values.iloc[start:end] for start, end in zip(starts, ends)]
    return _Panel(list(uniques), pieces, "long")


@contextlib.contextmanager
def _naming_series(series_id):
    """Prefix errors raised about one series of a panel with its id."""
    try:
        yield
    except (TypeError, ValueError) as exc:
        kind = TypeError if isinstance(exc, TypeError) else ValueError
        raise kind(f"series {series_id!r} of the panel: {exc}") from exc


def make_windows(
    series,
    look_back,
    horizon=1,
    *,
    target=None,
    id_column=None,
    time_column=None,
    future_covariates=None,
    static_covariates=None,
):
    """Cut a time-ordered series into aligned ``(X, y)`` training windows.

    Window ``i`` pairs the ``look_back`` rows ``series[i : i + look_back]``
    with the target values of the following ``horizon`` rows,
    ``series[i + look_back : i + look_back + horizon]``. Rows without a
    complete window or a complete target are dropped, so the result has
    ``n_windows = n_timesteps - look_back - horizon + 1`` rows.

    Parameters
    ----------
    series : array-like of shape (n_timesteps,) or (n_timesteps, n_features), \
            or a panel
        Time-ordered observations, oldest first: a NumPy array, a list, a
        pandas Series or a pandas DataFrame. Rows are used in the order given
        (a pandas index is not looked at). Values must be finite.

        A panel of several series is accepted too (see Notes): a list or
        tuple of NumPy arrays or pandas objects, a dict mapping series ids to
        series, or a long table with an ``id_column``.

    look_back : int
        Number of past time steps in each input window (>= 1).

    horizon : int, default=1
        Number of future time steps to forecast (>= 1).

    target : int, str, list of int or str, or None, default=None
        Column(s) of a 2-D ``series`` to forecast. None forecasts all
        columns. An int is always a column position (negative positions count
        from the end); any other value is a column label of a pandas
        DataFrame. Must be None for a 1-D ``series``.

    id_column : int, str or None, default=None
        Read ``series`` as a long table holding many series: a pandas
        DataFrame (or a 2-D array) with one row per time step of each series
        and this column (a label, or a position if an int) naming the series.
        The id column is not a feature. Rows of one series are used in the
        order given unless ``time_column`` is set; rows of different series
        may be interleaved.

    time_column : int, str or None, default=None
        With ``id_column``: a column (datetimes or numbers) by which the rows
        of each series are sorted before windowing. It is not a feature and
        must not repeat within a series.

    future_covariates : int, str, list of int or str, or None, default=None
        Columns of a 2-D ``series`` whose values are known ahead (calendar
        features, holidays, weather forecasts, planned prices): each window
        then also holds their values for the ``horizon`` steps after it, as
        ``horizon`` extra time steps at its end, in which every other column
        (the target included) is NaN. :class:`~sklstm.LSTMForecaster` reads
        such windows as past plus known future (see its Notes). Columns are
        named as for ``target``; a target cannot be known ahead.

    static_covariates : pandas.DataFrame, str or list of str, default=None
        Values that are constant for each series of a panel (a store's type,
        a region), known ahead by nature: a DataFrame with one row per series,
        indexed by the series ids (the dict's keys, the list's positions or
        the ids of ``id_column``), whose columns are appended to every step
        of that series; or, for a long table, the names of its columns that
        are constant within each series. They join ``future_covariates``
        (the windows gain the ``horizon`` steps ahead). Numbers only: encode
        categories first, e.g. with
        ``OneHotEncoder(sparse_output=False).set_output(transform="pandas")``.
        With ``target=None`` the static columns are not targets.

    Returns
    -------
    X : ndarray of shape (n_windows, look_back) or \
            (n_windows, look_back, n_features)
        Input windows: 2-D for a 1-D ``series``, 3-D for a 2-D ``series``
        (even with a single column). float32 data stay float32, everything
        else is float64. ``X`` is a read-only view (see Notes); for a panel,
        a read-only array-like of that shape whose windows are read from one
        copy of the panel's values (see Notes). With ``future_covariates``:
        shape ``(n_windows, look_back + horizon, n_features)``, a new array
        for a single series.

    y : ndarray of shape (n_windows,), (n_windows, horizon) or \
            (n_windows, horizon * n_targets)
        Targets, a new writable array (for a panel, read from the same copy
        of its values as ``X``). With several targets the columns are
        time-major: all targets at ``t + 1``, then all at ``t + 2``, and so
        on. With ``horizon * n_targets == 1`` ``y`` is 1-D.

    Raises
    ------
    TypeError
        If ``look_back``, ``horizon`` or ``target`` have the wrong type, or
        ``series`` holds values that do not convert to float.
    ValueError
        If ``series`` is empty, not 1-D or 2-D, shorter than
        ``look_back + horizon`` rows or holds NaN or infinity, or if
        ``look_back``, ``horizon`` or ``target`` are out of range.

    See Also
    --------
    SlidingWindowTransformer : Row-preserving windows for pipelines.

    Notes
    -----
    ``X`` is built with :func:`numpy.lib.stride_tricks.sliding_window_view`:
    it is a zero-copy, read-only view on the float data of ``series``, so
    windows share memory with each other and, for a float32 or float64 NumPy
    array, with ``series`` itself (changing ``series`` later changes ``X``).
    Call ``X.copy()`` to get an independent, writable array.

    For a panel, each series is windowed on its own, exactly as a single
    series, so no window mixes the end of one series with the start of the
    next; the windows are stacked series by series (in the order of the list
    or dict, or of first appearance in ``id_column``), each series' windows
    oldest first. All series need the same columns, and each needs at least
    ``look_back + horizon`` rows. A list is read as a panel only when its items
    are NumPy arrays or pandas objects; a list of numbers or of lists stays
    one series.

    A panel's windows are not copied either: its series are copied once,
    one after another, into one read-only buffer (with their static
    covariates), and ``X`` and ``y`` are array-likes that read each window
    from it where it starts. They take the memory of the panel's values
    plus one int per window, not ``look_back`` copies of the values: the
    ``(X, y)`` of 30,000 daily series of 200 values (4.77 million windows
    of 28 days, 14 ahead) hold 48 MB of values and 19 MB of window starts,
    where arrays would take 1.6 GB. They have ``shape``, ``ndim``,
    ``dtype`` and ``len``; indexing them with an int gives that window (an
    ndarray), indexing the windows with a slice, an int array or a boolean
    mask gives the windows of the same buffer (which is how
    :class:`~sklearn.model_selection.GridSearchCV` and ``cross_val_score``
    split them), and :class:`LSTMForecaster` trains on them reading one
    batch of windows at a time. ``np.asarray(X)`` copies the windows into
    an ndarray, and so do arithmetic, the usual ndarray methods (``mean``,
    ``astype``, ...) and the estimators of other libraries.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm import make_windows
    >>> X, y = make_windows(np.arange(6.0), look_back=3)
    >>> X
    array([[0., 1., 2.],
           [1., 2., 3.],
           [2., 3., 4.]])
    >>> y
    array([3., 4., 5.])

    A two-column series, forecasting column 1 two steps ahead:

    >>> series = np.arange(12.0).reshape(6, 2)
    >>> X, y = make_windows(series, look_back=2, horizon=2, target=1)
    >>> X.shape
    (3, 2, 2)
    >>> y
    array([[ 5.,  7.],
           [ 7.,  9.],
           [ 9., 11.]])

    A panel of two series: no window spans both.

    >>> X, y = make_windows([np.arange(4.0), np.arange(10.0, 14.0)], look_back=2)
    >>> X.shape
    (4, 2)
    >>> np.asarray(X)
    array([[ 0.,  1.],
           [ 1.,  2.],
           [10., 11.],
           [11., 12.]])
    >>> np.asarray(y)
    array([ 2.,  3., 12., 13.])

    The same panel as a long table with an id column:

    >>> import pandas as pd
    >>> long = pd.DataFrame(
    ...     {"shop": ["a"] * 4 + ["b"] * 4, "sales": [0, 1, 2, 3, 10, 11, 12, 13]}
    ... )
    >>> X_long, y_long = make_windows(long, look_back=2, id_column="shop")
    >>> X_long.shape  # 3-D: the value columns form a (one-column) table
    (4, 2, 1)
    >>> np.asarray(y_long)
    array([ 2.,  3., 12., 13.])
    """
    look_back = _check_positive_int(look_back, "look_back")
    horizon = _check_positive_int(horizon, "horizon")
    panel = _split_panel(series, id_column, time_column)
    if panel is None:
        if static_covariates is not None:
            raise ValueError(
                "static_covariates holds values per series of a panel, but "
                "series is a single series: pass a panel (a list or dict of "
                "series, or a long table with id_column), or add constant "
                "columns to the series and name them in future_covariates."
            )
        return _windows_of_one(series, look_back, horizon, target, future_covariates)

    _check_panel_lengths(panel, look_back, horizon)
    pieces, statics = _with_statics(panel, static_covariates)
    if isinstance(future_covariates, (str, int, np.integer)):
        future_covariates = [future_covariates]
    # The target and known-ahead columns of each series (its statics join
    # the known ones, and are no target).
    columns = [
        _series_columns(piece, static, target, future_covariates, static_covariates)
        for piece, static in zip(pieces, statics)
    ]
    arrays, layout = [], None
    for series_id, piece, (own, ahead) in zip(panel.ids, pieces, columns):
        with _naming_series(series_id):
            arr, positions, known = _checked_series(
                piece, look_back, horizon, own, ahead
            )
        this = (_window_shape(arr, look_back, horizon, known), positions, known)
        if layout is not None and this[0] != layout[0]:
            shape, first = this[0], layout[0]
            raise ValueError(
                f"series {series_id!r} of the panel gives windows of shape "
                f"{shape}, but series {panel.ids[0]!r} gives {first}: all "
                "series of a panel need the same number of columns (and "
                "dimensions)."
            )
        if layout is not None and this != layout:
            # The series name their targets or known columns differently
            # (e.g. DataFrames with their columns in other orders): window
            # each on its own and copy.
            return _copied_panel_windows(panel, pieces, columns, look_back, horizon)
        layout = this
        arrays.append(arr)
    return _panel_windows(arrays, look_back, horizon, *layout[1:])


def _window_shape(arr, look_back, horizon, known):
    length = look_back + (horizon if known is not None else 0)
    return (length,) if arr.ndim == 1 else (length, arr.shape[1])


def _panel_windows(arrays, look_back, horizon, positions, known):
    """Windows and targets of a panel's checked series: lazy views of one
    buffer that holds all series one after another (:class:`_PanelWindows`).

    The windows of a series start at its first ``n - look_back - horizon +
    1`` rows, so none reaches into the next series. Both read the buffer in
    the dtype the series share (float32 if all are), as a copy of the
    windows would hold them.
    """
    univariate = arrays[0].ndim == 1
    values = np.concatenate([a[:, None] if univariate else a for a in arrays])
    values.flags.writeable = False
    lengths = np.array([len(a) for a in arrays])
    first_rows = np.cumsum(lengths) - lengths
    n_windows = lengths - look_back - horizon + 1
    # int32 where it can: the starts are the only array per window.
    index = np.int32 if len(values) < 2**31 - 1 else np.int64
    starts = np.empty(n_windows.sum(), dtype=index)
    end = 0
    for first, n in zip(first_rows, n_windows):
        # Filled series by series: no temporary array of all the windows.
        starts[end : end + n] = np.arange(first, first + n)
        end += n
    if known is None:
        X = _PanelWindows(values, starts, look_back, ndim=2 if univariate else 3)
    else:
        X = _PanelWindows(
            values, starts, look_back + horizon, past=look_back, known=known
        )
    n_targets = 1 if univariate else len(positions)
    y = _PanelWindows(
        values,
        starts,
        horizon,
        shift=look_back,
        columns=None if univariate else np.asarray(positions),
        ndim=1 if horizon * n_targets == 1 else 2,
    )
    return X, y


def _series_columns(piece, static, target, future_covariates, static_covariates):
    """``(target, known ahead)`` columns of one series of a panel: its static
    columns ``static`` join the known ones and, with ``target=None``, are
    not targets."""
    if static_covariates is None:
        return target, future_covariates
    ahead = [*(future_covariates or []), *static]
    return (_own_columns(piece, static) if target is None else target), ahead


def _copied_panel_windows(panel, pieces, columns, look_back, horizon):
    """The windows of every series of a panel, copied into one array;
    ``columns``: each series' ``(target, known ahead)`` columns."""
    Xs, ys = [], []
    for series_id, piece, (own, ahead) in zip(panel.ids, pieces, columns):
        with _naming_series(series_id):
            X, y = _windows_of_one(piece, look_back, horizon, own, ahead)
        Xs.append(X)
        ys.append(y)
    return np.concatenate(Xs), np.concatenate(ys)


def _own_columns(piece, statics):
    """Positions of the columns of ``piece`` that are not static."""
    columns = getattr(piece, "columns", None)
    if columns is not None:
        return [i for i, c in enumerate(columns) if c not in statics]
    n_columns = 1 if np.ndim(piece) == 1 else np.shape(piece)[1]
    return [i for i in range(n_columns) if i not in statics]


def _with_statics(panel, static_covariates):
    """Each series of ``panel`` with its static columns appended (for a
    DataFrame of values per series), and the static columns of each (names,
    or positions for arrays; none without ``static_covariates``)."""
    if static_covariates is None:
        return list(panel.series), [[]] * len(panel.ids)
    if isinstance(static_covariates, pd.DataFrame):
        return _appended_statics(panel, static_covariates)
    names = (
        [static_covariates]
        if isinstance(static_covariates, str)
        else list(static_covariates)
    )
    if panel.kind != "long":
        raise ValueError(
            "static_covariates names columns of a long table, but series is "
            f"a {panel.kind} of series: pass a DataFrame of the static values "
            "indexed by the series ids instead."
        )
    for series_id, piece in zip(panel.ids, panel.series):
        for name in names:
            if name not in piece.columns:
                raise ValueError(
                    f"static_covariates={name!r} is not a column of the long "
                    f"table; its value columns are {list(piece.columns)}."
                )
            if piece[name].nunique(dropna=False) > 1:
                raise ValueError(
                    f"static_covariates={name!r} is not constant within series "
                    f"{series_id!r}: a static covariate has one value per "
                    "series. Name it in future_covariates if it changes over "
                    "time and is known ahead."
                )
        _check_static_numbers(piece[names])
    return list(panel.series), [names] * len(panel.ids)


def _appended_statics(panel, table):
    _check_static_numbers(table)
    missing = [i for i in panel.ids if i not in table.index]
    if missing:
        raise ValueError(
            f"static_covariates has no row for series {missing[:5]} of the "
            "panel: index it by the series ids (the dict's keys, the list's "
            "positions or the ids of id_column)."
        )
    pieces, columns = [], []
    for series_id, piece in zip(panel.ids, panel.series):
        values = table.loc[series_id].to_numpy(dtype=np.float64)
        n_rows = np.shape(piece)[0]
        if isinstance(piece, (pd.DataFrame, pd.Series)):
            frame = piece.to_frame() if isinstance(piece, pd.Series) else piece
            clash = [c for c in table.columns if c in frame.columns]
            if clash:
                raise ValueError(
                    f"static_covariates columns {clash} are columns of series "
                    f"{series_id!r} already; rename them."
                )
            statics = pd.DataFrame(
                np.broadcast_to(values, (n_rows, len(values))),
                index=frame.index,
                columns=table.columns,
            )
            pieces.append(pd.concat([frame, statics], axis=1))
            names = list(table.columns)
        else:
            arr = np.asarray(piece, dtype=np.float64)
            arr = arr[:, None] if arr.ndim == 1 else arr
            pieces.append(np.column_stack([arr, np.tile(values, (n_rows, 1))]))
            names = list(range(arr.shape[1], arr.shape[1] + len(values)))
        columns.append(names)
    return pieces, columns


def _check_static_numbers(table):
    numeric = [pd.api.types.is_numeric_dtype(d) for d in table.dtypes]
    if not all(numeric) or table.isna().to_numpy().any():
        raise ValueError(
            "static_covariates must hold numbers, without NaN: encode "
            "categories first, e.g. with OneHotEncoder(sparse_output=False)"
            ".set_output(transform='pandas'), and fill missing values."
        )


def _check_panel_lengths(panel, look_back, horizon):
    """Name every series of a panel too short for one window, not just the first."""
    need = look_back + horizon
    rows = [np.shape(piece)[0] if np.ndim(piece) else None for piece in panel.series]
    short = [
        (series_id, n)
        for series_id, n in zip(panel.ids, rows)
        if n is not None and n < need
    ]
    if not short:
        return
    (first, n_first), count = short[0], len(short)
    listed = ", ".join(f"{series_id!r} ({n} rows)" for series_id, n in short[:10])
    more = f" and {count - 10} more" if count > 10 else ""
    raise ValueError(
        f"series {first!r} of the panel: series is too short for one window: it "
        f"has {n_first} rows, look_back + horizon = {look_back + horizon} are "
        f"needed. {count} of the {len(panel.ids)} series are that short: "
        f"{listed}{more}. Leave them out of the training panel (they add no "
        "window), or use a smaller look_back or horizon; "
        "LSTMForecaster.forecast can still continue them from a history "
        "left-padded with NaN."
    )


def _windows_of_one(series, look_back, horizon, target, future_covariates=None):
    """:func:`make_windows` of a single series (checked ``look_back``, ``horizon``)."""
    arr, positions, known = _checked_series(
        series, look_back, horizon, target, future_covariates
    )
    n_windows = arr.shape[0] - look_back - horizon + 1
    if arr.ndim == 1:
        X = sliding_window_view(arr, look_back)[:n_windows]
        y = sliding_window_view(arr[look_back:], horizon)
    else:
        # (n, n_features, look_back) -> (n, look_back, n_features): still a view.
        X = sliding_window_view(arr, look_back, axis=0)[:n_windows].swapaxes(1, 2)
        future = arr[look_back:, positions]
        # (n, n_targets, horizon) -> (n, horizon, n_targets) -> time-major rows.
        y = sliding_window_view(future, horizon, axis=0).swapaxes(1, 2)
        y = y.reshape(n_windows, horizon * len(positions))
    y = np.array(y, order="C")  # own, writable copy
    if y.shape[1] == 1:
        y = y.ravel()
    if known is not None:
        X = _with_known_future(X, arr, look_back, horizon, known)
    return X, y


def _checked_series(series, look_back, horizon, target, future_covariates=None):
    """A series as a float array, with its target columns and the columns
    known ahead (None for a 1-D series, or without them), all checked."""
    arr, columns = _as_float_array(series)
    if arr.ndim not in (1, 2):
        raise ValueError(
            "series must be 1-D (n_timesteps,) or 2-D (n_timesteps, n_features), "
            f"got an array with {arr.ndim} dimension(s) and shape {arr.shape}."
        )
    if arr.size == 0:
        raise ValueError(
            f"series is empty (shape {arr.shape}); it needs at least "
            f"look_back + horizon = {look_back + horizon} rows and one column."
        )

    if arr.ndim == 1:
        if target is not None:
            raise ValueError(
                f"target must be None for a 1-D series, got target={target!r}; "
                "the series itself is the target."
            )
        if future_covariates is not None:
            raise ValueError(
                "future_covariates names columns known ahead, but series is "
                "1-D: pass a 2-D series (a DataFrame) holding the target and "
                "those columns."
            )
        positions = None
    else:
        positions = _resolve_target(target, arr.shape[1], columns)
    known = None
    if future_covariates is not None:
        known = _resolve_target(
            future_covariates, arr.shape[1], columns, "future_covariates"
        )
        both = sorted(set(known) & set(positions))
        if both:
            raise ValueError(
                f"future_covariates={future_covariates!r} names target column(s) "
                f"{both}: a forecast target cannot be known ahead. Name only "
                "the covariates known ahead, or set target to the column(s) to "
                "forecast."
            )

    n_timesteps = arr.shape[0]
    n_windows = n_timesteps - look_back - horizon + 1
    if n_windows < 1:
        raise ValueError(
            "series is too short: it needs at least look_back + horizon = "
            f"{look_back + horizon} rows, got {n_timesteps}. Use a smaller "
            "look_back or horizon, or a longer series."
        )
    if not np.isfinite(arr).all():
        raise ValueError("series contains NaN or infinity; impute or drop them first.")
    return arr, positions, known


def _with_known_future(X, arr, look_back, horizon, known):
    """Windows ``X`` followed by ``horizon`` steps in which only the columns
    ``known`` hold values (those of the steps after each window), the rest NaN."""
    n_windows, _, n_features = X.shape
    out = np.full((n_windows, look_back + horizon, n_features), np.nan, X.dtype)
    out[:, :look_back] = X
    ahead = sliding_window_view(arr[look_back:, known], horizon, axis=0)
    out[:, look_back:, known] = ahead[:n_windows].swapaxes(1, 2)
    return out


class SlidingWindowTransformer(TransformerMixin, BaseEstimator):
    """Replace each row by the window of the ``look_back`` rows ending there.

    Row ``t`` of the output is the time-major flattening of rows
    ``t - look_back + 1, ..., t`` of the input: all features at lag
    ``look_back - 1``, then all at lag ``look_back - 2``, ..., then all at lag
    0 (row ``t`` itself). The number of rows is kept, so the transformer can
    sit in a :class:`~sklearn.pipeline.Pipeline`; the first ``look_back - 1``
    rows lack part of their history, which is filled with ``fill_value``
    (NaN by default, like :meth:`pandas.DataFrame.shift`).

    The input must be time-ordered, oldest row first, and one contiguous
    series: row ``t`` is built from the rows before it, so shuffling or
    splitting the rows before transforming changes the result. To window a
    panel of many series stacked in one table, name the column holding the
    series ids with ``id_column``: each row's window then holds only earlier
    rows of its own series, and the first ``look_back - 1`` rows of every
    series are padded.

    Parameters
    ----------
    look_back : int, default=3
        Number of time steps in each window, the current one included (>= 1).
        ``look_back=1`` returns the input unchanged (as float64).

    fill_value : float, default=np.nan
        Value of the missing leading steps of the first ``look_back - 1``
        rows.

    id_column : int, str or None, default=None
        Column of ``X`` holding series ids, for a long table of many series
        (a label of a pandas DataFrame, or a position if an int). The id
        column is not windowed and not in the output. Rows of each series
        must be in time order; rows of different series may be interleaved.
        None reads ``X`` as one series.

    Attributes
    ----------
    n_features_in_ : int
        Number of features seen during :term:`fit`.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during :term:`fit`. Defined only when `X`
        has feature names that are all strings.

    See Also
    --------
    make_windows : Trimmed ``(X, y)`` windows for training scripts.

    Notes
    -----
    With the default ``fill_value=np.nan`` the first ``look_back - 1`` rows
    contain NaN. The LSTM estimators of this package skip all-NaN time
    steps (they read such a window as a shorter sequence). Other models need
    those rows dropped, or the NaN imputed (for example with
    :class:`~sklearn.impute.SimpleImputer`), or a finite ``fill_value``.

    The output is a zero-copy strided view: the input is copied once into a
    float64 buffer of shape ``(n_timesteps + look_back - 1, n_features)``
    (the leading rows holding ``fill_value``), and row ``t`` of the output is
    the contiguous slice of that buffer starting at row ``t``. The output
    therefore takes about ``1 / look_back`` of the memory its shape suggests,
    and it is read-only: call ``.copy()`` before writing to it. With
    ``id_column`` the output is a new, writable array.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm import SlidingWindowTransformer
    >>> X = np.array([[1.0, 10.0], [2.0, 20.0], [3.0, 30.0]])
    >>> windows = SlidingWindowTransformer(look_back=2).fit(X)
    >>> windows.transform(X)
    array([[nan, nan,  1., 10.],
           [ 1., 10.,  2., 20.],
           [ 2., 20.,  3., 30.]])
    >>> windows.get_feature_names_out()
    array(['x0_lag1', 'x1_lag1', 'x0_lag0', 'x1_lag0'], dtype=object)

    Two series in one long table; each is windowed on its own:

    >>> import pandas as pd
    >>> long = pd.DataFrame({"id": ["a", "a", "b", "b", "a"], "v": [1, 2, 7, 8, 3]})
    >>> SlidingWindowTransformer(look_back=2, id_column="id").fit_transform(long)
    array([[nan,  1.],
           [ 1.,  2.],
           [nan,  7.],
           [ 7.,  8.],
           [ 2.,  3.]])
    """

    _parameter_constraints: dict = {
        "look_back": [Interval(Integral, 1, None, closed="left")],
        "fill_value": [Real],
        "id_column": [Integral, str, None],
    }

    def __init__(self, look_back=3, *, fill_value=np.nan, id_column=None):
        self.look_back = look_back
        self.fill_value = fill_value
        self.id_column = id_column

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Record the number and names of the input features.

        Parameters
        ----------
        X : array-like of shape (n_timesteps, n_features)
            Time-ordered input, oldest row first. May contain NaN (but not
            in ``id_column``).

        y : None
            Ignored.

        Returns
        -------
        self : object
            The fitted transformer.
        """
        if isinstance(self.look_back, bool):
            raise InvalidParameterError(
                "The 'look_back' parameter of SlidingWindowTransformer must be an "
                f"int in the range [1, inf), got {self.look_back!r} (a bool)."
            )
        with explain_input_errors(self, "X"):
            if self.id_column is None:
                validate_data(self, X, ensure_all_finite="allow-nan")
            else:
                # The id column may hold strings: check names and width here,
                # the numbers in _split_ids.
                validate_data(self, X, skip_check_array=True)
                self._split_ids(X)
        return self

    def _split_ids(self, X):
        """Series codes of the rows and the float value columns of ``X``."""
        if isinstance(self.id_column, bool):
            raise InvalidParameterError(
                "The 'id_column' parameter of SlidingWindowTransformer must be a "
                f"column label or an int position, got {self.id_column!r}."
            )
        ids, _, values = _long_table(X, self.id_column, None)
        values = check_array(
            values, dtype=[np.float64, np.float32], ensure_all_finite="allow-nan"
        )
        codes = pd.factorize(ids)[0]
        if (codes < 0).any():
            raise ValueError(
                f"id_column={self.id_column!r} has missing values; every row "
                "needs the id of its series."
            )
        return codes, values

    def transform(self, X):
        """Replace each row by the window of ``look_back`` rows ending there.

        Parameters
        ----------
        X : array-like of shape (n_timesteps, n_features)
            Time-ordered input, oldest row first, with the features seen in
            :meth:`fit`. May contain NaN.

        Returns
        -------
        X_windows : ndarray of shape (n_timesteps, look_back * n_features)
            Read-only float64 view; row ``t`` is ``[x[t - look_back + 1],
            ..., x[t]]`` flattened, leading missing steps set to
            ``fill_value``. With ``id_column``, a new array of shape
            ``(n_timesteps, look_back * (n_features - 1))`` whose rows hold
            only earlier rows of their own series.
        """
        check_is_fitted(self)
        with explain_input_errors(self, "X"):
            if self.id_column is not None:
                validate_data(self, X, reset=False, skip_check_array=True)
                return self._panel_windows(*self._split_ids(X))
            X = validate_data(
                self,
                X,
                reset=False,
                dtype=[np.float64, np.float32],
                ensure_all_finite="allow-nan",
            )
        n_timesteps, n_features = X.shape
        look_back = self.look_back
        padded = np.empty((n_timesteps + look_back - 1, n_features), dtype=np.float64)
        padded[: look_back - 1] = self.fill_value
        padded[look_back - 1 :] = X
        itemsize = padded.itemsize
        # Row t starts at padded[t]; its look_back rows are contiguous in the
        # C-ordered buffer, so the window is a plain strided view.
        return as_strided(
            padded,
            shape=(n_timesteps, look_back * n_features),
            strides=(n_features * itemsize, itemsize),
            writeable=False,
        )

    def _panel_windows(self, codes, values):
        n_rows, n_features = values.shape
        look_back = self.look_back
        # Rows grouped by series, each series in its given (time) order.
        order = np.argsort(codes, kind="stable")
        counts = np.bincount(codes)
        first_row = np.repeat(np.cumsum(counts) - counts, counts)
        position = np.arange(n_rows) - first_row  # time step within its series
        lags = np.arange(look_back - 1, -1, -1)
        source = np.arange(n_rows)[:, None] - lags  # rows of the sorted table
        known = position[:, None] >= lags  # False where a window would cross
        windows = values[order][np.where(known, source, 0)]
        windows = np.where(known[:, :, None], windows, self.fill_value)
        out = np.empty((n_rows, look_back * n_features), dtype=np.float64)
        out[order] = windows.reshape(n_rows, look_back * n_features)
        return out

    def get_feature_names_out(self, input_features=None):
        """Get output feature names: ``f"{name}_lag{k}"``, time-major.

        Lags ``k`` run from ``look_back - 1`` down to 0, all features per lag,
        matching the columns of :meth:`transform`.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Input feature names. If None, ``feature_names_in_`` is used when
            defined, else ``["x0", "x1", ..., "x(n_features_in_ - 1)"]``.

        Returns
        -------
        feature_names_out : ndarray of str objects
            ``look_back * n_features_in_`` output feature names.
        """
        check_is_fitted(self, "n_features_in_")
        input_features = _check_feature_names_in(self, input_features)
        if self.id_column is not None:
            position = _column_position(
                self.id_column, pd.Index(input_features), "id_column"
            )
            input_features = np.delete(input_features, position)
        names = [
            f"{name}_lag{lag}"
            for lag in range(self.look_back - 1, -1, -1)
            for name in input_features
        ]
        return np.asarray(names, dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags
