"""
Forecasting sea temperature from past windows
=============================================

The bundled :func:`~sklstm.datasets.load_elnino` series holds 61 years of
monthly sea surface temperatures off the coast of Peru: a strong yearly cycle
and irregular, warm El Nino years. We forecast the next 12 months from the
past 24 with :class:`~sklstm.LSTMForecaster` (direct strategy: one network
outputs all 12 months), look at how the error grows with the lead time, and
see when the forecaster's default per-window normalisation should be turned
off.

Baselines, on exactly the same windows: a multi-output
:class:`~sklearn.linear_model.Ridge` regression, and the seasonal naive
forecast (each month as it was one year before).
"""

# %%
# Windows and a time-ordered split
# --------------------------------
# :func:`~sklstm.make_windows` pairs each window of 24 months with the 12
# months after it. The last ten years are held out: a window is used for
# training only when all of its targets lie before them, so no training
# target overlaps the test period.
import os

import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import Ridge

from sklstm import LSTMForecaster, make_windows
from sklstm.datasets import load_elnino

# Tests set SKLSTM_EXAMPLES_FAST=1 to train for a few epochs only.
FAST = bool(os.environ.get("SKLSTM_EXAMPLES_FAST"))

series = load_elnino()
values = series.to_numpy()
look_back, horizon, n_test = 24, 12, 120
X, y = make_windows(values, look_back=look_back, horizon=horizon)
first_target = np.arange(len(X)) + look_back  # index of y[:, 0] in the series
train = first_target + horizon <= len(values) - n_test
test = first_target >= len(values) - n_test
X_train, y_train, X_test, y_test = X[train], y[train], X[test], y[test]
print(f"{len(X_train)} training windows, {len(X_test)} test windows")

# %%
# Fit the forecasters and the baselines
# -------------------------------------
# Two forecasters: the default, which normalises every window by its own mean
# and standard deviation (``normalize="window"``), and one that reads the
# temperatures as they are (``normalize=None``; both standardise all windows
# with the training mean and standard deviation). Early stopping holds out the
# most recent 10% of the *training* windows and keeps the weights of the epoch
# with the lowest validation loss.
forecasts = {}
for normalize in ["window", None]:
    lstm = LSTMForecaster(
        horizon=horizon,
        normalize=normalize,
        hidden_size=32,
        max_epochs=3 if FAST else 100,
        early_stopping=True,
        n_iter_no_change=10,
        random_state=0,
    ).fit(X_train, y_train)
    name = f"LSTM, normalize={normalize!r}"
    print(f"{name}: trained {lstm.n_epochs_} epochs")
    forecasts[name] = lstm.predict(X_test)

ridge = Ridge(alpha=1.0).fit(X_train, y_train)
forecasts["Ridge"] = ridge.predict(X_test)
lead = np.arange(horizon)
# Seasonal naive: the same month a year earlier, from the window.
forecasts["seasonal naive"] = X_test[:, look_back - 12 + lead % 12]

mae = {name: np.abs(pred - y_test).mean(axis=0) for name, pred in forecasts.items()}
for name, err in mae.items():
    print(
        f"{name:<24} MAE {err.mean():.3f} deg C "
        f"(1 month ahead {err[0]:.3f}, 12 months ahead {err[-1]:.3f})"
    )

# %%
# Here the temperatures themselves matter: warm water tends to stay warm for
# months, and how warm a window is says a lot about the next year. Normalising
# every window to mean 0 and standard deviation 1 hides that level from the
# network (it is only added back to the forecast), and the forecaster that
# reads the levels is the more accurate one. Window normalisation pays off on
# series that trend beyond the range seen in training
# (:ref:`sphx_glr_auto_examples_plot_airline_strategies.py`); on a stationary
# series like this one, try ``normalize=None``.
#
# %%
# Error by lead time, and one forecast
# ------------------------------------
# The networks and Ridge are most accurate one month ahead, where the latest
# temperature says most, and lose accuracy as the lead time grows: a few
# months on, the El Nino events that nothing in a window announces dominate
# the error. The seasonal naive forecast always looks one year back, so its
# error hardly depends on the lead time. The right panel shows the forecasts
# made from one origin in the test period.
fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(11, 4))
for (name, err), style in zip(mae.items(), ["-o", "-^", "-s", "--"]):
    ax0.plot(lead + 1, err, style, label=name)
ax0.set_xlabel("lead time (months)")
ax0.set_ylabel("MAE on the last 10 years (deg C)")
ax0.legend()
origin = 40  # a test window
t_window = np.arange(look_back)
t_future = look_back + lead
ax1.plot(t_window, X_test[origin], color="0.4", label="window")
ax1.plot(t_future, y_test[origin], color="k", lw=2, label="what happened")
for name, pred in forecasts.items():
    ax1.plot(t_future, pred[origin], "--", label=name)
start = series.index[first_target[test][origin] - look_back]
ax1.set_xlabel(f"months after {start}")
ax1.set_ylabel("deg C")
ax1.legend(fontsize="small")
fig.tight_layout()
plt.show()
