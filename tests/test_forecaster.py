import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import DataConversionWarning
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
from skorch.callbacks import Callback

import sklstm._target
from sklstm import LSTMForecaster, make_windows
from sklstm._data import _BatchIterator, _WindowDataset
from sklstm._target import _choose_target_transform, _latest_of_each_series

FAST = dict(hidden_size=16, lr=1e-2, max_epochs=20, random_state=0)


def _seasonal(n=400, period=20, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return np.sin(2 * np.pi * t / period) + 0.002 * t + 0.05 * rng.normal(size=n)


def _mae(a, b):
    return float(np.mean(np.abs(np.asarray(a) - np.asarray(b))))


@pytest.mark.parametrize("strategy", ["direct", "recursive"])
def test_predict_shapes(strategy):
    X, y = make_windows(_seasonal(200), look_back=10, horizon=4)
    fc = LSTMForecaster(horizon=4, strategy=strategy, **{**FAST, "max_epochs": 2})
    fc.fit(X, y)
    assert fc.predict(X).shape == (len(X), 4)
    assert fc.net_.module_.head.out_features == (4 if strategy == "direct" else 1)
    X1, y1 = make_windows(_seasonal(200), look_back=10, horizon=1)
    one = LSTMForecaster(strategy=strategy, **{**FAST, "max_epochs": 2}).fit(X1, y1)
    assert one.predict(X1).shape == (len(X1),)


def test_both_strategies_beat_naive_on_seasonal_series():
    series = _seasonal(500)
    horizon, look_back = 10, 30
    X, y = make_windows(series, look_back=look_back, horizon=horizon)
    split = len(X) - 60
    naive = np.repeat(X[split:, -1:], horizon, axis=1)
    naive_mae = _mae(naive, y[split:])
    maes, forecasts = {}, {}
    for strategy in ["direct", "recursive"]:
        fc = LSTMForecaster(
            horizon=horizon, strategy=strategy, **{**FAST, "max_epochs": 40}
        )
        fc.fit(X[:split], y[:split])
        forecasts[strategy] = fc.predict(X[split:])
        maes[strategy] = _mae(forecasts[strategy], y[split:])
    assert maes["direct"] < 0.4 * naive_mae, (maes, naive_mae)
    assert maes["recursive"] < 0.4 * naive_mae, (maes, naive_mae)
    # On a smooth known signal the two strategies agree closely: their
    # forecasts are nearer each other than either is to the noisy truth
    # (which the two errors above do not imply), at every step ahead.
    gap = _mae(forecasts["direct"], forecasts["recursive"])
    assert gap < 0.5 * min(maes.values()), (gap, maes)
    step_gaps = np.abs(forecasts["direct"] - forecasts["recursive"]).mean(axis=0)
    assert step_gaps.max() < 0.5 * min(maes.values()), (step_gaps, maes)


def test_recursive_feeds_predictions_back():
    X, y = make_windows(_seasonal(200), look_back=8, horizon=3)
    fc = LSTMForecaster(horizon=3, strategy="recursive", **{**FAST, "max_epochs": 3})
    fc.fit(X, y)
    pred = fc.predict(X[:5])
    one_step = LSTMForecaster(strategy="recursive", **{**FAST, "max_epochs": 3})
    one_step.fit(X, y[:, 0])  # the same one-step network (same seed, same data)
    w = X[:5].copy()
    manual = []
    for _ in range(3):
        p = one_step.predict(w)
        manual.append(p)
        w = np.column_stack([w[:, 1:], p])
    np.testing.assert_allclose(pred, np.column_stack(manual), rtol=1e-6)


def test_look_back_reads_only_the_last_steps():
    X, y = make_windows(_seasonal(200), look_back=20, horizon=2)
    fc = LSTMForecaster(horizon=2, look_back=5, **{**FAST, "max_epochs": 2}).fit(X, y)
    assert fc.look_back_ == 5 and fc.input_shape_ == (20, 1)
    X_noisy = X.copy()
    X_noisy[:, :15] = np.random.default_rng(1).normal(size=(len(X), 15))
    np.testing.assert_array_equal(fc.predict(X), fc.predict(X_noisy))
    with pytest.raises(ValueError, match="look_back=30 is longer"):
        LSTMForecaster(horizon=2, look_back=30).fit(X, y)


def test_grid_search_over_look_back_and_strategy():
    X, y = make_windows(_seasonal(240), look_back=16, horizon=3)
    search = GridSearchCV(
        LSTMForecaster(horizon=3, **{**FAST, "max_epochs": 3}),
        {"look_back": [4, 16], "strategy": ["direct", "recursive"]},
        cv=TimeSeriesSplit(n_splits=2),
        scoring="neg_mean_absolute_error",
    )
    search.fit(X, y)
    scores = search.cv_results_["mean_test_score"]
    assert np.isfinite(scores).all()
    # Each candidate trained a different model: no two score the same.
    assert len(np.unique(scores)) == 4, scores
    best, chosen = search.best_estimator_, search.best_params_
    # The refitted model reads the chosen look_back and has the chosen
    # strategy's head (horizon outputs, or one for the recursive network).
    assert best.look_back_ == chosen["look_back"]
    assert best.net_.module_.head.out_features == (
        3 if chosen["strategy"] == "direct" else 1
    )
    # ... and is the model those parameters give on all the data.
    again = clone(search.estimator).set_params(**chosen).fit(X, y)
    np.testing.assert_allclose(best.predict(X), again.predict(X), rtol=1e-6)


@pytest.mark.parametrize("strategy", ["direct", "recursive"])
def test_forecast_numpy_matches_predict_and_rolls_past_horizon(strategy):
    series = _seasonal(150)
    X, y = make_windows(series, look_back=12, horizon=4)
    fc = LSTMForecaster(horizon=4, strategy=strategy, **{**FAST, "max_epochs": 3})
    fc.fit(X, y)
    out = fc.forecast(series)
    assert isinstance(out, np.ndarray) and out.shape == (4,)
    np.testing.assert_allclose(out, fc.predict(series[None, -12:])[0])
    long = fc.forecast(series, steps=10)
    assert long.shape == (10,)
    np.testing.assert_allclose(long[:4], out)
    # The second block is the forecast from the series extended by the first.
    extended = np.concatenate([series, long[:4]])
    np.testing.assert_allclose(long[4:8], fc.forecast(extended)[:4], rtol=1e-6)
    assert fc.forecast(list(series), steps=1).shape == (1,)


def test_forecast_continues_monthly_period_index():
    idx = pd.period_range("2000-01", periods=120, freq="M")
    history = pd.Series(_seasonal(120, period=12), index=idx, name="sales")
    X, y = make_windows(history, look_back=12, horizon=6)
    fc = LSTMForecaster(horizon=6, **{**FAST, "max_epochs": 2}).fit(X, y)
    out = fc.forecast(history, steps=8)
    assert isinstance(out, pd.Series) and out.name == "sales"
    assert isinstance(out.index, pd.PeriodIndex)
    assert list(out.index.astype(str)) == [
        "2010-01", "2010-02", "2010-03", "2010-04",
        "2010-05", "2010-06", "2010-07", "2010-08",
    ]  # fmt: skip


def test_forecast_continues_hourly_datetime_index():
    idx = pd.date_range("2024-03-01", periods=100, freq="h")
    frame = pd.DataFrame({"load": _seasonal(100, period=24)}, index=idx)
    X, y = make_windows(frame, look_back=24, horizon=3)
    fc = LSTMForecaster(horizon=3, **{**FAST, "max_epochs": 2}).fit(X, y)
    out = fc.forecast(frame)
    assert out.name == "load"
    expected = pd.date_range(idx[-1] + pd.Timedelta(hours=1), periods=3, freq="h")
    pd.testing.assert_index_equal(out.index, expected)
    # An irregular index cannot be continued: plain array out.
    irregular = frame.iloc[[0, 1, 3, 7, *range(10, 100)]]
    assert isinstance(fc.forecast(irregular), np.ndarray)


def test_covariate_channels():
    t = np.arange(300)
    series = _seasonal(300, period=12)
    calendar = np.sin(2 * np.pi * (t % 12) / 12)  # a known-in-advance feature
    data = np.column_stack([series, calendar])
    X, y = make_windows(data, look_back=12, horizon=3, target=0)
    assert X.shape[1:] == (12, 2) and y.shape[1:] == (3,)
    fc = LSTMForecaster(horizon=3, **{**FAST, "max_epochs": 3}).fit(X, y)
    assert fc.forecast(data).shape == (3,)
    with pytest.raises(ValueError, match="covariates"):
        fc.forecast(data, steps=6)
    with pytest.raises(ValueError, match="strategy='direct'"):
        LSTMForecaster(horizon=3, strategy="recursive").fit(X, y)
    # With horizon=1 the recursive strategy needs no future covariates.
    X1, y1 = make_windows(data, look_back=12, horizon=1, target=0)
    rec = LSTMForecaster(strategy="recursive", **{**FAST, "max_epochs": 2})
    assert rec.fit(X1, y1).predict(X1).shape == (len(X1),)


def test_target_errors():
    X, y = make_windows(_seasonal(100), look_back=5, horizon=3)
    with pytest.raises(ValueError, match="make_windows"):
        LSTMForecaster(horizon=4).fit(X, y)
    with pytest.raises(ValueError, match="requires y"):
        LSTMForecaster(horizon=3).fit(X, None)
    with pytest.raises(ValueError, match="target_index=2"):
        LSTMForecaster(horizon=3, target_index=2).fit(X, y)
    with pytest.warns(DataConversionWarning):
        LSTMForecaster(**{**FAST, "max_epochs": 1}).fit(X, y[:, :1])


def test_forecast_errors():
    series = _seasonal(100)
    X, y = make_windows(series, look_back=10, horizon=2)
    fc = LSTMForecaster(horizon=2, **{**FAST, "max_epochs": 1}).fit(X, y)
    with pytest.raises(ValueError, match="longer history"):
        fc.forecast(series[:5])
    with pytest.raises(ValueError, match="steps"):
        fc.forecast(series, steps=0)
    with pytest.raises(ValueError, match="history must have shape"):
        fc.forecast(np.column_stack([series, series]))


@pytest.mark.parametrize("strategy", ["direct", "recursive"])
def test_window_normalisation_extrapolates_a_trend(strategy):
    # Training levels 10..110; the forecast must go beyond them.
    series = 10 + 0.5 * np.arange(220)
    X, y = make_windows(series[:200], look_back=10, horizon=5)
    errors = {}
    for normalize in ["window", None]:
        fc = LSTMForecaster(
            horizon=5,
            strategy=strategy,
            normalize=normalize,
            **{**FAST, "max_epochs": 30},
        ).fit(X, y)
        errors[normalize] = _mae(fc.forecast(series[:200], steps=20), series[200:])
    assert errors["window"] < 0.5, errors  # half a step of the trend
    assert errors[None] > 4 * errors["window"], errors


@pytest.mark.parametrize("strategy", ["direct", "recursive"])
def test_seasonal_difference_repeats_a_pure_seasonal_pattern(strategy):
    pattern = np.array([3.0, 5, 9, 4, 1, 0, 2, 7, 8, 6, 5, 4])
    series = np.tile(pattern, 15)
    X, y = make_windows(series[:156], look_back=24, horizon=6)
    fc = LSTMForecaster(
        horizon=6, strategy=strategy, difference=12, **{**FAST, "max_epochs": 10}
    ).fit(X, y)
    np.testing.assert_allclose(
        fc.forecast(series[:156], steps=24), series[156:], atol=0.2
    )
    with pytest.raises(ValueError, match="difference=24 needs windows longer"):
        LSTMForecaster(horizon=6, difference=24).fit(X, y)


def test_works_inside_transformed_target_regressor():
    from sklearn.compose import TransformedTargetRegressor

    series = np.exp(_seasonal(200) * 0.3 + 0.01 * np.arange(200))
    X, y = make_windows(series, look_back=12, horizon=3)
    model = TransformedTargetRegressor(
        regressor=LSTMForecaster(horizon=3, **{**FAST, "max_epochs": 5}),
        func=np.log,
        inverse_func=np.exp,
    ).fit(X, y)
    pred = model.predict(X[-5:])
    assert pred.shape == (5, 3)
    assert np.all(np.isfinite(pred)) and np.all(pred > 0)
    assert model.regressor_.y_mean_.shape == (3,)


@pytest.mark.parametrize(
    "loss, criterion",
    [
        ("squared_error", "MSELoss"),
        ("absolute_error", "L1Loss"),
        ("huber", "HuberLoss"),
    ],
)
def test_loss_picks_the_training_criterion(loss, criterion):
    X, y = make_windows(np.sin(np.arange(120) / 3.0), look_back=8, horizon=2)
    fc = LSTMForecaster(
        horizon=2, loss=loss, error_scale="spread", max_epochs=2, random_state=0
    ).fit(X, y)
    assert type(fc.net_.criterion_).__name__ == criterion
    # The default measures the same loss against each window's level.
    fc.set_params(error_scale="level").fit(X, y)
    assert type(fc.net_.criterion_).__name__ == "_RowWeightedLoss"
    assert type(fc.net_.criterion_.loss).__name__ == criterion


def test_absolute_error_forecasts_the_median_not_the_mean():
    # Identical windows whose next value is 0, except one in ten that jumps to
    # 10: the squared error is minimised by the mean (1), the absolute error
    # by the median (0).
    X = np.tile(np.linspace(-1.0, 1.0, 6), (400, 1))
    y = np.zeros(400)
    y[::10] = 10.0
    params = dict(normalize=None, max_epochs=60, batch_size=400, lr=0.05)
    mean = LSTMForecaster(loss="squared_error", random_state=0, **params).fit(X, y)
    median = LSTMForecaster(loss="absolute_error", random_state=0, **params).fit(X, y)
    assert abs(mean.predict(X[:1])[0] - 1.0) < 0.3
    assert abs(median.predict(X[:1])[0]) < 0.3


def _two_levels():
    """Windows of one shape at two levels whose next values disagree.

    After window normalisation the network sees the same window 100 times at
    level 1000 followed by +1 (in units of the window's spread) and 50 times
    at level 10 followed by -1: it can only predict one value for both.
    """
    shape = np.linspace(-1.0, 1.0, 6)
    spread = shape.std()
    X = np.vstack([np.tile(1000 + shape, (100, 1)), np.tile(10 + shape, (50, 1))])
    y = np.concatenate([np.full(100, 1000 + spread), np.full(50, 10 - spread)])
    return X, y, spread


@pytest.mark.parametrize("error_scale, sign", [("spread", 1), ("level", -1)])
def test_error_scale_level_counts_relative_errors(error_scale, sign):
    # The absolute error is minimised by the (weighted) median. Measured in
    # spreads, the 100 windows at level 1000 are the majority; relative to
    # the level, an error at level 10 weighs 100 times more and the 50 windows
    # there win.
    X, y, spread = _two_levels()
    # The network's own minimiser: the two levels are not a time series, so
    # no hold-out of the latest windows (linear_fallback) is meant for them.
    fc = LSTMForecaster(
        error_scale=error_scale, max_epochs=60, batch_size=150, lr=0.05,
        linear_fallback=False, random_state=0,
    ).fit(X, y)  # fmt: skip
    z = (fc.predict(X[:1])[0] - 1000) / spread
    assert abs(z - sign) < 0.3, z
    expected = "_RowWeightedLoss" if error_scale == "level" else "L1Loss"
    assert type(fc.net_.criterion_).__name__ == expected


@pytest.mark.parametrize(
    "params",
    [
        dict(loss="huber"),
        dict(quantiles=(0.1, 0.9)),
        dict(strategy="recursive", difference=1),
        dict(early_stopping=True, normalize=None),
    ],
)
def test_error_scale_level_with_other_options(params):
    series = 50 + 10 * np.sin(np.arange(200) / 4.0) + 0.1 * np.arange(200)
    X, y = make_windows(series, look_back=12, horizon=3)
    fc = LSTMForecaster(
        horizon=3, error_scale="level", max_epochs=3, random_state=0, **params
    ).fit(np.array(X), y)
    assert np.isfinite(fc.net_.history[:, "train_loss"]).all()
    assert fc.predict(X[-4:]).shape == (4, 3)
    fc.partial_fit(np.array(X), y)
    assert len(fc.net_.history) == 4


class _LrLog(Callback):
    def initialize(self):
        self.lrs_ = []
        return self

    def on_epoch_begin(self, net, **kwargs):
        self.lrs_.append(net.optimizer_.param_groups[0]["lr"])


@pytest.mark.parametrize("schedule", ["constant", "cosine"])
def test_lr_schedule_sets_the_learning_rate_of_each_epoch(schedule):
    X, y = make_windows(np.sin(np.arange(120) / 3.0), look_back=8, horizon=2)
    fc = LSTMForecaster(
        horizon=2,
        lr=0.01,
        lr_schedule=schedule,
        max_epochs=4,
        callbacks=[("log", _LrLog())],
        random_state=0,
    ).fit(X, y)
    log = dict(fc.net_.callbacks_)["log"]
    # The log runs after the schedule, so it sees each epoch's rate.
    if schedule == "constant":
        expected = [0.01] * 4
    else:
        expected = [0.01 * (1 + np.cos(np.pi * k / 4)) / 2 for k in range(4)]
    np.testing.assert_allclose(log.lrs_, expected)
    # partial_fit trains its one epoch at lr.
    fc.partial_fit(X, y)
    np.testing.assert_allclose(log.lrs_[-1], 0.01)


@pytest.mark.parametrize("transform, func", [("log", np.log), ("log1p", np.log1p)])
@pytest.mark.parametrize("strategy", ["direct", "recursive"])
def test_target_transform_is_the_model_of_the_transformed_series(
    transform, func, strategy
):
    # The same network, trained on the same numbers: forecasts in log units,
    # mapped back by the inverse, also when rolled past the horizon. (With
    # error_scale="level" the two weigh the errors differently; see
    # test_error_scale_level_weights.)
    series = np.exp(_seasonal(150)) * 20
    X, y = make_windows(series, look_back=12, horizon=3)
    params = dict(
        FAST, horizon=3, strategy=strategy, error_scale="spread", max_epochs=3
    )
    in_units = LSTMForecaster(target_transform=transform, **params).fit(X, y)
    on_logs = LSTMForecaster(**params).fit(func(X), func(y))
    inverse = {"log": np.exp, "log1p": np.expm1}[transform]
    np.testing.assert_allclose(
        in_units.predict(X[-5:]), inverse(on_logs.predict(func(X[-5:]))), rtol=1e-6
    )
    history = pd.Series(series, index=pd.period_range("2000-01", periods=150, freq="M"))
    rolled = in_units.forecast(history, steps=7)
    assert rolled.index[0] == pd.Period("2012-07", freq="M")
    np.testing.assert_allclose(
        rolled.to_numpy(), inverse(on_logs.forecast(func(series), steps=7)), rtol=1e-6
    )


def test_target_transform_log_models_multiplicative_growth():
    # Exponential growth with multiplicative seasonality: in log units the
    # seasonal differences are constant, in the data's units they grow.
    t = np.arange(168)
    pattern = np.array([0.0, 0.1, 0.3, 0.2, -0.1, -0.3, -0.2, 0.0, 0.2, 0.4, 0.1, -0.2])
    series = np.exp(0.02 * t + pattern[t % 12]) * 100
    X, y = make_windows(series[:144], look_back=24, horizon=6)
    errors = {}
    for transform in ["log", None]:
        fc = LSTMForecaster(
            horizon=6,
            difference=12,
            normalize=None,
            target_transform=transform,
            **{**FAST, "max_epochs": 30},
        ).fit(X, y)
        errors[transform] = _mae(fc.forecast(series[:144], steps=24), series[144:])
    level = np.mean(series[144:])
    assert errors["log"] < 0.01 * level, errors  # within 1% of the level
    assert errors[None] > 5 * errors["log"], errors


def test_target_transform_rejects_values_outside_its_domain():
    series = _seasonal(80)  # crosses zero
    X, y = make_windows(series + 5, look_back=10, horizon=2)
    with pytest.raises(ValueError, match=r"'log' needs target values above 0.*of X"):
        LSTMForecaster(horizon=2, target_transform="log").fit(X - 5, y)
    with pytest.raises(ValueError, match=r"above 0, but 1 row\(s\) of y"):
        LSTMForecaster(horizon=2, target_transform="log").fit(
            X, np.r_[y[:-1], [[1, 0]]]
        )
    fc = LSTMForecaster(horizon=2, target_transform="log1p", max_epochs=1).fit(X, y)
    with pytest.raises(ValueError, match=r"above -1, but the last look_back_ steps"):
        fc.forecast(np.r_[series + 5, -1.0])
    with pytest.raises(ValueError, match=r"'log1p'.*of X"):
        fc.predict(X - 10)
    # Zeros are fine for log1p, and missing values stay missing, not errors.
    padded = np.r_[np.nan, 0.0, series[2:] + 5]
    assert np.isfinite(fc.forecast(padded)).all()
    with pytest.raises(ValueError, match="target_transform"):
        LSTMForecaster(target_transform="sqrt").fit(X, y)


def test_target_transform_auto_chooses_on_the_training_data(capsys):
    t = np.arange(240)
    pattern = np.array([0.0, 0.1, 0.3, 0.2, -0.1, -0.3, -0.2, 0.0, 0.2, 0.4, 0.1, -0.2])
    rng = np.random.default_rng(0)
    noise = rng.normal(scale=0.02, size=t.size)
    # Multiplicative: seasonal swings grow with the level (additive in logs).
    growing = np.exp(0.015 * t + pattern[t % 12] + noise) * 10
    # Additive: swings of a fixed size on a rising level (multiplicative in
    # logs, where they shrink as the level grows).
    additive = 10 + 0.5 * t + 8 * pattern[t % 12] + 0.2 * noise
    choices = {}
    for name, series in [("growing", growing), ("additive", additive)]:
        X, y = make_windows(series, look_back=24, horizon=6)
        fc = LSTMForecaster(horizon=6, **{**FAST, "max_epochs": 2}).fit(X, y)
        choices[name] = fc.target_transform_
        # The model is the one the chosen value gives when it is set.
        fixed = LSTMForecaster(
            horizon=6,
            target_transform=fc.target_transform_,
            **{**FAST, "max_epochs": 2},
        ).fit(X, y)
        np.testing.assert_array_equal(fc.predict(X[-3:]), fixed.predict(X[-3:]))
    assert choices == {"growing": "log1p", "additive": None}
    # verbose=1 says what was chosen.
    X, y = make_windows(growing, look_back=24, horizon=6)
    LSTMForecaster(horizon=6, max_epochs=1, verbose=1).fit(X, y)
    assert "target_transform='auto' chose 'log1p'" in capsys.readouterr().out
    # Negative values, or too few windows to judge, keep the values as they are.
    X, y = make_windows(additive - 100, look_back=24, horizon=6)
    assert LSTMForecaster(horizon=6, max_epochs=1).fit(X, y).target_transform_ is None
    X, y = make_windows(growing[:70], look_back=24, horizon=6)
    assert len(X) < 50
    assert LSTMForecaster(horizon=6, max_epochs=1).fit(X, y).target_transform_ is None
    # A chosen log1p names itself when later windows fall outside its domain.
    X, y = make_windows(growing, look_back=24, horizon=6)
    fc = LSTMForecaster(horizon=6, max_epochs=1).fit(X, y)
    with pytest.raises(
        ValueError, match=r"'log1p' \(chosen by target_transform='auto'"
    ):
        fc.predict(X[:2] - 1000)
    # The choice is made at the first fit; continued training keeps it.
    fc.set_params(warm_start=True).fit(X[:60] * 0 + 5, y[:60] * 0 + 5)
    assert fc.target_transform_ == "log1p"


def test_target_transform_auto_holds_out_the_latest_windows_of_each_series(
    monkeypatch,
):
    t = np.arange(120)
    pattern = np.array([0.0, 0.1, 0.3, 0.2, -0.1, -0.3, -0.2, 0.0, 0.2, 0.4, 0.1, -0.2])
    additive = [10 + k + 0.5 * t + 8 * pattern[t % 12] for k in range(4)]
    growing = np.exp(0.02 * t + pattern[t % 12]) * 10
    X, y = make_windows(additive + [growing], look_back=24, horizon=6)
    per_series = len(X) // 5
    held_out = _latest_of_each_series(X, 0.2)
    latest = round(0.2 * per_series)
    expected = np.tile(np.arange(per_series) >= per_series - latest, 5)
    np.testing.assert_array_equal(held_out, expected)
    fc = LSTMForecaster(horizon=6, **{**FAST, "max_epochs": 1}).fit(X, y)
    assert fc.target_transform_ is None  # four additive series of five
    # The multiplicative series comes last and holds a fifth of the windows:
    # had the last fifth of all windows been held out, training on the
    # additive series to forecast it would have chosen log1p.
    monkeypatch.setattr(
        sklstm._target,
        "_latest_of_each_series",
        lambda target, fraction: (
            np.arange(len(target)) >= len(target) - round(fraction * len(target))
        ),
    )
    assert _choose_target_transform(X, y) == "log1p"
    # Windows that do not follow each other step by step are one series.
    shuffled = np.random.default_rng(0).permutation(len(X))
    held_out = _latest_of_each_series(X[shuffled], 0.2)
    overall = np.arange(len(X)) >= len(X) - round(0.2 * len(X))
    np.testing.assert_array_equal(held_out, overall)


def test_n_estimators_trains_each_network_on_its_own_loss():
    # A seed ensemble, not one wider network fitted through the mean: a
    # training batch stacks one chunk of windows per network, and the
    # gradient with respect to a network's weights is that of its own loss
    # on its own chunk.
    X, y = make_windows(_seasonal(120), look_back=10, horizon=3)
    # No linear fallback: a blend could leave the networks' heads at zero.
    params = dict(FAST, horizon=3, dropout=0.0, max_epochs=1, linear_fallback=False)
    fc = LSTMForecaster(n_estimators=3, **params).fit(X, y)
    net, module = fc.net_, fc.net_.module_
    assert len(module.members) == 3
    rng = torch.Generator().manual_seed(0)
    Xb = torch.randn(3 * 16, 10, 1, generator=rng)
    # The last column carries each window's error weight (error_scale).
    yb = torch.cat([torch.randn(48, 3, generator=rng), torch.rand(48, 1) + 0.5], 1)
    net.optimizer_.zero_grad()
    step = net.train_step_single((Xb, yb))
    together = [p.grad.clone() for p in module.members[1].parameters()]
    module.zero_grad()
    outputs = [m(x) for m, x in zip(module.members, Xb.chunk(3))]
    losses = [net.criterion_(out, t) for out, t in zip(outputs, yb.chunk(3))]
    losses[1].backward()
    for grad, param in zip(together, module.members[1].parameters()):
        torch.testing.assert_close(grad, param.grad)
    # The recorded loss is the members' mean.
    torch.testing.assert_close(step["loss"], torch.stack(losses).mean())
    torch.testing.assert_close(step["y_pred"], torch.cat(outputs))
    # predict and forward give the mean of members that differ.
    module.eval()
    with torch.no_grad():
        outputs = module.member_outputs(Xb)
        assert not torch.allclose(outputs[0], outputs[2])
        torch.testing.assert_close(module(Xb), torch.stack(outputs).mean(0))
    assert fc.predict(X[-4:]).shape == (4, 3)


def test_each_network_sees_every_window_once_per_epoch_in_its_own_order():
    windows = torch.arange(10.0)[:, None]
    dataset = _WindowDataset(windows, windows)
    with torch.random.fork_rng():
        torch.manual_seed(0)
        batches = [X for X, _ in _BatchIterator(dataset, 4, shuffle=True, n_members=3)]
    assert [len(X) for X in batches] == [12, 12, 6]
    orders = [torch.cat([X.chunk(3)[i] for X in batches]).ravel() for i in range(3)]
    for order in orders:
        assert sorted(order.tolist()) == list(range(10))
    assert not torch.equal(orders[0], orders[1])
    # One network: one order, batches of batch_size.
    assert [len(X) for X, _ in _BatchIterator(dataset, 4, shuffle=True)] == [4, 4, 2]


def test_one_estimator_keeps_the_single_network_layout():
    X, y = make_windows(_seasonal(120), look_back=10, horizon=3)
    fc = LSTMForecaster(horizon=3, **{**FAST, "max_epochs": 1}).fit(X, y)
    keys = fc.net_.module_.state_dict()
    assert not hasattr(fc.net_.module_, "members")
    assert {k.split(".")[0] for k in keys} == {"lstm", "head", "skip"}
    plain = LSTMForecaster(horizon=3, linear_skip=False, **{**FAST, "max_epochs": 1})
    keys = plain.fit(X, y).net_.module_.state_dict()
    assert {k.split(".")[0] for k in keys} == {"lstm", "head"}
    with pytest.raises(ValueError, match="n_estimators"):
        LSTMForecaster(n_estimators=0).fit(X, y)


def test_n_estimators_with_quantiles_and_intervals():
    X, y = make_windows(_seasonal(200), look_back=10, horizon=2)
    fc = LSTMForecaster(
        horizon=2,
        n_estimators=2,
        quantiles=(0.1, 0.9),
        calibration_fraction=0.2,
        **{**FAST, "max_epochs": 3},
    ).fit(X, y)
    quantiles = fc.predict_quantiles(X[-20:])
    assert (np.diff(quantiles, axis=-1) > 0).all()  # the mean keeps the order
    bounds = fc.predict_interval(X[-20:], coverage=0.8)
    assert bounds.shape == (20, 2, 2)
    assert (bounds[..., 0] < bounds[..., 1]).all()
