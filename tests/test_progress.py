"""What a user sees during a long fit: per-epoch losses and the time left."""

import re

import numpy as np
import pytest

from sklstm import LSTMForecaster, LSTMRegressor, make_windows

FAST = dict(hidden_size=2, batch_size=64, random_state=0)


def _data():
    series = np.sin(np.arange(300) / 5.0)
    return make_windows(series, look_back=8)


@pytest.mark.parametrize("Estimator", [LSTMRegressor, LSTMForecaster])
def test_verbose_prints_losses_duration_and_time_left(Estimator, capsys):
    X, y = _data()
    # One training: the forecaster's linear fallback would log two.
    one = {"linear_fallback": False} if Estimator is LSTMForecaster else {}
    model = Estimator(max_epochs=3, verbose=1, **FAST, **one).fit(X, y)
    # PrintLog colours the best loss so far; drop the escape codes.
    out = re.sub(r"\x1b\[\d+m", "", capsys.readouterr().out)
    lines = _table(out)
    header = lines[0].split()
    assert header == ["epoch", "time_left", "train_loss", "dur"], lines
    rows = [line.split() for line in lines[2:]]
    assert [row[0] for row in rows] == ["1", "2", "3"]
    left = [row[1] for row in rows]
    assert all(re.fullmatch(r"\d+:\d\d:\d\d", value) for value in left), left
    assert left[-1] == "0:00:00"  # nothing left after the last epoch
    losses = [float(row[2]) for row in rows]
    np.testing.assert_allclose(
        losses, model.net_.history[:, "train_loss"], rtol=1e-3, atol=1e-4
    )


def test_time_left_counts_down_over_the_epochs_of_the_call():
    X, y = _data()
    model = LSTMRegressor(max_epochs=4, verbose=1, **FAST).fit(X, y)
    history = model.net_.history
    for done in range(1, 5):
        mean = np.mean(history[:done, "dur"])
        seconds = _seconds(history[done - 1, "time_left"])
        assert abs(seconds - mean * (4 - done)) <= 0.5 + 1e-9
    # partial_fit runs one epoch: nothing left after it.
    model.partial_fit(X, y)
    assert model.net_.history[-1, "time_left"] == "0:00:00"


def _table(out):
    """The lines of the epoch table: what follows the lines that announce a
    choice made at fit time (``"LSTMForecaster: target_transform=..."``)."""
    lines = out.strip().splitlines()
    while lines and lines[0].startswith("LSTM"):
        lines.pop(0)
    return lines


def _seconds(text):
    hours, minutes, seconds = (int(part) for part in text.split(":"))
    return 3600 * hours + 60 * minutes + seconds


def test_verbose_with_early_stopping_shows_the_validation_loss(capsys):
    X, y = _data()
    LSTMForecaster(max_epochs=2, verbose=1, early_stopping=True, **FAST).fit(X, y)
    header = _table(capsys.readouterr().out)[0].split()
    assert header == ["epoch", "time_left", "train_loss", "valid_loss", "dur"]


def test_verbose_2_adds_a_progress_bar_of_the_batches(capsys):
    X, y = _data()
    LSTMForecaster(max_epochs=2, verbose=2, **FAST).fit(X, y)
    captured = capsys.readouterr()
    assert "time_left" in captured.out
    # skorch's tqdm bar: batches done of the epoch's total (5 batches of 64).
    assert re.search(r"\d/5 \[", captured.err), captured.err


@pytest.mark.parametrize("Estimator", [LSTMRegressor, LSTMForecaster])
@pytest.mark.parametrize("early_stopping", [False, True])
def test_verbose_0_prints_nothing(Estimator, early_stopping, capsys):
    X, y = _data()
    model = Estimator(max_epochs=2, early_stopping=early_stopping, **FAST)
    model.fit(X, y).predict(X)
    model.partial_fit(X, y)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
    assert "time_left" not in model.net_.history[-1]
    # Nothing is formatted either: skorch's PrintLog, which builds a table of
    # the history after every epoch, is left out.
    assert "print_log" not in dict(model.net_.callbacks_)


def test_verbose_1_keeps_skorchs_print_log():
    X, y = _data()
    model = LSTMRegressor(max_epochs=1, verbose=1, **FAST).fit(X, y)
    assert "print_log" in dict(model.net_.callbacks_)
