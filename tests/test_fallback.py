"""linear_fallback: the blend of the network and a ridge on its skip path's inputs."""

import copy
import io
import pickle
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.linear_model import Ridge

import sklstm
import sklstm._fallback as fallback
from sklstm import LSTMForecaster, make_windows
from sklstm._data import _WindowDataset

# Tiny nets: the fallback is about the blend, not about the LSTM.
FAST = dict(hidden_size=4, max_epochs=3, random_state=0, target_transform=None)


def _integrated_ar(n=260, seed=0):
    """A series whose best forecast is linear in its window (and no level)."""
    rng = np.random.default_rng(seed)
    d = np.zeros(n)
    for t in range(1, n):
        d[t] = 0.8 * d[t - 1] + rng.normal()
    return 50.0 + np.cumsum(d)


def _windows(n=260, horizon=4, look_back=12):
    return make_windows(_integrated_ar(n), look_back=look_back, horizon=horizon)


def _force(monkeypatch, weight):
    """Make the hold-out choose ``weight``."""
    monkeypatch.setattr(fallback, "_GRID", (weight,))


def test_fold_is_the_blend_of_network_and_ridge():
    est = LSTMForecaster(horizon=3, linear_fallback=False, **FAST)
    X, y = _windows(horizon=3)
    est.fit(X, y)
    module = est.net_.module_
    rng = np.random.default_rng(1)
    ridge = (rng.normal(size=(3, module.skip_length)), rng.normal(size=3))
    Xs = torch.as_tensor(rng.normal(size=(7, 12, 1)), dtype=torch.float32)
    with torch.no_grad():
        network = module(Xs)
        linear = fallback._apply_ridge(module, ridge, Xs)
        blended = copy.deepcopy(module)
        fallback.fold(blended, ridge, 0.3)
        got = blended(Xs)
    np.testing.assert_allclose(got, 0.3 * network + 0.7 * linear, atol=1e-5)
    # The ridge alone where the weight is 0.
    fallback.fold(module, ridge, 0.0)
    with torch.no_grad():
        np.testing.assert_allclose(module(Xs), linear, atol=1e-5)


def test_fold_blends_every_member_of_an_ensemble():
    est = LSTMForecaster(horizon=2, n_estimators=2, linear_fallback=False, **FAST)
    est.fit(*_windows(horizon=2))
    module = est.net_.module_
    rng = np.random.default_rng(2)
    ridge = (rng.normal(size=(2, module.skip_length)), rng.normal(size=2))
    Xs = torch.as_tensor(rng.normal(size=(5, 12, 1)), dtype=torch.float32)
    with torch.no_grad():
        expected = 0.5 * module(Xs) + 0.5 * fallback._apply_ridge(module, ridge, Xs)
        fallback.fold(module, ridge, 0.5)
        np.testing.assert_allclose(module(Xs), expected, atol=1e-5)


def test_ridge_is_sklearns_weighted_ridge_on_the_skip_inputs():
    rng = np.random.default_rng(3)
    X = torch.as_tensor(rng.normal(size=(40, 6, 1)), dtype=torch.float32)
    Y = rng.normal(size=(40, 2))
    w = rng.uniform(0.5, 2.0, size=40)
    dataset = _WindowDataset(X, torch.as_tensor(np.c_[Y, w], dtype=torch.float32))

    class Member:  # what _ridge reads of a module
        skip_length = 4
        n_members = 1
        skip = torch.nn.Linear(4, 2)

    coef, intercept = fallback._ridge(Member(), dataset, alpha=2.0)
    Z = X[:, -4:, 0].double().numpy()
    ref = Ridge(alpha=2.0).fit(Z, Y, sample_weight=w / w.mean())
    np.testing.assert_allclose(coef, ref.coef_, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(intercept, ref.intercept_, rtol=1e-4, atol=1e-5)


def test_weight_one_is_the_network_alone(monkeypatch):
    # The hold-out network trains first; the final one must not notice.
    X, y = _windows()
    plain = LSTMForecaster(horizon=4, linear_fallback=False, **FAST).fit(X, y)
    _force(monkeypatch, 1.0)
    est = LSTMForecaster(horizon=4, linear_fallback=True, **FAST).fit(X, y)
    assert est.network_weight_ == 1.0 and plain.network_weight_ == 1.0
    np.testing.assert_array_equal(est.predict(X), plain.predict(X))
    assert est.n_epochs_ == plain.n_epochs_ == 3


def test_the_fallback_is_no_worse_than_ridge_on_a_linear_series():
    # The truth is linear in the window; a barely trained LSTM is not, so
    # the network alone loses to Ridge and the fallback must not (the margin:
    # 10% of Ridge's error).
    series = _integrated_ar(400, seed=4)
    X, y = make_windows(series, look_back=12, horizon=4)
    X_train, y_train, X_test, y_test = X[:300], y[:300], X[303:], y[303:]

    def mae(model):
        return np.mean(np.abs(model.predict(X_test) - y_test))

    ridge = mae(Ridge(alpha=1.0).fit(X_train, y_train))
    params = dict(FAST, max_epochs=2)
    alone = LSTMForecaster(horizon=4, linear_fallback=False, **params)
    blended = LSTMForecaster(horizon=4, linear_fallback="auto", **params)
    alone, blended = alone.fit(X_train, y_train), blended.fit(X_train, y_train)
    assert mae(alone) > 1.1 * ridge  # so the check below can fail
    assert blended.network_weight_ < 1.0
    assert mae(blended) <= 1.1 * ridge


@pytest.mark.parametrize(
    "params",
    [
        dict(linear_fallback=True, quantiles=[0.1, 0.5, 0.9]),
        dict(linear_fallback=True, linear_skip=False),
        dict(quantiles=[0.1, 0.5, 0.9]),
        dict(linear_fallback=False),
    ],
    ids=["quantiles-true", "no-skip", "quantiles-auto", "off"],
)
def test_not_applied_where_it_is_not_meant_for(params, monkeypatch):
    # A grid without 1.0: had the fallback run, the weight would not be 1.
    _force(monkeypatch, 0.5)
    X, y = _windows(n=120)
    est = LSTMForecaster(horizon=4, **{**FAST, **params}).fit(X, y)
    assert est.network_weight_ == 1.0


def test_auto_stops_above_the_window_threshold(monkeypatch):
    _force(monkeypatch, 0.5)
    X, y = _windows(n=120)
    monkeypatch.setattr(fallback, "_MAX_WINDOWS", len(X) - 1)
    auto = LSTMForecaster(horizon=4, **FAST)  # "auto", the default
    assert auto.fit(X, y).network_weight_ == 1.0
    # True applies at any size.
    forced = LSTMForecaster(horizon=4, linear_fallback=True, **FAST).fit(X, y)
    assert forced.network_weight_ == 0.5
    monkeypatch.setattr(fallback, "_MAX_WINDOWS", len(X))
    assert auto.fit(X, y).network_weight_ == 0.5


def test_too_few_windows_for_a_hold_out_leave_the_network_alone(monkeypatch):
    _force(monkeypatch, 0.5)
    X, y = _windows(n=12 + 4 + 8)  # 9 windows: 2 held out leave 7 < 8
    est = LSTMForecaster(horizon=4, linear_fallback=True, **FAST).fit(X, y)
    assert est.network_weight_ == 1.0


def test_the_blend_needs_to_beat_the_network_by_the_tolerance(monkeypatch):
    # With a tolerance no blend can meet, the network is kept alone.
    monkeypatch.setattr(fallback, "_TOL", 1.0)
    X, y = _windows(n=120)
    est = LSTMForecaster(horizon=4, linear_fallback=True, **FAST).fit(X, y)
    assert est.network_weight_ == 1.0


def test_a_continued_fit_keeps_the_blended_weights(monkeypatch):
    _force(monkeypatch, 0.5)
    X, y = _windows(n=120)
    est = LSTMForecaster(horizon=4, warm_start=True, linear_fallback=True, **FAST)
    est.fit(X, y)
    est.partial_fit(X, y)
    assert est.network_weight_ == 0.5 and est.n_epochs_ == 4


def test_blended_model_survives_clone_pickle_save_and_onnx(monkeypatch, tmp_path):
    _force(monkeypatch, 0.5)
    X, y = _windows(n=120)
    est = LSTMForecaster(horizon=4, linear_fallback=True, **FAST).fit(X, y)
    assert est.network_weight_ == 0.5
    expected = est.predict(X)
    np.testing.assert_array_equal(clone(est).fit(X, y).predict(X), expected)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(est)).predict(X), expected)
    sklstm.save(est, tmp_path / "model.sklstm")
    loaded = sklstm.load(tmp_path / "model.sklstm")
    np.testing.assert_array_equal(loaded.predict(X), expected)
    assert loaded.network_weight_ == 0.5

    ort = pytest.importorskip("onnxruntime")
    buffer = io.BytesIO()
    sklstm.to_onnx(est, buffer)
    session = ort.InferenceSession(buffer.getvalue())
    got = session.run(None, {"X": X[:, :, None].astype(np.float32)})[0]
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-3)


def test_fits_in_threads_equal_serial_fits():
    X, y = _windows(n=120)

    def fit(seed):
        params = {**FAST, "random_state": seed, "dropout": 0.3}
        est = LSTMForecaster(horizon=4, linear_fallback=True, **params).fit(X, y)
        return est.network_weight_, est.predict(X[:20])

    serial = [fit(seed) for seed in (0, 1, 2)]
    with ThreadPoolExecutor(3) as pool:
        threaded = list(pool.map(fit, (0, 1, 2)))
    for (w_a, a), (w_b, b) in zip(serial, threaded):
        assert w_a == w_b
        np.testing.assert_array_equal(a, b)
