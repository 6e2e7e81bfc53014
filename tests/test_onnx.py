"""sklstm.to_onnx: the exported graph, run by onnxruntime, against predict."""

import io

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklstm import (
    LSTMClassifier,
    LSTMForecaster,
    LSTMRegressor,
    SlidingWindowTransformer,
    make_windows,
    to_onnx,
)
from sklstm.datasets import load_airline

# Accuracy does not matter here, only that the graph computes what predict does.
FAST = dict(hidden_size=6, max_epochs=1, batch_size=32, random_state=0)


def _session(est, **kwargs):
    buffer = io.BytesIO()
    assert to_onnx(est, buffer, **kwargs) is buffer
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    return ort.InferenceSession(buffer.getvalue(), options), buffer.getvalue()


def _run(session, X3):
    return session.run(None, {"X": np.asarray(X3, dtype=np.float32)})[0]


def _assert_close(got, expected):
    assert got.dtype == np.float32
    assert got.shape == expected.shape
    scale = max(1.0, float(np.abs(expected).max()))
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5 * scale)


def _airline_windows():
    y = load_airline().to_numpy()
    X, Y = make_windows(y, look_back=30, horizon=12)
    return y, X, Y


# Every supported forecaster configuration, each on real or random data.
FORECASTERS = {
    # airline: levels, window normalisation, one direct pass.
    "airline-direct": dict(horizon=12),
    # airline: recursive, seasonal differencing, 12 one-step passes.
    "airline-recursive-diff12": dict(horizon=1, strategy="recursive", difference=12),
    # airline: direct rolled past the horizon, no normalisation, look_back.
    "airline-direct-rolled-levels": dict(
        horizon=12, normalize=None, look_back=24, difference=1, steps=30
    ),
    # airline in log units, recursive and differenced: the log is taken
    # before the differences and undone after the roll.
    "airline-log-recursive-diff1": dict(
        horizon=3, strategy="recursive", target_transform="log", difference=1, steps=7
    ),
    "airline-log1p-direct": dict(horizon=12, target_transform="log1p"),
    # two networks side by side: the graph averages them.
    "airline-two-networks": dict(horizon=12, n_estimators=2),
    # gate cell, stacked and bidirectional (on short windows: the graph
    # unrolls the gate cell step by step).
    "airline-gates-stacked-bidirectional": dict(
        horizon=12,
        cell="gates",
        num_layers=2,
        bidirectional=True,
        difference=1,
        look_back=8,
    ),
}


@pytest.mark.parametrize("params", FORECASTERS.values(), ids=FORECASTERS.keys())
def test_forecaster_graph_matches_predict_on_airline(params):
    params = dict(params)
    steps = params.pop("steps", None)
    y, X, Y = _airline_windows()
    horizon = params["horizon"]
    est = LSTMForecaster(**FAST, **params)
    est.fit(X, Y[:, 0] if horizon == 1 else Y[:, :horizon])
    session, _ = _session(est, steps=steps)
    # Dynamic batch axis: one window, then all of them.
    for windows in (X[-1:], X):
        cut = windows[:, -est.look_back_ :, None]
        expected = est._predict_windows(cut, steps or horizon)
        _assert_close(_run(session, windows[:, :, None]), expected)
    # The graph continues the series as forecast does.
    last = y[-30:][None, :, None]
    _assert_close(_run(session, last)[0], est.forecast(y, steps or horizon))


def test_forecaster_graph_with_covariates_on_random_data():
    rng = np.random.default_rng(1)
    series = np.cumsum(rng.normal(size=(300, 3)), axis=0) + 50
    X, Y = make_windows(series, look_back=16, horizon=4, target=1)
    est = LSTMForecaster(horizon=4, target_index=1, num_layers=2, **FAST).fit(X, Y)
    session, _ = _session(est)
    _assert_close(_run(session, X), est.predict(X))
    with pytest.raises(ValueError, match="covariates whose future values"):
        to_onnx(est, io.BytesIO(), steps=5)


REGRESSORS = {
    "bidirectional-one-target": dict(bidirectional=True),
    "sequences-two-targets": dict(return_sequences=True, num_layers=2),
    "gates-bidirectional-targets": dict(cell="gates", bidirectional=True),
    "two-networks-sequences": dict(return_sequences=True, n_estimators=2),
}


@pytest.mark.parametrize("params", REGRESSORS.values(), ids=REGRESSORS.keys())
def test_regressor_graph_matches_predict_on_random_data(params):
    rng = np.random.default_rng(0)
    X = rng.normal(loc=3, scale=2, size=(50, 7, 2))
    if params.get("return_sequences"):
        y = np.stack([X[:, :, 0].cumsum(1), X[:, :, 1] * 5], axis=2)
    elif params.get("cell") == "gates":
        y = np.column_stack([X[:, -1, 0], 100 + X[:, :, 1].sum(1)])
    else:
        y = X[:, :, 0].sum(axis=1)
    est = LSTMRegressor(**FAST, **params).fit(X, y)
    session, _ = _session(est)
    for rows in (X[:1], X):
        _assert_close(_run(session, rows), est.predict(rows))


@pytest.mark.parametrize(
    "params", [dict(bidirectional=True), dict(n_estimators=2)], ids=["bi", "two"]
)
def test_classifier_graph_returns_predict_proba(params):
    rng = np.random.default_rng(2)
    X = rng.normal(size=(60, 6, 2))
    labels = np.array(["a", "b", "c"])[np.digitize(X[:, -1, 0], [-0.5, 0.5])]
    est = LSTMClassifier(**params, **FAST).fit(X, labels)
    session, _ = _session(est)
    for rows in (X[:1], X):
        proba = _run(session, rows)
        _assert_close(proba, est.predict_proba(rows))
        np.testing.assert_array_equal(
            est.classes_[proba.argmax(axis=1)], est.predict(rows)
        )


def test_graph_declares_opset_and_dynamic_batch(tmp_path):
    _, X, Y = _airline_windows()
    est = LSTMForecaster(horizon=12, **FAST).fit(X[:40], Y[:40])
    path = tmp_path / "model.onnx"
    assert to_onnx(est, path, opset=18) == path
    model = onnx.load(str(path))
    onnx.checker.check_model(model)
    assert [o.version for o in model.opset_import if o.domain in ("", "ai.onnx")] == [
        18
    ]
    (graph_input,) = model.graph.input
    assert graph_input.name == "X"
    dims = graph_input.type.tensor_type.shape.dim
    assert dims[0].dim_param == "batch"
    assert [d.dim_value for d in dims[1:]] == [30, 1]
    (graph_output,) = model.graph.output
    assert graph_output.name == "y"
    assert graph_output.type.tensor_type.shape.dim[0].dim_param == "batch"


def test_quantile_heads_are_not_exported():
    _, X, Y = _airline_windows()
    est = LSTMForecaster(horizon=12, quantiles=(0.1, 0.9), **FAST).fit(X, Y)
    with pytest.raises(NotImplementedError, match="does not export quantile heads"):
        to_onnx(est, io.BytesIO())


def test_unsupported_estimators_raise():
    X = np.random.default_rng(0).normal(size=(30, 5))
    y = X.sum(axis=1)
    with pytest.raises(
        NotImplementedError, match="exports LSTMRegressor, LSTMClassifier"
    ):
        to_onnx(SlidingWindowTransformer(look_back=2).fit(X), io.BytesIO())
    pipe = make_pipeline(StandardScaler(), LSTMRegressor(max_epochs=1)).fit(X, y)
    with pytest.raises(NotImplementedError, match="got Pipeline"):
        to_onnx(pipe, io.BytesIO())
    with pytest.raises(NotFittedError):
        to_onnx(LSTMRegressor(), io.BytesIO())
    with pytest.raises(ValueError, match="steps is for LSTMForecaster"):
        to_onnx(pipe[-1], io.BytesIO(), steps=2)
