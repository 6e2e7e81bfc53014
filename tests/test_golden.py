"""Recorded models still load and predict what they predicted, and refits
come out as they did (see ``tests/_golden.py``, which recorded them)."""

import json
import pickle
import warnings

import numpy as np
import pytest
from _golden import CONFIGS, GOLDEN_DIR, api, fit, outputs
from _golden import _data as golden_data

import sklstm
from sklstm.exceptions import VersionMismatchWarning


def _recorded(name):
    with np.load(GOLDEN_DIR / f"{name}.npz") as data:
        return dict(data)


def _inputs(name):
    _, kind, _ = CONFIGS[name]
    _, _, X_test, history = golden_data(kind)
    return X_test, history


def _assert_outputs(got, want, **tolerance):
    assert sorted(got) == sorted(want)
    for key in want:
        if key == "train_loss" and not tolerance:
            continue  # a loaded model's history is compared on its own
        if tolerance:
            np.testing.assert_allclose(got[key], want[key], err_msg=key, **tolerance)
        else:
            np.testing.assert_array_equal(got[key], want[key], err_msg=key)


@pytest.mark.parametrize("name", CONFIGS)
def test_saved_file_predicts_what_was_recorded(name):
    est = sklstm.load(GOLDEN_DIR / f"{name}.sklstm")
    want = _recorded(name)
    got = outputs(est, *_inputs(name))
    _assert_outputs(got, want)
    np.testing.assert_array_equal(got["train_loss"], want["train_loss"])


@pytest.mark.parametrize("name", CONFIGS)
def test_pickle_predicts_what_was_recorded(name):
    with open(GOLDEN_DIR / f"{name}.pkl", "rb") as file, warnings.catch_warnings():
        # A later version warns that the pickle is older; it must still work.
        warnings.simplefilter("ignore", VersionMismatchWarning)
        est = pickle.load(file)
    _assert_outputs(outputs(est, *_inputs(name)), _recorded(name))


@pytest.mark.parametrize("name", CONFIGS)
def test_refit_gives_the_recorded_outputs(name):
    # Bit-equality holds on the machine that recorded them; elsewhere float32
    # kernels may differ in their last bits, which a few epochs can grow.
    _assert_outputs(outputs(*fit(name)), _recorded(name), rtol=1e-3, atol=1e-5)


def test_public_api_is_unchanged():
    with open(GOLDEN_DIR / "api.json") as file:
        assert api() == json.load(file)
