"""
Prediction intervals: a fan chart of the airline forecast
=========================================================

A point forecast says nothing about how far off it may be. Here
:class:`~sklstm.LSTMForecaster` holds out its most recent training windows
(``calibration_fraction``), measures its errors on them per month ahead, and
turns them into 80% and 95% intervals with split conformal prediction
(:meth:`~sklstm.LSTMForecaster.predict_interval`,
``forecast(..., coverage=...)``). We forecast the last year of the airline
series (:func:`~sklstm.datasets.load_airline`) and compare the fan with the
intervals of the seasonal naive forecast (last year repeated, normal
intervals from its in-sample errors).
"""

# %%
# Data and model
# --------------
# The seasonal swings grow with the level, so we model the logarithm. The
# last 12 months are the test year; the forecaster trains on windows before
# them, keeping the last 30% of its windows (and the 11 before those, whose
# targets overlap them) out of training for calibration.
import os

import matplotlib.pyplot as plt
import numpy as np
from scipy.stats import norm

from sklstm import LSTMForecaster, make_windows
from sklstm.datasets import load_airline

# Tests set SKLSTM_EXAMPLES_FAST=1 to train for a few epochs only.
FAST = bool(os.environ.get("SKLSTM_EXAMPLES_FAST"))

passengers = load_airline()
log_y = np.log(passengers)
horizon, look_back = 12, 24
train, test = log_y[:-horizon], passengers[-horizon:]
X, y = make_windows(train.to_numpy(), look_back=look_back, horizon=horizon)
model = LSTMForecaster(
    horizon=horizon,
    calibration_fraction=0.3,
    max_epochs=3 if FAST else 200,
    random_state=0,
).fit(X, y)
print(f"{len(model.calibration_targets_)} calibration windows")

# %%
# Forecast with intervals
# -----------------------
# ``forecast`` with a list of coverages returns one DataFrame, indexed by the
# continued months, with the forecast and a lower and upper column per
# coverage (here on the log scale; ``exp`` maps every column back, since it
# is increasing).
frame = np.exp(model.forecast(train, coverage=[0.8, 0.95]))
print(frame.round(0).head())

# %%
# Seasonal naive baseline
# -----------------------
# Last year repeated, with normal intervals whose standard deviation is that
# of the in-sample year-on-year changes of the log series.
changes = train.to_numpy()[12:] - train.to_numpy()[:-12]
sigma = np.sqrt(np.mean(changes**2))
naive = train.to_numpy()[-12:]
naive_bounds = {
    c: np.exp(naive[:, None] + np.array([-1, 1]) * norm.ppf((1 + c) / 2) * sigma)
    for c in (0.8, 0.95)
}


# %%
# How did the intervals do on the test year?
# ------------------------------------------
# Coverage on 12 months is a noisy measure (each month is 8 points of it);
# the width says what the coverage costs.
def report(name, bounds):
    for c, (lower, upper) in bounds.items():
        inside = np.mean((test.to_numpy() >= lower) & (test.to_numpy() <= upper))
        width = np.mean(upper - lower)
        print(
            f"{name:<15} {c:.0%}: {inside:.0%} of the months inside, "
            f"mean width {width:.0f} thousand"
        )


lstm_bounds = {
    c: (frame[f"lower_{100 * c:g}"].to_numpy(), frame[f"upper_{100 * c:g}"].to_numpy())
    for c in (0.8, 0.95)
}
report("sklstm", lstm_bounds)
report("seasonal naive", {c: (b[:, 0], b[:, 1]) for c, b in naive_bounds.items()})

# %%
# The fan chart
# -------------
fig, ax = plt.subplots(figsize=(9, 4.5))
history = passengers[-60:-horizon]
ax.plot(history.index.to_timestamp(), history, color="black", label="history")
months = frame.index.to_timestamp()
ax.fill_between(
    months,
    frame["lower_95"],
    frame["upper_95"],
    color="C0",
    alpha=0.2,
    label="sklstm 95%",
)
ax.fill_between(
    months,
    frame["lower_80"],
    frame["upper_80"],
    color="C0",
    alpha=0.4,
    label="sklstm 80%",
)
ax.plot(months, frame["forecast"], color="C0", label="sklstm forecast")
ax.plot(months, np.exp(naive), color="C1", ls="--", label="seasonal naive")
ax.plot(months, naive_bounds[0.95], color="C1", ls=":", lw=1)
ax.plot(months, test, "k.", label="truth")
ax.set_ylabel("passengers (thousands)")
ax.set_title("Airline passengers: forecast with 80% and 95% intervals")
ax.legend(loc="upper left", ncol=2, fontsize=8)
fig.tight_layout()
