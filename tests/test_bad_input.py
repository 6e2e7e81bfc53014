"""Every public entry point rejects bad input loudly, naming what is wrong.

One table. Each row is (entry point, kind of bad input, detail, call, expected
exception, argument, pattern): the message must name the argument (as a word)
and match the pattern, which picks the part of the message that says what is
wrong and how to fix it. ``test_table_covers_the_issue`` checks that every kind
of bad input the reliability issue lists is covered for every entry point it
applies to.
"""

import functools
import re

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.utils._param_validation import InvalidParameterError

from sklstm import (
    LSTMClassifier,
    LSTMForecaster,
    LSTMRegressor,
    SlidingWindowTransformer,
    make_windows,
)
from sklstm.datasets import load_airline, load_elnino

FAST = dict(hidden_size=4, max_epochs=1, random_state=0)
RNG = np.random.default_rng(0)
X3 = RNG.normal(size=(20, 6, 2))  # 20 sequences, 6 steps, 2 channels
X2 = RNG.normal(size=(20, 6))  # 20 univariate windows of 6 steps
Y1 = RNG.normal(size=20)
Y3 = RNG.normal(size=(20, 3))
SERIES = RNG.normal(size=50)
LABELS = np.array(["a", "b", "c"])[np.arange(20) % 3]
FRAME = pd.DataFrame(
    {
        "y": RNG.normal(size=40) + 5,
        "temp": RNG.normal(size=40),
        "rain": RNG.normal(size=40),
    }
)
XF, YF = make_windows(FRAME, 4, 3, target=0, future_covariates=[1])  # (34, 7, 3)
AHEAD = FRAME[["temp"]].iloc[:3]


def _with(array, index, value):
    out = np.array(array, dtype=float)
    out[index] = value
    return out


@functools.cache
def _fitted(name):
    """Models fitted once and shared by the rows that only predict."""
    if name == "reg":
        return LSTMRegressor(**FAST).fit(X3, Y1)
    if name == "fc":
        return LSTMForecaster(horizon=3, **FAST).fit(X2, Y3)
    if name == "fc2":  # two channels
        return LSTMForecaster(horizon=3, **FAST).fit(X3, Y3)
    if name == "clf":
        return LSTMClassifier(**FAST).fit(X3, LABELS)
    if name == "fc_diff":
        return LSTMForecaster(horizon=3, difference=1, **FAST).fit(X2, Y3)
    if name == "fc_cal":  # 5 calibration windows
        return LSTMForecaster(horizon=3, calibration_fraction=0.25, **FAST).fit(X2, Y3)
    if name == "fc_future":  # channel 1 known ahead
        return LSTMForecaster(horizon=3, **FAST).fit(
            *make_windows(FRAME, 4, 3, target=0, future_covariates=[1])
        )
    return SlidingWindowTransformer(look_back=3).fit(X2)


def reg_fit(X, y=Y1, **params):
    return lambda: LSTMRegressor(**{**FAST, **params}).fit(X, y)


def reg_predict(X):
    return lambda: _fitted("reg").predict(X)


def clf_fit(X, y=LABELS, **params):
    return lambda: LSTMClassifier(**{**FAST, **params}).fit(X, y)


def clf_predict(X, method="predict"):
    return lambda: getattr(_fitted("clf"), method)(X)


def fc_fit(X, y=Y1, **params):
    return lambda: LSTMForecaster(**{**FAST, **params}).fit(X, y)


def fc_predict(X, model="fc"):
    return lambda: _fitted(model).predict(X)


def fc_forecast(history, model="fc", **kwargs):
    return lambda: _fitted(model).forecast(history, **kwargs)


def swt_fit(X, **params):
    return lambda: SlidingWindowTransformer(**params).fit(X)


def swt_transform(X):
    return lambda: _fitted("swt").transform(X)


def windows(series, *args, **kwargs):
    return lambda: make_windows(series, *args, **kwargs)


def _continue(method, X, y, X_next, y_next, **params):
    def call():
        model = LSTMRegressor(**{**FAST, **params})
        getattr(model, method)(X, y)
        getattr(model, method)(X_next, y_next)

    return call


REG, REG_P, REG_PF = "LSTMRegressor.fit", "LSTMRegressor.predict", "partial_fit"
FC, FC_P, FC_F = "LSTMForecaster.fit", "LSTMForecaster.predict", "forecast"
REG_S, FC_S = "LSTMRegressor.score", "LSTMForecaster.score"
INT = "predict_interval, predict_quantiles, calibrate"
CLF, CLF_P = "LSTMClassifier.fit", "LSTMClassifier.predict"
SWT, SWT_T = "SlidingWindowTransformer.fit", "SlidingWindowTransformer.transform"
MW = "make_windows"
NAN_FIX = "NaN is accepted only for whole missing time steps"
RAGGED_FIX = "ragged.*left-pad the shorter sequences with all-NaN time steps"
NUMBERS_FIX = "must hold numbers.*Encode text or categorical columns"
SHAPE_FIX = "fitted on sequences of 6 time step.*Left-pad shorter sequences"
VE, TE, IPE = ValueError, TypeError, InvalidParameterError

CASES = [
    # ------------------------------------------------------ LSTMRegressor.fit
    (REG, "nan_inf", "NaN in some features of a step", reg_fit(_with(X3, (0, 2, 1), np.nan)), VE, "X", "some but not all features.*sample 0, step 2.*impute"),
    (REG, "nan_inf", "all-NaN sample", reg_fit(_with(X3, 3, np.nan)), VE, "X", r"all NaN \(first: \[3\]\).*Drop those samples"),
    (REG, "nan_inf", "NaN with return_sequences", reg_fit(_with(X2, (0, 0), np.nan), X2, return_sequences=True), VE, "X", "only supported with return_sequences=False; impute"),
    (REG, "nan_inf", "inf in X", reg_fit(_with(X3, (1, 1, 1), np.inf)), VE, "X", f"infinity.*{NAN_FIX}"),
    (REG, "nan_inf", "-inf in X", reg_fit(_with(X3, (1, 1, 1), -np.inf)), VE, "X", "Replace or drop the infinite values"),
    (REG, "nan_inf", "NaN in y", reg_fit(X3, _with(Y1, 3, np.nan)), VE, "y", "contains NaN.*drop the samples whose target is missing"),
    (REG, "nan_inf", "inf in y", reg_fit(X3, _with(Y1, 3, np.inf)), VE, "y", "infinity.*Replace or drop the infinite values in y"),
    (REG, "nan_inf", "beyond float32", reg_fit(_with(X3, (0, 0, 0), 1e39), scale_X=False), VE, "X", "beyond the float32 range.*divide X by a constant"),
    (REG, "nan_inf", "std overflows", reg_fit(X3, Y1 * 1e300), VE, "y", "overflows float64; divide y by a constant"),
    (REG, "empty", "no samples", reg_fit(np.empty((0, 6)), np.empty(0)), VE, "X", "0 sample.*X is empty: pass at least one sample"),
    (REG, "empty", "no columns", reg_fit(np.empty((20, 0))), VE, "X", "0 feature.*every sequence needs at least one"),
    (REG, "empty", "3-D without time steps", reg_fit(np.empty((20, 0, 2))), VE, "X", r"\(0, 2\); every sequence needs at least one time step"),
    (REG, "empty", "3-D without channels", reg_fit(np.empty((20, 6, 0))), VE, "X", r"\(6, 0\); every sequence needs at least one time step and one feature"),
    (REG, "empty", "y without columns", reg_fit(X3, np.empty((20, 0))), VE, "y", "y has no columns: pass at least one"),
    (REG, "ndim", "1-D X", reg_fit(SERIES, SERIES), VE, "X", r"1D array.*make_windows\(series, look_back\)"),
    (REG, "ndim", "scalar X", reg_fit(3.0, 1.0), VE, "X", r"scalar array.*Reshape your data.*X.reshape\(1, -1\) for a single sequence"),
    (REG, "ndim", "4-D X", reg_fit(np.zeros((4, 3, 2, 2)), np.zeros(4)), VE, "X", r"2-D or 3-D.*got 4-D.*Reshape X"),
    (REG, "ndim", "3-D y", reg_fit(X3, np.zeros((20, 2, 2))), VE, "y", r"dim 3.*y must be 1-D \(n_samples,\) or 2-D"),
    (REG, "ndim", "return_sequences y 1-D", reg_fit(X3, Y1, return_sequences=True), VE, "y", r"return_sequences=True, y must have shape \(n_samples, seq_len\)"),
    (REG, "ragged", "ragged X", reg_fit([[1, 2, 3], [1, 2]], [1, 2]), VE, "X", RAGGED_FIX),
    (REG, "ragged", "ragged y", reg_fit(X3[:2], [[1.0, 2.0], [3.0]]), VE, "y", "y is ragged.*rectangular"),
    (REG, "dtype", "strings", reg_fit([["a", "b"], ["c", "d"]], [1, 2]), VE, "X", NUMBERS_FIX),
    (REG, "dtype", "object array with text", reg_fit(np.array([[1, "x"], [2, "y"]], dtype=object), [1, 2]), VE, "X", "must hold numbers, but could not convert.*Encode text"),
    (REG, "dtype", "DataFrame with a text column", reg_fit(pd.DataFrame({"a": list("abcd"), "b": range(4)}), np.arange(4.0)), VE, "X", NUMBERS_FIX),
    (REG, "dtype", "object array with a dict", reg_fit(np.array([[{}, 1.0]] * 4, dtype=object), np.arange(4.0)), TE, "argument", "must be a string or a real number"),
    (REG, "dtype", "complex X", reg_fit(X2.astype(complex)), VE, "X", r"Complex data not supported.*np.real\(X\)"),
    (REG, "dtype", "string y", reg_fit(X3[:2], ["a", "b"]), VE, "y", NUMBERS_FIX),
    (REG, "length", "X/y length mismatch", reg_fit(X3, Y1[:10]), VE, "y", "X has 20, y has 10.*one row of y per sample of X"),
    (REG, "length", "mismatch with return_sequences", reg_fit(X2, X2[:5], return_sequences=True), VE, "y", "X has 20, y has 5"),
    (REG, "other", "y None", reg_fit(X3, None), VE, "y", r"requires y.*fit\(X, y\)"),
    (REG, "n_features", "not dividing the columns", reg_fit(X2, n_features=4), VE, "n_features", "6 columns, which is not a multiple of n_features=4.*fix n_features"),
    (REG, "n_features", "n_features vs 3-D", reg_fit(X3, n_features=3), VE, "n_features", "does not match the last dimension.*Set n_features=None"),
    (REG, "sizes", "hidden_size=0", reg_fit(X3, hidden_size=0), IPE, "hidden_size", r"range \[1, inf\). Got 0"),
    (REG, "sizes", "num_layers=0", reg_fit(X3, num_layers=0), IPE, "num_layers", r"range \[1, inf\). Got 0"),
    (REG, "sizes", "n_features=0", reg_fit(X2, n_features=0), IPE, "n_features", r"range \[1, inf\) or None. Got 0"),
    (REG, "sizes", "batch_size=0", reg_fit(X3, batch_size=0), IPE, "batch_size", r"range \[1, inf\) or a str among {.auto.}. Got 0"),
    (REG, "sizes", "max_epochs='many'", reg_fit(X3, max_epochs="many"), IPE, "max_epochs", r"str among {.auto.}. Got .many."),
    (REG, "sizes", "max_epochs=-1", reg_fit(X3, max_epochs=-1), IPE, "max_epochs", r"range \[1, inf\) or a str among {.auto.}. Got -1"),
    (REG, "sizes", "n_iter_no_change=0", reg_fit(X3, n_iter_no_change=0), IPE, "n_iter_no_change", r"range \[1, inf\). Got 0"),
    (REG, "sizes", "lr=0", reg_fit(X3, lr=0.0), IPE, "lr", r"range \(0.0, inf\). Got 0.0"),
    (REG, "sizes", "lr<0", reg_fit(X3, lr=-1.0), IPE, "lr", "Got -1.0"),
    (REG, "sizes", "validation_fraction=0", reg_fit(X3, validation_fraction=0.0), IPE, "validation_fraction", r"range \(0.0, 1.0\)"),
    (REG, "sizes", "dropout=1", reg_fit(X3, dropout=1.0), IPE, "dropout", r"range \[0.0, 1.0\)"),
    (REG, "other", "unknown cell", reg_fit(X3, cell="gru"), IPE, "cell", "among.*gates"),
    (REG, "other", "unknown optimizer", reg_fit(X3, optimizer="adamax"), IPE, "optimizer", "among.*adam"),
    (REG, "other", "unusable device", reg_fit(X3, device="gpu"), VE, "device", "cannot be used on this machine.*Use device='cpu'"),
    (REG, "sizes", "validation_fraction leaving no training samples", reg_fit(X3[:3], Y1[:3], early_stopping=True, validation_fraction=0.9), VE, "validation_fraction", "holds out all 3 samples.*Lower validation_fraction"),
    (REG, "other", "early stopping on one sample", reg_fit(X3[:1], Y1[:1], early_stopping=True), VE, "early_stopping", "needs at least 2 samples.*set early_stopping=False"),
    # -------------------------------------------------- LSTMRegressor.predict
    (REG_P, "shape", "other n_features (3-D)", reg_predict(np.zeros((2, 6, 3))), VE, "X", r"\(6, 3\), but LSTMRegressor was fitted on \(6, 2\). Pass sequences with the features seen in fit"),
    (REG_P, "shape", "other seq_len (3-D)", reg_predict(np.zeros((2, 5, 2))), VE, "X", SHAPE_FIX),
    (REG_P, "shape", "other width (2-D)", reg_predict(np.zeros((2, 11))), VE, "X", "2-D X must have 12 columns"),
    (REG_P, "nan_inf", "NaN in some features", reg_predict(_with(X3[:2], (0, 1, 0), np.nan)), VE, "X", "some but not all.*impute"),
    (REG_P, "nan_inf", "all-NaN sample", reg_predict(_with(X3[:2], 1, np.nan)), VE, "X", "all NaN.*Drop those samples"),
    (REG_P, "nan_inf", "inf", reg_predict(_with(X3[:2], (0, 1, 0), np.inf)), VE, "X", NAN_FIX),
    (REG_P, "empty", "no samples", reg_predict(np.empty((0, 6, 2))), VE, "X", "X is empty: pass at least one sample"),
    (REG_P, "ndim", "1-D X", reg_predict(np.zeros(12)), VE, "X", "make_windows"),
    (REG_P, "ragged", "ragged list", reg_predict([[1.0, 2.0], [1.0]]), VE, "X", RAGGED_FIX),
    (REG_P, "dtype", "strings", reg_predict([["a"] * 12]), VE, "X", NUMBERS_FIX),
    (REG_P, "other", "unfitted", lambda: LSTMRegressor().predict(X3), NotFittedError, "LSTMRegressor", "not fitted yet.*Call 'fit'"),
    (REG_S, "length", "y shorter than X", lambda: _fitted("reg").score(X3, Y1[:10]), VE, "y", "X has 20, y has 10"),
    (REG_S, "nan_inf", "NaN in y", lambda: _fitted("reg").score(X3, _with(Y1, 0, np.nan)), VE, "y", "drop the samples whose target is missing"),
    (FC_S, "length", "y shorter than X", lambda: _fitted("fc").score(X2, Y3[:10]), VE, "y", "X has 20, y has 10"),
    (FC_S, "dtype", "strings in y", lambda: _fitted("fc").score(X2, [["a"] * 3] * 20), VE, "y", NUMBERS_FIX),
    # ---------------------------------------- continued training, same shapes
    (REG_PF, "shape", "partial_fit with other seq_len", _continue("partial_fit", X2, Y1, X2[:, :5], Y1), VE, "X", "fitted on sequences of 6 time step"),
    (REG_PF, "shape", "warm_start fit with other seq_len", _continue("fit", X2, Y1, X2[:, :5], Y1, warm_start=True), VE, "X", "fitted on sequences of 6 time step"),
    (REG_PF, "shape", "partial_fit with other targets", _continue("partial_fit", X2, Y1, X2, Y3), VE, "y", "fitted on targets of shape.*refit with warm_start=False"),
    # ----------------------------------------------------- LSTMClassifier.fit
    (CLF, "nan_inf", "NaN in some features of a step", clf_fit(_with(X3, (0, 2, 1), np.nan)), VE, "X", "some but not all features.*sample 0, step 2.*impute"),
    (CLF, "nan_inf", "all-NaN sample", clf_fit(_with(X3, 3, np.nan)), VE, "X", r"all NaN \(first: \[3\]\).*Drop those samples"),
    (CLF, "nan_inf", "inf in X", clf_fit(_with(X3, (1, 1, 1), np.inf)), VE, "X", f"infinity.*{NAN_FIX}"),
    (CLF, "nan_inf", "NaN in y", clf_fit(X3, _with(np.arange(20) % 3, 3, np.nan)), VE, "y", "contains NaN"),
    (CLF, "empty", "no samples", clf_fit(np.empty((0, 6)), np.empty(0)), VE, "X", "0 sample.*X is empty: pass at least one sample"),
    (CLF, "empty", "no columns", clf_fit(np.empty((20, 0))), VE, "X", "0 feature.*every sequence needs at least one"),
    (CLF, "ndim", "1-D X", clf_fit(SERIES, SERIES > 0), VE, "X", r"1D array.*make_windows\(series, look_back\)"),
    (CLF, "ndim", "4-D X", clf_fit(np.zeros((20, 3, 2, 2))), VE, "X", r"2-D or 3-D.*got 4-D.*Reshape X"),
    (CLF, "ndim", "2-D y", clf_fit(X3, np.c_[LABELS, LABELS]), VE, "y", r"y must be 1-D, one class label per sample.*fit one classifier per output"),
    (CLF, "ragged", "ragged X", clf_fit([[1, 2, 3], [1, 2]], [1, 2]), VE, "X", RAGGED_FIX),
    (CLF, "dtype", "strings in X", clf_fit([["a", "b"], ["c", "d"]], [1, 2]), VE, "X", NUMBERS_FIX),
    (CLF, "dtype", "continuous y", clf_fit(X3, Y1), VE, "y", "Unknown label type: continuous"),
    (CLF, "length", "X/y length mismatch", clf_fit(X3, LABELS[:10]), VE, "y", "X has 20, y has 10.*one row of y per sample of X"),
    (CLF, "n_features", "not dividing the columns", clf_fit(X2, n_features=4), VE, "n_features", "6 columns, which is not a multiple of n_features=4.*fix n_features"),
    (CLF, "sizes", "hidden_size=0", clf_fit(X3, hidden_size=0), IPE, "hidden_size", r"range \[1, inf\). Got 0"),
    (CLF, "sizes", "n_estimators=0", clf_fit(X3, n_estimators=0), IPE, "n_estimators", r"range \[1, inf\). Got 0"),
    (CLF, "other", "y None", clf_fit(X3, None), VE, "y", r"requires y.*fit\(X, y\)"),
    (CLF, "other", "one class", clf_fit(X3, ["a"] * 20), VE, "y", "at least 2 classes in y, but y contains only one class: 'a'. Pass samples of every class"),
    (CLF, "other", "class_weight with an unknown label", clf_fit(X3, class_weight={"z": 2.0}), VE, "class_weight", r"labels \['z'\] that are not classes of y.*Use the labels of y"),
    (CLF, "other", "unknown class_weight string", clf_fit(X3, class_weight="balance"), IPE, "class_weight", "balanced"),
    (CLF, "other", "scale_y is not a parameter", lambda: LSTMClassifier(scale_y=True), TE, "scale_y", "unexpected keyword argument"),
    # ------------------------------------------------- LSTMClassifier.predict
    (CLF_P, "nan_inf", "partial NaN step", clf_predict(_with(X3, (2, 1, 0), np.nan)), VE, "X", "some but not all features.*sample 2, step 1"),
    (CLF_P, "empty", "no samples", clf_predict(np.empty((0, 12))), VE, "X", "X is empty"),
    (CLF_P, "ndim", "1-D X", clf_predict(SERIES), VE, "X", "make_windows"),
    (CLF_P, "ragged", "ragged X", clf_predict([[1.0] * 12, [1.0]]), VE, "X", RAGGED_FIX),
    (CLF_P, "dtype", "strings", clf_predict([["a"] * 12]), VE, "X", NUMBERS_FIX),
    (CLF_P, "shape", "other seq_len", clf_predict(X3[:, :5]), VE, "X", "fitted on sequences of 6 time step"),
    (CLF_P, "shape", "other seq_len in predict_proba", clf_predict(X3[:, :5], "predict_proba"), VE, "X", "fitted on sequences of 6 time step"),
    (CLF_P, "other", "unfitted", lambda: LSTMClassifier().predict_proba(X3), NotFittedError, "LSTMClassifier", "not fitted yet"),
    # ----------------------------------------------------- LSTMForecaster.fit
    (FC, "nan_inf", "inf in X", fc_fit(_with(X2, (0, 0), np.inf)), VE, "X", NAN_FIX),
    (FC, "nan_inf", "NaN in some features", fc_fit(_with(X3, (4, 0, 1), np.nan)), VE, "X", "some but not all.*sample 4, step 0"),
    (FC, "nan_inf", "all-NaN window", fc_fit(_with(X2, 2, np.nan)), VE, "X", r"all NaN \(first: \[2\]\)"),
    (FC, "nan_inf", "NaN in y", fc_fit(X2, _with(Y1, 0, np.nan)), VE, "y", "drop the samples whose target is missing"),
    (FC, "nan_inf", "inf in y", fc_fit(X2, _with(Y3, (0, 1), -np.inf), horizon=3), VE, "y", "infinite values in y"),
    (FC, "nan_inf", "difference with a missing last value", fc_fit(_with(X2, (7, -1), np.nan), Y3, horizon=3, difference=1), VE, "difference", r"last 1 target values, but 1 window\(s\) of X \(first: \[7\]\) have a missing value.*use difference=None"),
    (FC, "nan_inf", "difference with no two values a lag apart", fc_fit(_with(X2, (7, slice(0, 6, 2)), np.nan), Y3, horizon=3, difference=1), VE, "difference", "two observed target values 1 steps apart, but 1 window.s. of X .first: .7.. have none.*Drop such windows"),
    (FC, "empty", "no windows", fc_fit(np.empty((0, 6)), np.empty(0)), VE, "X", "X is empty"),
    (FC, "empty", "no time steps", fc_fit(np.empty((20, 0))), VE, "X", "every sequence needs at least one"),
    (FC, "short", "look_back longer than the windows", fc_fit(X2, look_back=9), VE, "look_back", "look_back=9 is longer than the windows in X.*lower look_back"),
    (FC, "short", "difference not shorter than the windows", fc_fit(X2, difference=6), VE, "difference", "difference=6 needs windows longer than 6 steps"),
    (FC, "ndim", "1-D X", fc_fit(SERIES, SERIES), VE, "X", "make_windows"),
    (FC, "ndim", "3-D y", fc_fit(X2, Y3[:, :, None], horizon=3), VE, "y", "y must be 1-D"),
    (FC, "ndim", "y columns != horizon", fc_fit(X2, Y3, horizon=2), VE, "y", r"y must have shape \(20, 2\) for horizon=2.*make_windows"),
    (FC, "ragged", "ragged X", fc_fit([[1.0, 2.0], [1.0]], [1.0, 2.0]), VE, "X", RAGGED_FIX),
    (FC, "dtype", "strings in X", fc_fit(np.array([["a", "b"]] * 20), Y1), VE, "X", NUMBERS_FIX),
    (FC, "dtype", "strings in y", fc_fit(X2, ["a"] * 20), VE, "y", NUMBERS_FIX),
    (FC, "length", "X/y length mismatch", fc_fit(X2, Y1[:5]), VE, "y", "X has 20, y has 5"),
    (FC, "other", "y None", fc_fit(X2, None), VE, "y", "requires y"),
    (FC, "n_features", "not dividing the columns", fc_fit(X2, n_features=4), VE, "n_features", "not a multiple of n_features=4"),
    (FC, "sizes", "horizon=0", fc_fit(X2, horizon=0), IPE, "horizon", r"range \[1, inf\). Got 0"),
    (FC, "sizes", "look_back=0", fc_fit(X2, look_back=0), IPE, "look_back", r"range \[1, inf\) or None. Got 0"),
    (FC, "sizes", "difference=0", fc_fit(X2, difference=0), IPE, "difference", r"range \[1, inf\) or None. Got 0"),
    (FC, "sizes", "target_index=-1", fc_fit(X2, target_index=-1), IPE, "target_index", r"range \[0, inf\). Got -1"),
    (FC, "sizes", "n_estimators=0", fc_fit(X2, n_estimators=0), IPE, "n_estimators", r"range \[1, inf\). Got 0"),
    (FC, "other", "target_index out of range", fc_fit(X3, target_index=2), VE, "target_index", r"out of range for windows with 2 channel\(s\); use an index in \[0, 1\]"),
    (FC, "other", "unknown strategy", fc_fit(X2, strategy="dirrect"), IPE, "strategy", "among"),
    (FC, "other", "recursive with covariates", fc_fit(X3, Y3, horizon=3, strategy="recursive"), VE, "strategy", "Use strategy='direct' for windows with covariates"),
    # ------------------------------------------------- LSTMForecaster.predict
    (FC_P, "shape", "other window length", fc_predict(np.zeros((2, 5))), VE, "X", "2-D X must have 6 columns.*Left-pad shorter"),
    (FC_P, "shape", "other channels", fc_predict(np.zeros((2, 6, 2))), VE, "X", r"fitted on \(6, 1\)"),
    (FC_P, "nan_inf", "NaN in some features", fc_predict(_with(X3[:2], (0, 0, 0), np.nan), "fc2"), VE, "X", "some but not all features"),
    (FC_P, "nan_inf", "inf", fc_predict(_with(X2[:2], (1, 1), np.inf)), VE, "X", NAN_FIX),
    (FC_P, "nan_inf", "difference with a missing last value", fc_predict(_with(X2[:2], (1, -1), np.nan), "fc_diff"), VE, "X", r"window\(s\) of X \(first: \[1\]\) have a missing value"),
    (FC_P, "empty", "no windows", fc_predict(np.empty((0, 6))), VE, "X", "X is empty"),
    (FC_P, "ndim", "1-D X", fc_predict(np.zeros(6)), VE, "X", "make_windows"),
    (FC_P, "ragged", "ragged list", fc_predict([[1.0] * 6, [1.0] * 5]), VE, "X", RAGGED_FIX),
    (FC_P, "dtype", "strings", fc_predict([["a"] * 6]), VE, "X", NUMBERS_FIX),
    # ------------------------------------------------ LSTMForecaster.forecast
    (FC_F, "short", "history shorter than look_back_", fc_forecast(SERIES[:4]), VE, "history", "4 time steps.*look_back_=6; pass a longer history, or left-pad it with NaN"),
    (FC_F, "empty", "empty history", fc_forecast([]), VE, "history", "0 time steps"),
    (FC_F, "sizes", "steps=0", fc_forecast(SERIES, steps=0), VE, "steps", r"positive int \(>= 1\), got 0"),
    (FC_F, "sizes", "steps<0", fc_forecast(SERIES, steps=-2), VE, "steps", "got -2"),
    (FC_F, "sizes", "steps float", fc_forecast(SERIES, steps=2.5), TE, "steps", "positive int, got 2.5 of type float"),
    (FC_F, "shape", "other channels", fc_forecast(np.zeros((10, 2))), VE, "history", r"\(n_timesteps,\) or \(n_timesteps, 1\) to match the windows seen in fit"),
    (FC_F, "ndim", "3-D history", fc_forecast(np.zeros((10, 1, 1))), VE, "history", "must have shape"),
    (FC_F, "dtype", "strings", fc_forecast(["a"] * 10), VE, "history", NUMBERS_FIX),
    (FC_F, "dtype", "DataFrame of text", fc_forecast(pd.DataFrame({"a": list("abcdefgh")})), VE, "history", "could not convert"),
    (FC_F, "ragged", "ragged list", fc_forecast([[1.0], [1.0, 2.0]] * 5), VE, "history", "history is ragged"),
    (FC_F, "nan_inf", "inf", fc_forecast(_with(SERIES, -1, np.inf)), VE, "history", "infinite values in history"),
    (FC_F, "nan_inf", "all-NaN window", fc_forecast(_with(SERIES, slice(-6, None), np.nan)), VE, "history", "all NaN"),
    (FC_F, "nan_inf", "NaN in some features", fc_forecast(_with(X3[0], (5, 0), np.nan), "fc2"), VE, "history", "some but not all features"),
    (FC_F, "nan_inf", "difference with a missing last value", fc_forecast(_with(SERIES, -1, np.nan), "fc_diff"), VE, "history", "the last look_back_=6 steps of history have a missing value there.*end the history at an observed value"),
    (FC_F, "other", "unfitted", lambda: LSTMForecaster().forecast(SERIES), NotFittedError, "LSTMForecaster", "not fitted yet"),
    # --------------------------------------------- quantiles and intervals
    (FC, "loss", "loss with quantiles", fc_fit(X2, Y3, horizon=3, loss="squared_error", quantiles=(0.1, 0.9)), VE, "loss", "cannot be combined with quantiles.*loss='absolute_error'"),
    (FC, "loss", "unknown loss", fc_fit(X2, loss="mae"), IPE, "loss", "'absolute_error'.*Got 'mae'"),
    (FC, "error_scale", "unknown error scale", fc_fit(X2, error_scale="percent"), IPE, "error_scale", "'level'.*Got 'percent'"),
    (FC, "quantiles", "quantiles unsorted", fc_fit(X2, Y3, horizon=3, quantiles=(0.9, 0.1)), VE, "quantiles", r"sorted in increasing order without duplicates.*quantiles=\(0.1, 0.9\)"),
    (FC, "quantiles", "quantiles duplicated", fc_fit(X2, Y3, horizon=3, quantiles=(0.1, 0.5, 0.5)), VE, "quantiles", "without duplicates"),
    (FC, "quantiles", "quantile 0", fc_fit(X2, Y3, horizon=3, quantiles=(0, 0.5)), VE, "quantiles", "strictly between 0 and 1"),
    (REG, "quantiles", "quantile above 1", reg_fit(X3, quantiles=(0.5, 1.2)), VE, "quantiles", "strictly between 0 and 1"),
    (REG, "quantiles", "quantiles empty", reg_fit(X3, quantiles=[]), VE, "quantiles", "non-empty 1-D sequence"),
    (REG, "quantiles", "quantiles a scalar", reg_fit(X3, quantiles=0.5), IPE, "quantiles", "array-like or None"),
    (FC, "calibration", "calibration_fraction=1", fc_fit(X2, calibration_fraction=1.0), IPE, "calibration_fraction", r"range \(0.0, 1.0\) or None. Got 1.0"),
    (FC, "calibration", "calibration_fraction leaves no window", fc_fit(X2, calibration_fraction=0.01), VE, "calibration_fraction", "holds out 0 of 20 windows.*at least one window to calibrate on"),
    (REG, "calibration", "calibration_fraction leaves no training", reg_fit(X3, calibration_fraction=0.99), VE, "calibration_fraction", "and one to train on"),
    (INT, "calibration", "predict_interval without calibration", lambda: _fitted("fc").predict_interval(X2), VE, "calibration_fraction", r"no calibration data.*calibrate\(X_cal, y_cal\)"),
    (INT, "calibration", "forecast coverage without calibration", fc_forecast(SERIES, coverage=0.9), VE, "calibration_fraction", "no calibration data"),
    (INT, "calibration", "too few windows for the coverage", lambda: _fitted("fc_cal").predict_interval(X2, coverage=0.95), VE, "coverage", "calibrated on 5 window.*coverage=0.95.*needs at least 19.*Raise calibration_fraction"),
    (INT, "coverage", "coverage=1.5", lambda: _fitted("fc_cal").predict_interval(X2, coverage=1.5), VE, "coverage", "strictly between 0 and 1.*coverage=0.9"),
    (INT, "coverage", "coverage=0", lambda: _fitted("fc_cal").predict_interval(X2, coverage=0), VE, "coverage", "strictly between 0 and 1"),
    (INT, "coverage", "coverage list with 1", lambda: _fitted("fc_cal").predict_interval(X2, coverage=[0.5, 1]), VE, "coverage", "got \\[0.5, 1\\]"),
    (INT, "coverage", "forecast coverage=-0.1", lambda: _fitted("fc_cal").forecast(SERIES, coverage=-0.1), VE, "coverage", "strictly between 0 and 1"),
    (INT, "quantiles", "predict_quantiles without quantiles", lambda: _fitted("fc").predict_quantiles(X2), VE, "quantiles", r"fitted with quantiles=None.*quantiles=\(0.1, 0.5, 0.9\)"),
    (INT, "calibration", "calibrate with mismatched y", lambda: _fitted("fc").calibrate(X2, Y3[:5]), VE, "y", "X has 20, y has 5"),
    # ---------------------------------------------------------- make_windows
    (MW, "short", "series shorter than look_back + horizon", windows(SERIES[:4], look_back=3, horizon=2), VE, "series", r"look_back \+ horizon = 5 rows, got 4. Use a smaller look_back or horizon"),
    (MW, "short", "2-D series too short", windows(np.zeros((4, 2)), look_back=4), VE, "series", "too short"),
    (MW, "sizes", "look_back=0", windows(SERIES, look_back=0), VE, "look_back", r"positive int \(>= 1\), got 0"),
    (MW, "sizes", "negative horizon", windows(SERIES, 3, horizon=-1), VE, "horizon", "got -1"),
    (MW, "sizes", "float look_back", windows(SERIES, 2.5), TE, "look_back", "pass e.g. look_back=1"),
    (MW, "nan_inf", "NaN", windows(_with(SERIES, 3, np.nan), 3), VE, "series", "NaN or infinity; impute or drop them"),
    (MW, "nan_inf", "inf", windows(_with(SERIES, 3, np.inf), 3), VE, "series", "NaN or infinity; impute or drop them"),
    (MW, "empty", "empty series", windows(np.array([]), 3), VE, "series", "series is empty.*at least look_back \\+ horizon"),
    (MW, "ndim", "3-D series", windows(np.zeros((5, 2, 2)), 2), VE, "series", r"1-D \(n_timesteps,\) or 2-D"),
    (MW, "ndim", "scalar series", windows(np.float64(3.0), 1), VE, "series", r"1-D \(n_timesteps,\) or 2-D"),
    (MW, "ragged", "ragged list", windows([[1, 2], [1]], 1), VE, "series", "rectangular"),
    (MW, "dtype", "strings", windows(np.array(["a", "b", "c"]), 1), TE, "series", "real numbers.*convert it to a float array"),
    (MW, "dtype", "object with text", windows(np.array([1, "x", 3, 4], dtype=object), 1), TE, "series", "convert to float.*Encode or drop"),
    (MW, "other", "target out of range", windows(np.zeros((10, 2)), 2, target=5), VE, "target", r"out of range.*use a position in \[-2, 1\]"),
    (MW, "other", "target on a 1-D series", windows(SERIES, 2, target=0), VE, "target", "must be None for a 1-D series"),
    (MW, "future", "target known ahead", windows(FRAME, 4, 3, target="y", future_covariates=["y"]), VE, "future_covariates", "target column.*cannot be known ahead"),
    (MW, "future", "unknown column", windows(FRAME, 4, 3, target="y", future_covariates=["wind"]), VE, "future_covariates", r"not a column of series; its columns are \['y', 'temp', 'rain'\]"),
    (MW, "future", "1-D series", windows(SERIES, 4, 3, future_covariates=[0]), VE, "future_covariates", "series is 1-D: pass a 2-D series"),
    # ----------------------------------------------- inputs known ahead
    (FC, "future", "NaN in a known-future column", fc_fit(_with(XF, (5, 5, 1), np.nan), YF, horizon=3), VE, "X", "NaN in a known-future column: channel.*given in some but not all"),
    (FC, "future", "recursive with a covariate not known ahead", fc_fit(XF, YF, horizon=3, strategy="recursive"), VE, "strategy", r"future of channel\(s\) \[2\] is unknown.*future_covariates"),
    (FC_P, "future", "NaN ahead at predict", fc_predict(_with(XF, (2, 6, 1), np.nan), "fc_future"), VE, "X", r"NaN in a known-future column.*first: \[2\].*fill them"),
    (FC_F, "future", "no future_covariates", fc_forecast(FRAME, "fc_future"), VE, "future_covariates", "reads inputs known ahead"),
    (FC_F, "future", "too few rows", fc_forecast(FRAME, "fc_future", future_covariates=AHEAD.iloc[:2]), VE, "future_covariates", r"has 2 row\(s\), but forecasting 3 step\(s\) reads 3"),
    (FC_F, "future", "missing column", fc_forecast(FRAME, "fc_future", future_covariates=AHEAD.rename(columns={"temp": "t"})), VE, "future_covariates", r"lacks \['temp'\] and has extra \['t'\]"),
    (FC_F, "future", "extra column", fc_forecast(FRAME, "fc_future", future_covariates=AHEAD.assign(rain=0.0)), VE, "future_covariates", r"has extra \['rain'\]"),
    (FC_F, "future", "NaN ahead", fc_forecast(FRAME, "fc_future", future_covariates=_with(AHEAD, (1, 0), np.nan)), VE, "future_covariates", "contains NaN"),
    (FC_F, "future", "absent at fit", fc_forecast(X3[0], "fc2", future_covariates=X3[0, :3, 1]), VE, "future_covariates", "fitted on windows without inputs known ahead"),
    # --------------------------------------------- SlidingWindowTransformer
    (SWT, "sizes", "look_back=0", swt_fit(X2, look_back=0), IPE, "look_back", r"range \[1, inf\). Got 0"),
    (SWT, "sizes", "look_back=-1", swt_fit(X2, look_back=-1), IPE, "look_back", "Got -1"),
    (SWT, "ndim", "1-D X", swt_fit(SERIES), VE, "X", r"series.reshape\(-1, 1\)"),
    (SWT, "ndim", "3-D X", swt_fit(X3), VE, "X", r"must be 2-D \(n_timesteps, n_features\)"),
    (SWT, "empty", "no rows", swt_fit(np.empty((0, 2))), VE, "X", "X is empty"),
    (SWT, "empty", "no columns", swt_fit(np.empty((5, 0))), VE, "X", "X has no columns"),
    (SWT, "dtype", "strings", swt_fit([["a"], ["b"]]), VE, "X", NUMBERS_FIX),
    (SWT, "ragged", "ragged list", swt_fit([[1.0, 2.0], [3.0]]), VE, "X", "X is ragged.*rectangular"),
    (SWT, "nan_inf", "inf", swt_fit(_with(X2, (0, 0), np.inf)), VE, "X", "Replace or drop the infinite values in X"),
    (SWT_T, "shape", "other n_features", swt_transform(np.zeros((5, 3))), VE, "X", "expecting 6 features.*Pass X with the 6 columns seen in fit"),
    (SWT_T, "nan_inf", "inf", swt_transform(_with(X2, (0, 0), np.inf)), VE, "X", "infinite values"),
    (SWT_T, "empty", "no rows", swt_transform(np.empty((0, 6))), VE, "X", "X is empty"),
    (SWT_T, "ndim", "1-D X", swt_transform(SERIES), VE, "X", "reshape"),
    (SWT_T, "ragged", "ragged list", swt_transform([[1.0] * 6, [1.0]]), VE, "X", "X is ragged"),
    (SWT_T, "dtype", "strings", swt_transform([["a"] * 6]), VE, "X", NUMBERS_FIX),
    (SWT_T, "other", "unfitted", lambda: SlidingWindowTransformer().transform(X2), NotFittedError, "SlidingWindowTransformer", "not fitted yet"),
    # -------------------------------------------------------------- datasets
    ("datasets", "other", "load_airline takes no arguments", lambda: load_airline("airline.csv"), TE, "load_airline", "positional argument"),
    ("datasets", "other", "load_elnino takes no arguments", lambda: load_elnino(n=3), TE, "load_elnino", "unexpected keyword argument 'n'"),
]  # fmt: skip


@pytest.mark.parametrize(
    "call, exception, arg, match",
    [pytest.param(*case[3:], id=" | ".join(case[:3])) for case in CASES],
)
def test_bad_input_is_rejected_with_a_clear_message(call, exception, arg, match):
    with pytest.raises(exception) as info:
        call()
    message = str(info.value)
    assert re.search(rf"(?<![\w.]){re.escape(arg)}\b", message), (arg, message)
    assert re.search(match, message), (match, message)


# What the issue asks for, by entry point: NaN/inf, empty input, too short a
# series, wrong ndim, ragged lists, object/string dtype, X/y length, n_features
# not dividing the columns, negative or zero sizes, and predicting with another
# shape than in fit.
REQUIRED = {
    REG: {"nan_inf", "empty", "ndim", "ragged", "dtype", "length", "n_features", "sizes"},
    REG_P: {"nan_inf", "empty", "ndim", "ragged", "dtype", "shape"},
    REG_PF: {"shape"},
    REG_S: {"length", "nan_inf"},
    FC_S: {"length", "dtype"},
    CLF: {"nan_inf", "empty", "ndim", "ragged", "dtype", "length", "n_features", "sizes"},
    CLF_P: {"nan_inf", "empty", "ndim", "ragged", "dtype", "shape"},
    FC: {"nan_inf", "empty", "short", "ndim", "ragged", "dtype", "length", "n_features", "sizes", "future"},
    FC_P: {"nan_inf", "empty", "ndim", "ragged", "dtype", "shape", "future"},
    FC_F: {"nan_inf", "empty", "short", "ndim", "ragged", "dtype", "shape", "sizes", "future"},
    MW: {"nan_inf", "empty", "short", "ndim", "ragged", "dtype", "sizes", "future"},
    SWT: {"nan_inf", "empty", "ndim", "ragged", "dtype", "sizes"},
    SWT_T: {"nan_inf", "empty", "ndim", "ragged", "dtype", "shape"},
    "datasets": {"other"},
    INT: {"calibration", "coverage", "quantiles"},
}  # fmt: skip


def test_table_covers_the_issue():
    covered = {}
    for entry, kind, *_ in CASES:
        covered.setdefault(entry, set()).add(kind)
    assert set(covered) == set(REQUIRED)
    for entry, kinds in REQUIRED.items():
        assert kinds <= covered[entry], (entry, kinds - covered[entry])


def test_documented_missing_steps_are_accepted_everywhere():
    # The one exception to "NaN raises": whole missing time steps, such as the
    # leading padding of SlidingWindowTransformer, and left-padded histories.
    padded = SlidingWindowTransformer(look_back=3).fit_transform(SERIES[:, None])
    assert np.isnan(padded[:2]).any()
    reg = LSTMRegressor(**FAST).fit(padded[:-1], SERIES[1:])
    assert np.isfinite(reg.predict(padded)).all()
    fc = _fitted("fc")
    short = np.r_[np.nan, np.nan, SERIES[-4:]]  # 4 observed steps, left-padded
    assert np.isfinite(fc.forecast(short)).all()
    gappy = _with(X2[:3], (slice(None), 2), np.nan)
    assert np.isfinite(fc.predict(gappy)).all()
    assert np.isfinite(_fitted("fc_diff").predict(gappy)).all()
