"""Every public entry point rejects bad input loudly, naming what is wrong.

One table: (entry point, bad input, expected exception, message pattern). Each
message must name the argument or the problem and, where there is one, the fix.
"""

import numpy as np
import pandas as pd
import pytest
from sklearn.utils._param_validation import InvalidParameterError

from sklstm import LSTMForecaster, LSTMRegressor, SlidingWindowTransformer, make_windows
from sklstm.datasets import load_airline

FAST = dict(hidden_size=4, max_epochs=1, random_state=0)
RNG = np.random.default_rng(0)
X3 = RNG.normal(size=(20, 6, 2))
X2 = RNG.normal(size=(20, 6))
Y1 = RNG.normal(size=20)
Y3 = RNG.normal(size=(20, 3))
SERIES = RNG.normal(size=50)


def _with(array, index, value):
    out = np.array(array, dtype=float)
    out[index] = value
    return out


def _fitted(est, X, y):
    return est.fit(X, y)


def _reg_predict(X):
    return lambda: _fitted(LSTMRegressor(**FAST), X3, Y1).predict(X)


def _fc_predict(X):
    return lambda: _fitted(LSTMForecaster(horizon=3, **FAST), X2, Y3).predict(X)


def _fc_forecast(history, **kwargs):
    model = LSTMForecaster(horizon=3, **FAST)
    return lambda: _fitted(model, X2, Y3).forecast(history, **kwargs)


def _swt_transform(X):
    return lambda: SlidingWindowTransformer(look_back=3).fit(X2).transform(X)


CASES = [
    # --- LSTMRegressor.fit
    ("reg partial NaN step", lambda: LSTMRegressor(**FAST).fit(_with(X3, (0, 2, 1), np.nan), Y1), ValueError, "some but not all features"),
    ("reg all-NaN sample", lambda: LSTMRegressor(**FAST).fit(_with(X3, 0, np.nan), Y1), ValueError, "all NaN"),
    ("reg NaN with return_sequences", lambda: LSTMRegressor(return_sequences=True, **FAST).fit(_with(X2, (0, 0), np.nan), X2), ValueError, "return_sequences"),
    ("reg inf in X", lambda: LSTMRegressor(**FAST).fit(_with(X3, (1, 1, 1), np.inf), Y1), ValueError, "infinity"),
    ("reg NaN in y", lambda: LSTMRegressor(**FAST).fit(X3, _with(Y1, 3, np.nan)), ValueError, "y contains NaN"),
    ("reg inf in y", lambda: LSTMRegressor(**FAST).fit(X3, _with(Y1, 3, np.inf)), ValueError, "y contains infinity"),
    ("reg empty X", lambda: LSTMRegressor(**FAST).fit(np.empty((0, 6)), np.empty(0)), ValueError, "0 sample"),
    ("reg 1-D X", lambda: LSTMRegressor(**FAST).fit(SERIES, SERIES), ValueError, "Expected 2D array"),
    ("reg 4-D X", lambda: LSTMRegressor(**FAST).fit(np.zeros((4, 3, 2, 2)), np.zeros(4)), ValueError, "2-D or 3-D"),
    ("reg ragged list", lambda: LSTMRegressor(**FAST).fit([[1, 2, 3], [1, 2]], [1, 2]), ValueError, "ragged.*pad"),
    ("reg string X", lambda: LSTMRegressor(**FAST).fit([["a", "b"], ["c", "d"]], [1, 2]), ValueError, "numeric"),
    ("reg object non-numbers", lambda: LSTMRegressor(**FAST).fit(np.array([[1, "x"], [2, "y"]], dtype=object), [1, 2]), ValueError, "could not convert|numeric"),
    ("reg complex X", lambda: LSTMRegressor(**FAST).fit(X2.astype(complex), Y1), ValueError, "Complex data"),
    ("reg X/y length mismatch", lambda: LSTMRegressor(**FAST).fit(X3, Y1[:10]), ValueError, "inconsistent numbers of samples"),
    ("reg y None", lambda: LSTMRegressor(**FAST).fit(X3, None), ValueError, "requires y"),
    ("reg n_features not dividing", lambda: LSTMRegressor(n_features=4, **FAST).fit(X2, Y1), ValueError, "not a multiple of n_features=4"),
    ("reg n_features vs 3-D", lambda: LSTMRegressor(n_features=3, **FAST).fit(X3, Y1), ValueError, "n_features=3 does not match"),
    ("reg hidden_size=0", lambda: LSTMRegressor(hidden_size=0).fit(X3, Y1), InvalidParameterError, "hidden_size"),
    ("reg negative lr", lambda: LSTMRegressor(lr=-1.0).fit(X3, Y1), InvalidParameterError, "'lr'"),
    ("reg batch_size=0", lambda: LSTMRegressor(batch_size=0).fit(X3, Y1), InvalidParameterError, "batch_size"),
    ("reg max_epochs=-1", lambda: LSTMRegressor(max_epochs=-1).fit(X3, Y1), InvalidParameterError, "max_epochs"),
    ("reg dropout=1", lambda: LSTMRegressor(dropout=1.0).fit(X3, Y1), InvalidParameterError, "dropout"),
    ("reg unknown cell", lambda: LSTMRegressor(cell="gru").fit(X3, Y1), InvalidParameterError, "cell"),
    ("reg unknown optimizer", lambda: LSTMRegressor(optimizer="adamax").fit(X3, Y1), InvalidParameterError, "optimizer"),
    ("reg early stopping on one sample", lambda: LSTMRegressor(early_stopping=True, **FAST).fit(X3[:1], Y1[:1]), ValueError, "early_stopping=True needs at least 2"),
    ("reg return_sequences y shape", lambda: LSTMRegressor(return_sequences=True, **FAST).fit(X3, Y1), ValueError, "return_sequences=True, y must have shape"),
    # --- LSTMRegressor.predict
    ("reg predict other n_features", _reg_predict(np.zeros((2, 6, 3))), ValueError, "fitted on"),
    ("reg predict other seq_len", _reg_predict(np.zeros((2, 5, 2))), ValueError, "expecting 6 features"),
    ("reg predict partial NaN", _reg_predict(_with(X3[:2], (0, 1, 0), np.nan)), ValueError, "some but not all"),
    ("reg predict inf", _reg_predict(_with(X3[:2], (0, 1, 0), np.inf)), ValueError, "infinity"),
    ("reg predict empty", _reg_predict(np.empty((0, 6, 2))), ValueError, "0 sample"),
    ("reg predict ragged", _reg_predict([[1.0, 2.0], [1.0]]), ValueError, "ragged"),
    ("reg predict unfitted", lambda: LSTMRegressor().predict(X3), Exception, "not fitted"),
    # --- LSTMForecaster.fit
    ("fc y columns != horizon", lambda: LSTMForecaster(horizon=2, **FAST).fit(X2, Y3), ValueError, "y must have shape.*horizon=2.*make_windows"),
    ("fc horizon=0", lambda: LSTMForecaster(horizon=0).fit(X2, Y1), InvalidParameterError, "horizon"),
    ("fc look_back=0", lambda: LSTMForecaster(look_back=0).fit(X2, Y1), InvalidParameterError, "look_back"),
    ("fc look_back too long", lambda: LSTMForecaster(look_back=9, **FAST).fit(X2, Y1), ValueError, "look_back=9 is longer"),
    ("fc unknown strategy", lambda: LSTMForecaster(strategy="dirrect").fit(X2, Y1), InvalidParameterError, "strategy"),
    ("fc target_index out of range", lambda: LSTMForecaster(target_index=2, **FAST).fit(X3, Y1), ValueError, "target_index=2"),
    ("fc recursive with covariates", lambda: LSTMForecaster(horizon=3, strategy="recursive", **FAST).fit(X3, Y3), ValueError, "strategy='direct'"),
    ("fc NaN in y", lambda: LSTMForecaster(**FAST).fit(X2, _with(Y1, 0, np.nan)), ValueError, "y contains NaN"),
    ("fc inf in X", lambda: LSTMForecaster(**FAST).fit(_with(X2, (0, 0), np.inf), Y1), ValueError, "infinity"),
    ("fc empty X", lambda: LSTMForecaster(**FAST).fit(np.empty((0, 6)), np.empty(0)), ValueError, "0 sample"),
    ("fc X/y length mismatch", lambda: LSTMForecaster(**FAST).fit(X2, Y1[:5]), ValueError, "inconsistent numbers of samples"),
    ("fc ragged", lambda: LSTMForecaster(**FAST).fit([[1.0, 2.0], [1.0]], [1.0, 2.0]), ValueError, "ragged"),
    ("fc y None", lambda: LSTMForecaster(**FAST).fit(X2, None), ValueError, "requires y"),
    ("fc string y", lambda: LSTMForecaster(**FAST).fit(X2, ["a"] * 20), ValueError, "numeric|convert"),
    # --- LSTMForecaster.predict / forecast
    ("fc predict other width", _fc_predict(np.zeros((2, 5))), ValueError, "expecting 6 features"),
    ("fc predict partial NaN", _fc_predict(_with(np.zeros((2, 6, 2)), (0, 0, 0), np.nan)), ValueError, "fitted on|some but not all"),
    ("fc forecast too short", _fc_forecast(SERIES[:4]), ValueError, "look_back_=6; pass a longer history"),
    ("fc forecast steps=0", _fc_forecast(SERIES, steps=0), ValueError, "steps must be a positive int"),
    ("fc forecast steps float", _fc_forecast(SERIES, steps=2.5), ValueError, "steps must be a positive int"),
    ("fc forecast wrong channels", _fc_forecast(np.zeros((10, 2))), ValueError, r"history must have shape \(n_timesteps,\) or \(n_timesteps, 1\)"),
    ("fc forecast 3-D history", _fc_forecast(np.zeros((10, 1, 1))), ValueError, "history must have shape"),
    ("fc forecast strings", _fc_forecast(["a"] * 10), TypeError, "history must hold real numbers"),
    ("fc forecast ragged", _fc_forecast([[1.0], [1.0, 2.0]] * 5), ValueError, "ragged"),
    ("fc forecast inf", _fc_forecast(_with(SERIES, -1, np.inf)), ValueError, "history contains infinity"),
    ("fc forecast all-NaN window", _fc_forecast(_with(SERIES, slice(-6, None), np.nan)), ValueError, "all NaN"),
    # --- make_windows
    ("windows series too short", lambda: make_windows(SERIES[:4], look_back=3, horizon=2), ValueError, "look_back \\+ horizon = 5 rows, got 4"),
    ("windows look_back=0", lambda: make_windows(SERIES, look_back=0), ValueError, "look_back"),
    ("windows negative horizon", lambda: make_windows(SERIES, 3, horizon=-1), ValueError, "horizon"),
    ("windows float look_back", lambda: make_windows(SERIES, 2.5), TypeError, "look_back"),
    ("windows NaN", lambda: make_windows(_with(SERIES, 3, np.nan), 3), ValueError, "NaN"),
    ("windows inf", lambda: make_windows(_with(SERIES, 3, np.inf), 3), ValueError, "inf"),
    ("windows empty", lambda: make_windows(np.array([]), 3), ValueError, "empty|at least"),
    ("windows 3-D", lambda: make_windows(np.zeros((5, 2, 2)), 2), ValueError, "series must be 1-D.*or 2-D"),
    ("windows ragged", lambda: make_windows([[1, 2], [1]], 1), ValueError, "rectangular"),
    ("windows strings", lambda: make_windows(np.array(["a", "b", "c"]), 1), TypeError, "real numbers"),
    ("windows bad target", lambda: make_windows(np.zeros((10, 2)), 2, target=5), ValueError, "target=5 is out of range"),
    ("windows target on 1-D", lambda: make_windows(SERIES, 2, target=0), ValueError, "target"),
    # --- SlidingWindowTransformer
    ("swt look_back=0", lambda: SlidingWindowTransformer(look_back=0).fit(X2), InvalidParameterError, "look_back"),
    ("swt 1-D X", lambda: SlidingWindowTransformer().fit(SERIES), ValueError, "Expected 2D array"),
    ("swt empty", lambda: SlidingWindowTransformer().fit(np.empty((0, 2))), ValueError, "0 sample"),
    ("swt strings", lambda: SlidingWindowTransformer().fit([["a"], ["b"]]), ValueError, "numeric|convert"),
    ("swt inf", lambda: SlidingWindowTransformer().fit(_with(X2, (0, 0), np.inf)), ValueError, "infinity"),
    ("swt transform other n_features", _swt_transform(np.zeros((5, 3))), ValueError, "features"),
    ("swt unfitted", lambda: SlidingWindowTransformer().transform(X2), Exception, "not fitted"),
]  # fmt: skip


@pytest.mark.parametrize(
    "call, exception, match",
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_bad_input_is_rejected_with_a_clear_message(call, exception, match):
    with pytest.raises(exception, match=match):
        call()


def test_datasets_loaders_take_no_arguments():
    with pytest.raises(TypeError):
        load_airline("airline.csv")


def test_table_covers_every_public_entry_point():
    names = " ".join(case[0] for case in CASES)
    for prefix in [
        "reg ",
        "reg predict",
        "fc ",
        "fc predict",
        "fc forecast",
        "windows",
        "swt",
    ]:
        assert prefix in names
    assert isinstance(pd.Series(SERIES), pd.Series)  # inputs are plain data
