"""
Sequence to sequence: sine to cosine
====================================

An :class:`~sklstm.LSTMRegressor` with ``return_sequences=True`` predicts a
value at every time step of a sequence. Here each input sequence is a sine
wave :math:`\\sin(\\omega t + \\varphi)` of random frequency and phase, and
the target at every step is the matching cosine,
:math:`\\cos(\\omega t + \\varphi)`.

The task needs memory: a single sample of a sine does not tell whether the
wave is rising or falling, nor how fast. Reading the sequence up to step
:math:`t`, the LSTM can estimate both; a model that sees only the current
sample cannot. The baseline is a :class:`~sklearn.linear_model.Ridge`
regression that, for every step, reads the same past values the LSTM has
seen, as lagged features.
"""

# %%
# Data
# ----
# 600 sequences of 40 steps, frequencies between 0.25 and 0.75 radians per
# step, uniform random phases. 3-D arrays of shape ``(n_samples, seq_len, 1)``
# are what the regressor reads; ``y`` has one target per step.
import os

import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import Ridge

from sklstm import LSTMRegressor

# Tests set SKLSTM_EXAMPLES_FAST=1 to train for a few epochs only.
FAST = bool(os.environ.get("SKLSTM_EXAMPLES_FAST"))

rng = np.random.default_rng(0)
n_samples, seq_len = 600, 40
omega = rng.uniform(0.25, 0.75, size=(n_samples, 1))
phase = rng.uniform(0, 2 * np.pi, size=(n_samples, 1))
angle = omega * np.arange(seq_len) + phase
X = np.sin(angle)[:, :, None]
y = np.cos(angle)
X_train, X_test, y_train, y_test = X[:480], X[480:], y[:480], y[480:]

# %%
# LSTM, one prediction per step
# -----------------------------
# With ``return_sequences=True`` the linear head reads the LSTM output at
# every step; the output at step :math:`t` depends on the inputs up to
# :math:`t` only.
lstm = LSTMRegressor(
    return_sequences=True,
    hidden_size=32,
    lr=1e-2,
    max_epochs=5 if FAST else 80,
    random_state=0,
).fit(X_train, y_train)
pred_lstm = lstm.predict(X_test)
print(f"LSTM: R^2 = {lstm.score(X_test, y_test):.3f} on held-out sequences")

# %%
# Ridge on the same past values
# -----------------------------
# For step :math:`t` the baseline reads the last ``k`` inputs,
# :math:`x_{t-k+1}, \dots, x_t` (zeros before the sequence starts), so it
# sees the same past as the LSTM within ``k`` steps.
k = 8


def lagged(X3, k):
    """(n, seq_len, 1) -> (n * seq_len, k) rows of the last k inputs."""
    x = np.pad(X3[:, :, 0], ((0, 0), (k - 1, 0)))
    windows = np.lib.stride_tricks.sliding_window_view(x, k, axis=1)
    return windows.reshape(-1, k)


ridge = Ridge(alpha=1e-3).fit(lagged(X_train, k), y_train.ravel())
pred_ridge = ridge.predict(lagged(X_test, k)).reshape(y_test.shape)


def rmse_per_step(pred):
    return np.sqrt(np.mean((pred - y_test) ** 2, axis=0))


for name, pred in [("LSTM", pred_lstm), (f"Ridge, {k} lags", pred_ridge)]:
    print(f"{name:<14} RMSE {np.sqrt(np.mean((pred - y_test) ** 2)):.3f}")

# %%
# Where the errors are
# --------------------
# Both models are poor at the first steps, where the past is too short to
# tell a rising from a falling wave. After a few steps the LSTM, which can
# estimate the frequency from everything it has read, is more accurate than
# the linear map of a fixed number of lags.
fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(11, 4))
i = 3
ax0.plot(X_test[i, :, 0], color="0.6", label="input: sine")
ax0.plot(y_test[i], color="k", lw=2, label="target: cosine")
ax0.plot(pred_lstm[i], "--", color="C1", label="LSTM")
ax0.plot(pred_ridge[i], ":", color="C0", label=f"Ridge, {k} lags")
ax0.set_xlabel("time step")
ax0.set_title("One held-out sequence")
ax0.legend(loc="lower left", fontsize="small")
ax1.plot(rmse_per_step(pred_lstm), color="C1", label="LSTM")
ax1.plot(rmse_per_step(pred_ridge), color="C0", label=f"Ridge, {k} lags")
ax1.set_xlabel("time step")
ax1.set_ylabel("RMSE over held-out sequences")
ax1.set_title("Error at each step")
ax1.legend()
fig.tight_layout()
plt.show()
