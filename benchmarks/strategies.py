"""Direct vs recursive LSTMForecaster against naive baselines.

Two series: a synthetic seasonal one (sine + trend + noise, period 20) and the
bundled airline passengers (monthly, last 12 months held out). Each forecaster
is trained on the windows before the held-out block and forecasts it from the
end of the training data (one origin, ``horizon`` steps), so the numbers are
the classic "fit on history, predict the next H" evaluation.

Run: ``python benchmarks/strategies.py`` (add ``--quick`` for a smoke run).
"""

import argparse
import time

import numpy as np

from sklstm import LSTMForecaster, make_windows
from sklstm.datasets import load_airline


def _synthetic(n=400, period=20, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return np.sin(2 * np.pi * t / period) + 0.002 * t + 0.05 * rng.normal(size=n)


def _mase(truth, pred, train, season):
    scale = np.mean(np.abs(train[season:] - train[:-season]))
    return float(np.mean(np.abs(truth - pred)) / scale)


def evaluate(name, series, horizon, look_back, season, max_epochs):
    train, test = series[:-horizon], series[-horizon:]
    X, y = make_windows(train, look_back=look_back, horizon=horizon)
    rows = []
    naive = np.repeat(train[-1], horizon)
    seasonal = train[-season:][np.arange(horizon) % season]
    for label, pred, seconds in [
        ("naive", naive, 0.0),
        ("seasonal naive", seasonal, 0.0),
    ]:
        rows.append((name, label, _mase(test, pred, train, season), seconds))
    for strategy in ["direct", "recursive"]:
        start = time.perf_counter()
        model = LSTMForecaster(
            horizon=horizon,
            strategy=strategy,
            hidden_size=32,
            lr=5e-3,
            max_epochs=max_epochs,
            random_state=0,
        ).fit(X, y)
        seconds = time.perf_counter() - start
        pred = model.forecast(train)
        rows.append((name, strategy, _mase(test, pred, train, season), seconds))
    return rows


def main(quick=False):
    epochs = 5 if quick else 150
    rows = evaluate("synthetic", _synthetic(), 20, 40, 20, epochs)
    airline = load_airline().to_numpy()
    rows += evaluate("airline", airline, 12, 24, 12, epochs)
    print("| series | model | MASE | fit s |")
    print("|---|---|---|---|")
    for name, label, mase, seconds in rows:
        print(f"| {name} | {label} | {mase:.3f} | {seconds:.1f} |")
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few epochs (smoke run)")
    main(parser.parse_args().quick)
