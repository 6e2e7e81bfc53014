"""
Tune on a Dask cluster, train one model on many series
======================================================

Twelve shops report monthly sales. Instead of one network per shop, a single
"global" :class:`~sklstm.LSTMForecaster` learns from the windows of all of
them, and a :class:`~sklearn.model_selection.GridSearchCV` tunes it on a
Dask cluster through joblib. Each shop is then forecast six months ahead with
the one model and compared with a Ridge regression on the same windows.

The cluster here is a ``distributed.LocalCluster`` of two worker
processes on this machine; with a real cluster, only the ``Client`` line
changes (``Client("tcp://scheduler-address:8786")``). It needs the
``distributed`` extra: ``pip install ".[distributed]"`` from a checkout.
"""

# %%
# A panel of monthly series in long format
# ----------------------------------------
# One row per shop and month. Shops differ in level, seasonal amplitude and
# phase; the noise is autocorrelated.
import time

import joblib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from distributed import Client, LocalCluster
from sklearn.linear_model import Ridge
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit

from sklstm import LSTMForecaster, make_windows

N_SHOPS, N_MONTHS, LOOK_BACK, HORIZON = 12, 96, 24, 6

rng = np.random.default_rng(0)
months = pd.date_range("2017-01-01", periods=N_MONTHS, freq="MS")
rows = []
for shop in range(N_SHOPS):
    level = rng.uniform(50, 150)
    amplitude = rng.uniform(0.1, 0.4) * level
    phase = rng.integers(12)
    noise = np.zeros(N_MONTHS)
    for t in range(1, N_MONTHS):
        noise[t] = 0.6 * noise[t - 1] + rng.normal(scale=0.04 * level)
    season = np.sin(2 * np.pi * (np.arange(N_MONTHS) + phase) / 12)
    sales = level + amplitude * season + noise
    rows.append(pd.DataFrame({"shop": f"shop {shop}", "month": months, "sales": sales}))
sales = pd.concat(rows, ignore_index=True)

# The last HORIZON months of every shop are held out.
cutoff = months[-HORIZON]
train, test = sales[sales["month"] < cutoff], sales[sales["month"] >= cutoff]

# %%
# Windows that never cross from one shop into the next
# ----------------------------------------------------
# With ``id_column``, :func:`~sklstm.make_windows` windows each shop on its
# own (sorted by ``time_column``) and stacks the windows shop by shop. For
# time-ordered cross-validation over all shops at once, the windows are put
# in the order of the month they end in, so that each
# :class:`~sklearn.model_selection.TimeSeriesSplit` fold validates on later
# months than it trains on.
X, y = make_windows(
    train, LOOK_BACK, HORIZON, id_column="shop", time_column="month", target="sales"
)
n_per_shop = len(X) // N_SHOPS  # all shops have the same length here
end_month = np.tile(np.arange(n_per_shop), N_SHOPS)
by_time = np.argsort(end_month, kind="stable")
X, y = X[by_time], y[by_time]

# %%
# Tuning on a local Dask cluster
# ------------------------------
# Dask starts its workers as new processes that import this script, so the
# work from here on runs only under the ``__main__`` guard. Inside
# ``joblib.parallel_config(backend="dask")`` the search sends its fits to the
# cluster's workers. Each Dask worker process starts with one torch thread,
# so two workers on two cores do not oversubscribe the CPU.
if __name__ == "__main__":
    print(f"{len(X)} windows of shape {X.shape[1:]} from {N_SHOPS} shops")
    search = GridSearchCV(
        LSTMForecaster(horizon=HORIZON, max_epochs=20, batch_size=64, random_state=0),
        {"hidden_size": [16, 32], "lr": [3e-3, 1e-2]},
        cv=TimeSeriesSplit(n_splits=2),
        scoring="neg_mean_absolute_error",
        n_jobs=-1,
    )
    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address="127.0.0.1:0",
        ) as cluster,
        Client(cluster),
    ):
        start = time.perf_counter()
        with joblib.parallel_config(backend="dask"):
            search.fit(X, y)
        seconds = time.perf_counter() - start
    print(f"Searched {len(search.cv_results_['params'])} candidates in {seconds:.1f} s")
    print("Best parameters:", search.best_params_)

# %%
# One model, every shop's forecast
# --------------------------------
# :meth:`~sklstm.LSTMForecaster.forecast` accepts the same long table and
# returns one forecast per shop, indexed by the next months. The baseline is
# a Ridge regression on the same (flattened) windows, also global; on series
# this close to a linear seasonal pattern it is hard to beat, so compare the
# two errors printed below before choosing the network.
if __name__ == "__main__":
    lstm = search.best_estimator_
    lstm_forecasts = lstm.forecast(train, id_column="shop", time_column="month")

    ridge = Ridge(alpha=1.0).fit(X.reshape(len(X), -1), y)
    errors = {"LSTM": [], "Ridge": []}
    ridge_forecasts = {}
    for shop, history in train.groupby("shop", sort=False):
        last_window = history["sales"].to_numpy()[-LOOK_BACK:]
        ridge_forecasts[shop] = ridge.predict(last_window[None, :])[0]
        actual = test.loc[test["shop"] == shop, "sales"].to_numpy()
        errors["LSTM"].append(np.mean(np.abs(lstm_forecasts[shop].to_numpy() - actual)))
        errors["Ridge"].append(np.mean(np.abs(ridge_forecasts[shop] - actual)))
    for model, maes in errors.items():
        print(f"{model:>5}: mean absolute error over all shops {np.mean(maes):.2f}")

# %%
# The forecasts of four shops
# ---------------------------
if __name__ == "__main__":
    fig, axes = plt.subplots(2, 2, figsize=(10, 6), sharex=True)
    for ax, shop in zip(axes.flat, list(lstm_forecasts)[:4]):
        past = sales[(sales["shop"] == shop) & (sales["month"] >= months[-36])]
        ax.plot(past["month"], past["sales"], color="0.3", label="actual")
        future = lstm_forecasts[shop]
        ax.plot(future.index, future.to_numpy(), "o-", label="LSTM (one model)")
        ax.plot(future.index, ridge_forecasts[shop], "s--", label="Ridge on lags")
        ax.axvline(cutoff, color="0.7", linestyle=":")
        ax.set_title(shop)
    axes[0, 0].legend(fontsize="small")
    fig.suptitle("Six-month forecasts of a global LSTM tuned on a Dask cluster")
    fig.autofmt_xdate()
    fig.tight_layout()
    plt.show()
