import pickle

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from numpy.testing import assert_array_equal
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.impute import SimpleImputer
from sklearn.linear_model import Ridge
from sklearn.pipeline import make_pipeline
from sklearn.utils._param_validation import InvalidParameterError

from sklstm import SlidingWindowTransformer, make_windows

# ---------------------------------------------------------------------------
# Straightforward loop-based references
# ---------------------------------------------------------------------------


def reference_make_windows(series, look_back, horizon, target_positions=None):
    """Loop version of make_windows for a 1-D or 2-D float ndarray."""
    series = np.asarray(series, dtype=float)
    n_windows = len(series) - look_back - horizon + 1
    X, y = [], []
    for i in range(n_windows):
        X.append(series[i : i + look_back])
        row = []
        for h in range(horizon):
            step = series[i + look_back + h]
            if series.ndim == 1:
                row.append(step)
            else:
                positions = (
                    range(series.shape[1])
                    if target_positions is None
                    else target_positions
                )
                for j in positions:
                    row.append(step[j])
        y.append(row)
    X, y = np.array(X), np.array(y)
    if y.shape[1] == 1:
        y = y[:, 0]
    return X, y


def reference_lags(X, look_back, fill_value=np.nan):
    """Loop version of SlidingWindowTransformer.transform."""
    X = np.asarray(X, dtype=float)
    n_timesteps, n_features = X.shape
    out = np.empty((n_timesteps, look_back * n_features))
    for t in range(n_timesteps):
        for k, lag in enumerate(range(look_back - 1, -1, -1)):
            for j in range(n_features):
                src = t - lag
                out[t, k * n_features + j] = X[src, j] if src >= 0 else fill_value
    return out


def _owner(arr):
    """Follow ``.base`` to the object that owns the memory."""
    while getattr(arr, "base", None) is not None:
        arr = arr.base
    return arr


# ---------------------------------------------------------------------------
# make_windows
# ---------------------------------------------------------------------------


def test_make_windows_1d_values():
    X, y = make_windows(np.arange(7.0), look_back=3, horizon=2)
    assert_array_equal(X, [[0, 1, 2], [1, 2, 3], [2, 3, 4]])
    assert_array_equal(y, [[3, 4], [4, 5], [5, 6]])
    assert X.dtype == np.float64 and y.dtype == np.float64


def test_make_windows_horizon_one_squeezes_y():
    X, y = make_windows([5, 6, 7, 8], look_back=2)
    assert X.shape == (2, 2)
    assert y.shape == (2,)
    assert_array_equal(y, [7.0, 8.0])


def test_make_windows_2d_all_targets_time_major():
    series = np.arange(12.0).reshape(6, 2)  # rows [0,1], [2,3], ..., [10,11]
    X, y = make_windows(series, look_back=2, horizon=2)
    assert X.shape == (3, 2, 2)
    assert_array_equal(X[0], [[0, 1], [2, 3]])
    assert_array_equal(X[2], [[4, 5], [6, 7]])
    # all targets at t+1, then all targets at t+2
    assert_array_equal(y, [[4, 5, 6, 7], [6, 7, 8, 9], [8, 9, 10, 11]])


def test_make_windows_2d_single_column_stays_3d():
    series = np.arange(5.0).reshape(5, 1)
    X, y = make_windows(series, look_back=3)
    assert X.shape == (2, 3, 1)
    assert_array_equal(X[:, :, 0], [[0, 1, 2], [1, 2, 3]])
    assert y.shape == (2,)
    assert_array_equal(y, [3, 4])


@pytest.mark.parametrize(
    "target, expected",
    [
        (1, [[4, 7], [7, 10]]),
        (-1, [[5, 8], [8, 11]]),
        ([1], [[4, 7], [7, 10]]),
        ([2, 0], [[5, 3, 8, 6], [8, 6, 11, 9]]),
        ((0, 2), [[3, 5, 6, 8], [6, 8, 9, 11]]),
    ],
)
def test_make_windows_target_positions(target, expected):
    series = np.arange(15.0).reshape(5, 3)  # rows [0, 1, 2], [3, 4, 5], ...
    X, y = make_windows(series, look_back=1, horizon=2, target=target)
    assert X.shape == (3, 1, 3)
    assert_array_equal(y[:2], expected)


def test_make_windows_single_target_horizon_one_is_1d():
    series = np.arange(15.0).reshape(5, 3)
    _, y = make_windows(series, look_back=2, target=2)
    assert y.shape == (3,)
    assert_array_equal(y, [8, 11, 14])


def test_make_windows_pandas_series_and_list_match_numpy():
    values = np.array([3.0, 1.0, 4.0, 1.0, 5.0, 9.0])
    index = pd.period_range("2000-01", periods=6, freq="M")
    expected = make_windows(values, 2, 2)
    for series in (pd.Series(values, index=index), values.tolist()):
        X, y = make_windows(series, 2, 2)
        assert_array_equal(X, expected[0])
        assert_array_equal(y, expected[1])


def test_make_windows_dataframe_targets_by_name():
    df = pd.DataFrame(
        {"temp": [10.0, 11, 12, 13, 14], "hum": [50, 51, 52, 53, 54]},
        index=pd.date_range("2020", periods=5, freq="D"),
    )
    X, y = make_windows(df, look_back=2, target="hum")
    assert X.shape == (3, 2, 2)
    assert X.dtype == np.float64  # int column converted
    assert_array_equal(X[0], [[10, 50], [11, 51]])
    assert_array_equal(y, [52, 53, 54])

    _, y = make_windows(df, look_back=2, horizon=2, target=["hum", "temp"])
    assert_array_equal(y, [[52, 12, 53, 13], [53, 13, 54, 14]])

    _, y_all = make_windows(df, look_back=2, horizon=2)
    assert_array_equal(y_all, [[12, 52, 13, 53], [13, 53, 14, 54]])


def test_make_windows_dataframe_int_target_is_position():
    # Integer column labels in another order: an int is still a position.
    df = pd.DataFrame(np.arange(8.0).reshape(4, 2), columns=[1, 0])
    _, y = make_windows(df, look_back=2, target=1)
    assert_array_equal(y, [5, 7])


def test_make_windows_nullable_and_object_dtypes():
    df = pd.DataFrame(
        {
            "a": pd.array([1, 2, 3, 4], dtype="Int64"),
            "b": np.array([0.5, 1.5, 2.5, 3.5], dtype=object),
            "c": [True, False, True, False],
        }
    )
    X, y = make_windows(df, look_back=2, target="b")
    assert X.dtype == np.float64
    assert_array_equal(X[1], [[2, 1.5, 0], [3, 2.5, 1]])
    assert_array_equal(y, [2.5, 3.5])


def test_make_windows_keeps_float32():
    X, y = make_windows(np.arange(6, dtype=np.float32), look_back=2)
    assert X.dtype == np.float32 and y.dtype == np.float32
    X, _ = make_windows(np.arange(6, dtype=np.int32), look_back=2)
    assert X.dtype == np.float64


@pytest.mark.parametrize("shape", [(20,), (20, 3)])
def test_make_windows_x_is_read_only_view_y_is_copy(shape):
    series = np.arange(np.prod(shape), dtype=np.float64).reshape(shape)
    X, y = make_windows(series, look_back=4, horizon=2)
    assert not X.flags.writeable
    assert np.shares_memory(X, series)  # zero copy
    assert X.nbytes > series.nbytes  # overlapping windows, one buffer
    with pytest.raises(ValueError, match="read-only"):
        X[0, 0] = 1.0
    X2 = X.copy()
    X2[0, 0] = -1.0  # a copy is writable
    assert y.flags.writeable and y.flags.c_contiguous
    assert not np.shares_memory(y, series)


BAD_PARAMS = [
    ({"look_back": 0}, ValueError, "look_back"),
    ({"look_back": -2}, ValueError, "look_back"),
    ({"look_back": 1.5}, TypeError, "look_back"),
    ({"look_back": 2.0}, TypeError, "look_back"),
    ({"look_back": True}, TypeError, "look_back"),
    ({"look_back": "3"}, TypeError, "look_back"),
    ({"look_back": None}, TypeError, "look_back"),
    ({"look_back": 2, "horizon": 0}, ValueError, "horizon"),
    ({"look_back": 2, "horizon": False}, TypeError, "horizon"),
    ({"look_back": 2, "horizon": 1.0}, TypeError, "horizon"),
]


@pytest.mark.parametrize("kwargs, error, match", BAD_PARAMS)
def test_make_windows_bad_look_back_horizon(kwargs, error, match):
    with pytest.raises(error, match=match):
        make_windows(np.arange(10.0), **kwargs)


def test_make_windows_accepts_numpy_ints():
    X, y = make_windows(np.arange(10.0), np.int64(3), horizon=np.int32(2))
    assert X.shape == (6, 3) and y.shape == (6, 2)


def test_make_windows_too_short_message():
    msg = r"needs at least look_back \+ horizon = 5 rows, got 4"
    with pytest.raises(ValueError, match=msg):
        make_windows(np.arange(4.0), look_back=3, horizon=2)
    with pytest.raises(ValueError, match=msg):
        make_windows(np.zeros((4, 2)), look_back=3, horizon=2)
    # exactly look_back + horizon rows gives one window
    X, y = make_windows(np.arange(5.0), look_back=3, horizon=2)
    assert X.shape == (1, 3) and y.shape == (1, 2)


BAD_SERIES = [
    (np.float64(3.0), ValueError, "1-D .* or 2-D"),
    (np.zeros((5, 2, 2)), ValueError, "1-D .* or 2-D"),
    (np.array([]), ValueError, "series is empty"),
    (np.zeros((10, 0)), ValueError, "series is empty"),
    ([], ValueError, "series is empty"),
    (pd.DataFrame(), ValueError, "series is empty"),
    (np.array(["a", "b", "c", "d", "e"]), TypeError, "series must hold real"),
    (np.arange(6) + 1j, TypeError, "series must hold real"),
    (
        pd.date_range("2020", periods=6).to_numpy(),
        TypeError,
        "series must hold real",
    ),
    (np.array([1, "x", 3, 4, 5], dtype=object), TypeError, "convert to float"),
    (
        pd.DataFrame({"a": range(6), "b": list("abcdef")}),
        TypeError,
        "convert to float",
    ),
    ([[1, 2], [3], [4, 5], [6, 7], [8, 9]], ValueError, "rectangular"),
    (np.array([1.0, np.nan, 3, 4, 5]), ValueError, "NaN or infinity; impute or drop"),
    (np.array([1.0, 2, np.inf, 4, 5]), ValueError, "NaN or infinity; impute or drop"),
    (
        pd.Series([1, 2, None, 4, 5], dtype="Int64"),
        ValueError,
        "NaN or infinity; impute or drop",
    ),
]


@pytest.mark.parametrize("series, error, match", BAD_SERIES)
def test_make_windows_bad_series(series, error, match):
    with pytest.raises(error, match=match):
        make_windows(series, look_back=2)


BAD_TARGETS = [
    (np.zeros((6, 2)), 2, ValueError, r"target=2 is out of range .* \[-2, 1\]"),
    (np.zeros((6, 2)), -3, ValueError, "target=-3 is out of range"),
    (np.zeros((6, 2)), [0, 5], ValueError, "target=5 is out of range"),
    (np.zeros((6, 2)), "temp", ValueError, "target='temp' is not an int position"),
    (np.zeros((6, 2)), True, TypeError, "target must be .* bool"),
    (np.zeros((6, 2)), [], ValueError, "target must name at least one column"),
    (np.zeros((6, 2)), [1, -1], ValueError, "target must not name a column twice"),
    (np.zeros((6, 2)), 1.0, ValueError, "target=1.0 is not an int position"),
    (np.zeros(6), 0, ValueError, "target must be None for a 1-D series"),
    (pd.Series(np.zeros(6)), "x", ValueError, "target must be None for a 1-D"),
    (
        pd.DataFrame({"temp": np.zeros(6), "hum": np.zeros(6)}),
        "wind",
        ValueError,
        r"target='wind' is not a column of series; its columns are \['temp', 'hum'\]",
    ),
    (
        pd.DataFrame({"temp": np.zeros(6)}),
        [{"a": 1}],
        TypeError,
        "target must be an int position or a column name",
    ),
    (
        pd.DataFrame(np.zeros((6, 2)), columns=["a", "a"]),
        "a",
        ValueError,
        "target='a' names several columns",
    ),
]


@pytest.mark.parametrize("series, target, error, match", BAD_TARGETS)
def test_make_windows_bad_target(series, target, error, match):
    with pytest.raises(error, match=match):
        make_windows(series, look_back=2, target=target)


@st.composite
def window_problems(draw):
    look_back = draw(st.integers(1, 5))
    horizon = draw(st.integers(1, 4))
    n_timesteps = draw(st.integers(look_back + horizon, 30))
    two_d = draw(st.booleans())
    n_features = draw(st.integers(1, 4)) if two_d else None
    shape = (n_timesteps, n_features) if two_d else (n_timesteps,)
    series = draw(
        hnp.arrays(
            np.float64,
            shape,
            elements=st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False),
        )
    )
    target = None
    if two_d and draw(st.booleans()):
        target = draw(
            st.lists(
                st.integers(0, n_features - 1),
                min_size=1,
                max_size=n_features,
                unique=True,
            )
        )
    return series, look_back, horizon, target


@settings(max_examples=75, deadline=None)
@given(window_problems())
def test_make_windows_matches_reference(problem):
    series, look_back, horizon, target = problem
    X, y = make_windows(series, look_back, horizon, target=target)
    X_ref, y_ref = reference_make_windows(series, look_back, horizon, target)
    n_windows = len(series) - look_back - horizon + 1
    assert X.shape[0] == y.shape[0] == n_windows
    assert X.shape == X_ref.shape and y.shape == y_ref.shape
    assert_array_equal(X, X_ref)
    assert_array_equal(y, y_ref)


@st.composite
def bad_window_problems(draw):
    """A series with a non-finite value somewhere, or too short for its windows."""
    look_back = draw(st.integers(1, 5))
    horizon = draw(st.integers(1, 4))
    n_features = draw(st.one_of(st.none(), st.integers(1, 3)))
    if draw(st.booleans()):
        n_timesteps = draw(st.integers(1, look_back + horizon - 1))
        problem = "too short"
    else:
        n_timesteps = draw(st.integers(look_back + horizon, 20))
        problem = "NaN or infinity"
    shape = (n_timesteps,) if n_features is None else (n_timesteps, n_features)
    series = draw(hnp.arrays(np.float64, shape, elements=st.floats(-1e6, 1e6)))
    if problem == "NaN or infinity":
        position = tuple(draw(st.integers(0, size - 1)) for size in shape)
        series[position] = draw(st.sampled_from([np.nan, np.inf, -np.inf]))
    return series, look_back, horizon, problem


@settings(max_examples=75, deadline=None)
@given(bad_window_problems())
def test_make_windows_rejects_every_bad_series(problem):
    # Against the reference, which would silently return windows with NaN or
    # (for a short series) no windows at all.
    series, look_back, horizon, expected = problem
    with pytest.raises(ValueError, match=expected):
        make_windows(series, look_back, horizon)


# ---------------------------------------------------------------------------
# SlidingWindowTransformer
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "n_timesteps, n_features, look_back",
    [(10, 1, 3), (10, 3, 3), (7, 2, 1), (6, 2, 6), (2, 3, 4), (1, 1, 2)],
)
def test_transformer_matches_reference(n_timesteps, n_features, look_back):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n_timesteps, n_features))
    Xt = SlidingWindowTransformer(look_back).fit_transform(X)
    assert Xt.shape == (n_timesteps, look_back * n_features)
    assert Xt.dtype == np.float64
    assert_array_equal(Xt, reference_lags(X, look_back))


def test_transformer_exact_layout_and_leading_nan():
    X = np.array([[1.0, 10.0], [2.0, 20.0], [3.0, 30.0], [4.0, 40.0]])
    Xt = SlidingWindowTransformer(look_back=3).fit_transform(X)
    nan = np.nan
    expected = [
        [nan, nan, nan, nan, 1, 10],
        [nan, nan, 1, 10, 2, 20],
        [1, 10, 2, 20, 3, 30],
        [2, 20, 3, 30, 4, 40],
    ]
    assert_array_equal(Xt, expected)
    assert np.isnan(Xt).sum() == 6  # (2 + 1) missing steps * 2 features


def test_transformer_fill_value_and_input_nan():
    X = np.array([[1.0], [np.nan], [3.0]])
    Xt = SlidingWindowTransformer(look_back=2, fill_value=-1.0).fit_transform(X)
    assert_array_equal(Xt, [[-1, 1], [1, np.nan], [np.nan, 3]])
    Xt0 = SlidingWindowTransformer(look_back=3, fill_value=0).fit_transform(X)
    assert_array_equal(Xt0, [[0, 0, 1], [0, 1, np.nan], [1, np.nan, 3]])


def test_transformer_look_back_one_is_identity():
    X = np.arange(12).reshape(4, 3)
    Xt = SlidingWindowTransformer(look_back=1).fit_transform(X)
    assert Xt.dtype == np.float64
    assert_array_equal(Xt, X)


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64])
def test_transformer_output_is_read_only_view_of_one_padded_buffer(dtype):
    n_timesteps, n_features, look_back = 9, 3, 4
    X = np.arange(n_timesteps * n_features).reshape(n_timesteps, n_features)
    X = X.astype(dtype)
    Xt = SlidingWindowTransformer(look_back).fit(X).transform(X)
    owner = _owner(Xt)
    assert isinstance(owner, np.ndarray) and owner.flags.owndata
    assert owner.shape == (n_timesteps + look_back - 1, n_features)
    assert owner.dtype == np.float64
    assert np.shares_memory(Xt, owner)
    assert Xt.strides == (n_features * 8, 8)
    assert not np.shares_memory(Xt, X)  # the input is copied once, not aliased
    assert not Xt.flags.writeable
    with pytest.raises(ValueError, match="read-only"):
        Xt[0, 0] = 0.0
    assert_array_equal(Xt, reference_lags(X, look_back))
    assert_array_equal(owner[: look_back - 1], np.nan)
    assert_array_equal(owner[look_back - 1 :], X)


def test_transformer_feature_names_from_dataframe():
    df = pd.DataFrame({"temp": [1.0, 2, 3, 4], "hum": [5.0, 6, 7, 8]})
    swt = SlidingWindowTransformer(look_back=3).fit(df)
    assert_array_equal(swt.feature_names_in_, ["temp", "hum"])
    names = swt.get_feature_names_out()
    assert names.dtype == object
    assert names.tolist() == [
        "temp_lag2",
        "hum_lag2",
        "temp_lag1",
        "hum_lag1",
        "temp_lag0",
        "hum_lag0",
    ]


def test_transformer_feature_names_default_and_given():
    swt = SlidingWindowTransformer(look_back=2).fit(np.zeros((5, 2)))
    assert swt.get_feature_names_out().tolist() == [
        "x0_lag1",
        "x1_lag1",
        "x0_lag0",
        "x1_lag0",
    ]
    assert swt.get_feature_names_out(["a", "b"]).tolist() == [
        "a_lag1",
        "b_lag1",
        "a_lag0",
        "b_lag0",
    ]
    with pytest.raises(ValueError, match="input_features"):
        swt.get_feature_names_out(["a", "b", "c"])


def test_transformer_set_output_pandas_keeps_index():
    index = pd.date_range("2021-01-01", periods=5, freq="h", name="time")
    df = pd.DataFrame(
        {"temp": [1.0, 2, 3, 4, 5], "hum": [10.0, 20, 30, 40, 50]}, index=index
    )
    swt = SlidingWindowTransformer(look_back=2).set_output(transform="pandas")
    out = swt.fit_transform(df)
    assert isinstance(out, pd.DataFrame)
    assert out.index.equals(index)
    assert out.columns.tolist() == ["temp_lag1", "hum_lag1", "temp_lag0", "hum_lag0"]
    assert_array_equal(out.to_numpy(), reference_lags(df.to_numpy(), 2))
    assert_array_equal(out["temp_lag1"], [np.nan, 1, 2, 3, 4])


def test_transformer_checks_n_features_and_fitted():
    swt = SlidingWindowTransformer(look_back=2)
    with pytest.raises(NotFittedError):
        swt.transform(np.zeros((4, 2)))
    swt.fit(np.zeros((4, 2)))
    with pytest.raises(ValueError, match="X has 3 features.*expecting 2 features"):
        swt.transform(np.zeros((4, 3)))
    with pytest.raises(ValueError, match="2D array"):
        swt.transform(np.zeros(4))


@pytest.mark.parametrize(
    "params, match",
    [
        ({"look_back": 0}, "look_back"),
        ({"look_back": 2.5}, "look_back"),
        ({"look_back": "3"}, "look_back"),
        ({"look_back": True}, "look_back"),
        ({"fill_value": "nan"}, "fill_value"),
        ({"fill_value": None}, "fill_value"),
    ],
)
def test_transformer_invalid_params(params, match):
    swt = SlidingWindowTransformer(**params)  # no validation in __init__
    with pytest.raises(InvalidParameterError, match=match):
        swt.fit(np.zeros((4, 2)))


def test_transformer_in_pipeline():
    rng = np.random.default_rng(0)
    series = np.sin(np.arange(60) / 4.0)[:, None] + 0.01 * rng.normal(size=(60, 1))
    X, y = series[:-1], series[1:, 0]
    pipe = make_pipeline(SlidingWindowTransformer(3), SimpleImputer(), Ridge(1e-3))
    pipe.fit(X, y)
    assert pipe[-1].n_features_in_ == 3
    assert pipe.predict(X).shape == (59,)
    assert pipe.score(X, y) > 0.9
    assert pipe[:-1].get_feature_names_out().tolist() == [
        "x0_lag2",
        "x0_lag1",
        "x0_lag0",
    ]


def test_transformer_clone_and_pickle():
    swt = SlidingWindowTransformer(look_back=4, fill_value=0.5)
    cloned = clone(swt)
    assert cloned is not swt
    assert cloned.get_params() == {"look_back": 4, "fill_value": 0.5, "id_column": None}
    assert np.isnan(SlidingWindowTransformer().get_params()["fill_value"])
    assert SlidingWindowTransformer().get_params()["look_back"] == 3

    X = np.arange(20.0).reshape(10, 2)
    swt.fit(X)
    restored = pickle.loads(pickle.dumps(swt))
    assert restored.n_features_in_ == 2
    assert_array_equal(restored.transform(X), swt.transform(X))
    # transformed output pickles too (as an ordinary array)
    Xt = pickle.loads(pickle.dumps(swt.transform(X)))
    assert_array_equal(Xt, reference_lags(X, 4, 0.5))


@settings(max_examples=75, deadline=None)
@given(
    X=hnp.arrays(
        np.float64,
        st.tuples(st.integers(1, 30), st.integers(1, 4)),
        elements=st.floats(-1e6, 1e6, allow_infinity=False),  # NaN allowed
    ),
    look_back=st.integers(1, 6),
    fill_value=st.one_of(
        st.just(np.nan), st.floats(-10, 10, allow_nan=False), st.integers(-5, 5)
    ),
)
def test_transformer_matches_reference_property(X, look_back, fill_value):
    swt = SlidingWindowTransformer(look_back, fill_value=fill_value)
    Xt = swt.fit_transform(X)
    assert_array_equal(Xt, reference_lags(X, look_back, fill_value))
    # The time-major windows line up with make_windows' 3-D windows (which need
    # finite data, hence the nan_to_num here).
    n_timesteps, n_features = X.shape
    if n_timesteps > look_back:
        finite = np.nan_to_num(X)
        windows, _ = make_windows(finite, look_back)
        Xt_finite = swt.transform(finite)[look_back - 1 : -1]
        assert_array_equal(
            Xt_finite, windows.reshape(len(windows), look_back * n_features)
        )


def test_transformer_is_deterministic_not_tagged_non_deterministic():
    tags = SlidingWindowTransformer().__sklearn_tags__()
    assert tags.non_deterministic is False
    assert tags.input_tags.allow_nan is True
    assert tags.requires_fit is True
