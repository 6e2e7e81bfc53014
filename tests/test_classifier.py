"""LSTMClassifier: labels, probabilities, class weights, continued training."""

import pickle

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import make_pipeline

from sklstm import LSTMClassifier, SlidingWindowTransformer

FAST = dict(hidden_size=8, lr=1e-2, max_epochs=30, random_state=0)


def _sequences(n=90, seq_len=8, n_classes=3, seed=0):
    """Sequences whose class is the sign pattern of their last steps."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, seq_len, 2))
    y = np.arange(n) % n_classes
    X[:, -2:, 0] += 3.0 * (y[:, None] - (n_classes - 1) / 2)
    return X, y


def test_string_labels_probabilities_and_accuracy():
    X, y = _sequences()
    labels = np.array(["cat", "dog", "emu"])[y]
    clf = LSTMClassifier(**FAST).fit(X, labels)
    np.testing.assert_array_equal(clf.classes_, ["cat", "dog", "emu"])
    proba = clf.predict_proba(X)
    assert proba.shape == (90, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_allclose(clf.predict_log_proba(X), np.log(proba))
    pred = clf.predict(X)
    np.testing.assert_array_equal(pred, clf.classes_[proba.argmax(axis=1)])
    assert clf.score(X, labels) > 0.9


def test_binary_labels_and_2d_input():
    X, y = _sequences(n_classes=2)
    X2 = X[:, :, 0]  # univariate sequences, one per row
    labels = np.where(y == 1, 1, -1)
    clf = LSTMClassifier(**FAST).fit(X2, labels)
    np.testing.assert_array_equal(clf.classes_, [-1, 1])
    assert clf.predict_proba(X2).shape == (90, 2)
    assert set(clf.predict(X2)) <= {-1, 1}
    assert clf.score(X2, labels) > 0.9
    # Time-major flattened windows with n_features channels read as 3-D X.
    flat = LSTMClassifier(n_features=2, **FAST).fit(X.reshape(90, -1), y)
    same = LSTMClassifier(**FAST).fit(X, y)
    np.testing.assert_array_equal(
        flat.predict_proba(X.reshape(90, -1)), same.predict_proba(X)
    )


def test_class_weight_moves_predictions_towards_the_heavy_class():
    X, y = _sequences(seed=1)
    X[:, -2:, 0] = np.random.default_rng(1).normal(size=(90, 2))  # no signal
    plain = LSTMClassifier(**FAST).fit(X, y)
    heavy = LSTMClassifier(class_weight={0: 50.0}, **FAST).fit(X, y)
    assert np.mean(heavy.predict(X) == 0) > np.mean(plain.predict(X) == 0)
    np.testing.assert_array_equal(heavy.class_weight_, [50.0, 1.0, 1.0])
    # "balanced" weighs classes inversely to their frequency.
    y_skewed = np.r_[np.zeros(60, int), np.ones(30, int)]
    balanced = LSTMClassifier(class_weight="balanced", **FAST).fit(X, y_skewed)
    np.testing.assert_allclose(balanced.class_weight_, [0.75, 1.5])
    assert np.isclose(
        float(balanced.net_.criterion_.weight[1] / balanced.net_.criterion_.weight[0]),
        2.0,
    )


def test_class_weight_with_unknown_label_is_rejected():
    X, y = _sequences()
    with pytest.raises(ValueError, match=r"class_weight has labels \['7'\]"):
        LSTMClassifier(class_weight={7: 2.0}, **FAST).fit(X, y)


def test_one_class_is_rejected():
    X, _ = _sequences()
    with pytest.raises(ValueError, match="at least 2 classes.*only one class: 'a'"):
        LSTMClassifier(**FAST).fit(X, ["a"] * 90)


def test_missing_steps_are_skipped():
    X, y = _sequences()
    X[:10, :3] = np.nan  # leading padding
    clf = LSTMClassifier(**FAST).fit(X, y)
    assert np.isfinite(clf.predict_proba(X)).all()
    X[0, 5, 0] = np.nan
    with pytest.raises(ValueError, match="some but not all features"):
        clf.predict(X)


def test_random_state_pickle_and_pandas():
    X, y = _sequences()
    a = LSTMClassifier(**FAST).fit(X[:, :, 0], y)
    b = clone(a).fit(X[:, :, 0], y)
    np.testing.assert_array_equal(
        a.predict_proba(X[:, :, 0]), b.predict_proba(X[:, :, 0])
    )
    c = pickle.loads(pickle.dumps(a))
    np.testing.assert_array_equal(
        c.predict_proba(X[:, :, 0]), a.predict_proba(X[:, :, 0])
    )
    frame = pd.DataFrame(X[:, :, 0], columns=[f"t{i}" for i in range(8)])
    d = LSTMClassifier(**FAST).fit(frame, pd.Series(y))
    np.testing.assert_array_equal(d.feature_names_in_, frame.columns)
    np.testing.assert_array_equal(d.predict_proba(frame), a.predict_proba(X[:, :, 0]))


def test_early_stopping_and_warm_start():
    X, y = _sequences()
    clf = LSTMClassifier(
        early_stopping=True, n_iter_no_change=2, tol=0.5, **{**FAST, "max_epochs": 50}
    ).fit(X, y)
    assert clf.n_epochs_ < 50
    assert "valid_loss" in clf.net_.history[-1]
    warm = LSTMClassifier(warm_start=True, **{**FAST, "max_epochs": 3}).fit(X, y)
    warm.fit(X, y)
    assert warm.n_epochs_ == 6
    cold = LSTMClassifier(**{**FAST, "max_epochs": 6}).fit(X, y)
    assert cold.n_epochs_ == 6
    with pytest.raises(ValueError, match=r"labels \[9\] not seen in the first fit"):
        warm.fit(X, np.where(y == 2, 9, y))


def test_partial_fit_with_classes_missing_from_the_first_batch():
    X, y = _sequences()
    clf = LSTMClassifier(**FAST)
    first = y < 2
    clf.partial_fit(X[first], y[first], classes=[0, 1, 2])
    np.testing.assert_array_equal(clf.classes_, [0, 1, 2])
    for _ in range(20):
        clf.partial_fit(X, y)
    assert clf.n_epochs_ == 21
    assert clf.score(X, y) > 0.8
    with pytest.raises(ValueError, match="not seen in the first fit"):
        clf.partial_fit(X, y + 1)
    with pytest.raises(ValueError, match=r"labels \[2\] that are not in classes"):
        LSTMClassifier(**FAST).partial_fit(X, y, classes=[0, 1])


def test_pipeline_with_sliding_windows_and_stratified_grid_search():
    # Label each time step of a series by the regime it is in, from the
    # window that ends there.
    rng = np.random.default_rng(0)
    regime = np.repeat(rng.integers(0, 2, size=24), 10)
    series = np.where(regime == 1, np.sin(np.arange(240) / 1.5), 0.3) + 0.1 * (
        rng.normal(size=240)
    )
    pipe = make_pipeline(
        SlidingWindowTransformer(look_back=6),
        LSTMClassifier(hidden_size=8, max_epochs=15, random_state=0),
    )
    search = GridSearchCV(
        pipe,
        {"lstmclassifier__hidden_size": [4, 8]},
        cv=StratifiedKFold(n_splits=3, shuffle=True, random_state=0),
        scoring="balanced_accuracy",
    )
    # Two thirds of the steps are regime 1: a model that always says 1 is
    # 67% accurate, but its balanced accuracy is 50%.
    train, held_out = slice(0, 180), slice(180, None)
    search.fit(series[train, None], regime[train])
    assert search.best_score_ > 0.7
    pred = search.predict(series[:, None])
    assert pred.shape == (240,)
    # The last 60 steps, never trained on (each window reads only the past):
    # both regimes, the majority's share as in the whole series.
    truth, pred = regime[held_out], pred[held_out]
    majority = np.bincount(truth).max() / len(truth)
    assert set(truth) == {0, 1} and majority == 2 / 3
    assert balanced_accuracy_score(truth, pred) > 0.75
    assert np.mean(pred == truth) > majority + 0.1


def test_n_estimators_averages_the_networks_probabilities(member_outputs):
    X, y = _sequences()
    clf = LSTMClassifier(n_estimators=2, **FAST).fit(X, y)
    first, second = member_outputs(clf, X)
    assert not torch.allclose(first, second)
    # A soft vote: the mean of the networks' probabilities, not the softmax
    # of their mean scores (which differs wherever the networks disagree).
    votes = (torch.softmax(first, 1) + torch.softmax(second, 1)).numpy() / 2
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba, votes, rtol=1e-5, atol=1e-6)
    mean_scores = torch.softmax((first + second) / 2, 1).numpy()
    assert np.abs(mean_scores - votes).max() > 1e-3
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(clf.predict(X), proba.argmax(axis=1))
    assert clf.score(X, y) > 0.9
    # One history row per epoch, as with one network.
    assert len(clf.net_.history) == FAST["max_epochs"]
