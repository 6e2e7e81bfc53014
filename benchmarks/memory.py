"""Peak memory of training LSTMForecaster on the windows of one long series.

``make_windows`` returns the windows as a strided view of the series, and
``LSTMForecaster`` gathers each batch from the series while it trains, so the
windows are never copied: peak memory stays near the series' own size instead
of ``look_back`` copies of it. This script trains a small network for one
epoch on an ``n``-step series and reports the process's peak resident memory
(``ru_maxrss``) next to the bytes of the series and of a materialised copy of
its windows.

Run: ``python benchmarks/memory.py`` (10,000,000 steps, ``look_back=168``;
about half an hour on two CPU cores) or ``--n 1000000`` for a quicker run.
"""

import argparse
import json
import resource
import time

import numpy as np
import torch


def main(n=10_000_000, look_back=168, batch_size=16384, hidden_size=4, threads=1):
    torch.set_num_threads(threads)
    from sklstm import LSTMForecaster, make_windows

    baseline_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    rng = np.random.default_rng(0)
    t = np.arange(n, dtype=np.float64)
    series = np.sin(2 * np.pi * t / 24) + 0.1 * rng.standard_normal(n)
    del t
    X, y = make_windows(series, look_back=look_back, horizon=1)
    start = time.perf_counter()
    model = LSTMForecaster(
        hidden_size=hidden_size,
        max_epochs=1,
        batch_size=batch_size,
        random_state=0,
    ).fit(X, y)
    fit_seconds = time.perf_counter() - start
    pred = model.predict(X[-1000:])
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = {
        "n_steps": n,
        "look_back": look_back,
        "windows": len(X),
        "batch_size": batch_size,
        "hidden_size": hidden_size,
        "torch_threads": threads,
        "fit_seconds": round(fit_seconds, 1),
        "series_MB": round(series.nbytes / 1e6, 1),
        "targets_MB": round(y.nbytes / 1e6, 1),
        "materialised_windows_MB": round(len(X) * look_back * 8 / 1e6, 1),
        "peak_rss_MB": round(peak_kb / 1024, 1),
        "rss_before_data_MB": round(baseline_kb / 1024, 1),
        "peak_over_series": round((peak_kb - baseline_kb) * 1024 / series.nbytes, 2),
        "finite_predictions": bool(np.isfinite(pred).all()),
    }
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000_000)
    parser.add_argument("--look-back", type=int, default=168)
    parser.add_argument("--batch-size", type=int, default=16384)
    parser.add_argument("--hidden-size", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    main(args.n, args.look_back, args.batch_size, args.hidden_size, args.threads)
