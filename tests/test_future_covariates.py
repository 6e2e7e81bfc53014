"""Inputs known ahead: make_windows' future_covariates, LSTMForecaster reading
them (direct and recursive), forecast(..., future_covariates=...) for a series
and a panel, and the rest of the API with them (intervals, persistence, ONNX,
batch invariance)."""

import os
import pickle

import numpy as np
import pandas as pd
import pytest
import torch

from sklstm import LSTMForecaster, LSTMNet, load, make_windows, save, to_onnx

FAST = dict(hidden_size=8, max_epochs=25, random_state=0)
H, LOOK_BACK = 6, 24


def _frame(n=500, seed=0):
    """Demand driven by a promotion flag and a temperature known ahead."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    temp = 10 + 8 * np.sin(2 * np.pi * t / 24) + rng.standard_normal(n)
    promo = (rng.random(n) < 0.2).astype(float)
    demand = 100 + 3 * temp + 40 * promo + 2 * rng.standard_normal(n)
    index = pd.date_range("2024-01-01", periods=n, freq="h")
    return pd.DataFrame({"demand": demand, "temp": temp, "promo": promo}, index)


@pytest.fixture(scope="module")
def data():
    df = _frame()
    X, y = make_windows(
        df, LOOK_BACK, H, target="demand", future_covariates=["temp", "promo"]
    )
    return df, X, y


@pytest.fixture(scope="module")
def fitted(data):
    _, X, y = data
    return LSTMForecaster(horizon=H, calibration_fraction=0.2, **FAST).fit(
        X[:400], y[:400]
    )


def test_make_windows_appends_the_known_steps(data):
    df, X, y = data
    assert X.shape == (len(df) - LOOK_BACK - H + 1, LOOK_BACK + H, 3)
    values = df.to_numpy()
    for i in (0, 17, len(X) - 1):
        np.testing.assert_array_equal(X[i, :LOOK_BACK], values[i : i + LOOK_BACK])
        ahead = values[i + LOOK_BACK : i + LOOK_BACK + H]
        np.testing.assert_array_equal(X[i, LOOK_BACK:, 1:], ahead[:, 1:])
        assert np.isnan(X[i, LOOK_BACK:, 0]).all()  # the target is not known
        np.testing.assert_array_equal(y[i], ahead[:, 0])
    # Only the named columns are known ahead; the others are NaN there.
    X2, _ = make_windows(df, LOOK_BACK, H, target=0, future_covariates=[2])
    assert np.isnan(X2[:, LOOK_BACK:, :2]).all()
    assert not np.isnan(X2[:, LOOK_BACK:, 2]).any()


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(target="demand", future_covariates=["demand"]), "cannot be known ahead"),
        (dict(target="demand", future_covariates=["rain"]), "future_covariates='rain'"),
        (dict(target="demand", future_covariates=[]), "future_covariates must name"),
    ],
)
def test_make_windows_rejects_bad_future_covariates(data, kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_windows(data[0], LOOK_BACK, H, **kwargs)
    with pytest.raises(ValueError, match="series is 1-D"):
        make_windows(data[0]["demand"], LOOK_BACK, H, future_covariates=[0])


def test_known_inputs_are_detected_and_used(data, fitted):
    df, X, y = data
    assert fitted.future_covariates_ == (1, 2)
    assert fitted.look_back_ == LOOK_BACK
    error = np.abs(fitted.predict(X[420:]) - y[420:]).mean()
    # The same model on the same windows without the steps ahead.
    Xp, yp = make_windows(df, LOOK_BACK, H, target="demand")
    past_only = LSTMForecaster(horizon=H, **FAST).fit(Xp[:400], yp[:400])
    assert past_only.future_covariates_ == ()
    error_past = np.abs(past_only.predict(Xp[420:]) - yp[420:]).mean()
    # The promotion (40 units, one hour in five) is unpredictable from the past.
    assert error < 0.5 * error_past


def test_forecast_continues_a_series_as_predict_reads_its_window(data, fitted):
    df, X, _ = data
    k = 450  # the window starting at k ends at k + LOOK_BACK
    end = k + LOOK_BACK
    future = df[["temp", "promo"]].iloc[end : end + H]
    got = fitted.forecast(df.iloc[:end], future_covariates=future)
    np.testing.assert_array_equal(got.to_numpy(), fitted.predict(X[k : k + 1])[0])
    assert got.index[0] == df.index[end]
    # Columns are matched by name; extra rows are ignored; arrays go by position.
    shuffled = future[["promo", "temp"]]
    again = fitted.forecast(df.iloc[:end], future_covariates=pd.concat([shuffled] * 2))
    np.testing.assert_array_equal(again.to_numpy(), got.to_numpy())
    plain = fitted.forecast(
        df.iloc[:end].to_numpy(), future_covariates=future.to_numpy()
    )
    np.testing.assert_array_equal(plain, got.to_numpy())


def test_forecast_past_the_horizon_and_a_panel(data, fitted):
    df = data[0]
    future = df[["temp", "promo"]].iloc[300:318]
    long = fitted.forecast(df.iloc[:300], steps=15, future_covariates=future)
    assert len(long) == 15
    first = fitted.forecast(df.iloc[:300], future_covariates=future)
    np.testing.assert_array_equal(long.to_numpy()[:H], first.to_numpy())
    histories = {"a": df.iloc[:300], "b": df.iloc[:350]}
    futures = {"a": future, "b": df[["temp", "promo"]].iloc[350:368]}
    panel = fitted.forecast(histories, steps=15, future_covariates=futures)
    np.testing.assert_array_equal(panel["a"].to_numpy(), long.to_numpy())
    alone = fitted.forecast(histories["b"], steps=15, future_covariates=futures["b"])
    np.testing.assert_array_equal(panel["b"].to_numpy(), alone.to_numpy())
    frames = fitted.forecast(
        histories, steps=8, future_covariates=futures, coverage=[0.8, 0.95]
    )
    assert list(frames["b"].columns) == [
        "forecast",
        "lower_80",
        "upper_80",
        "lower_95",
        "upper_95",
    ]
    assert (frames["b"]["lower_95"] <= frames["b"]["lower_80"]).all()
    assert (frames["b"]["upper_80"] <= frames["b"]["upper_95"]).all()


@pytest.mark.parametrize(
    "future, steps, match",
    [
        (None, H, "reads inputs known ahead"),
        ("short", H, r"has 3 row\(s\), but forecasting 6 step\(s\) reads 6"),
        ("short", 8, "reads 12"),
        ("missing", H, r"lacks \['promo'\] and has extra \[\]"),
        ("extra", H, r"has extra \['rain'\]"),
        ("nan", H, "contains NaN"),
        ("columns", H, "one column per input known ahead"),
    ],
)
def test_forecast_rejects_bad_future_covariates(data, fitted, future, steps, match):
    df = data[0]
    ahead = df[["temp", "promo"]].iloc[300:312].copy()
    future = {
        None: None,
        "short": ahead.iloc[:3],
        "missing": ahead[["temp"]],
        "extra": ahead.assign(rain=1.0),
        "nan": ahead.where(np.arange(len(ahead))[:, None] != np.array([[2, -1]])),
        "columns": ahead.to_numpy()[:, :1],
    }[future]
    history = (
        df.iloc[:300]
        if future is None or hasattr(future, "columns")
        else df.iloc[:300].to_numpy()
    )
    with pytest.raises(ValueError, match=match):
        fitted.forecast(history, steps=steps, future_covariates=future)


def test_covariates_at_forecast_that_were_absent_at_fit(data):
    df = data[0]
    Xp, yp = make_windows(df, LOOK_BACK, H, target="demand")
    model = LSTMForecaster(horizon=H, hidden_size=4, max_epochs=1).fit(Xp, yp)
    with pytest.raises(ValueError, match="fitted on windows without inputs known"):
        model.forecast(df, future_covariates=df[["temp", "promo"]].iloc[:H])


def test_windows_with_missing_known_values_are_rejected(data, fitted):
    _, X, y = data
    holes = np.array(X[:50])
    holes[3, LOOK_BACK + 2, 2] = np.nan
    with pytest.raises(ValueError, match=r"NaN in a known-future column.*first: \[3\]"):
        fitted.predict(holes)
    # At fit, a channel given for some steps ahead but not all is ambiguous.
    with pytest.raises(ValueError, match="given in some but not all"):
        LSTMForecaster(horizon=H).fit(holes, y[:50])


def test_recursive_needs_every_covariate_known_ahead(data):
    df, _, _ = data
    X, y = make_windows(df, LOOK_BACK, H, target="demand", future_covariates=["temp"])
    with pytest.raises(ValueError, match=r"future of channel\(s\) \[2\] is unknown"):
        LSTMForecaster(horizon=H, strategy="recursive").fit(X, y)
    direct = LSTMForecaster(horizon=H, hidden_size=4, max_epochs=1).fit(X, y)
    with pytest.raises(ValueError, match=r"future of channel\(s\) \[2\] is not known"):
        direct.forecast(
            df.iloc[:300], steps=H + 1, future_covariates=df[["temp"]].iloc[300:312]
        )


def test_recursive_reads_each_next_step(data):
    df, X, y = data
    fc = LSTMForecaster(horizon=H, strategy="recursive", **FAST).fit(X[:400], y[:400])
    assert fc.net_.module_.future_steps == 1
    pred = fc.predict(X[420:])
    assert pred.shape == (len(X) - 420, H)
    assert np.abs(pred - y[420:]).mean() < np.abs(y[420:] - y[420:].mean()).mean()
    end = 420 + LOOK_BACK
    got = fc.forecast(df.iloc[:end], future_covariates=df[["temp", "promo"]].iloc[end:])
    np.testing.assert_array_equal(got.to_numpy(), pred[0])


def test_persistence_onnx_and_batch_invariance(data, fitted, tmp_path):
    ort = pytest.importorskip("onnxruntime")  # the test extra installs it
    _, X, _ = data
    X_test = np.asarray(X[400:440])
    pred = fitted.predict(X_test)
    save(fitted, tmp_path / "m.sklstm")
    np.testing.assert_array_equal(load(tmp_path / "m.sklstm").predict(X_test), pred)
    np.testing.assert_array_equal(
        pickle.loads(pickle.dumps(fitted)).predict(X_test), pred
    )
    for i in (0, 13, 39):
        np.testing.assert_array_equal(fitted.predict(X_test[i : i + 1])[0], pred[i])
    path = os.fspath(tmp_path / "m.onnx")
    to_onnx(fitted, path)
    session = ort.InferenceSession(path)
    out = session.run(None, {"X": X_test.astype(np.float32)})[0]
    np.testing.assert_allclose(out, pred, rtol=1e-4)
    with pytest.raises(ValueError, match="known ahead for one horizon only"):
        to_onnx(fitted, path, steps=H + 1)
    interval = fitted.predict_interval(X_test, coverage=0.9)
    assert interval.shape == (40, H, 2)
    assert (interval[..., 0] <= pred).all() and (pred <= interval[..., 1]).all()


def test_members_and_quantiles_read_the_known_steps(data):
    _, X, y = data
    fc = LSTMForecaster(
        horizon=H, n_estimators=2, quantiles=(0.1, 0.9), hidden_size=4, max_epochs=2
    ).fit(X[:200], y[:200])
    assert all(m.future_steps == H for m in fc.net_.module_.members)
    q = fc.predict_quantiles(X[200:210])
    assert q.shape == (10, H, 2) and (q[..., 0] <= q[..., 1]).all()


def test_network_reads_only_the_known_channels_ahead():
    torch.manual_seed(0)
    net = LSTMNet(
        3, 2, hidden_size=4, skip_length=5, future_steps=2, future_channels=[2]
    ).eval()
    X = torch.randn(4, 7, 3)
    X[:, 5:, :2] = float("nan")
    base = net(X)
    other = X.clone()
    other[:, 5:, :2] = 123.0  # the target and past-only channel ahead: ignored
    torch.testing.assert_close(net(other), base, rtol=0, atol=0)
    moved = X.clone()
    moved[:, 6, 2] += 1.0  # a known value ahead: read
    assert not torch.equal(net(moved), base)
    with pytest.raises(ValueError, match="future_steps needs"):
        LSTMNet(3, 2, future_steps=2)


def _shops(n_shops=4, n=120, seed=1):
    """Daily sales of shops, big shops selling more; promotions known ahead."""
    rng = np.random.default_rng(seed)
    shops = {}
    for k in range(n_shops):
        t = np.arange(n)
        promo = (rng.random(n) < 0.2).astype(float)
        level = 50 + 40 * (k % 2)
        sales = level + 10 * np.sin(2 * np.pi * t / 7) + 20 * promo + rng.normal(size=n)
        shops[f"shop{k}"] = pd.DataFrame({"sales": sales, "promo": promo})
    statics = pd.DataFrame(
        {"big": [float(k % 2) for k in range(n_shops)]}, index=list(shops)
    )
    return shops, statics


def _shop_windows(shops, statics):
    return make_windows(
        shops, 14, 7, target="sales", future_covariates=["promo"],
        static_covariates=statics,
    )  # fmt: skip


def test_static_covariates_join_every_step_and_the_steps_ahead():
    shops, statics = _shops()
    X, y = _shop_windows(shops, statics)
    assert X.shape == (4 * (120 - 14 - 7 + 1), 21, 3)
    per_shop = 120 - 14 - 7 + 1
    for k in range(4):
        block = X[k * per_shop : (k + 1) * per_shop]
        assert (block[:, :, 2] == k % 2).all()  # past and ahead
    assert np.isnan(X[:, 14:, 0]).all()
    # A long table names its constant columns instead.
    long = pd.concat(
        [
            frame.assign(shop=name, big=statics.loc[name, "big"])
            for name, frame in shops.items()
        ]
    )
    X_long, y_long = make_windows(
        long,
        14,
        7,
        id_column="shop",
        target="sales",
        future_covariates=["promo"],
        static_covariates=["big"],
    )
    np.testing.assert_array_equal(X_long, X)
    np.testing.assert_array_equal(y_long, y)
    # Without a target, the static columns are not targets.
    _, y_all = make_windows(
        shops, 14, 7, static_covariates=statics, future_covariates=None
    )
    assert y_all.shape == (len(X), 14)  # sales and promo, 7 steps each


SHOP_IDS = [f"shop{k}" for k in range(4)]


@pytest.mark.parametrize(
    "statics, match",
    [
        (pd.DataFrame({"big": [1.0]}, index=["shop0"]), r"no row for series \['shop1'"),
        (pd.DataFrame({"kind": ["a"] * 4}, index=SHOP_IDS), "numbers.*OneHotEncoder"),
        (["big"], "names columns of a long table"),
    ],
)  # fmt: skip
def test_static_covariates_errors(statics, match):
    shops, _ = _shops()
    with pytest.raises(ValueError, match=match):
        make_windows(shops, 14, 7, target="sales", static_covariates=statics)
    with pytest.raises(ValueError, match="single series"):
        make_windows(shops["shop0"], 14, 7, static_covariates=_shops()[1])
    long = pd.concat(
        [f.assign(shop=n, big=float(i)) for i, (n, f) in enumerate(shops.items())]
    )
    long.loc[long.index[3], "big"] = 9.0
    with pytest.raises(ValueError, match="not constant within series 'shop0'"):
        make_windows(long, 14, 7, id_column="shop", static_covariates=["big"])


def test_forecast_fills_in_the_static_covariates():
    shops, statics = _shops()
    X, y = _shop_windows(shops, statics)
    fc = LSTMForecaster(horizon=7, hidden_size=4, max_epochs=2, random_state=0).fit(
        X, y
    )
    assert fc.future_covariates_ == (1, 2)
    histories = {name: frame.iloc[:100] for name, frame in shops.items()}
    ahead = {name: frame[["promo"]].iloc[100:107] for name, frame in shops.items()}
    got = fc.forecast(histories, future_covariates=ahead, static_covariates=statics)
    # The statics alone are not all the inputs known ahead this model reads.
    with pytest.raises(ValueError, match="static_covariates gives 1 of them"):
        fc.forecast(histories, static_covariates=statics)
    # The same as predicting the window that ends there.
    per_shop = 120 - 14 - 7 + 1
    for k, name in enumerate(shops):
        window = X[k * per_shop + 100 - 14]
        np.testing.assert_array_equal(got[name], fc.predict(window[None])[0])
    # Static covariates alone: forecast needs no future_covariates.
    X2, y2 = make_windows(shops, 14, 7, target="sales", static_covariates=statics)
    alone = LSTMForecaster(horizon=7, hidden_size=4, max_epochs=1).fit(X2, y2)
    assert alone.future_covariates_ == (2,)
    out = alone.forecast(histories, static_covariates=statics)
    np.testing.assert_array_equal(
        out["shop1"], alone.predict(X2[per_shop + 100 - 14][None])[0]
    )


def test_threads_predict_what_one_thread_predicts(data, fitted):
    # Served from many threads at once, a model with known inputs predicts
    # and forecasts exactly as it does alone.
    from concurrent.futures import ThreadPoolExecutor

    df, X, _ = data
    X_test = np.asarray(X[400:460])
    ahead = df[["temp", "promo"]]
    alone_predict = fitted.predict(X_test)
    alone_forecast = fitted.forecast(
        df.iloc[:430], steps=9, future_covariates=ahead[430:442]
    )

    def call(i):
        if i % 2:
            return fitted.predict(X_test)
        return fitted.forecast(df.iloc[:430], steps=9, future_covariates=ahead[430:442])

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(call, range(32)))
    for i, got in enumerate(results):
        want = alone_predict if i % 2 else alone_forecast
        np.testing.assert_array_equal(np.asarray(got), np.asarray(want))
