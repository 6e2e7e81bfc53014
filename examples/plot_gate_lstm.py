"""
Inside the cell: GateLSTM against torch.nn.LSTM
===============================================

:class:`~sklstm.GateLSTM` writes the LSTM recurrence out gate by gate (see
:doc:`/lstm_cell`). This example checks that it computes what
:class:`torch.nn.LSTM` computes, trains an :class:`~sklstm.LSTMRegressor`
with ``cell="gates"`` on a task that needs memory, and plots its gates while
it reads a sequence, next to a :class:`~sklearn.linear_model.Ridge` baseline.
"""

# %%
# Same weights, same outputs
# --------------------------
# ``GateLSTM`` has the parameter names and shapes of ``nn.LSTM``, so a state
# dict loads from one into the other.
import os
import time

import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.linear_model import Ridge

from sklstm import GateLSTM, LSTMRegressor

# Tests set SKLSTM_EXAMPLES_FAST=1 to train for a few epochs only.
FAST = bool(os.environ.get("SKLSTM_EXAMPLES_FAST"))

torch.manual_seed(0)
reference = torch.nn.LSTM(3, 16, num_layers=2, batch_first=True, bidirectional=True)
gates = GateLSTM(3, 16, num_layers=2, bidirectional=True)
gates.load_state_dict(reference.state_dict())
x = torch.randn(64, 30, 3)
with torch.no_grad():
    out_ref, (h_ref, c_ref) = reference(x)
    out_gates, (h_gates, c_gates) = gates(x)
print(f"largest difference in outputs:     {(out_ref - out_gates).abs().max():.1e}")
print(f"largest difference in final cells: {(c_ref - c_gates).abs().max():.1e}")


def seconds_per_call(module, n=5):
    with torch.no_grad():
        start = time.perf_counter()
        for _ in range(n):
            module(x)
    return (time.perf_counter() - start) / n


print(f"nn.LSTM {1e3 * seconds_per_call(reference):.1f} ms per batch, "
      f"GateLSTM {1e3 * seconds_per_call(gates):.1f} ms")  # fmt: skip

# %%
# The differences are float32 rounding. ``GateLSTM`` is slower: it loops over
# the time steps in Python, where ``nn.LSTM`` runs one fused kernel; use it to
# read or modify the gates, and ``cell="torch"`` (the default) to train.
#
# A task that needs memory
# ------------------------
# Each input sequence is mostly small noise with one to three pulses of value
# +1 or -1; the target is the sign of the *last* pulse. The network has to
# store a pulse when it arrives, overwrite it when a new one comes, and hold it
# through the noise in between.
rng = np.random.default_rng(0)
n_samples, seq_len = 1200, 30
X = 0.1 * rng.normal(size=(n_samples, seq_len))
y = np.empty(n_samples)
for i in range(n_samples):
    times = np.sort(rng.choice(seq_len, size=rng.integers(1, 4), replace=False))
    signs = rng.choice([-1.0, 1.0], size=len(times))
    X[i, times] += signs
    y[i] = signs[-1]
X_train, X_test, y_train, y_test = X[:1000], X[1000:], y[:1000], y[1000:]

model = LSTMRegressor(
    cell="gates",
    hidden_size=8,
    lr=1e-2,
    batch_size=64,
    max_epochs=2 if FAST else 40,
    random_state=0,
).fit(X_train, y_train)
ridge = Ridge(alpha=1.0).fit(X_train, y_train)
print(f"GateLSTM regressor R^2 = {model.score(X_test, y_test):.3f}")
print(f"Ridge              R^2 = {ridge.score(X_test, y_test):.3f}")

# %%
# Ridge weighs every position the same way in every sequence, so it cannot
# tell which pulse came last; the LSTM can.
#
# The gates at work
# -----------------
# The trained ``GateLSTM`` is ``model.net_.module_.lstm``. Running the
# equations of :doc:`/lstm_cell` by hand with its weights, on one scaled test
# sequence, shows the gates of every hidden unit at every step.
lstm = model.net_.module_.lstm
W_ih, W_hh = lstm.weight_ih_l0.detach(), lstm.weight_hh_l0.detach()
b = (lstm.bias_ih_l0 + lstm.bias_hh_l0).detach()
sample = 1
x_seq = torch.tensor((X_test[sample] - model.x_mean_[0]) / model.x_scale_[0])
h = torch.zeros(8)
c = torch.zeros(8)
trace = {"input gate i": [], "forget gate f": [], "output gate o": [], "cell c": []}
for x_t in x_seq.float():
    i, f, g, o = (x_t * W_ih[:, 0] + W_hh @ h + b).chunk(4)
    i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
    c = f * c + i * g
    h = o * torch.tanh(c)
    for name, value in zip(trace, [i, f, o, c]):
        trace[name].append(value.numpy())

# %%
# At each pulse the gates and the cell states switch to a new pattern, which
# then holds until the next pulse: the head reads the sign of the last pulse
# from the state at the last step. How the state is held is up to training.
# Forget gates pinned at 1 are the textbook way; a network may as well keep
# its input gates open and rewrite the same candidate at every step, the
# hidden state feeding the gates back. Plotting the gates is how to find out
# which solution a trained network uses.
fig, axes = plt.subplots(5, 1, figsize=(9, 9), sharex=True)
axes[0].plot(X_test[sample], color="k")
axes[0].set_ylabel("input")
axes[0].set_title(
    f"target {y_test[sample]:+.0f}, prediction {model.predict(X_test)[sample]:+.2f}"
)
for ax, (name, values) in zip(axes[1:], trace.items()):
    values = np.array(values).T
    if name == "cell c":  # unbounded: a colour scale symmetric around 0
        vmin, vmax = -np.abs(values).max(), np.abs(values).max()
    else:  # gates lie in (0, 1)
        vmin, vmax = 0, 1
    image = ax.imshow(values, aspect="auto", cmap="coolwarm", vmin=vmin, vmax=vmax)
    ax.set_ylabel(f"{name}\n(unit)")
    fig.colorbar(image, ax=ax, pad=0.01)
axes[-1].set_xlabel("time step")
fig.tight_layout()
plt.show()
