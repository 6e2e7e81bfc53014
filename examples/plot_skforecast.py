"""
LSTMRegressor inside skforecast, with backtesting
=================================================

`skforecast <https://skforecast.org>`_ turns any scikit-learn regressor into
a forecaster: it builds the lag features, feeds each prediction back as a lag
(``ForecasterRecursive``), differences and transforms the series, and
backtests on time-ordered folds. :class:`~sklstm.LSTMRegressor` is such a
regressor, so all of that works with an LSTM as it does with
:class:`~sklearn.linear_model.Ridge`.

The task: the airline passengers (:func:`~sklstm.datasets.load_airline`),
12 months ahead, backtested over the last three years (three folds of 12
months, trained once on the years before). The baselines are the same
forecaster with Ridge, and the seasonal naive forecast (the same month a
year earlier).
"""

# %%
# The series and the backtest
# ---------------------------
# skforecast wants a pandas series with a regular date index. The logarithm
# (``transformer_y``) and one difference (``differentiation=1``) turn the
# growing, multiplicative seasonality into a stationary series; both are
# undone on the forecasts. Both forecasters read 24 lags.
import os

import matplotlib.pyplot as plt
import numpy as np
from skforecast.model_selection import TimeSeriesFold, backtesting_forecaster
from skforecast.recursive import ForecasterRecursive
from sklearn.linear_model import Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from sklstm import LSTMRegressor
from sklstm.datasets import load_airline

# Tests set SKLSTM_EXAMPLES_FAST=1 to train for a few epochs only.
FAST = bool(os.environ.get("SKLSTM_EXAMPLES_FAST"))
SEEDS = [0] if FAST else [0, 1, 2]

y = load_airline().astype(float)
y.index = y.index.to_timestamp()
y = y.asfreq("MS")
n_test = 36
cv = TimeSeriesFold(
    steps=12, initial_train_size=len(y) - n_test, refit=False, differentiation=1
)


def backtest(estimator):
    """Mean absolute error over the three folds, and the forecasts."""
    forecaster = ForecasterRecursive(
        estimator=estimator,
        lags=24,
        differentiation=1,
        transformer_y=FunctionTransformer(np.log, inverse_func=np.exp),
    )
    metric, predictions = backtesting_forecaster(
        forecaster=forecaster,
        y=y,
        cv=cv,
        metric="mean_absolute_error",
        show_progress=False,
    )
    return float(metric["mean_absolute_error"].iloc[0]), predictions["pred"]


# %%
# Three seeds of the LSTM, Ridge, seasonal naive
# ----------------------------------------------
# ``LSTMRegressor`` at its defaults (``max_epochs="auto"`` trains these 95
# windows for 100 epochs). skforecast orders its lag columns ``lag_1,
# lag_2, ...``, newest first, so the LSTM reads each window from the newest
# month back; a :class:`~sklearn.preprocessing.FunctionTransformer` with
# :func:`numpy.fliplr` in front of it gives it the windows oldest first, the
# order of :func:`~sklstm.make_windows`. Both are run.
epochs = {"max_epochs": 3} if FAST else {}
results = {"Ridge": backtest(Ridge(alpha=1.0))}
for label, flip in [("LSTM", False), ("LSTM, lags oldest first", True)]:
    for seed in SEEDS:
        lstm = LSTMRegressor(random_state=seed, **epochs)
        if flip:
            lstm = make_pipeline(FunctionTransformer(np.fliplr), lstm)
        results[f"{label}, seed {seed}"] = backtest(lstm)
truth = y.iloc[-n_test:]
naive = y.shift(12).iloc[-n_test:]
results["seasonal naive"] = (float(np.mean(np.abs(naive - truth))), naive)
for name, (mae, _) in results.items():
    print(f"{name:>30}: MAE {mae:6.2f} thousand passengers")

# %%
# When this example was written (2026-12-06, one torch thread), the LSTM's
# three seeds scored 21.6, 23.8 and 19.8 and Ridge 24.0: close, and one
# series with three folds cannot tell them apart. Reading the lags oldest
# first was no better (31.2, 23.7 and 21.0). All of them beat the seasonal
# naive forecast (35.9), which misses the growth from one year to the next.
# The numbers printed above are those of the run that built this page.
fig, ax = plt.subplots(figsize=(7, 4))
ax.plot(y.index[-72:], y.iloc[-72:], color="black", label="observed")
for name in ["Ridge", f"LSTM, seed {SEEDS[0]}", "seasonal naive"]:
    mae, pred = results[name]
    ax.plot(pred.index, pred, label=f"{name} (MAE {mae:.1f})")
for start in range(len(y) - n_test, len(y), 12):
    ax.axvline(y.index[start], color="grey", lw=0.5, ls=":")
ax.set_ylabel("passengers (thousands)")
ax.set_title("Backtest: three 12-month folds")
ax.legend()
fig.tight_layout()
plt.show()
