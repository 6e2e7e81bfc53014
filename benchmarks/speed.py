"""Training and prediction speed of the estimators against plain PyTorch.

Every row times sklstm next to a hand-written PyTorch loop that trains the
same module (:class:`sklstm.LSTMNet`) with the same optimizer, learning rate,
batch size, number of epochs, shuffling and torch thread count on the same
(already scaled) data, on the same device. Repetitions of the two sides are
interleaved and medians reported, which keeps the ratios honest on a shared
machine; a ratio above 1 means sklstm is slower.

Tables:

1. overhead: ``LSTMRegressor`` and ``LSTMForecaster`` ``fit`` and ``predict``
   at batch sizes 32, 256 and 1024 (``predict`` against a
   ``torch.no_grad()`` loop over the same batches);
2. size: one epoch of ``LSTMForecaster.fit`` against the number of windows
   (1k to 1M) and against ``look_back`` (12 to 1024), with the time per
   sample-step of both sides;
3. panel: one epoch over the windows of a panel of many short series (100k
   windows; 1M with ``--panel-1m``), at the default batch size 32 and at the
   batch size 256 the accuracy benchmarks use, with the time their panel
   setting (the defaults' budget: at most 30 epochs within 1.6M window
   passes, 16 epochs for 100k windows) takes at that rate; neuralforecast's
   LSTM with its default training next to it with ``--neuralforecast``
   (needs ``pip install neuralforecast``).

Each table has rows for every device in ``--device`` (default ``auto``: the
CPU, and CUDA when ``torch.cuda.is_available()``).

Run: ``make bench`` or ``python benchmarks/speed.py`` (``--quick`` for a smoke
run whose numbers mean nothing). Run it on an otherwise idle machine. Results
are printed as markdown and written to ``benchmarks/results/speed.md``.
"""

import argparse
import math
import platform
import statistics
import time
from pathlib import Path

import numpy as np
import torch

from sklstm import LSTMForecaster, LSTMNet, LSTMRegressor, make_windows

# The defaults' training budget for large panels ("auto": batch 256, at most
# 30 epochs within 1.6M window passes).
from sklstm._base import _WINDOW_PASSES, _auto_budget

HIDDEN, LR = 32, 1e-3
PANEL_BATCH = 256


def budget_epochs(n_windows):
    """The epochs max_epochs="auto" trains ``n_windows`` windows for."""
    return _auto_budget(n_windows)[1]


def _data(n, seq_len, seed=0):
    rng = np.random.default_rng(seed)
    series = np.sin(np.arange(n + seq_len) / 7.0) + 0.1 * rng.standard_normal(
        n + seq_len
    )
    X, y = make_windows(series, look_back=seq_len, horizon=1)
    return np.ascontiguousarray(X[:n]), np.ascontiguousarray(y[:n])


def _panel(n_windows, look_back, per_series=100, seed=0):
    """Windows of a panel of short noisy seasonal series, ``per_series`` each."""
    rng = np.random.default_rng(seed)
    n_series = math.ceil(n_windows / per_series)
    t = np.arange(per_series + look_back)
    panel = [
        rng.uniform(1, 10) * np.sin(2 * np.pi * t / 12 + rng.uniform(0, 6))
        + rng.uniform(-5, 5)
        + 0.3 * rng.standard_normal(len(t))
        for _ in range(n_series)
    ]
    X, y = make_windows(panel, look_back=look_back, horizon=1)
    return X[:n_windows], y[:n_windows], panel


def _sync(device):
    if torch.device(device).type == "cuda":
        torch.cuda.synchronize()


def hand_loop(X, y, batch_size, epochs, seed=0, device="cpu"):
    """What a user would write in plain PyTorch for the same training.

    The scaled data are moved to ``device`` once and batches are sliced
    there, as a user training on a GPU would.
    """
    Xt = torch.from_numpy(((X - X.mean()) / X.std()).astype(np.float32))[:, :, None]
    yt = torch.from_numpy(((y - y.mean()) / y.std()).astype(np.float32))[:, None]
    Xt, yt = Xt.to(device), yt.to(device)
    torch.manual_seed(seed)
    net = LSTMNet(1, 1, hidden_size=HIDDEN).to(device)
    opt = torch.optim.Adam(net.parameters(), lr=LR)
    loss_fn = torch.nn.MSELoss()
    net.train()
    for _ in range(epochs):
        order = torch.randperm(len(Xt)).to(device)
        for start in range(0, len(Xt), batch_size):
            idx = order[start : start + batch_size]
            opt.zero_grad()
            loss = loss_fn(net(Xt[idx]), yt[idx])
            loss.backward()
            opt.step()
    _sync(device)
    return net, Xt


def raw_predict(net, Xt, batch_size):
    net.eval()
    with torch.no_grad():
        out = torch.cat(
            [net(Xt[s : s + batch_size]) for s in range(0, len(Xt), batch_size)]
        ).cpu()
    return out


def _estimator(kind, batch_size, epochs, device="cpu"):
    common = dict(
        hidden_size=HIDDEN,
        lr=LR,
        max_epochs=epochs,
        batch_size=batch_size,
        device=device,
        random_state=0,
    )
    if kind == "LSTMRegressor":
        return LSTMRegressor(**common)
    # Level windows, the plain squared error (no per-window error weights), a
    # constant learning rate and no dropout, as the hand loop trains and as
    # docs/performance.rst was measured (not the forecaster's defaults).
    return LSTMForecaster(
        normalize=None,
        loss="squared_error",
        error_scale="spread",
        lr_schedule="constant",
        dropout=0.0,
        **common,
    )


def _timed(fn, *args, device="cpu"):
    """Wall-clock and CPU seconds of ``fn(*args)``.

    CPU time of this process (one torch thread) is robust to other processes
    competing for the cores; wall-clock time is what a user waits. On a GPU
    the clock stops after the device has finished.
    """
    wall, cpu = time.perf_counter(), time.process_time()
    fn(*args)
    _sync(device)
    return time.perf_counter() - wall, time.process_time() - cpu


def _medians(samples):
    return [statistics.median(column) for column in zip(*samples)]


def _warm_up(device):
    X, y = _data(256, 12)
    hand_loop(X, y, 64, 1, device=device)
    _estimator("LSTMRegressor", 64, 1, device).fit(X, y).predict(X)


def overhead(n, seq_len, configs, reps, device):
    """Rows (what, device, batch, epochs, hand wall, hand cpu, ours wall, ours cpu)."""
    X, y = _data(n, seq_len)
    rows = []
    for batch_size, epochs in configs:
        kinds = ["LSTMRegressor", "LSTMForecaster"]
        times = {}
        for _ in range(reps):  # interleaved repetitions
            for kind in kinds:
                hand = _timed(hand_loop, X, y, batch_size, epochs, 0, device)
                model = _estimator(kind, batch_size, epochs, device)
                ours = _timed(model.fit, X, y, device=device)
                times.setdefault((kind, "fit"), []).append((*hand, *ours))
                net, Xt = hand_loop(X[:64], y[:64], batch_size, 1, device=device)
                Xt = torch.from_numpy(X.astype(np.float32))[:, :, None].to(device)
                hand = _timed(raw_predict, net, Xt, batch_size, device=device)
                ours = _timed(model.predict, X, device=device)
                times.setdefault((kind, "predict"), []).append((*hand, *ours))
        for (kind, method), samples in times.items():
            n_epochs = epochs if method == "fit" else 0
            label = f"{kind}.{method}"
            rows.append((label, device, batch_size, n_epochs, *_medians(samples)))
    return rows


def _one_epoch(X, y, batch_size, reps, device):
    samples = []
    for _ in range(reps):
        hand = _timed(hand_loop, X, y, batch_size, 1, 0, device)[0]
        model = _estimator("LSTMForecaster", batch_size, 1, device)
        samples.append((hand, _timed(model.fit, X, y, device=device)[0]))
    return _medians(samples)


def size(sizes, look_backs, base_n, base_l, lb_n, reps, device, batch_size=256):
    """Rows (varied, device, n, look_back, hand s, ours s) of one epoch each."""
    rows = []
    for n in sizes:
        X, y = _data(n, base_l)
        row_reps = reps if n <= 100_000 else 1
        hand, ours = _one_epoch(X, y, batch_size, row_reps, device)
        rows.append(("n_samples", device, n, base_l, hand, ours))
    for look_back in look_backs:
        X, y = _data(lb_n, look_back)
        hand, ours = _one_epoch(X, y, batch_size, reps, device)
        rows.append(("look_back", device, lb_n, look_back, hand, ours))
    return rows


def panel(n_windows_list, look_back, batch_sizes, reps, device, nf=False):
    """Rows (what, device, n_windows, batch, hand s, ours s) of one epoch each."""
    rows = []
    for n_windows in n_windows_list:
        X, y, series = _panel(n_windows, look_back)
        row_reps = reps if n_windows <= 100_000 else 1
        for batch_size in batch_sizes:
            hand, ours = _one_epoch(X, y, batch_size, row_reps, device)
            rows.append(("one epoch", device, len(X), batch_size, hand, ours))
        if nf:
            rows.append(_neuralforecast(series, look_back, len(X), device))
    return rows


def _neuralforecast(series, look_back, n_windows, device):
    """neuralforecast's LSTM with its default training (max_steps) on the panel."""
    try:
        import pandas as pd
        from neuralforecast import NeuralForecast
        from neuralforecast.models import LSTM
    except ImportError:
        print("neuralforecast is not installed: pip install neuralforecast")
        return ("neuralforecast LSTM: not installed", device, n_windows, "-", 0, 0)
    frames = [
        pd.DataFrame(
            {
                "unique_id": i,
                "ds": pd.date_range("2000-01", periods=len(s), freq="MS"),
                "y": s,
            }
        )
        for i, s in enumerate(series)
    ]
    df = pd.concat(frames, ignore_index=True)
    accelerator = "gpu" if torch.device(device).type == "cuda" else "cpu"
    model = LSTM(
        h=1,
        input_size=look_back,
        accelerator=accelerator,
        devices=1,
        enable_progress_bar=False,
        logger=False,
    )
    nf = NeuralForecast(models=[model], freq="MS")
    wall = time.perf_counter()
    nf.fit(df)
    _sync(device)
    seconds = time.perf_counter() - wall
    return ("neuralforecast LSTM, default training", device, n_windows, "-", 0, seconds)


def _devices(choice):
    if choice == "auto":
        return ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    if choice == "cuda" and not torch.cuda.is_available():
        raise SystemExit("--device cuda: torch.cuda.is_available() is False here.")
    return [choice]


def _ratio(ours, hand):
    return f"{ours / hand:.3f}" if hand > 0 else "-"


def render(table, sizes, panels, threads):
    lines = [
        f"Machine: {platform.processor() or platform.machine()}, "
        f"{threads} torch thread(s), torch {torch.__version__}"
        + (f", GPU {torch.cuda.get_device_name()}" if torch.cuda.is_available() else "")
        + ".",
        "",
        "Overhead against the hand-written loop (medians of interleaved runs):",
        "",
        "| what | device | batch size | epochs | torch wall s | sklstm wall s "
        "| wall ratio | torch CPU s | sklstm CPU s | CPU ratio |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for what, dev, bs, epochs, hw, hc, ow, oc in table:
        lines.append(
            f"| {what} | {dev} | {bs} | {epochs or '-'} | {hw:.3f} | {ow:.3f} "
            f"| {_ratio(ow, hw)} | {hc:.3f} | {oc:.3f} | {_ratio(oc, hc)} |"
        )
    lines += [
        "",
        "One epoch of LSTMForecaster.fit (batch size 256) against size:",
        "",
        "| varied | device | n_samples | look_back | torch s | sklstm s | ratio "
        "| torch us per sample-step | sklstm us per sample-step |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for what, dev, n, look_back, hand, ours in sizes:
        steps = n * look_back / 1e6
        lines.append(
            f"| {what} | {dev} | {n} | {look_back} | {hand:.2f} | {ours:.2f} "
            f"| {_ratio(ours, hand)} | {hand / steps:.3f} | {ours / steps:.3f} |"
        )
    lines += [
        "",
        "Panel of short series (100 windows each, look_back 24), one epoch; the "
        "last column is the fit of the default training budget (batch 256, at "
        f"most 30 epochs within {_WINDOW_PASSES:,} window passes) at "
        "sklstm's rate:",
        "",
        "| what | device | windows | batch size | torch s | sklstm s | ratio "
        "| panel setting, s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for what, dev, n, bs, hand, ours in panels:
        if hand == 0:  # a row of its own (neuralforecast): total fit time
            total = f"{ours:.2f}" if ours else "-"
            lines.append(f"| {what} | {dev} | {n} | {bs} | - | {total} | - | - |")
            continue
        lines.append(
            f"| {what} | {dev} | {n} | {bs} | {hand:.2f} | {ours:.2f} "
            f"| {_ratio(ours, hand)} | {ours * budget_epochs(n):.0f} "
            f"({budget_epochs(n)} epochs) |"
        )
    return "\n".join(lines)


def main(
    quick=False,
    threads=1,
    out=None,
    device="auto",
    panel_1m=False,
    neuralforecast=False,
):
    torch.set_num_threads(threads)
    table, sizes, panels = [], [], []
    for dev in _devices(device):
        _warm_up(dev)
        if quick:
            table += overhead(128, 8, [(32, 1), (128, 1)], reps=1, device=dev)
            sizes += size([200, 400], [8, 16], 200, 8, 100, reps=1, device=dev)
            panels += panel([1_000], 24, [256], reps=1, device=dev, nf=neuralforecast)
        else:
            configs = [(32, 2), (256, 10), (1024, 30)]
            # The overhead rows are short: more repetitions steady their medians.
            table += overhead(4096, 24, configs, reps=7, device=dev)
            sizes += size(
                [1_000, 10_000, 100_000, 1_000_000],
                [12, 48, 128, 512, 1024],
                base_n=10_000,
                base_l=24,
                lb_n=4_000,
                reps=3,
                device=dev,
            )
            n_windows = [100_000] + ([1_000_000] if panel_1m else [])
            panels += panel(n_windows, 24, [32, PANEL_BATCH], 3, dev, neuralforecast)
    text = render(table, sizes, panels, threads)
    print(text)
    if out:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_text(text + "\n")
    return table, sizes, panels


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke run")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument(
        "--device",
        default="auto",
        choices=["auto", "cpu", "cuda"],
        help="auto: the CPU, and CUDA when available",
    )
    parser.add_argument(
        "--panel-1m", action="store_true", help="also a panel of 1M windows"
    )
    parser.add_argument(
        "--neuralforecast",
        action="store_true",
        help="also neuralforecast's LSTM on the panel (pip install neuralforecast)",
    )
    parser.add_argument("--out", default="benchmarks/results/speed.md")
    args = parser.parse_args()
    main(
        args.quick,
        args.threads,
        args.out,
        args.device,
        args.panel_1m,
        args.neuralforecast,
    )
