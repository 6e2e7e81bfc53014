"""Golden outputs: fitted configurations whose files and outputs are recorded.

``python tests/_golden.py`` fits every configuration of :data:`CONFIGS` (tiny
networks, one torch thread, fixed seeds) and writes, into ``tests/golden/``,
each model's ``sklstm.save`` file, its pickle and an ``.npz`` of its outputs
(loss history, ``predict``, ``forecast`` past the horizon, with coverage,
``predict_quantiles``, ``predict_interval``, ``predict_proba``).

``tests/test_golden.py`` checks that the recorded files still load and
predict exactly what was recorded, and that refits come out the same within
a float tolerance. Rerun this script only when a change is meant to change
what the estimators compute, and say so in the commit.
"""

import inspect
import json
import os
import pickle
import sys
import warnings
from pathlib import Path

import numpy as np
import torch

import sklstm
from sklstm import LSTMClassifier, LSTMForecaster, LSTMRegressor, make_windows

GOLDEN_DIR = Path(__file__).parent / "golden"
TINY = {"hidden_size": 4, "max_epochs": 3, "random_state": 0}


def _series(n=160, seed=0, amplitude=0.3):
    """A positive, growing, seasonal series; with ``amplitude=0.9``,
    ``target_transform="auto"`` chooses log1p on it."""
    t = np.arange(n)
    rng = np.random.default_rng(seed)
    season = 1 + amplitude * np.sin(2 * np.pi * t / 12)
    level = 20 * np.exp(0.012 * t) * season
    return level * np.exp(0.05 * rng.standard_normal(n))


def _panel():
    return [_series(90, 1), 3 * _series(110, 2), 0.5 * _series(70, 3)]


def _covariates(n=160):
    rng = np.random.default_rng(4)
    cov = np.sin(np.arange(n) / 5.0) + 0.1 * rng.standard_normal(n)
    return np.column_stack([_series(n) + 5 * cov, cov])


def _data(kind):
    """``(X_fit, y_fit, X_test, history)`` for a data kind."""
    if kind in ("lazy", "copied", "lazy12", "h1"):
        look_back = 12 if kind == "lazy12" else 16
        X, y = make_windows(_series(), look_back, 1 if kind == "h1" else 4)
        if kind == "copied":
            X, y = np.array(X), np.array(y)
        return X, y, X[-6:], _series()
    if kind in ("peaky", "peaky_copied"):
        X, y = make_windows(_series(amplitude=0.9), 16, 4)
        if kind == "peaky_copied":
            X, y = np.array(X), np.array(y)
        return X, y, X[-6:], _series(amplitude=0.9)
    if kind == "panel":
        X, y = make_windows(_panel(), 10, 4)
        return X, y, X[-6:], _panel()
    if kind == "covariates":
        data = _covariates()
        X, y = make_windows(data, 12, 4, target=0)
        return X, y, X[-6:], data
    rng = np.random.default_rng(5)
    X = rng.standard_normal((120, 10, 2))
    if kind == "regression":
        y = X[:, -3:, 0].sum(axis=1) + 0.5 * X[:, :, 1].mean(axis=1)
        return X[:100], y[:100], X[100:], None
    if kind == "regression2":
        y = np.column_stack([X[:, -1, 0], X[:, :, 1].mean(axis=1)])
        return X[:100], y[:100], X[100:], None
    if kind == "sequences":
        y = np.cumsum(X[:, :, 0], axis=1)
        return X[:100], y[:100], X[100:], None
    if kind == "classification":
        y = np.where(X[:, -3:, 0].sum(axis=1) > 0, "up", "down")
        return X[:100], y[:100], X[100:], None
    raise ValueError(kind)


def _f(data="lazy", horizon=4, **params):
    return ("forecaster", data, {"horizon": horizon, **TINY, **params})


# name -> (estimator, data kind, parameters)
CONFIGS = {
    "fc_default_lazy": _f(),
    "fc_default_copied": _f("copied"),
    "fc_recursive": _f(strategy="recursive"),
    "fc_recursive_diff_log": _f(
        strategy="recursive", difference=1, target_transform="log"
    ),
    "fc_normalize_none": _f(normalize=None),
    "fc_normalize_none_diff": _f(normalize=None, difference=1),
    "fc_diff1": _f(difference=1),
    "fc_diff12": _f("lazy12", difference=6, look_back=10),
    "fc_transform_none": _f(target_transform=None),
    "fc_transform_log": _f(target_transform="log"),
    "fc_transform_log1p": _f(target_transform="log1p"),
    "fc_transform_auto_copied": _f("copied", target_transform="auto"),
    "fc_auto_log1p": _f("peaky"),
    "fc_auto_log1p_copied": _f("peaky_copied"),
    "fc_auto_log1p_recursive_cal": _f(
        "peaky", strategy="recursive", quantiles=(0.1, 0.9), calibration_fraction=0.2
    ),
    "fc_auto_log1p_diff_spread": _f("peaky", difference=12, error_scale="spread"),
    "fc_error_spread": _f(error_scale="spread"),
    "fc_error_spread_none": _f(error_scale="spread", target_transform=None),
    "fc_level_none": _f(target_transform=None, error_scale="level"),
    "fc_squared": _f(loss="squared_error", error_scale="spread"),
    "fc_quantiles": _f(quantiles=(0.1, 0.5, 0.9)),
    "fc_quantiles_cal": _f(quantiles=(0.1, 0.9), calibration_fraction=0.25),
    "fc_quantiles_diff": _f(
        quantiles=(0.2, 0.8), difference=1, calibration_fraction=0.25
    ),
    "fc_cal": _f(calibration_fraction=0.25),
    "fc_cal_recursive": _f(strategy="recursive", calibration_fraction=0.25),
    "fc_members": _f(n_estimators=2),
    "fc_members_quantiles": _f(n_estimators=2, quantiles=(0.1, 0.9)),
    "fc_no_skip": _f(linear_skip=False),
    "fc_skip_diff": _f(difference=2, target_transform=None),
    "fc_no_scaling": _f(scale_X=False, scale_y=False),
    "fc_early_stopping": _f(early_stopping=True, max_epochs=4),
    "fc_gates": _f(cell="gates", num_layers=2, dropout=0.2),
    "fc_horizon1": _f("h1", horizon=1),
    "fc_panel": _f("panel"),
    "fc_panel_cal": _f("panel", calibration_fraction=0.25, target_transform="log"),
    "fc_covariates": _f("covariates"),
    "fc_covariates_diff": _f("covariates", difference=1, target_transform=None),
    "fc_lookback": _f(look_back=8, difference=1),
    "reg_default": ("regressor", "regression", dict(TINY)),
    "reg_two_targets": ("regressor", "regression2", dict(TINY)),
    "reg_sequences": ("regressor", "sequences", {**TINY, "return_sequences": True}),
    "reg_quantiles_cal": (
        "regressor",
        "regression",
        {**TINY, "quantiles": (0.1, 0.5, 0.9), "calibration_fraction": 0.2},
    ),
    "reg_members": ("regressor", "regression", {**TINY, "n_estimators": 2}),
    "reg_no_scaling": ("regressor", "regression2", {**TINY, "scale_y": False}),
    "clf_default": ("classifier", "classification", dict(TINY)),
    "clf_members": ("classifier", "classification", {**TINY, "n_estimators": 2}),
}

_CLASSES = {
    "forecaster": LSTMForecaster,
    "regressor": LSTMRegressor,
    "classifier": LSTMClassifier,
}


def build(name):
    """The unfitted estimator of configuration ``name``."""
    kind, _, params = CONFIGS[name]
    return _CLASSES[kind](**params)


def fit(name):
    """``(fitted estimator, test windows, history)`` of configuration ``name``."""
    _, data, _ = CONFIGS[name]
    X, y, X_test, history = _data(data)
    with torch.random.fork_rng():
        est = build(name).fit(X, y)
    return est, X_test, history


def outputs(est, X_test, history):
    """Everything recorded of a fitted estimator, as float64 arrays."""
    out = {"train_loss": np.array(est.net_.history[:, "train_loss"], dtype=np.float64)}
    if isinstance(est, LSTMClassifier):
        out["predict_proba"] = est.predict_proba(X_test)
        return out
    out["predict"] = np.asarray(est.predict(X_test), dtype=np.float64)
    calibrated = hasattr(est, "calibration_targets_")
    if getattr(est, "quantiles_", None) is not None:
        out["predict_quantiles"] = est.predict_quantiles(X_test)
    if calibrated:
        out["predict_interval"] = est.predict_interval(X_test, coverage=[0.5, 0.8])
    if isinstance(est, LSTMForecaster):
        univariate = est.input_shape_[1] == 1
        steps = 2 * est.horizon + 1 if univariate else est.horizon
        many = history if isinstance(history, list) else [history]
        for i, series in enumerate(many):
            out[f"forecast_{i}"] = np.asarray(est.forecast(series, steps=steps))
            if calibrated:
                frame = est.forecast(series, steps=steps, coverage=[0.8, 0.95])
                out[f"forecast_interval_{i}"] = frame.to_numpy()
    return out


def api():
    """The public API: ``__all__``, and each public class's and function's
    signature (with ``get_params`` keys for the estimators)."""
    snapshot = {"__all__": sorted(sklstm.__all__)}
    for name in sorted(sklstm.__all__):
        obj = getattr(sklstm, name)
        if isinstance(obj, type):
            members = {"__init__": str(inspect.signature(obj.__init__))}
            # An estimator's inherited methods are its API too; a torch
            # module's are torch's.
            names = dir(obj) if hasattr(obj, "get_params") else vars(obj)
            for attr in sorted(names):
                member = getattr(obj, attr)
                if not attr.startswith("_") and inspect.isfunction(member):
                    members[attr] = str(inspect.signature(member))
            if hasattr(obj, "get_params"):
                members["get_params"] = sorted(obj().get_params(deep=False))
            snapshot[name] = members
        elif callable(obj):
            snapshot[name] = str(inspect.signature(obj))
    return snapshot


def record(directory=GOLDEN_DIR):
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / "api.json", "w") as file:
        json.dump(api(), file, indent=1, sort_keys=True)
        file.write("\n")
    for name in CONFIGS:
        est, X_test, history = fit(name)
        sklstm.save(est, directory / f"{name}.sklstm")
        with open(directory / f"{name}.pkl", "wb") as file:
            pickle.dump(est, file)
        np.savez(directory / f"{name}.npz", **outputs(est, X_test, history))
        print(name, file=sys.stderr)


if __name__ == "__main__":
    torch.set_num_threads(1)
    warnings.simplefilter("error", RuntimeWarning)
    record(Path(sys.argv[1]) if len(sys.argv) > 1 else GOLDEN_DIR)
    os.sys.exit(0)
