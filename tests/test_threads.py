"""Fitted estimators used from many threads at once, and fits run in threads.

A server calls one fitted model from many threads; Dask's threaded workers and
joblib's threading backend fit many estimators in one process. The tests
compare what threads get with the same calls made one at a time, bit for bit.
"""

import functools
import threading

import joblib
import numpy as np
import pytest
import torch
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit

import sklstm
from sklstm import LSTMClassifier, LSTMForecaster, LSTMRegressor, make_windows

# Dropout is on in every model: a network that another thread switched to
# training mode would drop units and give other numbers.
SMALL = dict(hidden_size=8, max_epochs=2, dropout=0.2, random_state=0)


def _data():
    rng = np.random.default_rng(0)
    t = np.arange(260)
    series = np.sin(2 * np.pi * t / 12) + 0.1 * rng.normal(size=t.size) + 3
    X, y = make_windows(series, look_back=12, horizon=3)
    labels = (y[:, 0] > X[:, -1]).astype(int)
    return series, np.ascontiguousarray(X), y, labels


def _fitted_models(tmp_path):
    series, X, y, labels = _data()
    models = {
        "regressor": LSTMRegressor(**SMALL).fit(X, y[:, 0]),
        "classifier": LSTMClassifier(**SMALL).fit(X, labels),
        "direct": LSTMForecaster(horizon=3, calibration_fraction=0.2, **SMALL).fit(
            X, y
        ),
        "recursive": LSTMForecaster(horizon=3, strategy="recursive", **SMALL).fit(X, y),
        "quantile": LSTMForecaster(
            horizon=3, quantiles=(0.1, 0.9), calibration_fraction=0.2, **SMALL
        ).fit(X, y),
        "two networks": LSTMForecaster(horizon=3, n_estimators=2, **SMALL).fit(X, y),
    }
    path = tmp_path / "direct.sklstm"
    sklstm.save(LSTMForecaster(horizon=3, **SMALL).fit(X, y), path)
    models["loaded"] = sklstm.load(path)
    return models, series, X, y, labels


def _calls(models, series, X, y, labels):
    """``(name, function)`` pairs, each a prediction call on a fitted model."""
    panel = [series[:200], series[30:], series[60:240]]
    table = []
    for rows in [slice(0, 40), slice(100, 160), slice(180, 248)]:
        Xp, yp, lp = X[rows], y[rows], labels[rows]
        table += [
            ("regressor", "predict", Xp),
            ("regressor", "score", Xp, yp[:, 0]),
            ("classifier", "predict_proba", Xp),
            ("classifier", "predict", Xp),
            ("classifier", "predict_log_proba", Xp),
            ("classifier", "score", Xp, lp),
            ("direct", "predict", Xp),
            ("direct", "predict_interval", Xp, 0.8),
            ("direct", "score", Xp, yp),
            ("recursive", "predict", Xp),
            ("quantile", "predict_quantiles", Xp),
            ("quantile", "predict_interval", Xp, [0.5, 0.9]),
            ("two networks", "predict", Xp),
            ("loaded", "predict", Xp),
        ]
    table += [
        ("direct", "forecast", series, 7),
        ("recursive", "forecast", panel, 5),
        ("quantile", "forecast", series, 3, {"coverage": 0.8}),
        ("loaded", "forecast", panel, 3),
    ]
    calls = []
    for k, (model, method, *args) in enumerate(table):
        kwargs = args.pop() if isinstance(args[-1], dict) else {}
        call = functools.partial(getattr(models[model], method), *args, **kwargs)
        calls.append((f"{model}.{method} {k}", call))
    return calls


def _same(a, b):
    if hasattr(a, "to_numpy"):
        a, b = a.to_numpy(), b.to_numpy()
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(u, v) for u, v in zip(a, b))
    return np.array_equal(np.asarray(a), np.asarray(b))


def concurrent_mismatches(models, calls, n_threads=16, calls_per_thread=24):
    """Run ``calls`` from ``n_threads`` threads at once; count wrong results.

    The threaded calls run first, on models that have not predicted since they
    were fitted or loaded; the reference of each call is then the same call
    made alone. Returns ``(n_wrong, n_calls, largest difference)``.
    """
    barrier = threading.Barrier(n_threads)
    results = [[] for _ in range(n_threads)]
    errors = []

    def work(k):
        order = np.random.default_rng(k).permutation(
            np.resize(np.arange(len(calls)), calls_per_thread)
        )
        try:
            barrier.wait()
            for i in order:
                results[k].append((i, calls[i][1]()))
        except Exception as exc:  # reported in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(n_threads)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    alone = [call() for _, call in calls]
    wrong, total, worst = [], 0, 0.0
    for thread_results in results:
        for i, value in thread_results:
            total += 1
            if not _same(value, alone[i]):
                wrong.append(calls[i][0])
                diff = np.abs(_as_array(value) - _as_array(alone[i]))
                worst = max(worst, float(np.max(diff)))
    return wrong, total, worst


def _as_array(value):
    if isinstance(value, list):
        return np.concatenate([_as_array(v).ravel() for v in value])
    return np.asarray(getattr(value, "to_numpy", lambda: value)(), dtype=float)


def test_concurrent_predictions_equal_serial_ones(tmp_path):
    models, *data = _fitted_models(tmp_path)
    calls = _calls(models, *data)
    wrong, total, worst = concurrent_mismatches(models, calls)
    assert total == 16 * 24
    assert not wrong, (
        f"{len(wrong)} of {total} concurrent calls differ from the same call "
        f"alone (largest difference {worst:.3g}), e.g. {sorted(set(wrong))[:5]}"
    )


def test_prediction_leaves_shared_state_alone(tmp_path):
    models, series, X, y, labels = _fitted_models(tmp_path)
    torch.manual_seed(123)
    rng_before = torch.get_rng_state()
    threads_before = torch.get_num_threads()
    grad_before = torch.is_grad_enabled()
    for model in models.values():
        model.set_params(n_threads=2)  # a fit setting: predictions leave it alone
        assert not model.net_.module_.training, "a fitted network is in eval mode"
    seen = []
    models["regressor"].net_.module_.head.register_forward_pre_hook(
        lambda module, args: seen.append(torch.get_num_threads())
    )
    for _, call in _calls(models, series, X, y, labels):
        call()
    assert seen and set(seen) == {threads_before}
    assert torch.get_num_threads() == threads_before
    assert torch.is_grad_enabled() == grad_before
    assert torch.equal(torch.get_rng_state(), rng_before)
    for model in models.values():
        module = model.net_.module_
        assert not any(m.training for m in module.modules())


def test_fits_draw_from_their_own_generator():
    _, X, y, _ = _data()
    torch.manual_seed(5)
    expected = torch.rand(3)
    torch.manual_seed(5)
    first = LSTMForecaster(horizon=3, **SMALL).fit(X, y).predict(X[:20])
    # The global generator was neither used nor reset by the fit.
    assert torch.equal(torch.rand(3), expected)
    # Draws from the global generator in between change nothing.
    torch.rand(1000)
    second = LSTMForecaster(horizon=3, **SMALL).fit(X, y).predict(X[:20])
    np.testing.assert_array_equal(first, second)


@pytest.mark.parametrize(
    "params",
    [
        dict(cell="torch", num_layers=2),
        dict(cell="gates", num_layers=2),
        dict(n_estimators=2),
    ],
)
def test_fits_in_threads_equal_serial_fits(params):
    """Fits that run side by side in threads give the serial fits' models."""
    _, X, y, _ = _data()
    seeds = [0, 1, 2, 3]

    def fit(seed):
        # No linear fallback: where it picks the ridge alone, every seed
        # gives the same model (tests/test_fallback.py fits it in threads).
        params_ = {**SMALL, **params, "random_state": seed, "dropout": 0.3}
        params_["linear_fallback"] = False
        return LSTMForecaster(horizon=3, **params_).fit(X, y).predict(X[:30])

    serial = [fit(seed) for seed in seeds]
    threaded = joblib.Parallel(n_jobs=4, backend="threading")(
        joblib.delayed(fit)(seed) for seed in seeds
    )
    for a, b in zip(serial, threaded):
        np.testing.assert_array_equal(a, b)
    # Different seeds give different models: the comparison can fail.
    assert not np.array_equal(serial[0], serial[1])


def test_threaded_grid_search_equals_serial_search():
    _, X, y, _ = _data()
    search = GridSearchCV(
        LSTMForecaster(horizon=3, linear_fallback=False, **SMALL),
        {"hidden_size": [4, 8], "lr": [5e-3, 2e-2]},
        cv=TimeSeriesSplit(n_splits=2),
        scoring="neg_mean_absolute_error",
    )
    serial = search.fit(X, y).cv_results_
    for n_jobs in (2, 4):
        with joblib.parallel_backend("threading", n_jobs=n_jobs):
            threaded = search.fit(X, y).cv_results_
        for key in ("split0_test_score", "split1_test_score", "mean_test_score"):
            np.testing.assert_array_equal(threaded[key], serial[key])
    assert len(set(serial["mean_test_score"])) == 4
