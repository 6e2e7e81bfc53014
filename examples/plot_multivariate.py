"""
Multivariate inputs: rain and river flow
========================================

Windows can hold several channels per time step. Here a synthetic river's
flow responds to rain two days later, through a saturating (non-linear)
runoff; we forecast the flow three days ahead. A model that reads only past
flows cannot see the rain that has already fallen but not yet arrived; one
that also reads the rain channel can.

Three models on the same windows: an :class:`~sklstm.LSTMForecaster` reading
flow only, one reading flow and rain, and a
:class:`~sklearn.linear_model.Ridge` regression on the flattened flow and rain
windows.
"""

# %%
# A rain-driven river
# -------------------
# Rain falls on about one day in six. The runoff ``tanh(rain)`` saturates for
# heavy rain, reaches the river two days later, and drains away by 15% a day.
import os

import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import Ridge

from sklstm import LSTMForecaster, make_windows

# Tests set SKLSTM_EXAMPLES_FAST=1 to train for a few epochs only.
FAST = bool(os.environ.get("SKLSTM_EXAMPLES_FAST"))

rng = np.random.default_rng(0)
n_days, delay = 1500, 2
rain = rng.exponential(2.0, n_days) * (rng.random(n_days) < 0.17)
flow = np.zeros(n_days)
for t in range(1, n_days):
    runoff = 2.0 * np.tanh(rain[t - delay]) if t >= delay else 0.0
    flow[t] = 0.85 * flow[t - 1] + runoff + 0.05 * rng.normal()

# %%
# Windows with two channels
# -------------------------
# With a 2-D series, :func:`~sklstm.make_windows` returns 3-D windows of shape
# ``(n_windows, look_back, n_channels)``; ``target=0`` forecasts column 0, the
# flow. The same windows flattened time-major (all channels of a step, then
# the next step) are what Ridge reads, and what an LSTM reads from 2-D input
# with ``n_features=2``.
look_back, horizon = 20, 3
series = np.column_stack([flow, rain])
X, y = make_windows(series, look_back=look_back, horizon=horizon, target=0)
print("windows:", X.shape, "targets:", y.shape)
split = int(0.8 * len(X))
X_train, X_test, y_train, y_test = X[:split], X[split:], y[:split], y[split:]

params = dict(
    horizon=horizon, hidden_size=32, lr=5e-3, batch_size=64,
    max_epochs=3 if FAST else 40, random_state=0,
)  # fmt: skip
flow_only = LSTMForecaster(**params).fit(X_train[:, :, :1], y_train)
with_rain = LSTMForecaster(**params).fit(X_train, y_train)
ridge = Ridge(alpha=1.0).fit(X_train.reshape(split, -1), y_train)

forecasts = {
    "LSTM, flow only": flow_only.predict(X_test[:, :, :1]),
    "LSTM, flow and rain": with_rain.predict(X_test),
    "Ridge, flow and rain": ridge.predict(X_test.reshape(len(X_test), -1)),
}
rmse = {k: np.sqrt(((p - y_test) ** 2).mean(axis=0)) for k, p in forecasts.items()}
for name, err in rmse.items():
    print(f"{name:<22} RMSE by lead day: " + "  ".join(f"{e:.3f}" for e in err))

# %%
# What the rain channel buys
# --------------------------
# One and two days ahead, the rain that drives the flow is already in the
# window: the models that read it forecast the rises that the flow-only model
# only sees once they happen. Three days ahead the driving rain has not
# fallen yet and every model is back to guessing. Ridge reads the same
# information but adds the runoff linearly, so it overshoots after heavy rain,
# where the true runoff saturates.
fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(11, 4), width_ratios=[2, 1])
days = slice(100, 200)
t = np.arange(len(y_test))[days]
ax0.bar(t, X_test[days, -1, 1], color="0.75", label="rain (last day of window)")
ax0.plot(t + 1, y_test[days, 0], color="k", lw=2, label="flow, next day")
for name, pred in forecasts.items():
    ax0.plot(t + 1, pred[days, 0], "--", label=name)
ax0.set_xlabel("test day")
ax0.set_title("One-day-ahead forecasts")
ax0.legend(fontsize="small", loc="upper right")
width = 0.27
for i, (name, err) in enumerate(rmse.items()):
    ax1.bar(np.arange(horizon) + 1 + (i - 1) * width, err, width, label=name)
ax1.set_title("Error by lead time")
ax1.set_xlabel("lead time (days)")
ax1.set_ylabel("RMSE on the test days")
ax1.set_xticks(np.arange(horizon) + 1)
fig.tight_layout()
plt.show()
