"""LSTMRegressor as the regressor of skforecast's forecasters, run for real.

skforecast builds lag features itself and hands them to any scikit-learn
regressor: its recursive forecaster feeds each prediction back as a lag, its
direct forecaster fits one clone per step ahead, and its backtesting refits
the forecaster on time-ordered folds.
"""

import numpy as np
import pandas as pd
import pytest
from skforecast.direct import ForecasterDirect
from skforecast.model_selection import TimeSeriesFold, backtesting_forecaster
from skforecast.recursive import ForecasterRecursive
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from sklstm import LSTMRegressor

# Ten years of months.
INDEX = pd.date_range("2010-01-01", periods=120, freq="MS")
FAST = dict(hidden_size=8, max_epochs=5, random_state=0)


def test_recursive_forecaster_predicts_with_dates(monthly_series):
    y = monthly_series(INDEX)
    forecaster = ForecasterRecursive(estimator=LSTMRegressor(**FAST), lags=12)
    forecaster.fit(y=y.iloc[:-12])
    pred = forecaster.predict(steps=12)
    pd.testing.assert_index_equal(pred.index, y.index[-12:], check_names=False)
    assert np.isfinite(pred).all()
    fitted = forecaster.estimator
    assert isinstance(fitted, LSTMRegressor) and hasattr(fitted, "net_")
    # The first step is the regressor's prediction from the last 12 values,
    # newest first: skforecast orders its lag columns lag_1, lag_2, ...
    last = y.iloc[-24:-12].to_numpy()[::-1][None, :]
    np.testing.assert_allclose(pred.iloc[0], fitted.predict(last)[0], rtol=1e-5)


def test_direct_forecaster_fits_one_regressor_per_step(monthly_series):
    y = monthly_series(INDEX)
    forecaster = ForecasterDirect(
        estimator=LSTMRegressor(**FAST), steps=3, lags=12, n_jobs=1
    )
    forecaster.fit(y=y.iloc[:-3])
    pred = forecaster.predict(steps=3)
    assert len(pred) == 3 and np.isfinite(pred).all()
    models = forecaster.estimators_
    assert len(models) == 3
    assert all(
        isinstance(m, LSTMRegressor) and hasattr(m, "net_") for m in models.values()
    )
    # Three fits, three different networks.
    weights = [
        next(m.net_.module_.parameters()).detach().numpy() for m in models.values()
    ]
    assert not np.array_equal(weights[0], weights[1])


@pytest.mark.parametrize("refit", [False, True])
def test_backtesting_refits_on_time_ordered_folds(refit, monthly_series):
    y = monthly_series(INDEX)
    lstm = LSTMRegressor(**FAST)
    if refit:
        # A pipeline works as skforecast's estimator too: here it gives the
        # LSTM the lags oldest first (skforecast orders them newest first).
        lstm = make_pipeline(FunctionTransformer(np.fliplr), lstm)
    forecaster = ForecasterRecursive(estimator=lstm, lags=12)
    cv = TimeSeriesFold(steps=6, initial_train_size=96, refit=refit)
    metric, predictions = backtesting_forecaster(
        forecaster=forecaster,
        y=y,
        cv=cv,
        metric="mean_absolute_error",
        show_progress=False,
    )
    assert len(predictions) == 24
    assert predictions["fold"].nunique() == 4
    mae = float(metric["mean_absolute_error"].iloc[0])
    # Better than the mean of the training values: the network learned.
    baseline = np.mean(np.abs(y.iloc[96:] - y.iloc[:96].mean()))
    assert mae < baseline, (mae, baseline)
