"""
Loss curves from ``net_.history``
=================================

Every fitted estimator keeps its skorch network in ``net_``, and
``net_.history`` records each epoch: the training loss, and with
``early_stopping=True`` the validation loss on the held-out most recent
windows, whether it was the best so far, and the duration. This example
plots the curves for two learning rates and compares them with the error of
a :class:`~sklearn.linear_model.Ridge` regression on the same windows, in
the same units.
"""

# %%
# Two learning rates, early stopping
# ----------------------------------
# 12-month forecasts of the El Nino series from 24-month windows, as in
# :ref:`sphx_glr_auto_examples_plot_temperature_forecast.py`. With
# ``early_stopping=True`` the last 10% of the windows are held out; training
# stops when their loss has not improved for ``n_iter_no_change`` epochs and
# the best weights are restored.
import os

import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import Ridge

from sklstm import LSTMForecaster, make_windows
from sklstm.datasets import load_elnino

# Tests set SKLSTM_EXAMPLES_FAST=1 to train for a few epochs only.
FAST = bool(os.environ.get("SKLSTM_EXAMPLES_FAST"))

X, y = make_windows(load_elnino().to_numpy(), look_back=24, horizon=12)
models = {}
for lr in [1e-3, 1e-2]:
    models[lr] = LSTMForecaster(
        horizon=12,
        lr=lr,
        max_epochs=3 if FAST else 150,
        early_stopping=True,
        n_iter_no_change=10,
        random_state=0,
    ).fit(X, y)
    history = models[lr].net_.history
    best_epoch = [row["epoch"] for row in history if row["valid_loss_best"]][-1]
    print(
        f"lr={lr:g}: {len(history)} epochs, best epoch {best_epoch}, "
        f"validation loss {min(history[:, 'valid_loss']):.3f}"
    )

# %%
# Ridge in the same units
# -----------------------
# The losses are mean squared errors of *transformed* targets. With
# ``normalize="window"`` (the default) the forecaster divides the targets of
# each window by the standard deviation of that window (after subtracting its
# mean), then standardises every target column with the statistics stored in
# ``y_mean_`` and ``y_scale_``. An error in degrees therefore becomes
# ``error / window_std / y_scale_``. Scoring Ridge, fitted on the same
# training windows, on the same validation windows in these units puts it on
# the plot; scoring the network's restored weights the same way must give its
# best validation loss, which checks the conversion.
model = models[1e-2]
n_valid = max(1, round(len(X) * model.validation_fraction))
X_fit, y_fit, X_val, y_val = X[:-n_valid], y[:-n_valid], X[-n_valid:], y[-n_valid:]
window_std = X_val.std(axis=1, keepdims=True)


def loss_units(pred):
    return np.mean(((pred - y_val) / window_std / model.y_scale_) ** 2)


ridge = Ridge(alpha=1.0).fit(X_fit, y_fit)
ridge_mse = loss_units(ridge.predict(X_val))
print(f"Ridge: validation loss {ridge_mse:.3f}")
print(
    f"LSTM, lr=0.01, restored weights: {loss_units(model.predict(X_val)):.3f} "
    f"(best validation loss in the history: "
    f"{min(model.net_.history[:, 'valid_loss']):.3f})"
)

# %%
# Reading the curves
# ------------------
# With ``lr=1e-2`` the validation loss reaches its lowest value within a few
# epochs and then drifts up while the training loss keeps falling: the network
# starts to fit the training windows rather than what they have in common.
# Early stopping ends the run ``n_iter_no_change`` epochs after the best epoch
# and restores that epoch's weights (the dots). With ``lr=1e-3`` the losses
# fall more slowly and the run lasts longer. The validation loss jumps from
# epoch to epoch; the patience keeps one bad epoch from ending a run. It can
# lie below the training loss: the training loss is averaged over the epoch
# while the weights still change, and the validation windows (the most recent
# years) need not be harder to forecast than the older ones.
#
# In this run Ridge ends below both networks. On this stationary series,
# whose level carries information, the per-window normalisation throws some of
# it away;
# :ref:`sphx_glr_auto_examples_plot_temperature_forecast.py` compares it with
# ``normalize=None``.
fig, ax = plt.subplots(figsize=(8, 4.5))
for lr, m in models.items():
    h = m.net_.history
    epochs = h[:, "epoch"]
    line = ax.plot(epochs, h[:, "train_loss"], label=f"train, lr={lr:g}")[0]
    ax.plot(epochs, h[:, "valid_loss"], "--", color=line.get_color(),
            label=f"validation, lr={lr:g}")  # fmt: skip
    best = int(np.flatnonzero(h[:, "valid_loss_best"])[-1])
    ax.plot(epochs[best], h[best, "valid_loss"], "o", color=line.get_color())
ax.axhline(ridge_mse, color="k", ls=":", label="Ridge, validation")
ax.set_yscale("log")
ax.set_xlabel("epoch")
ax.set_ylabel("MSE of the scaled targets")
ax.set_title("Training and validation loss; dots: restored epochs")
ax.legend()
fig.tight_layout()
plt.show()
