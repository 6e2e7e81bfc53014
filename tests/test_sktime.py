"""LSTMRegressor inside sktime's reduction forecasters, run for real.

``make_reduction`` turns any scikit-learn regressor into a forecaster on
windows of ``window_length`` values (oldest first), recursively or with one
regressor per step ahead; ``evaluate`` refits it on expanding windows.
"""

import numpy as np
import pandas as pd
import pytest
from sktime.forecasting.compose import make_reduction
from sktime.forecasting.model_evaluation import evaluate
from sktime.split import ExpandingWindowSplitter

from sklstm import LSTMRegressor

# Ten years of months.
INDEX = pd.period_range("2010-01", periods=120, freq="M")
FAST = dict(hidden_size=8, max_epochs=5, random_state=0)
# Every sktime forecaster announces a change of its own defaults in 1.3.0.
pytestmark = pytest.mark.filterwarnings(
    "ignore:The default of config ``remember_data``:FutureWarning"
)


def _reduction(strategy, **params):
    forecaster = make_reduction(
        LSTMRegressor(**{**FAST, **params}), strategy=strategy, window_length=12
    )
    return forecaster


@pytest.mark.parametrize("strategy", ["recursive", "direct"])
def test_make_reduction_fits_and_predicts(strategy, monthly_series):
    y = monthly_series(INDEX)
    fh = np.arange(1, 7)
    forecaster = _reduction(strategy)
    forecaster.fit(y.iloc[:-6], fh=fh)
    pred = forecaster.predict(fh)
    pd.testing.assert_index_equal(pred.index, y.index[-6:])
    assert np.isfinite(pred).all()
    fitted = forecaster.estimators_ if strategy == "direct" else [forecaster.estimator_]
    assert len(fitted) == (6 if strategy == "direct" else 1)
    assert all(isinstance(m, LSTMRegressor) and hasattr(m, "net_") for m in fitted)
    # One step ahead is the regressor on the last 12 values, oldest first.
    last = y.iloc[-18:-6].to_numpy()[None, :]
    np.testing.assert_allclose(pred.iloc[0], fitted[0].predict(last)[0], rtol=1e-5)


def test_evaluate_refits_on_expanding_windows(monthly_series):
    y = monthly_series(INDEX)
    # Twelve steps fed back into the network: it needs more than 5 epochs.
    forecaster = _reduction("recursive", max_epochs=40)
    cv = ExpandingWindowSplitter(initial_window=96, step_length=12, fh=np.arange(1, 13))
    results = evaluate(forecaster=forecaster, y=y, cv=cv, return_data=True)
    assert len(results) == 2
    errors = results["test_MeanAbsolutePercentageError"]
    assert np.isfinite(errors).all()
    # Better than the mean of each fold's training values.
    for _, row in results.iterrows():
        baseline = np.mean(np.abs(row["y_test"] - row["y_train"].mean()))
        mae = np.mean(np.abs(row["y_test"] - row["y_pred"]))
        assert mae < baseline, (mae, baseline)
