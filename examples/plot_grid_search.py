"""
Tuning the window length with GridSearchCV
==========================================

How many past months should the network read? A
:class:`~sklstm.SlidingWindowTransformer` in front of an
:class:`~sklstm.LSTMRegressor` makes the window length ``look_back`` a
parameter of a :class:`~sklearn.pipeline.Pipeline`, so
:class:`~sklearn.model_selection.GridSearchCV` can tune it like any other,
here with :class:`~sklearn.model_selection.TimeSeriesSplit`, which always
validates on data that comes after the training data.

The task: one-month-ahead forecasts of the El Nino sea temperature
(:func:`~sklstm.datasets.load_elnino`). The baseline is the same pipeline
with :class:`~sklearn.linear_model.Ridge` in place of the LSTM, tuned the
same way.
"""

# %%
# One row per month
# -----------------
# ``X`` holds the temperature of month ``t`` and ``y`` that of month
# ``t + 1``; the transformer turns row ``t`` into the window of the
# ``look_back`` months ending at ``t``. The last ten years are kept for a
# final test.
import os

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.impute import SimpleImputer
from sklearn.linear_model import Ridge
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
from sklearn.pipeline import make_pipeline

from sklstm import LSTMRegressor, SlidingWindowTransformer
from sklstm.datasets import load_elnino

# Tests set SKLSTM_EXAMPLES_FAST=1 to train for a few epochs only.
FAST = bool(os.environ.get("SKLSTM_EXAMPLES_FAST"))

temperature = load_elnino().to_numpy()
X_all, y_all = temperature[:-1, None], temperature[1:]
n_test = 120
X_train, y_train = X_all[:-n_test], y_all[:-n_test]

# %%
# Two pipelines, one grid
# -----------------------
# The first ``look_back - 1`` rows of every block the transformer sees lack
# part of their window, which it fills with NaN. The LSTM skips those missing
# steps (it reads a shorter window); Ridge needs them imputed.
lstm = make_pipeline(
    SlidingWindowTransformer(),
    LSTMRegressor(
        hidden_size=16,
        lr=1e-2,
        batch_size=64,
        max_epochs=2 if FAST else 30,
        random_state=0,
    ),
)
ridge = make_pipeline(SlidingWindowTransformer(), SimpleImputer(), Ridge(alpha=1.0))
grid = {"slidingwindowtransformer__look_back": [3, 6, 12, 24]}
cv = TimeSeriesSplit(n_splits=3)
searches = {}
for name, pipeline in [("LSTM", lstm), ("Ridge", ridge)]:
    searches[name] = GridSearchCV(
        pipeline, grid, cv=cv, scoring="neg_mean_absolute_error"
    ).fit(X_train, y_train)
    print(f"{name}: best look_back = {searches[name].best_params_}")

results = pd.DataFrame(
    {name: -s.cv_results_["mean_test_score"] for name, s in searches.items()},
    index=pd.Index(grid["slidingwindowtransformer__look_back"], name="look_back"),
)
print("validation MAE (deg C), mean over the 3 splits:")
print(results.round(3))

# %%
# Each validation block of ``TimeSeriesSplit`` is transformed on its own, so
# its first rows have short windows; longer ``look_back`` values pay for that a
# little in validation. Test the refitted best pipelines on the held-out ten
# years, transforming the whole series so that the first test rows get their
# full windows from the months before.
test_mae = {}
for name, search in searches.items():
    pred = search.predict(X_all)[-n_test:]
    test_mae[name] = np.abs(pred - y_all[-n_test:]).mean()
    print(f"{name}: test MAE {test_mae[name]:.3f} deg C")

# %%
fig, ax = plt.subplots(figsize=(6, 4))
for name in results:
    ax.plot(results.index, results[name], "o-", label=f"{name}, validation")
    ax.axhline(test_mae[name], ls=":", color=ax.lines[-1].get_color(),
               label=f"{name}, best refitted, test")  # fmt: skip
ax.set_xscale("log", base=2)
ax.set_xticks(results.index, [str(k) for k in results.index])
ax.set_xlabel("look_back (months)")
ax.set_ylabel("one-month-ahead MAE (deg C)")
ax.legend()
fig.tight_layout()
plt.show()
