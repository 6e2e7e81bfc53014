"""Quick-start demo: forecast monthly El Nino sea temperatures 12 months ahead.

Run with ``make demo``. Trains an :class:`~sklstm.LSTMForecaster` on the
bundled El Nino series, evaluates 12-month forecasts on the last three years
(held out), prints the errors next to a seasonal-naive forecast and a Ridge
regression on the same windows, and saves ``demo_forecast.png``.

Both learned models are chosen the way a scikit-learn user would choose them:
``GridSearchCV`` with time-ordered folds of the training windows only (the
LSTM's per-window normalisation on or off, Ridge's ``alpha``). The held-out
years play no part in any choice.
"""

import os
import sys
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.linear_model import Ridge  # noqa: E402
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit  # noqa: E402

from sklstm import LSTMForecaster, make_windows  # noqa: E402
from sklstm.datasets import load_elnino  # noqa: E402

LOOK_BACK, HORIZON, SEASON, N_TEST = 24, 12, 12, 36
# tests/test_examples.py sets this to check that the script runs, not what it finds.
FAST = bool(os.environ.get("SKLSTM_EXAMPLES_FAST"))


def tuned(estimator, grid):
    """``estimator`` searched over ``grid`` on time-ordered folds, refit on all.

    The ``gap`` keeps each fold's validation targets out of its training
    windows' targets (consecutive windows share ``HORIZON - 1`` of them).
    """
    folds = TimeSeriesSplit(n_splits=3, gap=HORIZON - 1)
    return GridSearchCV(estimator, grid, cv=folds, scoring="neg_mean_absolute_error")


def main(out="demo_forecast.png"):
    series = load_elnino()
    values = series.to_numpy()
    X, y = make_windows(values, look_back=LOOK_BACK, horizon=HORIZON)
    # A window is a test window when any of its targets lies in the last
    # N_TEST months; training windows never see the test period.
    first_target = np.arange(len(X)) + LOOK_BACK
    train = first_target + HORIZON <= len(values) - N_TEST
    test = first_target >= len(values) - N_TEST - HORIZON + 1
    X_train, y_train, X_test, y_test = X[train], y[train], X[test], y[test]

    # In-sample seasonal-naive error scales MASE.
    train_values = values[: len(values) - N_TEST]
    mase_scale = np.mean(np.abs(train_values[SEASON:] - train_values[:-SEASON]))

    start = time.perf_counter()
    lstm = LSTMForecaster(
        horizon=HORIZON, random_state=0, max_epochs=2 if FAST else 100
    )
    search = tuned(lstm, {"normalize": ["window", None]}).fit(X_train, y_train)
    model = search.best_estimator_
    fit_seconds = time.perf_counter() - start
    ridge = tuned(Ridge(), {"alpha": np.logspace(-2, 3, 6)}).fit(X_train, y_train)

    # Seasonal naive: each month as it was one year before.
    steps = np.arange(HORIZON)
    seasonal = X_test[:, LOOK_BACK - SEASON + steps % SEASON]
    forecasts = {
        "LSTMForecaster": model.predict(X_test),
        "Ridge on the same windows": ridge.predict(X_test),
        "seasonal naive": seasonal,
    }
    print(f"El Nino sea temperature, {len(values)} months; {HORIZON}-month forecasts")
    print(f"from {len(X_test)} origins in the last {N_TEST} months (held out).")
    print(
        f"LSTMForecaster: normalize={model.normalize!r} chosen on the training "
        f"windows,\nsearch and refit {fit_seconds:.1f} s; Ridge: "
        f"alpha={ridge.best_params_['alpha']:g}.\n"
    )
    print(f"{'model':<28}{'MAE (deg C)':>12}{'MASE':>8}")
    for name, pred in forecasts.items():
        mae = np.mean(np.abs(pred - y_test))
        print(f"{name:<28}{mae:>12.3f}{mae / mase_scale:>8.3f}")

    # Plot the forecast made at the end of the training period.
    origin = len(values) - N_TEST
    future = model.forecast(series.iloc[:origin], steps=N_TEST)
    shown = series.iloc[origin - 96 :]
    fig, ax = plt.subplots(figsize=(10, 4))
    ax.plot(shown.index.to_timestamp(), shown.to_numpy(), color="0.3", label="observed")
    ax.plot(future.index.to_timestamp(), future.to_numpy(), color="C1", lw=2,
            label=f"LSTM forecast from {series.index[origin - 1]}")  # fmt: skip
    ax.axvline(series.index[origin].to_timestamp(), color="0.6", ls="--")
    ax.set_ylabel("sea surface temperature (deg C)")
    ax.set_title("El Nino 1+2: LSTMForecaster, 36 months rolled from 12-month blocks")
    ax.legend(loc="upper left")
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    print(f"\nSaved plot to {out}")


if __name__ == "__main__":
    main(*sys.argv[1:])
