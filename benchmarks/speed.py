"""Training and prediction speed of the estimators against plain PyTorch.

For each batch size, ``LSTMRegressor.fit`` and ``LSTMForecaster.fit`` are
timed against a hand-written PyTorch loop that trains the same module
(:class:`sklstm.LSTMNet`) with the same optimizer, learning rate, batch size,
number of epochs, shuffling and torch thread count on the same (already
scaled) data. ``predict`` is timed against a ``torch.no_grad()`` loop over the
same batches. Repetitions of the two sides are interleaved and medians
reported, which keeps the ratios honest on a shared machine. A second table
reports fit time against the number of windows and against ``look_back``.

Run: ``make bench`` or ``python benchmarks/speed.py`` (``--quick`` for a smoke
run). Results are printed as markdown and written to
``benchmarks/results/speed.md``.
"""

import argparse
import platform
import statistics
import time
from pathlib import Path

import numpy as np
import torch

from sklstm import LSTMForecaster, LSTMNet, LSTMRegressor, make_windows

HIDDEN, LR = 32, 1e-3


def _data(n, seq_len, seed=0):
    rng = np.random.default_rng(seed)
    series = np.sin(np.arange(n + seq_len) / 7.0) + 0.1 * rng.standard_normal(
        n + seq_len
    )
    X, y = make_windows(series, look_back=seq_len, horizon=1)
    return np.ascontiguousarray(X[:n]), np.ascontiguousarray(y[:n])


def hand_loop(X, y, batch_size, epochs, seed=0):
    """What a user would write in plain PyTorch for the same training."""
    Xt = torch.from_numpy(((X - X.mean()) / X.std()).astype(np.float32))[:, :, None]
    yt = torch.from_numpy(((y - y.mean()) / y.std()).astype(np.float32))[:, None]
    torch.manual_seed(seed)
    net = LSTMNet(1, 1, hidden_size=HIDDEN)
    opt = torch.optim.Adam(net.parameters(), lr=LR)
    loss_fn = torch.nn.MSELoss()
    net.train()
    for _ in range(epochs):
        order = torch.randperm(len(Xt))
        for start in range(0, len(Xt), batch_size):
            idx = order[start : start + batch_size]
            opt.zero_grad()
            loss = loss_fn(net(Xt[idx]), yt[idx])
            loss.backward()
            opt.step()
    return net, Xt


def raw_predict(net, Xt, batch_size):
    net.eval()
    with torch.no_grad():
        return torch.cat(
            [net(Xt[s : s + batch_size]) for s in range(0, len(Xt), batch_size)]
        )


def _estimator(kind, batch_size, epochs):
    common = dict(hidden_size=HIDDEN, lr=LR, max_epochs=epochs, batch_size=batch_size)
    if kind == "LSTMRegressor":
        return LSTMRegressor(random_state=0, **common)
    # Level windows, as the hand loop sees them.
    return LSTMForecaster(normalize=None, random_state=0, **common)


def _timed(fn, *args):
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


def ratios(n, seq_len, configs, reps):
    X, y = _data(n, seq_len)
    # Warm up torch's kernels and the estimators' imports before timing.
    hand_loop(X[:256], y[:256], 64, 1)
    _estimator("LSTMRegressor", 64, 1).fit(X[:256], y[:256])
    rows = []
    for batch_size, epochs in configs:
        hand, est, pred_raw, pred_est = {}, {}, [], []
        for kind in ["LSTMRegressor", "LSTMForecaster"]:
            hand[kind], est[kind] = [], []
        for _ in range(reps):  # interleaved repetitions
            for kind in ["LSTMRegressor", "LSTMForecaster"]:
                start = time.perf_counter()
                net, Xt = hand_loop(X, y, batch_size, epochs)
                hand[kind].append(time.perf_counter() - start)
                model = _estimator(kind, batch_size, epochs)
                start = time.perf_counter()
                model.fit(X, y)
                est[kind].append(time.perf_counter() - start)
            pred_raw.append(_timed(raw_predict, net, Xt, batch_size))
            pred_est.append(_timed(model.predict, X))
        for kind in ["LSTMRegressor", "LSTMForecaster"]:
            h, e = statistics.median(hand[kind]), statistics.median(est[kind])
            rows.append((kind, batch_size, epochs, h, e, e / h))
        raw, ours = statistics.median(pred_raw), statistics.median(pred_est)
        rows.append(("predict (LSTMForecaster)", batch_size, 0, raw, ours, ours / raw))
    return rows


def scaling(sizes, look_backs, base_n, base_l, batch_size=256):
    rows = []
    for n in sizes:
        X, y = _data(n, base_l)
        model = _estimator("LSTMForecaster", batch_size, 1)
        t = _timed(model.fit, X, y)
        rows.append(("n_samples", n, base_l, t, t / (n * base_l) * 1e6))
    for look_back in look_backs:
        X, y = _data(base_n, look_back)
        model = _estimator("LSTMForecaster", batch_size, 1)
        t = _timed(model.fit, X, y)
        rows.append(("look_back", base_n, look_back, t, t / (base_n * look_back) * 1e6))
    return rows


def main(quick=False, threads=1, out=None):
    torch.set_num_threads(threads)
    if quick:
        table = ratios(512, 12, [(32, 1), (256, 2)], reps=1)
        scale = scaling([500, 1000], [12, 24], 500, 12)
    else:
        configs = [(32, 2), (256, 10), (1024, 30)]
        table = ratios(4096, 24, configs, reps=3)
        scale = scaling([1_000, 10_000, 100_000, 1_000_000], [12, 48, 128, 512],
                        10_000, 24)  # fmt: skip
    lines = [
        f"Machine: {platform.processor() or platform.machine()}, "
        f"{torch.get_num_threads()} torch thread(s), torch {torch.__version__}.",
        "",
        "| what | batch size | epochs | hand-written torch s | sklstm s | ratio |",
        "|---|---|---|---|---|---|",
    ]
    for kind, bs, epochs, h, e, r in table:
        lines.append(
            f"| {kind} | {bs} | {epochs or '-'} | {h:.3f} | {e:.3f} | {r:.3f} |"
        )
    lines += [
        "",
        "Fit time of one epoch (LSTMForecaster, batch size 256) against size:",
        "",
        "| varied | n_samples | look_back | fit s | us per sample-step |",
        "|---|---|---|---|---|",
    ]
    for what, n, look_back, t, per in scale:
        lines.append(f"| {what} | {n} | {look_back} | {t:.2f} | {per:.3f} |")
    text = "\n".join(lines)
    print(text)
    if out:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_text(text + "\n")
    return table, scale


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke run")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", default="benchmarks/results/speed.md")
    args = parser.parse_args()
    main(args.quick, args.threads, args.out)
