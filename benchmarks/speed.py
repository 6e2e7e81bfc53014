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
    """Wall-clock and CPU seconds of ``fn(*args)``.

    CPU time of this process (one torch thread) is robust to other processes
    competing for the cores; wall-clock time is what a user waits.
    """
    wall, cpu = time.perf_counter(), time.process_time()
    fn(*args)
    return time.perf_counter() - wall, time.process_time() - cpu


def ratios(n, seq_len, configs, reps):
    X, y = _data(n, seq_len)
    # Warm up torch's kernels and the estimators' imports before timing.
    hand_loop(X[:256], y[:256], 64, 1)
    _estimator("LSTMRegressor", 64, 1).fit(X[:256], y[:256])
    rows = []
    for batch_size, epochs in configs:
        kinds = ["LSTMRegressor", "LSTMForecaster", "predict"]
        times = {(k, side): [] for k in kinds for side in ("hand", "ours")}
        for _ in range(reps):  # interleaved repetitions
            for kind in kinds[:2]:
                hand_time = _timed(hand_loop, X, y, batch_size, epochs)
                times[kind, "hand"].append(hand_time)
                model = _estimator(kind, batch_size, epochs)
                times[kind, "ours"].append(_timed(model.fit, X, y))
            net, Xt = hand_loop(X[:64], y[:64], batch_size, 1)
            Xt = torch.from_numpy(X.astype(np.float32))[:, :, None]
            times["predict", "hand"].append(_timed(raw_predict, net, Xt, batch_size))
            times["predict", "ours"].append(_timed(model.predict, X))
        for kind in kinds:
            hand = [statistics.median(t) for t in zip(*times[kind, "hand"])]
            ours = [statistics.median(t) for t in zip(*times[kind, "ours"])]
            label = "predict (LSTMForecaster)" if kind == "predict" else f"{kind}.fit"
            n_epochs = 0 if kind == "predict" else epochs
            rows.append((label, batch_size, n_epochs, *hand, *ours))
    return rows


def scaling(sizes, look_backs, base_n, base_l, batch_size=256):
    rows = []
    for n in sizes:
        X, y = _data(n, base_l)
        model = _estimator("LSTMForecaster", batch_size, 1)
        t = _timed(model.fit, X, y)[0]
        rows.append(("n_samples", n, base_l, t, t / (n * base_l) * 1e6))
    for look_back in look_backs:
        X, y = _data(base_n, look_back)
        model = _estimator("LSTMForecaster", batch_size, 1)
        t = _timed(model.fit, X, y)[0]
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
        "| what | batch size | epochs | torch wall s | sklstm wall s | wall ratio "
        "| torch CPU s | sklstm CPU s | CPU ratio |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for kind, bs, epochs, hw, hc, ow, oc in table:
        lines.append(
            f"| {kind} | {bs} | {epochs or '-'} | {hw:.3f} | {ow:.3f} | {ow / hw:.3f} "
            f"| {hc:.3f} | {oc:.3f} | {oc / hc:.3f} |"
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
