"""Smoke tests: the benchmark scripts run and report every model."""

import importlib.util
from pathlib import Path

import numpy as np

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
    results, summary = _load("accuracy").main(["airline", "elnino"], quick=True)
    expected = {"naive", "seasonal naive", "Ridge on lags", "sklstm direct"}
    assert expected | {"sklstm recursive"} == set(summary)
    for rows in results.values():
        for mase, smape, _seconds in rows.values():
            assert np.isfinite(mase) and mase > 0 and 0 <= smape <= 200
    assert "geo. mean MASE" in capsys.readouterr().out
