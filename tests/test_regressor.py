import pickle

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
from sklearn.pipeline import make_pipeline
from skorch.callbacks import Callback

from sklstm import LSTMRegressor, SlidingWindowTransformer, make_windows
from sklstm._data import _TailSplit, _WindowDataset

FAST = dict(hidden_size=8, lr=1e-2, max_epochs=5, batch_size=16, random_state=0)


def _sequences(n=64, seq_len=10, n_features=2, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, seq_len, n_features))
    y = X[:, -3:, 0].sum(axis=1) - 0.5 * X[:, -1, -1]
    return X, y


def test_fit_predict_3d_shapes_and_attributes():
    X, y = _sequences()
    reg = LSTMRegressor(**FAST).fit(X, y)
    assert reg.predict(X).shape == (64,)
    assert reg.predict(X).dtype == np.float64
    assert reg.input_shape_ == (10, 2)
    assert reg.n_features_in_ == 10
    assert reg.n_epochs_ == 5
    assert reg.x_mean_.shape == (2,) and reg.y_mean_.shape == (1,)


@pytest.mark.parametrize(
    "y_shape, expected", [((64,), (64,)), ((64, 1), (64, 1)), ((64, 3), (64, 3))]
)
def test_predict_returns_shape_of_y_seen_in_fit(y_shape, expected):
    X, y = _sequences()
    y = np.resize(y, y_shape[::-1]).T.reshape(y_shape)
    reg = LSTMRegressor(**FAST).fit(X, y)
    assert reg.predict(X).shape == expected


def test_flattened_2d_with_n_features_equals_3d():
    X, y = _sequences()
    pred_3d = LSTMRegressor(**FAST).fit(X, y).predict(X)
    X2 = X.reshape(len(X), -1)  # time-major flattening
    reg = LSTMRegressor(n_features=2, **FAST).fit(X2, y)
    np.testing.assert_array_equal(reg.predict(X2), pred_3d)
    assert reg.input_shape_ == (10, 2)


def test_2d_is_univariate_sequence_by_default():
    X, y = _sequences(n_features=1)
    reg = LSTMRegressor(**FAST).fit(X[:, :, 0], y)
    assert reg.input_shape_ == (10, 1)
    np.testing.assert_array_equal(
        reg.predict(X[:, :, 0]), LSTMRegressor(**FAST).fit(X, y).predict(X)
    )


def test_random_state_gives_bit_identical_refits_and_keeps_global_rng():
    X, y = _sequences()
    torch.manual_seed(123)
    before = torch.random.get_rng_state().clone()
    p1 = LSTMRegressor(dropout=0.2, **FAST).fit(X, y).predict(X)
    after = torch.random.get_rng_state()
    p2 = LSTMRegressor(dropout=0.2, **FAST).fit(X, y).predict(X)
    np.testing.assert_array_equal(p1, p2)
    assert torch.equal(before, after)
    p3 = LSTMRegressor(dropout=0.2, **{**FAST, "random_state": 1}).fit(X, y).predict(X)
    assert not np.array_equal(p1, p3)


def test_scaling_makes_raw_temperatures_trainable():
    # Windows of a daily temperature-like signal around 35 degrees.
    t = np.arange(800)
    rng = np.random.default_rng(0)
    temp = 35 + 3 * np.sin(2 * np.pi * t / 50) + 0.1 * rng.normal(size=t.size)
    X, y = make_windows(temp, look_back=12)
    params = dict(hidden_size=16, lr=1e-2, max_epochs=20, random_state=0)
    scaled = LSTMRegressor(**params).fit(X[:600], y[:600])
    assert scaled.score(X[600:], y[600:]) > 0.9
    raw = LSTMRegressor(scale_X=False, scale_y=False, **params).fit(X[:600], y[:600])
    assert raw.score(X[600:], y[600:]) < scaled.score(X[600:], y[600:])


def test_loss_decreases():
    X, y = _sequences(n=128)
    reg = LSTMRegressor(**{**FAST, "max_epochs": 30}).fit(X, y)
    losses = reg.net_.history[:, "train_loss"]
    assert len(losses) == 30
    assert losses[-1] < 0.5 * losses[0]


def test_sine_to_cosine_sequence_mapping():
    # The classic sequence-to-sequence task: read sin, output cos at each step.
    rng = np.random.default_rng(0)
    phase = rng.uniform(0, 2 * np.pi, size=(256, 1))
    t = phase + np.linspace(0, 4 * np.pi, 40)
    X, y = np.sin(t), np.cos(t)
    reg = LSTMRegressor(
        hidden_size=16,
        return_sequences=True,
        bidirectional=True,
        lr=1e-2,
        max_epochs=60,
        random_state=0,
    ).fit(X[:200], y[:200])
    pred = reg.predict(X[200:])
    assert pred.shape == (56, 40)
    # A cosine cannot be known from the first sine sample alone: judge from
    # step 5 on, where a bidirectional reader has context on both sides.
    mse = np.mean((pred[:, 5:] - y[200:, 5:]) ** 2)
    assert mse < 0.01
    assert reg.score(X[200:], y[200:]) > 0.95


def test_return_sequences_multi_target_shape():
    X, _ = _sequences(n=32)
    y = np.stack([X[..., 0], X[..., 1] ** 2], axis=-1)
    reg = LSTMRegressor(return_sequences=True, **FAST).fit(X, y)
    assert reg.predict(X).shape == (32, 10, 2)
    with pytest.raises(ValueError, match="return_sequences=True"):
        LSTMRegressor(return_sequences=True, **FAST).fit(X, y[:, :5])


def test_early_stopping_holds_out_the_tail_and_restores_best():
    X, y = _sequences(n=100)
    reg = LSTMRegressor(
        early_stopping=True,
        validation_fraction=0.2,
        n_iter_no_change=2,
        **{**FAST, "max_epochs": 200, "lr": 5e-2},
    ).fit(X, y)
    assert isinstance(reg.net_.train_split, _TailSplit)
    history = reg.net_.history
    assert history[-1, "valid_batch_count"] == 2  # 20 of 100 with batch_size 16
    assert reg.n_epochs_ < 200  # stopped early
    best = min(history[:, "valid_loss"])
    assert best == history[-3, "valid_loss"]  # patience 2 after the best epoch
    assert history[-1, "valid_loss"] > best  # so the last weights are not the best
    # The network left after fitting has the best epoch's weights: its loss
    # on the held-out tail (the last 20 samples, scaled as in training) is the
    # best recorded validation loss.
    module = reg.net_.module_
    assert not module.training
    Xs = torch.as_tensor(((X[80:] - reg.x_mean_) / reg.x_scale_).astype(np.float32))
    ys = ((y[80:, None] - reg.y_mean_) / reg.y_scale_).astype(np.float32)
    with torch.no_grad():
        out = module(Xs).numpy()
    assert out.shape == ys.shape
    np.testing.assert_allclose(np.mean((out - ys) ** 2), best, rtol=1e-5)


def test_tail_split_takes_the_last_samples():
    ds = _WindowDataset(torch.arange(10.0)[:, None], torch.arange(10.0)[:, None])
    train, valid = _TailSplit(0.3)(ds)
    assert train.X[:, 0].tolist() == list(range(7))
    assert valid.X[:, 0].tolist() == [7, 8, 9]


class _EpochCounter(Callback):
    def initialize(self):
        self.epochs = 0
        return self

    def on_epoch_end(self, net, **kwargs):
        self.epochs += 1


def test_callbacks_pass_through_without_mutating_the_parameter():
    X, y = _sequences()
    counter = _EpochCounter()
    reg = LSTMRegressor(callbacks=[("counter", counter)], **FAST).fit(X, y)
    assert dict(reg.net_.callbacks_)["counter"].epochs == 5
    assert not hasattr(counter, "epochs")  # the parameter itself is untouched


def test_warm_start_and_partial_fit_continue_training():
    X, y = _sequences()
    reg = LSTMRegressor(warm_start=True, **FAST).fit(X, y)
    first_net = reg.net_
    loss_end_first = reg.net_.history[-1, "train_loss"]
    reg.fit(X, y)
    assert reg.net_ is first_net and reg.n_epochs_ == 10
    assert reg.net_.history[5, "train_loss"] < reg.net_.history[0, "train_loss"]
    assert reg.net_.history[-1, "train_loss"] < loss_end_first

    cold = LSTMRegressor(**FAST).fit(X, y)
    cold.fit(X, y)
    assert cold.n_epochs_ == 5

    inc = LSTMRegressor(**FAST)
    for _ in range(3):
        inc.partial_fit(X, y)
    assert inc.n_epochs_ == 3
    assert inc.predict(X).shape == (64,)


def test_pipeline_with_sliding_windows_on_multivariate_series():
    rng = np.random.default_rng(0)
    n = 400
    t = np.arange(n)
    frame = pd.DataFrame(
        {
            "temp": 20 + 5 * np.sin(2 * np.pi * t / 24) + rng.normal(0, 0.2, n),
            "hum": 60 + 10 * np.cos(2 * np.pi * t / 24) + rng.normal(0, 1, n),
        }
    )
    # Aligned target: next hour's temperature, known for all but the last row.
    target = frame["temp"].shift(-1)
    X, y = frame.iloc[:-1], target.iloc[:-1]
    pipe = make_pipeline(
        SlidingWindowTransformer(look_back=6),
        LSTMRegressor(
            n_features=2, hidden_size=16, lr=1e-2, max_epochs=15, random_state=0
        ),
    )
    pipe.fit(X.iloc[:300], y.iloc[:300])
    assert pipe[-1].input_shape_ == (6, 2)
    # The first test rows have incomplete windows (NaN padding = absent history).
    pred = pipe.predict(X.iloc[300:])
    assert np.isfinite(pred).all()
    assert pipe.score(X.iloc[300:], y.iloc[300:]) > 0.8


def test_grid_search_over_look_back_and_hidden_size_with_time_series_split():
    t = np.arange(300)
    series = np.sin(2 * np.pi * t / 20)[:, None]
    X, y = series[:-1], series[1:, 0]
    pipe = make_pipeline(
        SlidingWindowTransformer(), LSTMRegressor(max_epochs=3, lr=1e-2, random_state=0)
    )
    search = GridSearchCV(
        pipe,
        {
            "slidingwindowtransformer__look_back": [2, 5],
            "lstmregressor__hidden_size": [4, 8],
        },
        cv=TimeSeriesSplit(n_splits=2),
    )
    search.fit(X, y)
    scores = search.cv_results_["mean_test_score"]
    assert np.isfinite(scores).all()
    # Each candidate trained a different model: no two score the same.
    assert len(np.unique(scores)) == 4, scores
    # The refitted pipeline really uses the chosen values: windows of the
    # chosen length, read by an LSTM of the chosen hidden size.
    chosen = search.best_params_
    best = search.best_estimator_[-1]
    assert best.input_shape_[0] == chosen["slidingwindowtransformer__look_back"]
    module = best.net_.module_
    assert module.lstm.hidden_size == chosen["lstmregressor__hidden_size"]
    assert module.head.in_features == chosen["lstmregressor__hidden_size"]


def test_clone_and_pickle_round_trip():
    X, y = _sequences()
    reg = LSTMRegressor(**FAST).fit(X, y)
    cloned = clone(reg)
    assert not hasattr(cloned, "net_")
    assert cloned.get_params() == reg.get_params()
    restored = pickle.loads(pickle.dumps(reg))
    np.testing.assert_array_equal(restored.predict(X), reg.predict(X))


def test_dataframe_input_records_feature_names():
    X, y = _sequences(n_features=1)
    frame = pd.DataFrame(X[:, :, 0], columns=[f"t{i}" for i in range(10)])
    reg = LSTMRegressor(**FAST).fit(frame, pd.Series(y))
    assert list(reg.feature_names_in_) == [f"t{i}" for i in range(10)]
    from_numpy = LSTMRegressor(**FAST).fit(X[:, :, 0], y)
    np.testing.assert_array_equal(reg.predict(frame), from_numpy.predict(X[:, :, 0]))


def test_leading_nan_steps_are_absent_history():
    X, y = _sequences(n_features=1)
    X2 = X[:, :, 0].copy()
    reg = LSTMRegressor(**FAST).fit(X2, y)
    padded = X2[:4].copy()
    padded[:, :3] = np.nan
    pred = reg.predict(padded)
    assert np.isfinite(pred).all()
    # Absent history is not the same as zeros (the scaled mean).
    zero_filled = X2[:4].copy()
    zero_filled[:, :3] = reg.x_mean_[0]
    assert not np.allclose(pred, reg.predict(zero_filled))
    # Training on padded rows works too.
    X_train = X2.copy()
    X_train[:8, :2] = np.nan
    assert np.isfinite(LSTMRegressor(**FAST).fit(X_train, y).predict(X_train)).all()


def test_missing_steps_in_the_middle_are_skipped():
    X, y = _sequences(n=8, n_features=1)
    X2 = X[:, :, 0]
    reg = LSTMRegressor(**FAST).fit(X2, y)
    gappy = X2.copy()
    gappy[:, 4] = np.nan
    pred = reg.predict(gappy)
    assert np.isfinite(pred).all()
    assert not np.allclose(pred, reg.predict(X2))


def test_partially_missing_time_step_is_rejected():
    X, y = _sequences()
    X[0, 0, 1] = np.nan
    with pytest.raises(ValueError, match="some but not all features"):
        LSTMRegressor(**FAST).fit(X, y)


def test_nan_with_return_sequences_and_inf_are_rejected():
    X, _ = _sequences(n=16)
    Xn = X.copy()
    Xn[0, 0] = np.nan
    with pytest.raises(ValueError, match="return_sequences=False"):
        LSTMRegressor(return_sequences=True, **FAST).fit(Xn, X[..., 0])
    Xi = X.copy()
    Xi[0, 3, 0] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        LSTMRegressor(**FAST).fit(Xi, X[:, 0, 0])


def test_all_nan_sample_is_rejected():
    X, y = _sequences()
    X[3] = np.nan
    with pytest.raises(ValueError, match="all NaN"):
        LSTMRegressor(**FAST).fit(X, y)


def test_shape_errors_name_the_fix():
    X, y = _sequences()
    with pytest.raises(ValueError, match="n_features=3"):
        LSTMRegressor(n_features=3, **FAST).fit(X.reshape(64, -1), y)
    with pytest.raises(ValueError, match="n_features=3 does not match"):
        LSTMRegressor(n_features=3, **FAST).fit(X, y)
    reg = LSTMRegressor(**FAST).fit(X, y)
    with pytest.raises(ValueError, match="fitted on"):
        reg.predict(np.zeros((2, 10, 3)))
    with pytest.raises(ValueError):
        reg.predict(np.zeros((2, 9, 2)))
    with pytest.raises(ValueError, match="requires y"):
        LSTMRegressor(**FAST).fit(X, None)


def test_gates_cell_trains_like_torch_cell():
    X, y = _sequences(n=32, seq_len=6)
    p_torch = LSTMRegressor(cell="torch", **FAST).fit(X, y).predict(X)
    p_gates = LSTMRegressor(cell="gates", **FAST).fit(X, y).predict(X)
    # Same seed -> same initial weights and batches; only float rounding differs.
    np.testing.assert_allclose(p_torch, p_gates, rtol=1e-3, atol=1e-3)


def test_diverging_training_raises_with_advice():
    X, y = _sequences()
    reg = LSTMRegressor(optimizer="sgd", scale_y=False, **{**FAST, "lr": 1e12})
    with pytest.raises(FloatingPointError, match="lower the learning rate|Lower"):
        reg.fit(X, y * 1e6)


def test_n_estimators_averages_networks_that_differ(member_outputs):
    X, y = _sequences()
    one = LSTMRegressor(**FAST).fit(X, y)
    two = LSTMRegressor(n_estimators=2, **FAST).fit(X, y)
    first, second = member_outputs(two, X)
    assert not torch.allclose(first, second)
    expected = ((first + second) / 2).numpy().ravel() * two.y_scale_ + two.y_mean_
    np.testing.assert_allclose(two.predict(X), expected, rtol=1e-5, atol=1e-5)
    assert two.predict(X).shape == one.predict(X).shape == (len(X),)
    # One history row per epoch, as with one network.
    assert len(two.net_.history) == FAST["max_epochs"]
