"""Sliding-window utilities: turn a time-ordered series into model inputs.

Two tools with two different contracts:

- :func:`make_windows` builds trimmed, aligned ``(X, y)`` training pairs for
  scripts: it drops the rows that have no complete window or no complete
  target, so ``X`` and ``y`` have fewer rows than the series.
- :class:`SlidingWindowTransformer` is a scikit-learn transformer that keeps
  the number of rows (a :class:`~sklearn.pipeline.Pipeline` cannot drop rows)
  and fills the leading incomplete windows with ``fill_value`` instead.
"""

from numbers import Integral, Real

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import as_strided, sliding_window_view
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval, InvalidParameterError
from sklearn.utils.validation import (
    _check_feature_names_in,
    check_is_fitted,
    validate_data,
)

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


def _resolve_one_target(item, n_features, columns):
    if isinstance(item, (bool, np.bool_)):
        raise TypeError(
            f"target must be an int position or a column name, got {item!r} (a bool)."
        )
    if isinstance(item, Integral):
        if not -n_features <= item < n_features:
            raise ValueError(
                f"target={item!r} is out of range for a series with {n_features} "
                f"column(s); use a position in [{-n_features}, {n_features - 1}]"
                + (" or a column name." if columns is not None else ".")
            )
        return int(item) % n_features
    if columns is None:
        raise ValueError(
            f"target={item!r} is not an int position; column names can only be "
            "used when series is a pandas DataFrame."
        )
    try:
        found = item in columns
    except TypeError as exc:
        raise TypeError(
            f"target must be an int position or a column name, got {item!r}."
        ) from exc
    if not found:
        raise ValueError(
            f"target={item!r} is not a column of series; its columns are "
            f"{list(columns)}."
        )
    loc = columns.get_loc(item)
    if not isinstance(loc, Integral):
        raise ValueError(
            f"target={item!r} names several columns of series; give the column "
            "positions as ints instead."
        )
    return int(loc)


def _resolve_target(target, n_features, columns):
    """Return the list of target column positions and whether it is a list."""
    if target is None:
        return list(range(n_features))
    if isinstance(target, (list, tuple, np.ndarray, pd.Index)):
        items = list(target)
        if not items:
            raise ValueError("target must name at least one column, got an empty list.")
    else:
        items = [target]
    positions = [_resolve_one_target(item, n_features, columns) for item in items]
    if len(set(positions)) != len(positions):
        raise ValueError(f"target must not name a column twice, got {target!r}.")
    return positions


def make_windows(series, look_back, horizon=1, *, target=None):
    """Cut a time-ordered series into aligned ``(X, y)`` training windows.

    Window ``i`` pairs the ``look_back`` rows ``series[i : i + look_back]``
    with the target values of the following ``horizon`` rows,
    ``series[i + look_back : i + look_back + horizon]``. Rows without a
    complete window or a complete target are dropped, so the result has
    ``n_windows = n_timesteps - look_back - horizon + 1`` rows.

    Parameters
    ----------
    series : array-like of shape (n_timesteps,) or (n_timesteps, n_features)
        Time-ordered observations, oldest first: a NumPy array, a list, a
        pandas Series or a pandas DataFrame. Rows are used in the order given
        (a pandas index is not looked at). Values must be finite.

    look_back : int
        Number of past time steps in each input window (>= 1).

    horizon : int, default=1
        Number of future time steps to forecast (>= 1).

    target : int, str, list of int or str, or None, default=None
        Column(s) of a 2-D ``series`` to forecast. None forecasts all
        columns. An int is always a column position (negative positions count
        from the end); any other value is a column label of a pandas
        DataFrame. Must be None for a 1-D ``series``.

    Returns
    -------
    X : ndarray of shape (n_windows, look_back) or \
            (n_windows, look_back, n_features)
        Input windows: 2-D for a 1-D ``series``, 3-D for a 2-D ``series``
        (even with a single column). float32 data stay float32, everything
        else is float64. ``X`` is a read-only view (see Notes).

    y : ndarray of shape (n_windows,), (n_windows, horizon) or \
            (n_windows, horizon * n_targets)
        Targets, a new writable array. With several targets the columns are
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
    """
    look_back = _check_positive_int(look_back, "look_back")
    horizon = _check_positive_int(horizon, "horizon")

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
        positions = None
    else:
        positions = _resolve_target(target, arr.shape[1], columns)

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
    return X, y


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
    splitting the rows before transforming changes the result.

    Parameters
    ----------
    look_back : int, default=3
        Number of time steps in each window, the current one included (>= 1).
        ``look_back=1`` returns the input unchanged (as float64).

    fill_value : float, default=np.nan
        Value of the missing leading steps of the first ``look_back - 1``
        rows.

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
    and it is read-only: call ``.copy()`` before writing to it.

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
    """

    _parameter_constraints: dict = {
        "look_back": [Interval(Integral, 1, None, closed="left")],
        "fill_value": [Real],
    }

    def __init__(self, look_back=3, *, fill_value=np.nan):
        self.look_back = look_back
        self.fill_value = fill_value

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Record the number and names of the input features.

        Parameters
        ----------
        X : array-like of shape (n_timesteps, n_features)
            Time-ordered input, oldest row first. May contain NaN.

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
            validate_data(self, X, ensure_all_finite="allow-nan")
        return self

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
            ``fill_value``.
        """
        check_is_fitted(self)
        with explain_input_errors(self, "X"):
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
