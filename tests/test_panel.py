"""Panels of many series: make_windows, SlidingWindowTransformer, forecast."""

import pickle

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.impute import SimpleImputer
from sklearn.linear_model import Ridge
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.utils import _safe_indexing

from sklstm import LSTMForecaster, SlidingWindowTransformer, make_windows
from sklstm._data import _PanelWindows


def _series(lengths, n_features=None, seed=0):
    """Series k holds values in [1000 k, 1000 k + 1000): windows show their series."""
    rng = np.random.default_rng(seed)
    shape = (lambda n: (n,)) if n_features is None else (lambda n: (n, n_features))
    return [
        1000.0 * k + rng.uniform(0, 999, size=shape(n)) for k, n in enumerate(lengths)
    ]


def _long(panel, ids=None, shuffle_seed=None):
    """A long table (id, time, value columns) of a list of 1-D or 2-D series."""
    ids = range(len(panel)) if ids is None else ids
    frames = []
    for series_id, values in zip(ids, panel):
        values = values.reshape(len(values), -1)
        frame = pd.DataFrame(values, columns=[f"v{j}" for j in range(values.shape[1])])
        frame.insert(0, "time", pd.date_range("2020-01-01", periods=len(values)))
        frame.insert(0, "id", series_id)
        frames.append(frame)
    long = pd.concat(frames, ignore_index=True)
    if shuffle_seed is not None:
        order = np.random.default_rng(shuffle_seed).permutation(len(long))
        long = long.iloc[order].reset_index(drop=True)
    return long


def _reference(panel, look_back, horizon, target=None):
    """Each series windowed on its own (the single-series path), stacked."""
    pairs = [make_windows(s, look_back, horizon, target=target) for s in panel]
    return np.concatenate([X for X, _ in pairs]), np.concatenate([y for _, y in pairs])


# ------------------------------------------------------------------ make_windows


@pytest.mark.parametrize("container", [list, tuple])
def test_make_windows_list_panel_never_crosses_series(container):
    panel = _series([10, 7, 5])
    X, y = make_windows(container(panel), look_back=3, horizon=2)
    assert X.shape == (6 + 3 + 1, 3) and y.shape == (10, 2)
    # Every window and its targets come from one series.
    series_of_X = X // 1000
    assert (series_of_X == series_of_X[:, :1]).all()
    assert (y // 1000 == series_of_X[:, :1]).all()
    assert_array_equal(series_of_X[:, 0], [0] * 6 + [1] * 3 + [2])
    X_ref, y_ref = _reference(panel, 3, 2)
    assert_array_equal(X, X_ref)
    assert_array_equal(y, y_ref)


def test_make_windows_dict_panel_keeps_its_order():
    a, b = _series([6, 8])
    X, y = make_windows({"b": b, "a": a}, look_back=2)
    X_ref, y_ref = _reference([b, a], 2, 1)
    assert_array_equal(X, X_ref)
    assert_array_equal(y, y_ref)


def test_make_windows_long_table_sorted_by_time_column():
    panel = _series([9, 6, 7], n_features=2)
    long = _long(panel, ids=["x", "y", "z"], shuffle_seed=0)
    X, y = make_windows(long, 3, 2, id_column="id", time_column="time", target="v1")
    # Series come in the order of their first row in the table.
    first_seen = [["x", "y", "z"].index(i) for i in pd.unique(long["id"])]
    X_ref, y_ref = _reference([panel[k] for k in first_seen], 3, 2, target=1)
    assert X.shape == (5 + 2 + 3, 3, 2)  # id and time are not features
    assert_array_equal(X, X_ref)
    assert_array_equal(y, y_ref)


def test_make_windows_long_table_in_given_order_and_by_first_appearance():
    panel = _series([5, 6])
    long = _long(panel, ids=["first", "second"])
    # Interleave the two series; each keeps its own row order.
    interleaved = pd.concat([long.iloc[[5, 0, 1, 6, 7, 2, 8, 9, 3, 10, 4]]])
    X, y = make_windows(interleaved.drop(columns="time"), 2, id_column="id")
    X_ref, y_ref = _reference(panel[::-1], 2, 1)  # "second" appears first
    assert_array_equal(X[:, :, 0], X_ref)
    assert_array_equal(y, y_ref)


def test_make_windows_long_array_with_int_id_column():
    panel = _series([6, 5])
    table = np.column_stack([np.repeat([7, 3], [6, 5]), np.concatenate(panel)])
    X, y = make_windows(table, 2, 2, id_column=0)
    X_ref, y_ref = _reference(panel, 2, 2)
    assert_array_equal(X[:, :, 0], X_ref)
    assert_array_equal(y, y_ref)
    X_neg, _ = make_windows(table[:, ::-1], 2, 2, id_column=-1)
    assert_array_equal(X_neg, X)


def test_make_windows_single_series_inputs_are_not_panels():
    # Lists of numbers or of rows stay one series, as before.
    X, y = make_windows([0.0, 1, 2, 3, 4], 2)
    assert X.shape == (3, 2)
    X, y = make_windows([[0.0, 10], [1, 11], [2, 12], [3, 13]], 2)
    assert X.shape == (2, 2, 2) and y.shape == (2, 2)


PANEL_ERRORS = [
    (dict(series=[np.arange(10.0), np.arange(3.0)]), ValueError, "series 1 of the"),
    (
        dict(series={"a": np.arange(10.0), "b": np.arange(3.0)}),
        ValueError,
        "series 'b' of the panel: series is too short",
    ),
    (
        dict(series=[np.zeros((8, 2)), np.zeros((8, 3))]),
        ValueError,
        "all series of a panel need the same number of columns",
    ),
    (
        dict(series=[np.zeros(8), np.zeros((8, 1))]),
        ValueError,
        "all series of a panel need the same",
    ),
    (
        dict(series=[np.arange(8.0), np.array([1.0, np.nan, 3, 4, 5, 6])]),
        ValueError,
        "series 1 of the panel: series contains NaN",
    ),
    (dict(series={}), ValueError, "empty dict"),
    (
        dict(series=pd.DataFrame({"v": np.zeros(8)}), time_column="v"),
        ValueError,
        "time_column is only used with id_column",
    ),
    (
        dict(series=pd.DataFrame({"v": np.zeros(8)}), id_column="shop"),
        ValueError,
        r"id_column='shop' is not a column .* \['v'\]",
    ),
    (
        dict(series=pd.DataFrame({"v": np.zeros(8)}), id_column=3),
        ValueError,
        "id_column=3 is out of range",
    ),
    (
        dict(series=pd.DataFrame({"v": np.zeros(8)}), id_column="v"),
        ValueError,
        "no value columns",
    ),
    (
        dict(series=pd.DataFrame({"id": [1, None] * 4, "v": 0.0}), id_column="id"),
        ValueError,
        "id_column has missing values",
    ),
    (
        dict(
            series=pd.DataFrame({"id": [1] * 8, "t": [0, 1, 2, 2, 3, 4, 5, 6], "v": 0}),
            id_column="id",
            time_column="t",
        ),
        ValueError,
        "time_column repeats a time within a series",
    ),
    (
        dict(
            series=pd.DataFrame({"id": [1] * 8, "v": 0}),
            id_column="id",
            time_column="id",
        ),
        ValueError,
        "must be different columns",
    ),
    (dict(series=np.zeros(8), id_column=0), ValueError, "long 2-D table"),
    (
        dict(
            series=pd.DataFrame({"id": list("ab" * 4), "v": list("xyzwxyzw")}),
            id_column="id",
        ),
        TypeError,
        "series 'a' of the panel: series must hold numbers",
    ),
]


@pytest.mark.parametrize("kwargs, error, match", PANEL_ERRORS)
def test_make_windows_panel_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        make_windows(look_back=2, horizon=2, **kwargs)


@st.composite
def panels(draw):
    look_back = draw(st.integers(1, 4))
    horizon = draw(st.integers(1, 3))
    lengths = draw(
        st.lists(st.integers(look_back + horizon, 15), min_size=1, max_size=5)
    )
    n_features = draw(st.sampled_from([None, 1, 2]))
    return (
        _series(lengths, n_features, seed=draw(st.integers(0, 100))),
        look_back,
        horizon,
    )


@settings(max_examples=40, deadline=None)
@given(problem=panels(), shuffle_seed=st.integers(0, 1000))
def test_make_windows_panel_matches_reference(problem, shuffle_seed):
    panel, look_back, horizon = problem
    X_ref, y_ref = _reference(panel, look_back, horizon)
    X, y = make_windows(panel, look_back, horizon)
    assert_array_equal(X, X_ref)
    assert_array_equal(y, y_ref)
    long = _long(panel, shuffle_seed=shuffle_seed)
    X_ref, y_ref = _reference(
        [panel[k] for k in pd.unique(long["id"])], look_back, horizon
    )
    X_long, y_long = make_windows(
        long, look_back, horizon, id_column="id", time_column="time"
    )
    assert_array_equal(X_long.reshape(X_ref.shape), X_ref)
    assert_array_equal(y_long.reshape(y_ref.shape), y_ref)


# ------------------------------------------------------- SlidingWindowTransformer


def _reference_panel_lags(ids, values, look_back, fill_value=np.nan):
    """Loop: each row's window holds only earlier rows of its own series."""
    n_rows, n_features = values.shape
    out = np.full((n_rows, look_back, n_features), fill_value, dtype=float)
    for row in range(n_rows):
        same = [r for r in range(row + 1) if ids[r] == ids[row]]
        history = same[-look_back:]
        out[row, look_back - len(history) :] = values[history]
    return out.reshape(n_rows, look_back * n_features)


def test_transformer_panel_pads_each_series_and_keeps_rows():
    long = pd.DataFrame(
        {"id": ["a", "a", "b", "b", "a", "b"], "v": [1.0, 2, 7, 8, 3, 9], "w": 0.5}
    )
    swt = SlidingWindowTransformer(look_back=2, id_column="id").fit(long)
    Xt = swt.transform(long)
    nan = np.nan
    assert_array_equal(
        Xt,
        [
            [nan, nan, 1, 0.5],
            [1, 0.5, 2, 0.5],
            [nan, nan, 7, 0.5],
            [7, 0.5, 8, 0.5],
            [2, 0.5, 3, 0.5],
            [8, 0.5, 9, 0.5],
        ],
    )
    assert Xt.flags.writeable
    assert swt.n_features_in_ == 3
    assert swt.get_feature_names_out().tolist() == [
        "v_lag1",
        "w_lag1",
        "v_lag0",
        "w_lag0",
    ]


def test_transformer_panel_one_series_equals_single_series_path():
    rng = np.random.default_rng(0)
    values = rng.normal(size=(12, 2))
    table = np.column_stack([values[:, 0], np.full(12, 5.0), values[:, 1]])
    panel = SlidingWindowTransformer(4, id_column=1).fit_transform(table)
    single = SlidingWindowTransformer(4).fit_transform(values)
    assert_array_equal(panel, single)


@settings(max_examples=50, deadline=None)
@given(
    ids=st.lists(st.integers(0, 3), min_size=1, max_size=25),
    look_back=st.integers(1, 5),
    fill_value=st.sampled_from([np.nan, 0.0, -1.0]),
    n_features=st.integers(1, 3),
)
def test_transformer_panel_matches_reference(ids, look_back, fill_value, n_features):
    values = np.arange(len(ids) * n_features, dtype=float).reshape(len(ids), -1)
    table = np.column_stack([values, ids])
    swt = SlidingWindowTransformer(look_back, fill_value=fill_value, id_column=-1)
    Xt = swt.fit_transform(table)
    assert_array_equal(Xt, _reference_panel_lags(ids, values, look_back, fill_value))


def test_transformer_panel_set_output_and_pipeline():
    rng = np.random.default_rng(0)
    t = np.arange(60)
    long = pd.DataFrame(
        {
            "shop": np.repeat(["a", "b"], 30),
            "x": np.sin(t / 4.0)
            + np.repeat([0.0, 5.0], 30)
            + 0.01 * rng.normal(size=60),
        }
    )
    swt = SlidingWindowTransformer(3, id_column="shop").set_output(transform="pandas")
    out = swt.fit_transform(long)
    assert out.columns.tolist() == ["x_lag2", "x_lag1", "x_lag0"]
    assert out.index.equals(long.index)
    assert out["x_lag2"].isna().sum() == 4  # two padded rows per shop
    y = long["x"].shift(-1).ffill()
    pipe = make_pipeline(
        SlidingWindowTransformer(3, id_column="shop"), SimpleImputer(), Ridge()
    )
    assert pipe.fit(long, y).predict(long).shape == (60,)


@pytest.mark.parametrize(
    "X, id_column, error, match",
    [
        (
            pd.DataFrame({"id": [1, None, 1], "v": 1.0}),
            "id",
            ValueError,
            "missing values",
        ),
        (pd.DataFrame({"v": [1.0, 2, 3]}), "id", ValueError, "is not a column"),
        (
            pd.DataFrame({"id": [1, 1, 1], "v": ["a", "b", "c"]}),
            "id",
            ValueError,
            "float",
        ),
        (np.zeros((3, 2)), 2, ValueError, "out of range"),
        (np.zeros((3, 2)), True, ValueError, "id_column"),
    ],
)
def test_transformer_panel_errors(X, id_column, error, match):
    with pytest.raises(error, match=match):
        SlidingWindowTransformer(2, id_column=id_column).fit_transform(X)


def test_transformer_panel_checks_width_at_transform():
    swt = SlidingWindowTransformer(2, id_column=0).fit(np.zeros((4, 3)))
    with pytest.raises(ValueError, match="X has 2 features.*expecting 3"):
        swt.transform(np.zeros((4, 2)))


# -------------------------------------------------------------- forecast a panel

LEVELS = [0.0, 10.0, 20.0]


def _level_panel(n=120):
    t = np.arange(n)
    return [level + np.sin(2 * np.pi * t / 12) for level in LEVELS]


@pytest.fixture(scope="module")
def global_model():
    panel = [s[:-6] for s in _level_panel()]
    X, y = make_windows(panel, look_back=12, horizon=6)
    model = LSTMForecaster(
        horizon=6, hidden_size=16, lr=1e-2, max_epochs=40, random_state=0
    )
    return model.fit(X, y)


def test_one_model_trained_on_many_series_forecasts_each(global_model):
    full = _level_panel()
    forecasts = global_model.forecast([s[:-6] for s in full])
    assert isinstance(forecasts, list) and len(forecasts) == len(LEVELS)
    for series, forecast in zip(full, forecasts):
        # Series are 10 apart: a forecast taken from another series would be
        # off by 10 or more.
        assert np.mean(np.abs(forecast - series[-6:])) < 1.0


def test_panel_forecast_equals_forecasting_each_series(global_model):
    panel = [s[:-6] for s in _level_panel()]
    one_by_one = [global_model.forecast(s, steps=9) for s in panel]
    batched = global_model.forecast(panel, steps=9)
    assert_allclose(np.stack(batched), np.stack(one_by_one), rtol=1e-5, atol=1e-5)
    keyed = global_model.forecast(dict(zip("abc", panel)), steps=9)
    assert list(keyed) == ["a", "b", "c"]
    assert_allclose(
        np.stack(list(keyed.values())), np.stack(one_by_one), rtol=1e-5, atol=1e-5
    )


def test_panel_forecast_of_long_table_is_dated_per_series(global_model):
    panel = [s[:-6] for s in _level_panel()]
    long = _long(panel, ids=["x", "y", "z"], shuffle_seed=1).rename(
        columns={"v0": "sales"}
    )
    forecasts = global_model.forecast(long, id_column="id", time_column="time")
    assert set(forecasts) == {"x", "y", "z"}  # in order of first appearance
    last_day = pd.Timestamp("2020-01-01") + pd.Timedelta(days=len(panel[0]) - 1)
    for series_id, series in zip(["x", "y", "z"], panel):
        forecast = forecasts[series_id]
        assert isinstance(forecast, pd.Series) and forecast.name == "sales"
        assert forecast.index[0] == last_day + pd.Timedelta(days=1)
        assert len(forecast) == 6
        assert_allclose(
            forecast.to_numpy(), global_model.forecast(series), rtol=1e-5, atol=1e-5
        )


def test_panel_forecast_names_the_series_that_fails(global_model):
    panel = {"ok": np.arange(30.0), "short": np.arange(5.0)}
    with pytest.raises(ValueError, match="series 'short' of the panel: history has 5"):
        global_model.forecast(panel)


def test_make_windows_names_every_short_series_of_a_panel():
    panel = {f"s{i}": np.arange(float(n)) for i, n in enumerate([9, 3, 10, 4, 2])}
    with pytest.raises(ValueError) as info:
        make_windows(panel, look_back=3, horizon=2)
    message = str(info.value)
    assert "3 of the 5 series are that short" in message
    for name, n in [("s1", 3), ("s3", 4), ("s4", 2)]:
        assert f"'{name}' ({n} rows)" in message
    assert "'s0'" not in message and "'s2'" not in message
    # Dropping the series it names leaves a panel that windows.
    kept = {k: v for k, v in panel.items() if len(v) >= 5}
    X, y = make_windows(kept, look_back=3, horizon=2)
    assert len(X) == (9 - 4) + (10 - 4)


def test_make_windows_lists_at_most_ten_short_series():
    panel = [np.arange(2.0)] * 12 + [np.arange(10.0)]
    with pytest.raises(ValueError, match="12 of the 13 series.* and 2 more"):
        make_windows(panel, look_back=2, horizon=1)


# ------------------------------------------------ lazy windows of a panel


def _sales_panel(n_series=5, seed=0):
    """Positive series of different lengths with a weekly cycle and a trend,
    a calendar column known ahead and a static size per series."""
    rng = np.random.default_rng(seed)
    frames = {}
    for k in range(n_series):
        n = 70 + 9 * k
        t = np.arange(n)
        level = 5.0 * (k + 1)
        sales = level * np.exp(0.004 * t) * (1 + 0.3 * np.sin(2 * np.pi * t / 7))
        sales *= rng.lognormal(0, 0.05, n)
        frames[f"s{k}"] = pd.DataFrame(
            {"sales": sales, "weekend": (t % 7 >= 5).astype(float)}
        )
    statics = pd.DataFrame({"size": np.arange(1.0, n_series + 1)}, index=list(frames))
    return frames, statics


def test_panel_windows_are_lazy_views_of_one_buffer():
    panel = _series([40, 25, 31], n_features=2)
    X, y = make_windows(panel, look_back=6, horizon=3, target=0)
    assert isinstance(X, _PanelWindows) and isinstance(y, _PanelWindows)
    X_ref, y_ref = _reference(panel, 6, 3, target=0)
    assert X.shape == X_ref.shape and y.shape == y_ref.shape
    assert X.dtype == X_ref.dtype and X.ndim == 3 and len(X) == len(X_ref)
    assert_array_equal(np.asarray(X), X_ref)
    assert_array_equal(np.asarray(y), y_ref)
    # X and y share one buffer of the values (and the window starts): their
    # memory grows with the values, not with windows times look_back.
    assert X.values is y.values and X.starts is y.starts
    values_bytes = sum(s.nbytes for s in panel)
    assert X.values.nbytes == values_bytes
    assert X.nbytes <= values_bytes + 8 * len(X) < X_ref.nbytes
    assert not X.values.flags.writeable
    # An int reads one window; rows, steps and masks stay lazy.
    assert_array_equal(X[4], X_ref[4])
    rows = np.array([0, 5, 40, 3])
    for key in (slice(3, 50, 2), rows, np.arange(len(X)) % 3 == 0):
        assert isinstance(X[key], _PanelWindows)
        assert_array_equal(np.asarray(X[key]), X_ref[key])
        assert_array_equal(np.asarray(y[key]), y_ref[key])
    assert isinstance(X[:, 2:5, :], _PanelWindows)
    assert_array_equal(np.asarray(X[:, 2:5]), X_ref[:, 2:5])
    assert_array_equal(np.asarray(X[rows, 1:][:, :-1]), X_ref[rows, 1:-1])
    # What sklearn's splitters do keeps the windows lazy.
    assert isinstance(_safe_indexing(X, rows), _PanelWindows)
    assert_array_equal(np.asarray(_safe_indexing(y, rows)), y_ref[rows])
    # Anything else reads a copy.
    assert_array_equal(X[:, :, 1], X_ref[:, :, 1])
    assert_array_equal(X * 2, X_ref * 2)
    assert "windows of shape (6, 2)" in repr(X)


def test_panel_windows_with_inputs_known_ahead_and_statics_match_copies():
    frames, statics = _sales_panel()
    X, y = make_windows(
        frames,
        look_back=10,
        horizon=4,
        target="sales",
        future_covariates="weekend",
        static_covariates=statics,
    )
    assert isinstance(X, _PanelWindows)
    pieces = [
        make_windows(
            frame.assign(size=statics.loc[k, "size"]),
            look_back=10,
            horizon=4,
            target="sales",
            future_covariates=["weekend", "size"],
        )
        for k, frame in frames.items()
    ]
    X_ref = np.concatenate([p[0] for p in pieces])
    y_ref = np.concatenate([p[1] for p in pieces])
    assert_array_equal(np.asarray(X), X_ref)  # NaN where the target is ahead
    assert_array_equal(np.asarray(y), y_ref)
    assert_array_equal(np.asarray(X[:, 3:12]), X_ref[:, 3:12])


LAZY_FITS = [
    dict(target_transform="auto"),
    dict(n_estimators=2),
    dict(calibration_fraction=0.2, quantiles=(0.1, 0.9)),
    dict(early_stopping=True, n_iter_no_change=1),
    dict(strategy="recursive", difference=1),
]


@pytest.mark.parametrize(
    "params, covariates",
    [(params, False) for params in LAZY_FITS]
    # With inputs known ahead (a calendar column and a static one).
    + [(params, True) for params in LAZY_FITS if "strategy" not in params],
)
def test_fit_on_lazy_panel_windows_equals_fit_on_their_copy(params, covariates):
    frames, statics = _sales_panel()
    if covariates:
        kwargs = dict(
            target="sales", future_covariates="weekend", static_covariates=statics
        )
        panel = frames
    else:
        kwargs = {}
        panel = [frame["sales"].to_numpy() for frame in frames.values()]
    X, y = make_windows(panel, look_back=14, horizon=3, **kwargs)
    assert isinstance(X, _PanelWindows)
    settings = dict(horizon=3, hidden_size=4, max_epochs=2, random_state=0)
    lazy = LSTMForecaster(**settings, **params).fit(X, y)
    copied = LSTMForecaster(**settings, **params).fit(np.asarray(X), np.asarray(y))
    assert lazy.target_transform_ == copied.target_transform_
    assert_array_equal(lazy.x_mean_, copied.x_mean_)
    assert_array_equal(lazy.predict(X), copied.predict(np.asarray(X)))
    assert_array_equal(
        lazy.net_.history[:, "train_loss"], copied.net_.history[:, "train_loss"]
    )
    if covariates:
        ahead = {k: pd.DataFrame({"weekend": np.zeros(3)}) for k in frames}
        kwargs = dict(future_covariates=ahead, static_covariates=statics)
    else:
        kwargs = {}
    lazy_forecasts = lazy.forecast(panel, **kwargs)
    copied_forecasts = copied.forecast(panel, **kwargs)
    if covariates:
        lazy_forecasts = list(lazy_forecasts.values())
        copied_forecasts = list(copied_forecasts.values())
    assert_array_equal(np.stack(lazy_forecasts), np.stack(copied_forecasts))
    if "calibration_fraction" in params:
        assert_array_equal(lazy.calibration_targets_, copied.calibration_targets_)
        assert_array_equal(
            lazy.predict_interval(X[:5], coverage=0.8),
            copied.predict_interval(np.asarray(X[:5]), coverage=0.8),
        )


def test_auto_transform_on_lazy_panel_reads_blocks_like_the_copy(monkeypatch):
    # Blocks far smaller than the panel: the choice still follows each
    # series' windows across the blocks.
    import sklstm._data

    monkeypatch.setattr(sklstm._data, "_CHUNK", 7)
    season = np.array([0, 1, 3, 2, -1, -3, -2, 0, 2, 4, 1, -2]) / 5
    panel = [
        3 * (k + 1) * np.exp(0.01 * np.arange(n) + season[np.arange(n) % 12])
        for k, n in enumerate([70, 79, 88, 97, 106])
    ]
    X, y = make_windows(panel, look_back=14, horizon=3)
    settings = dict(horizon=3, hidden_size=4, max_epochs=1, random_state=0)
    lazy = LSTMForecaster(**settings).fit(X, y)
    copied = LSTMForecaster(**settings).fit(np.asarray(X), np.asarray(y))
    assert lazy.target_transform_ == copied.target_transform_ == "log1p"
    assert_array_equal(lazy.predict(X), copied.predict(np.asarray(X)))


def test_cross_validation_on_lazy_panel_never_copies_the_windows(monkeypatch):
    panel = [frame["sales"].to_numpy() for frame in _sales_panel()[0].values()]
    X, y = make_windows(panel, look_back=14, horizon=3)
    copies = []
    materialise = _PanelWindows.__array__

    def spy(self, *args, **kwargs):
        copies.append(self.length)
        return materialise(self, *args, **kwargs)

    monkeypatch.setattr(_PanelWindows, "__array__", spy)
    model = LSTMForecaster(horizon=3, hidden_size=4, max_epochs=1, random_state=0)
    scores = cross_val_score(model, X, y, cv=KFold(3))
    assert np.isfinite(scores).all()
    search = GridSearchCV(model, {"look_back": [7, 14]}, cv=KFold(2)).fit(X, y)
    assert search.best_params_["look_back"] in (7, 14)
    # Only the test folds' targets (3 steps) were copied, for the scores;
    # no window (14 steps) was.
    assert copies and set(copies) == {3}


def test_panel_windows_index_like_the_array_they_copy():
    panel = _series([12, 9], n_features=3)
    X, y = make_windows(panel, look_back=4, horizon=2, target=[0, 2])
    X_ref, y_ref = _reference(panel, 4, 2, target=[0, 2])
    keys = [
        (slice(None), slice(1, 3)),
        (slice(2, 6), slice(None), slice(None)),
        (Ellipsis, 1),
        (0, Ellipsis, 2),
        (slice(None), slice(None), np.array([2, 0])),
        (np.array([3, 1]), slice(0, 4, 2)),
        (slice(None), 1),
        (-1,),
        Ellipsis,
    ]
    for key in keys:
        assert_array_equal(np.asarray(X[key]), X_ref[key])
    for key in [(slice(None), slice(None, 1)), (slice(1, 5), 3), (slice(None),)]:
        assert_array_equal(np.asarray(y[key]), y_ref[key])
    assert_array_equal(np.asarray(X.reshape(len(X), -1)), X_ref.reshape(len(X), -1))
    assert_array_equal(X.copy(), X_ref)
    assert_array_equal(np.stack(list(X[:3])), X_ref[:3])
    assert_array_equal(X.mean(axis=0), X_ref.mean(axis=0))
    assert X.astype(np.float32).dtype == np.float32
    assert not hasattr(X, "iloc")
    # Parallel searches pickle them to their workers.
    restored = pickle.loads(pickle.dumps(X[2:7]))
    assert isinstance(restored, _PanelWindows)
    assert_array_equal(np.asarray(restored), X_ref[2:7])


def test_regressor_and_pipeline_read_lazy_panel_windows():
    from sklearn.preprocessing import FunctionTransformer

    from sklstm import LSTMRegressor

    panel = _series([30, 22, 26], n_features=2)
    X, y = make_windows([s / 1000 for s in panel], look_back=5, horizon=1, target=0)
    settings = dict(hidden_size=4, max_epochs=2, random_state=0)
    lazy = LSTMRegressor(**settings).fit(X, y)
    copied = LSTMRegressor(**settings).fit(np.asarray(X), np.asarray(y))
    assert_array_equal(lazy.predict(X), copied.predict(np.asarray(X)))
    # A step of another library reads a copy of the windows.
    flat = FunctionTransformer(lambda W: np.asarray(W).reshape(len(W), -1))
    pipe = make_pipeline(flat, Ridge()).fit(X, y)
    assert pipe.predict(X).shape == (len(X),)


def test_panel_of_frames_with_columns_in_other_orders_is_copied():
    # The target is another column position in each series: the windows of
    # each are cut on their own and copied, as before lazy windows.
    a = pd.DataFrame({"sales": np.arange(10.0), "price": np.arange(10.0) + 50})
    b = a[["price", "sales"]] + 100
    X, y = make_windows([a, b], look_back=3, horizon=2, target="sales")
    X_a, y_a = make_windows(a, look_back=3, horizon=2, target="sales")
    X_b, y_b = make_windows(b, look_back=3, horizon=2, target="sales")
    assert isinstance(X, np.ndarray)
    assert_array_equal(X, np.concatenate([X_a, X_b]))
    assert_array_equal(y, np.concatenate([y_a, y_b]))
