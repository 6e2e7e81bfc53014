"""The airline split of issue 36: the README's first example as a new user
would try it.

Train on the first 132 months, forecast the last 12 with ``look_back=24``
and ``LSTMForecaster(horizon=12, random_state=seed)``; MASE scaled by the
in-sample seasonal-naive (lag 12) error. Beside it, in the same run: Ridge
(``alpha=1``) on the same windows, statsforecast's AutoETS (season 12) and
seasonal naive. ``--set k=v ...`` adds LSTM variants (e.g.
``linear_fallback=False``). One torch thread; a minute or so of one core.
"""

import argparse
import sys
from pathlib import Path

import numpy as np
import torch
from sklearn.linear_model import Ridge

from sklstm import LSTMForecaster, make_windows
from sklstm.datasets import load_airline

sys.path.insert(0, str(Path(__file__).resolve().parent))
from accuracy import _parse_set, mase, statsforecast_one  # noqa: E402

LOOK_BACK, HORIZON, SEASON = 24, 12, 12


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="*", default=[0, 1, 2])
    parser.add_argument("--set", nargs="*", action="append", default=[])
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    y = load_airline().to_numpy().astype(float)
    train, test = y[:-HORIZON], y[-HORIZON:]
    X, Y = make_windows(train, look_back=LOOK_BACK, horizon=HORIZON)
    rows = {
        "seasonal naive": mase(test, train[-SEASON:], train, SEASON),
        "Ridge": mase(
            test,
            Ridge(alpha=1.0).fit(X, Y).predict(train[None, -LOOK_BACK:])[0],
            train,
            SEASON,
        ),
        "AutoETS": mase(
            test, statsforecast_one(train, SEASON, HORIZON, "AutoETS"), train, SEASON
        ),
    }
    for items in [[]] + args.set:
        params = _parse_set(items)
        label = " ".join(["sklstm", *(f"{k}={v!r}" for k, v in params.items())])
        scores, weights = [], []
        for seed in args.seeds:
            model = LSTMForecaster(horizon=HORIZON, random_state=seed, **params)
            model.fit(X, Y)
            scores.append(mase(test, np.asarray(model.forecast(train)), train, SEASON))
            weights.append(model.network_weight_)
        rows[label] = scores
        print(f"{label}: network_weight_ per seed {weights}")
    print("\n| model | MASE (per seed) | mean |\n|---|---|---|")
    for label, score in rows.items():
        each = np.atleast_1d(score)
        per_seed = " / ".join(f"{s:.3f}" for s in each)
        print(f"| {label} | {per_seed} | {each.mean():.3f} |")
    return rows


if __name__ == "__main__":
    main()
