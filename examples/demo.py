"""Quick-start demo: bike rentals a day ahead, with what is known ahead.

Run with ``make demo``. Forecasts the next 24 hours of rentals of the bundled
bike-sharing data (``sklstm.datasets.load_bike_sharing``, 2011) from every
midnight of its last two weeks, with an :class:`~sklstm.LSTMForecaster` at its
defaults that reads the calendar and the weather of the hours it forecasts
(``make_windows(..., future_covariates=...)``). Next to it, in the same run:
gradient boosting on the same known inputs plus the rentals a day and a week
before each target hour, and the seasonal-naive forecast (the same hour a
week before). Prints the errors and saves ``demo_forecast.png``.

The weather ahead is the weather that came (a stand-in for a forecast), which
flatters both models that read it alike. No setting is tuned here; the
benchmark with weekly refits, three seeds and more baselines is
``benchmarks/covariates.py``.
"""

import os
import sys
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from sklearn.ensemble import HistGradientBoostingRegressor  # noqa: E402

from sklstm import CalendarFeatures, LSTMForecaster, make_windows  # noqa: E402
from sklstm.datasets import load_bike_sharing  # noqa: E402

LOOK_BACK, HORIZON, WEEK = 72, 24, 168
TEST_START = "2011-12-18"  # the last two weeks are forecast
# tests/test_examples.py sets this to check that the script runs, not what it finds.
FAST = bool(os.environ.get("SKLSTM_EXAMPLES_FAST"))


def hourly_rentals():
    """The rentals on a regular hourly index, with periodic calendar features.

    The data list only hours with rentals; a missing hour had none, its day's
    calendar and the weather of the hour before.
    """
    bikes = load_bike_sharing().asfreq("h")
    day = bikes.index.normalize()
    for column in ["weekday", "workingday", "holiday"]:
        bikes[column] = bikes[column].groupby(day).transform("first")
    bikes["bikers"] = bikes["bikers"].fillna(0)
    bikes = bikes.ffill().drop(columns=["hour", "weekday"])
    calendar = CalendarFeatures(["hour", "dayofweek"]).set_output(transform="pandas")
    return bikes.join(calendar.fit_transform(bikes.index))


def main(out="demo_forecast.png"):
    bikes = hourly_rentals()
    known = [c for c in bikes.columns if c != "bikers"]
    rentals = bikes["bikers"].to_numpy()
    test_start = bikes.index.get_loc(pd.Timestamp(TEST_START))
    origins = np.arange(test_start, len(bikes) - HORIZON + 1, 24)
    truth = np.stack([rentals[o : o + HORIZON] for o in origins])

    # The LSTM: windows of three days and the day ahead's known inputs.
    X, y = make_windows(
        bikes, LOOK_BACK, HORIZON, target="bikers", future_covariates=known
    )
    train = np.arange(len(X)) + LOOK_BACK + HORIZON <= test_start
    start = time.perf_counter()
    lstm = LSTMForecaster(
        horizon=HORIZON, random_state=0, max_epochs=1 if FAST else "auto"
    ).fit(X[train], y[train])
    lstm_seconds = time.perf_counter() - start

    # Gradient boosting: one row per (origin, hour ahead) with the known
    # inputs at the target hour and the rentals a day and a week before it.
    def table(rows, step):
        target = rows + step
        return np.column_stack(
            [
                bikes[known].to_numpy()[target],
                np.broadcast_to(step, len(rows)),
                rentals[target - 24],
                rentals[target - WEEK],
            ]
        )

    history = np.arange(WEEK, test_start - HORIZON)
    start = time.perf_counter()
    hgb = HistGradientBoostingRegressor(random_state=0).fit(
        np.concatenate([table(history, s) for s in range(HORIZON)]),
        np.concatenate([rentals[history + s] for s in range(HORIZON)]),
    )
    hgb_seconds = time.perf_counter() - start
    steps = np.arange(HORIZON)
    forecasts = {
        "LSTMForecaster, known ahead": lstm.predict(X[origins - LOOK_BACK]),
        "gradient boosting": np.stack(
            [hgb.predict(table(np.full(HORIZON, o), steps)) for o in origins]
        ),
        "seasonal naive (a week before)": np.stack(
            [rentals[o - WEEK : o - WEEK + HORIZON] for o in origins]
        ),
    }
    seconds = {"LSTMForecaster, known ahead": lstm_seconds}
    seconds["gradient boosting"] = hgb_seconds

    print(f"Bike rentals, {len(bikes)} hours of 2011; known ahead: {known}")
    print(f"Day-ahead forecasts from {len(origins)} midnights from {TEST_START}.")
    print(f"{'model':<32}{'MAE (rentals/h)':>16}{'fit s':>8}")
    for name, pred in forecasts.items():
        mae = np.mean(np.abs(pred - truth))
        fit = f"{seconds[name]:.1f}" if name in seconds else ""
        print(f"{name:<32}{mae:>16.1f}{fit:>8}")

    # The forecasts of the last four days.
    last = slice(len(origins) - 4, len(origins))
    hours = np.concatenate([bikes.index[o : o + HORIZON] for o in origins[last]])
    fig, ax = plt.subplots(figsize=(11, 4))
    ax.plot(hours, truth[last].ravel(), color="k", lw=2, label="rentals")
    for name, pred in forecasts.items():
        ax.plot(hours, pred[last].ravel(), lw=1, label=name)
    ax.set_ylabel("rentals per hour")
    ax.set_title("Bike rentals: forecasts made at each midnight for the next 24 hours")
    ax.legend(loc="upper left", fontsize="small")
    fig.autofmt_xdate()
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    print(f"\nSaved plot to {out}")


if __name__ == "__main__":
    main(*sys.argv[1:])
