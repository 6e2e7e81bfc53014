"""
LSTM, bidirectional LSTM, stacked LSTM
======================================

Three architectures of :class:`~sklstm.LSTMRegressor` on a sequence-labelling
task: recover a clean piecewise-constant signal from a noisy copy, at every
time step (``return_sequences=True``).

* one LSTM layer, reading the sequence forwards;
* ``bidirectional=True``: a second LSTM reads the sequence backwards, and the
  head sees both directions at every step, i.e. the past *and* the future;
* ``num_layers=2``: two stacked forward layers, the second reading the
  outputs of the first.

The baseline is a :class:`~sklearn.linear_model.Ridge` regression from the
whole noisy sequence to the whole clean one, a linear smoother that also
sees past and future.
"""

# %%
# Noisy steps
# -----------
# Each clean sequence jumps to a new random level twice; the input adds
# Gaussian noise. Averaging nearby steps removes noise but blurs the jumps;
# a good denoiser has to find where the jumps are, which is not linear.
import os

import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import Ridge

from sklstm import LSTMRegressor

# Tests set SKLSTM_EXAMPLES_FAST=1 to train for a few epochs only.
FAST = bool(os.environ.get("SKLSTM_EXAMPLES_FAST"))

rng = np.random.default_rng(0)
n_samples, seq_len = 800, 50
clean = np.empty((n_samples, seq_len))
for i in range(n_samples):
    jumps = np.sort(rng.choice(np.arange(1, seq_len), size=2, replace=False))
    levels = rng.uniform(-1, 1, size=3)
    clean[i] = levels[np.searchsorted(jumps, np.arange(seq_len), side="right")]
noisy = clean + 0.2 * rng.normal(size=clean.shape)
X_train, X_test = noisy[:600, :, None], noisy[600:, :, None]
y_train, y_test = clean[:600], clean[600:]

# %%
# Three networks, one baseline
# ----------------------------
# Same budget for each: 32 hidden units per layer and direction, same
# learning rate and number of epochs.
common = dict(
    return_sequences=True,
    hidden_size=32,
    lr=1e-2,
    max_epochs=3 if FAST else 45,
    batch_size=64,
    random_state=0,
)
models = {
    "LSTM": LSTMRegressor(**common),
    "bidirectional": LSTMRegressor(bidirectional=True, **common),
    "stacked, 2 layers": LSTMRegressor(num_layers=2, **common),
}
predictions = {}
for name, model in models.items():
    predictions[name] = model.fit(X_train, y_train).predict(X_test)
ridge = Ridge(alpha=1.0).fit(X_train[:, :, 0], y_train)
predictions["Ridge"] = ridge.predict(X_test[:, :, 0])
noise_rmse = np.sqrt(np.mean((X_test[:, :, 0] - y_test) ** 2))
print(f"{'noisy input':<18} RMSE {noise_rmse:.3f}")
for name, pred in predictions.items():
    print(f"{name:<18} RMSE {np.sqrt(np.mean((pred - y_test) ** 2)):.3f}")

# %%
# Reading the results
# -------------------
# The forward LSTM must decide at each step from the past alone: right after a
# jump it cannot yet tell a jump from a noisy sample, so it lags behind
# every jump. The bidirectional network also sees what follows and places
# the jumps better. Stacking a second forward layer adds capacity but no
# future context, and does about as well as one layer here. Ridge sees the
# whole sequence but can only take fixed weighted averages: it removes less
# noise and rounds off the jumps.
fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(12, 4))
i = 0
ax0.plot(X_test[i, :, 0], ".", color="0.6", label="noisy input")
ax0.plot(y_test[i], color="k", lw=2, label="clean target")
for name, pred in predictions.items():
    ax0.plot(pred[i], "--" if name == "Ridge" else "-", label=name)
ax0.set_xlabel("time step")
ax0.set_title("One held-out sequence")
ax0.legend(fontsize="small")
for name, pred in predictions.items():
    ax1.plot(np.sqrt(((pred - y_test) ** 2).mean(axis=0)), label=name)
ax1.set_xlabel("time step")
ax1.set_ylabel("RMSE over held-out sequences")
ax1.set_title("Error at each step")
ax1.legend(fontsize="small")
fig.tight_layout()
plt.show()
