"""The estimators inside MAPIE, the scikit-learn-compatible conformal library.

MAPIE really runs here: its split-conformal regressor on a fitted forecaster
(and one it trains itself), its time-series regressor (EnbPI on block
bootstrap resamples, then ACI), which clones and refits our estimator, and
its split-conformal classifier on a fitted LSTMClassifier.
"""

import numpy as np
import pytest
from mapie.classification import SplitConformalClassifier
from mapie.regression import SplitConformalRegressor, TimeSeriesRegressor
from mapie.subsample import BlockBootstrap
from scipy.stats import binom

from sklstm import LSTMClassifier, LSTMForecaster, LSTMRegressor, make_windows

FAST = dict(hidden_size=8, lr=1e-2, max_epochs=10, random_state=0)


def assert_binomial_coverage(y, lower, upper, level):
    """The share of ``y`` inside ``[lower, upper]`` is within the central
    99.9% of Binomial(len(y), level) (divided by ``len(y)``)."""
    n = len(y)
    covered = int(((y.ravel() >= lower) & (y.ravel() <= upper)).sum())
    low, high = binom.interval(0.999, n, level)
    assert low <= covered <= high, (covered, n, low, high)


def _windows(n=360, look_back=12, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    series = np.sin(2 * np.pi * t / 12) + 0.3 * rng.normal(size=n)
    return make_windows(series, look_back=look_back)


def test_split_conformal_regressor_matches_predict_interval():
    X, y = _windows()
    train, cal, test = slice(0, 150), slice(150, 250), slice(250, None)
    # Absolute errors (not divided by each window's spread) are MAPIE's score.
    fc = LSTMForecaster(normalize=None, **FAST).fit(X[train], y[train])
    mapie = SplitConformalRegressor(fc, confidence_level=[0.8, 0.95], prefit=True)
    mapie.conformalize(X[cal], y[cal])
    y_pred, y_pis = mapie.predict_interval(X[test])
    assert y_pis.shape == (len(y[test]), 2, 2)
    np.testing.assert_allclose(y_pred, fc.predict(X[test]))
    # Our own split-conformal intervals on the same windows are MAPIE's.
    ours = fc.calibrate(X[cal], y[cal]).predict_interval(X[test], [0.8, 0.95])
    np.testing.assert_allclose(ours, y_pis, rtol=1e-6, atol=1e-9)
    covered = (y[test, None] >= y_pis[:, 0]) & (y[test, None] <= y_pis[:, 1])
    assert covered.mean(axis=0)[1] > 0.85


def test_split_conformal_regressor_trains_a_regressor_itself():
    X, y = _windows()
    mapie = SplitConformalRegressor(
        LSTMRegressor(**FAST), confidence_level=0.9, prefit=False
    )
    mapie.fit(X[:150], y[:150]).conformalize(X[150:250], y[150:250])
    y_pred, y_pis = mapie.predict_interval(X[250:])
    assert y_pred.shape == (len(X) - 250,) and y_pis.shape == (len(X) - 250, 2, 1)
    # MAPIE trained an LSTMRegressor of these parameters on the training
    # windows: the model it holds is one, and predicts as one fitted here.
    trained = mapie._mapie_regressor.estimator_.single_estimator_
    assert isinstance(trained, LSTMRegressor) and hasattr(trained, "net_")
    assert trained.get_params() == LSTMRegressor(**FAST).get_params()
    ours = LSTMRegressor(**FAST).fit(X[:150], y[:150])
    np.testing.assert_allclose(y_pred, ours.predict(X[250:]))
    # The interval is that prediction plus or minus the split-conformal
    # quantile of its absolute errors on the calibration windows.
    errors = np.sort(np.abs(y[150:250] - ours.predict(X[150:250])))
    half = errors[int(np.ceil(0.9 * (len(errors) + 1))) - 1]
    np.testing.assert_allclose(y_pis[:, 0, 0], y_pred - half, rtol=1e-6)
    np.testing.assert_allclose(y_pis[:, 1, 0], y_pred + half, rtol=1e-6)
    # Coverage on the test windows is within a binomial band around 90%.
    assert_binomial_coverage(y[250:], y_pis[:, 0, 0], y_pis[:, 1, 0], 0.9)


# MAPIE notes on update() that its confidence_level argument is unused.
@pytest.mark.filterwarnings("ignore:\\s+This function behavior has been changed")
def test_time_series_regressor_enbpi_and_aci_refit_the_forecaster():
    X, y = _windows()
    train, test = slice(0, 250), slice(250, None)
    cv = BlockBootstrap(n_resamplings=6, length=25, random_state=0)
    quick = LSTMForecaster(**{**FAST, "max_epochs": 5})
    enbpi = TimeSeriesRegressor(quick, method="enbpi", cv=cv, agg_function="mean")
    enbpi.fit(X[train], y[train])
    fitted = enbpi.estimator_.estimators_
    assert len(fitted) == 6 and all(isinstance(e, LSTMForecaster) for e in fitted)
    assert all(hasattr(e, "net_") for e in fitted)  # six bootstrap refits
    y_pred, y_pis = enbpi.predict(X[test], ensemble=True, confidence_level=0.9)
    assert y_pis.shape == (len(y[test]), 2, 1)
    lower, upper = y_pis[:, 0, 0], y_pis[:, 1, 0]
    assert (lower < upper).all()
    coverage = ((y[test] >= lower) & (y[test] <= upper)).mean()
    assert coverage > 0.7, coverage
    # Online update with the newly observed windows replaces old scores.
    before = enbpi.conformity_scores_.copy()
    enbpi.update(X[250:270], y[250:270], ensemble=True, confidence_level=0.9)
    assert not np.array_equal(before, enbpi.conformity_scores_)

    aci = TimeSeriesRegressor(quick, method="aci", cv=cv)
    aci.fit(X[train], y[train])
    fitted = aci.estimator_.estimators_
    assert len(fitted) == 6 and all(isinstance(e, LSTMForecaster) for e in fitted)

    def widths():
        _, pis = aci.predict(X[test], confidence_level=0.9, allow_infinite_bounds=True)
        assert pis.shape == (len(y[test]), 2, 1)
        return pis[:, 1, 0] - pis[:, 0, 0], pis

    start, pis = widths()
    assert np.isfinite(start).all() and (start > 0).all()
    assert_binomial_coverage(y[test], pis[:, 0, 0], pis[:, 1, 0], 0.9)
    # ACI adapts the level to the observed misses: values inside their
    # intervals (the point forecasts themselves) narrow the intervals ...
    new = X[250:260]
    point, _ = aci.predict(new, confidence_level=0.9, allow_infinite_bounds=True)
    aci.adapt_conformal_inference(new, point, gamma=0.05, confidence_level=0.9)
    narrower, _ = widths()
    assert (narrower < start).all(), (narrower, start)
    # ... and values far outside them widen them again, past the start (the
    # level goes from 0.9 - 10 * 0.005 to that plus 3 * 0.045).
    aci.adapt_conformal_inference(
        new[:3], point[:3] + 100, gamma=0.05, confidence_level=0.9
    )
    wider, _ = widths()
    assert np.isfinite(wider).all() and (wider > start).all(), (wider, start)


def _labelled_windows(n=420, look_back=12, seed=0):
    """Windows of a noisy series and the sign of the next step: three
    classes (down, flat, up), so that prediction sets have room to vary."""
    X, y = _windows(n=n, look_back=look_back, seed=seed)
    change = y.ravel() - X[:, -1]
    labels = np.digitize(change, np.quantile(change, [1 / 3, 2 / 3]))
    return X, np.array(["down", "flat", "up"])[labels]


@pytest.mark.parametrize("conformity_score", ["lac", "aps"])
def test_split_conformal_classifier_on_a_fitted_classifier(conformity_score):
    X, labels = _labelled_windows()
    train, cal, test = slice(0, 200), slice(200, 320), slice(320, None)
    clf = LSTMClassifier(**FAST).fit(X[train], labels[train])
    mapie = SplitConformalClassifier(
        clf,
        confidence_level=[0.8, 0.95],
        conformity_score=conformity_score,
        prefit=True,
    )
    mapie.conformalize(X[cal], labels[cal])
    y_pred, y_sets = mapie.predict_set(X[test])
    n_test = len(labels[test])
    assert y_sets.shape == (n_test, 3, 2)
    # String labels pass through MAPIE as the classifier predicts them.
    np.testing.assert_array_equal(y_pred, clf.predict(X[test]))
    # Larger sets at the higher level, and about the promised coverage.
    sizes = y_sets.sum(axis=1).mean(axis=0)
    assert sizes[0] <= sizes[1]
    truth = np.searchsorted(clf.classes_, labels[test])
    covered = y_sets[np.arange(n_test), truth]
    assert covered.mean(axis=0)[1] > 0.85, covered.mean(axis=0)
