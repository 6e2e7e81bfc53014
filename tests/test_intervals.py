"""Quantile heads, split-conformal calibration and prediction intervals."""

import pickle

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone

import sklstm
from sklstm import LSTMForecaster, LSTMNet, LSTMRegressor, make_windows
from sklstm._intervals import _conformal_quantile, _min_calibration
from sklstm._module import PinballLoss

FAST = dict(hidden_size=8, lr=1e-2, max_epochs=15, random_state=0)


def _iid_data(n, seed, hetero=False):
    """Sequences whose target is their mean plus independent noise.

    With ``hetero`` the noise scale is set by the sign of the last step, so
    a good interval is narrow for half of the samples and wide for the rest.
    """
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 5, 1))
    scale = np.where(X[:, -1, 0] > 0, 1.0, 0.1) if hetero else np.full(n, 0.3)
    y = X.mean(axis=(1, 2)) + scale * rng.normal(size=n)
    return X, y, scale


def _noisy_sine(n=400, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return np.sin(2 * np.pi * t / 20) + 0.2 * rng.normal(size=n)


# ------------------------------------------------------------- the network
def test_quantile_heads_never_cross_and_pinball_matches_its_formula():
    torch.manual_seed(0)
    net = LSTMNet(n_features=1, output_size=3, n_quantiles=4)
    with torch.no_grad():
        net.head.weight.mul_(50)  # large raw outputs: crossing would show
        out = net(torch.randn(64, 6, 1))
    assert out.shape == (64, 3, 4)
    assert (out.diff(dim=-1) > 0).all()
    seq = LSTMNet(1, 2, return_sequences=True, n_quantiles=3)(torch.randn(5, 7, 1))
    assert seq.shape == (5, 7, 2, 3)

    levels = [0.1, 0.5, 0.9]
    pred, target = torch.randn(10, 3, 3), torch.randn(10, 3)
    error = (target[..., None] - pred).numpy()
    q = np.array(levels)
    expected = np.maximum(q * error, (q - 1) * error).mean()
    assert PinballLoss(levels)(pred, target).item() == pytest.approx(expected)


def test_conformal_quantile_rank_and_minimum_windows():
    scores = np.arange(1.0, 11.0)[:, None]  # 10 windows
    # ceil(11 * 0.8) = 9th smallest
    assert _conformal_quantile(scores, 0.8)[0] == 9.0
    assert _min_calibration(0.9) == 9 and _min_calibration(0.95) == 19
    assert _min_calibration(0.8) == 4
    with pytest.raises(ValueError, match="needs at least 19"):
        _conformal_quantile(scores, 0.95)


# -------------------------------------------------------- quantile regression
def test_forecaster_quantiles_are_ordered_and_cover_the_training_data():
    X, y = make_windows(_noisy_sine(300), look_back=20, horizon=3)
    # Without dropout: heads trained on dropped-out fits are wider on the
    # training windows than their levels say, and this checks the levels.
    params = {**FAST, "max_epochs": 40, "batch_size": 64, "dropout": 0.0}
    fc = LSTMForecaster(horizon=3, quantiles=(0.1, 0.9), **params)
    fc.fit(X, y)
    q = fc.predict_quantiles(X)
    assert q.shape == (len(X), 3, 2)
    assert (q[..., 1] > q[..., 0]).all()
    # The heads learn their levels: about 10% of targets fall below the 0.1
    # head and 10% above the 0.9 one (noise sd 0.2, so a band of ~0.5).
    below, above = (y < q[..., 0]).mean(), (y > q[..., 1]).mean()
    assert 0.03 < below < 0.2 and 0.03 < above < 0.2, (below, above)
    # predict returns the median head, which lies inside the band.
    median = fc.predict(X)
    assert ((median > q[..., 0]) & (median < q[..., 1])).all()
    assert fc.quantile_levels_.tolist() == [0.1, 0.5, 0.9]


def test_forecaster_quantiles_with_a_log_transform_are_in_data_units():
    # Multiplicative noise: in log units the band is as wide at every level.
    series = 5 * np.exp(_noisy_sine(300))
    X, y = make_windows(series, look_back=20, horizon=3)
    params = {**FAST, "max_epochs": 40, "batch_size": 64, "dropout": 0.0}
    fc = LSTMForecaster(
        horizon=3, quantiles=(0.1, 0.9), target_transform="log", **params
    ).fit(X, y)
    q = fc.predict_quantiles(X)
    # Each level is mapped back on its own: the heads keep their levels.
    below, above = (y < q[..., 0]).mean(), (y > q[..., 1]).mean()
    assert 0.03 < below < 0.2 and 0.03 < above < 0.2, (below, above)
    median = fc.predict(X)
    assert ((q[..., 0] > 0) & (median > q[..., 0]) & (median < q[..., 1])).all()
    # Wider in data units where the level is higher (multiplicative noise).
    width, level = (q[..., 1] - q[..., 0]).mean(axis=1), median.mean(axis=1)
    assert np.corrcoef(width, level)[0, 1] > 0.5


def test_regressor_quantile_shapes_follow_y():
    X, y, _ = _iid_data(40, 0)
    Y = np.column_stack([y, -y])
    reg = LSTMRegressor(quantiles=(0.25, 0.5, 0.75), **{**FAST, "max_epochs": 2})
    assert reg.fit(X, Y).predict_quantiles(X).shape == (40, 2, 3)
    assert reg.predict(X).shape == (40, 2)
    seq = LSTMRegressor(return_sequences=True, quantiles=(0.2, 0.8), **FAST)
    seq.set_params(max_epochs=2).fit(X[:, :, 0], X[:, :, 0] * 2)
    assert seq.predict_quantiles(X[:, :, 0]).shape == (40, 5, 2)
    assert seq.predict(X[:, :, 0]).shape == (40, 5)


# ---------------------------------------------------------- conformal intervals
@pytest.mark.parametrize("quantiles", [None, (0.1, 0.9)])
def test_split_conformal_coverage_on_exchangeable_data(quantiles):
    """On i.i.d. samples the calibrated intervals cover at the nominal rate."""
    X, y, scale = _iid_data(1600, 1, hetero=True)
    reg = LSTMRegressor(quantiles=quantiles, **{**FAST, "max_epochs": 25})
    reg.fit(X[:300], y[:300]).calibrate(X[300:600], y[300:600])
    bounds = reg.predict_interval(X[600:], coverage=[0.8, 0.95])
    assert bounds.shape == (1000, 2, 2)
    lower, upper = bounds[:, 0], bounds[:, 1]
    covered = ((y[600:, None] >= lower) & (y[600:, None] <= upper)).mean(axis=0)
    # Binomial sd over 1000 samples is ~0.013 (80%) and ~0.007 (95%).
    assert abs(covered[0] - 0.8) < 0.05 and abs(covered[1] - 0.95) < 0.03, covered
    assert (lower[:, 1] <= lower[:, 0]).all() and (upper[:, 1] >= upper[:, 0]).all()
    width = upper[:, 0] - lower[:, 0]
    wide = scale[600:] == 1.0
    if quantiles is None:  # one width for all samples
        np.testing.assert_allclose(width, width[0])
    else:  # conformalised quantile regression adapts to the noise
        assert width[wide].mean() > 2 * width[~wide].mean()


def test_calibration_fraction_holds_out_the_most_recent_windows():
    X, y = make_windows(_noisy_sine(200), look_back=10, horizon=3)
    fc = LSTMForecaster(horizon=3, calibration_fraction=0.25, **FAST).fit(X, y)
    n_cal = round(len(X) * 0.25)
    np.testing.assert_array_equal(fc.calibration_targets_, y[-n_cal:])
    # The network trained on the windows before them, less a gap of
    # horizon - 1 windows whose targets overlap the calibration targets.
    plain = LSTMForecaster(horizon=3, **FAST).fit(
        X[: len(X) - n_cal - 2], y[: len(X) - n_cal - 2]
    )
    np.testing.assert_array_equal(fc.predict(X[-5:]), plain.predict(X[-5:]))
    np.testing.assert_array_equal(
        fc.calibration_predictions_, plain.predict(X[-n_cal:])
    )
    interval = fc.predict_interval(X[-5:], coverage=0.9)
    assert interval.shape == (5, 3, 2)
    # Absolute-error scores per horizon step: intervals symmetric around predict.
    mid = interval.mean(axis=2)
    np.testing.assert_allclose(mid, fc.predict(X[-5:]))
    # Refitting without calibration_fraction drops the stale calibration.
    fc.set_params(calibration_fraction=None).fit(X, y)
    assert not hasattr(fc, "calibration_targets_")
    with pytest.raises(ValueError, match="no calibration data.*calibration_fraction"):
        fc.predict_interval(X[-5:])


def test_calibrated_model_pickles_saves_and_clones(tmp_path):
    X, y = make_windows(_noisy_sine(150), look_back=10, horizon=2)
    fc = LSTMForecaster(horizon=2, quantiles=(0.1, 0.9), calibration_fraction=0.3)
    fc.set_params(**FAST).fit(X, y)
    expected = fc.predict_interval(X[-4:], 0.8)
    restored = pickle.loads(pickle.dumps(fc))
    np.testing.assert_array_equal(restored.predict_interval(X[-4:], 0.8), expected)
    sklstm.save(fc, tmp_path / "model.sklstm")
    loaded = sklstm.load(tmp_path / "model.sklstm")
    np.testing.assert_array_equal(loaded.predict_interval(X[-4:], 0.8), expected)
    np.testing.assert_array_equal(
        loaded.predict_quantiles(X[-4:]), fc.predict_quantiles(X[-4:])
    )
    assert clone(fc).get_params()["quantiles"] == (0.1, 0.9)


# ----------------------------------------------------------------- forecast
def test_forecast_with_coverage_returns_dated_frames_that_widen():
    index = pd.period_range("2000-01", periods=240, freq="M")
    series = pd.Series(_noisy_sine(240), index=index, name="sales")
    X, y = make_windows(series.to_numpy(), look_back=20, horizon=4)
    fc = LSTMForecaster(horizon=4, **FAST).fit(X[:-60], y[:-60])
    fc.calibrate(X[-57:], y[-57:])

    frame = fc.forecast(series, steps=12, coverage=0.9)
    assert list(frame.columns) == ["forecast", "lower", "upper"]
    assert frame.index[0] == pd.Period("2020-01", freq="M") and len(frame) == 12
    np.testing.assert_allclose(frame["forecast"], fc.forecast(series, steps=12))
    assert (frame["lower"] < frame["forecast"]).all()
    assert (frame["upper"] > frame["forecast"]).all()
    half = (frame["upper"] - frame["lower"]).to_numpy() / 2
    # Steps 1..4 use their calibrated quantiles; later steps widen the
    # fourth one's by sqrt(step / horizon).
    last = series.to_numpy()[None, -20:]
    bounds = fc.predict_interval(last, coverage=0.9)[0]
    np.testing.assert_allclose(half[:4], (bounds[:, 1] - bounds[:, 0]) / 2)
    np.testing.assert_allclose(half[4:], half[3] * np.sqrt(np.arange(5, 13) / 4))

    several = fc.forecast(series, steps=4, coverage=[0.8, 0.95])
    assert list(several.columns) == [
        "forecast",
        "lower_80",
        "upper_80",
        "lower_95",
        "upper_95",
    ]
    assert (several["lower_95"] <= several["lower_80"]).all()

    panel = fc.forecast({"a": series, "b": series * 2}, coverage=0.8)
    assert set(panel) == {"a", "b"} and list(panel["b"].columns)[0] == "forecast"
    plain = fc.forecast(np.asarray(series), coverage=0.8)
    assert plain.index.equals(pd.RangeIndex(4))
