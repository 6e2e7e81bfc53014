"""
Inputs known ahead: bike rentals a day ahead
============================================

Hourly bike rentals follow the clock, the calendar and the weather. When
tomorrow is forecast at midnight, tomorrow's hours, weekday and holidays are
known, and so is a weather forecast. This example forecasts the next 24
hours of rentals from each midnight of the last two weeks of 2011, with:

- an :class:`~sklstm.LSTMForecaster` that reads the calendar and the weather
  for the hours it forecasts (``future_covariates`` in
  :func:`~sklstm.make_windows`),
- the same forecaster reading them only for the past window,
- :class:`~sklearn.ensemble.HistGradientBoostingRegressor` on the same known
  inputs at each target hour plus the rentals a day and a week before it
  (the tabular model practitioners use),
- the seasonal-naive forecast (the same hour a week before).

The weather ahead is the weather that came, not a forecast, which flatters
every model that reads it alike. ``benchmarks/covariates.py`` runs the same
comparison over more origins, with weekly refits, three seeds and more
baselines; its table is in the documentation's accuracy page.
"""

# %%
# The data, with calendar features
# --------------------------------
# :func:`~sklstm.datasets.load_bike_sharing` lists only hours with rentals; a
# regular hourly series counts the missing hours as none. The hour and the
# weekday become periodic features with :class:`~sklstm.CalendarFeatures`.
import os

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingRegressor

from sklstm import CalendarFeatures, LSTMForecaster, make_windows
from sklstm.datasets import load_bike_sharing

# Tests set SKLSTM_EXAMPLES_FAST=1 to train for a few epochs only.
FAST = bool(os.environ.get("SKLSTM_EXAMPLES_FAST"))

bikes = load_bike_sharing().asfreq("h")
day = bikes.index.normalize()
for column in ["weekday", "workingday", "holiday"]:
    bikes[column] = bikes[column].groupby(day).transform("first")
bikes["bikers"] = bikes["bikers"].fillna(0)
bikes = bikes.ffill().drop(columns=["hour", "weekday"])
calendar = CalendarFeatures(["hour", "dayofweek"]).set_output(transform="pandas")
bikes = bikes.join(calendar.fit_transform(bikes.index))
known = [c for c in bikes.columns if c != "bikers"]
rentals = bikes["bikers"].to_numpy()
print(f"{len(bikes)} hours; known ahead: {known}")

# %%
# Windows with the day ahead
# --------------------------
# Each window holds three days of history and, with ``future_covariates``,
# the 24 hours it forecasts, in which only the known columns have values. The
# models train on the windows that end before the first test midnight.
look_back, horizon = 72, 24
test_start = bikes.index.get_loc(pd.Timestamp("2011-12-18"))
origins = np.arange(test_start, len(bikes) - horizon + 1, 24)
X, y = make_windows(bikes, look_back, horizon, target="bikers", future_covariates=known)
X_past, _ = make_windows(bikes, look_back, horizon, target="bikers")
# Window i ends at row i + look_back: its first target is that row.
train = np.arange(len(X)) + look_back + horizon <= test_start
test = origins - look_back

params = dict(horizon=horizon, random_state=0, max_epochs=2 if FAST else "auto")
with_known = LSTMForecaster(**params).fit(X[train], y[train])
past_only = LSTMForecaster(**params).fit(X_past[train], y[train])


# %%
# Gradient boosting on the same information
# -----------------------------------------
# One row per (origin, hour ahead): the known inputs at the target hour, the
# hour ahead, and the rentals a day and a week before the target hour that
# are already known at the origin.
def tabular(rows, step):
    target = rows + step  # every step is less than a day ahead
    return np.column_stack(
        [
            bikes[known].to_numpy()[target],
            np.broadcast_to(step, len(rows)),
            rentals[target - 24],
            rentals[target - 168],
        ]
    )


history = np.arange(168, test_start - horizon)
features = np.concatenate([tabular(history, s) for s in range(horizon)])
targets = np.concatenate([rentals[history + s] for s in range(horizon)])
hgb = HistGradientBoostingRegressor(random_state=0).fit(features, targets)

truth = np.stack([rentals[o : o + horizon] for o in origins])
forecasts = {
    "LSTM, known ahead": with_known.predict(X[test]),
    "LSTM, past only": past_only.predict(X_past[test]),
    "gradient boosting": np.stack(
        [hgb.predict(tabular(np.full(horizon, o), np.arange(horizon))) for o in origins]
    ),
    "seasonal naive": np.stack([rentals[o - 168 : o - 168 + horizon] for o in origins]),
}
mae = {name: np.abs(pred - truth).mean() for name, pred in forecasts.items()}
for name, error in mae.items():
    print(f"{name:<20} MAE {error:6.1f} rentals an hour")

# %%
# The last four days
# ------------------
# The model that reads the day ahead follows the weekday's shape (commuting
# peaks on working days, an afternoon hump on holidays and weekends) and the
# weather's dips; the past-only model has to guess them from the days
# before. Gradient boosting reads the same inputs as a table; where it wins,
# the table says so.
fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(12, 4), width_ratios=[3, 1])
last = slice(len(origins) - 4, len(origins))
hours = np.concatenate([bikes.index[o : o + horizon] for o in origins[last]])
ax0.plot(hours, truth[last].ravel(), color="k", lw=2, label="rentals")
for name, pred in forecasts.items():
    ax0.plot(hours, pred[last].ravel(), lw=1, label=name)
ax0.set_title("Day-ahead forecasts from each midnight")
ax0.legend(fontsize="small")
ax0.tick_params(axis="x", labelrotation=30)
ax1.barh(list(mae), list(mae.values()), color=["C0", "C1", "C2", "C3"])
ax1.invert_yaxis()
ax1.set_xlabel("MAE, last two weeks of 2011")
fig.tight_layout()
plt.show()
