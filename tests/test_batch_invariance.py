"""A prediction does not depend on the other rows predicted with it, bit for bit.

float32 kernels take different paths for different batch sizes; the estimators
predict in padded batches of one shape, so ``predict(X)[i]`` equals
``predict(X[i:i + 1])`` exactly, also for windows with missing (all-NaN) steps.
"""

import functools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sklstm import (
    LSTMForecaster,
    LSTMRegressor,
    SlidingWindowTransformer,
    make_windows,
)

N = 40
SMALL = dict(hidden_size=8, max_epochs=2, batch_size=16, random_state=0)


def _windows():
    """Windows of a series, the first ones NaN-padded, plus gaps."""
    t = np.arange(N, dtype=float)
    series = np.column_stack([np.sin(t / 3.0), np.cos(t / 5.0)])
    # The transformer's first rows are padded with all-NaN steps of
    # different lengths.
    X = SlidingWindowTransformer(look_back=8).fit_transform(series)
    X = X.reshape(N, 8, 2)[1:].copy()
    X[8, :7] = np.nan  # a single observed step
    X[10, 3] = np.nan  # a gap
    y = np.nansum(X[:, :, 0], axis=1)
    return X, y


@functools.cache
def _fitted():
    X, y = _windows()
    series = np.sin(np.arange(N + 20) / 4.0) + np.arange(N + 20) / 50.0
    W, Y = make_windows(series, look_back=12, horizon=3)
    W = np.array(W)
    W[:5, :3] = np.nan
    return {
        "regressor": (LSTMRegressor(**SMALL).fit(X, y), X),
        "regressor, 2 layers, bidirectional": (
            LSTMRegressor(num_layers=2, bidirectional=True, **SMALL).fit(X, y),
            X,
        ),
        "regressor, gates": (LSTMRegressor(cell="gates", **SMALL).fit(X, y), X),
        "forecaster, direct": (
            LSTMForecaster(horizon=3, difference=1, **SMALL).fit(W, Y),
            W,
        ),
        "forecaster, recursive": (
            LSTMForecaster(horizon=3, strategy="recursive", **SMALL).fit(W, Y),
            W,
        ),
    }


NAMES = [
    "regressor",
    "regressor, 2 layers, bidirectional",
    "regressor, gates",
    "forecaster, direct",
    "forecaster, recursive",
]


def _chunks(n, cuts):
    edges = [0, *sorted(set(c % n for c in cuts) - {0}), n]
    return [slice(a, b) for a, b in zip(edges[:-1], edges[1:])]


@pytest.mark.parametrize("name", NAMES)
def test_each_row_alone_predicts_as_in_the_whole_batch(name):
    est, X = _fitted()[name]
    full = est.predict(X)
    alone = np.concatenate([est.predict(X[i : i + 1]) for i in range(len(X))])
    np.testing.assert_array_equal(alone, full)


@pytest.mark.parametrize("name", NAMES)
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    cuts=st.lists(st.integers(0, 10**6), max_size=6),
    order_seed=st.integers(0, 2**32 - 1),
)
def test_predictions_do_not_depend_on_the_batch_split(name, cuts, order_seed):
    est, X = _fitted()[name]
    full = est.predict(X)
    # Any subset, in any order, in any contiguous split.
    order = np.random.default_rng(order_seed).permutation(len(X))
    order = order[: max(1, len(order) - len(cuts))]
    parts = [est.predict(X[order[s]]) for s in _chunks(len(order), cuts)]
    np.testing.assert_array_equal(np.concatenate(parts), full[order])


@pytest.mark.parametrize("strategy", ["direct", "recursive"])
def test_forecast_of_a_panel_matches_each_series_alone(strategy):
    est = _fitted()[f"forecaster, {strategy}"][0]
    t = np.arange(60.0)
    panel = [np.sin(t[: 30 + 7 * k] / 4.0) + k for k in range(5)]
    panel[2] = panel[2].copy()
    panel[2][-12:-9] = np.nan  # missing history inside the window
    together = est.forecast(panel, steps=7)
    for series, forecast in zip(panel, together):
        np.testing.assert_array_equal(est.forecast(series, steps=7), forecast)
