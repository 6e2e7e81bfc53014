"""
Save, load and serve a forecaster with ONNX Runtime
===================================================

Train an :class:`~sklstm.LSTMForecaster` on the airline passengers series,
save it to a model file with :func:`sklstm.save` (no pickle: a JSON manifest
and numpy arrays), load it back with :func:`sklstm.load`, and export it with
:func:`sklstm.to_onnx` to one ONNX graph that
`ONNX Runtime <https://onnxruntime.ai>`_ serves without sklstm, scikit-learn
or PyTorch: raw windows of passenger counts in, forecasts in passengers out.

The forecasts of the last two years (13 origins one month apart, each
forecasting 12 months that all lie in those two years) are compared with the
seasonal naive forecast (the last observed year repeated).
"""

# %%
# Train
# -----
# Windows of 36 months, forecasts 12 months ahead, seasonal differencing
# (``difference=12``) and per-window normalisation: the graph will have to
# carry both.
import os
import tempfile
import time

import matplotlib.pyplot as plt
import numpy as np
import onnxruntime

import sklstm
from sklstm import LSTMForecaster, make_windows
from sklstm.datasets import load_airline

# Tests set SKLSTM_EXAMPLES_FAST=1 to train for a few epochs only.
FAST = bool(os.environ.get("SKLSTM_EXAMPLES_FAST"))

passengers = load_airline()
y = passengers.to_numpy()
look_back, horizon, n_test = 36, 12, 24
X, Y = make_windows(y, look_back=look_back, horizon=horizon)
# Windows whose 12 future months all lie before the last two years train;
# the test windows are those whose 12 future months all lie in them.
origin = np.arange(len(X)) + look_back  # index of the first forecast month
train = origin + horizon <= len(y) - n_test
test = origin >= len(y) - n_test
model = LSTMForecaster(
    horizon=horizon,
    difference=12,
    hidden_size=32,
    max_epochs=3 if FAST else 150,
    random_state=0,
).fit(X[train], Y[train])

# %%
# Save and load without pickle
# ----------------------------
# The file is a zip archive of a JSON manifest and ``.npy`` arrays. Loading
# reads nothing else, creates only sklstm and a few scikit-learn classes, and
# refuses crafted or damaged files with a ``ValueError``.
folder = tempfile.mkdtemp()
path = os.path.join(folder, "airline.sklstm")
sklstm.save(model, path)
loaded = sklstm.load(path)
same = np.array_equal(loaded.predict(X[test]), model.predict(X[test]))
print(f"model file: {os.path.getsize(path) / 1024:.1f} KiB")
print(f"loaded model gives bit-identical forecasts: {same}")

# %%
# Export to ONNX and serve
# ------------------------
# One graph: float32 windows ``(batch, 36, 1)`` in, ``(batch, 12)``
# forecasts out. The batch axis is dynamic.
onnx_path = sklstm.to_onnx(loaded, os.path.join(folder, "airline.onnx"))
session = onnxruntime.InferenceSession(onnx_path)
windows = X[test][:, :, None].astype(np.float32)
start = time.perf_counter()
served = session.run(None, {"X": windows})[0]
elapsed = time.perf_counter() - start
gap = np.abs(served - model.predict(X[test])).max()
print(f"ONNX Runtime: {len(windows)} forecasts in {elapsed * 1000:.1f} ms")
print(f"largest difference to predict: {gap:.2e} passengers (float32)")

# %%
# Compare with the seasonal naive forecast
# ----------------------------------------
# Seasonal naive repeats the last observed year. Errors over every test
# origin and every month ahead, in thousands of passengers. Seasonal naive
# ignores the upward trend of the series, so it is an easy baseline here,
# and this is one seed of a small network: the accuracy pages of the
# documentation compare with stronger baselines, over several seeds.
naive = np.stack([w[-12:] for w in X[test]])
truth = Y[test]
for name, forecast in [("LSTM via ONNX", served), ("seasonal naive", naive)]:
    print(f"{name:<15} MAE {np.abs(forecast - truth).mean():6.1f}")

fig, ax = plt.subplots(figsize=(8, 4))
ax.plot(passengers.index.to_timestamp(), y, color="black", label="observed")
months = passengers.index.to_timestamp()
last = np.flatnonzero(test)[-1]
future = months[origin[last] : origin[last] + horizon]
ax.plot(future, served[-1], "o-", label="LSTM (ONNX Runtime), last origin")
ax.plot(future, naive[-1], "s--", label="seasonal naive, last origin")
ax.set_ylabel("passengers (thousands)")
ax.set_title("Airline: forecasts served from the ONNX graph")
ax.legend()
fig.tight_layout()
