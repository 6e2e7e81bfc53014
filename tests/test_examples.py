"""Every script in examples/ runs headless to the end and draws its figure.

The gallery scripts read ``SKLSTM_EXAMPLES_FAST`` and train for a few epochs
only: this test checks that they run, not how well they forecast; where a
script computes a property it states (``CHECKS``), that is asserted too.
"""

import runpy
import sys
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SCRIPTS = sorted(EXAMPLES.glob("*.py"))


def _check_save_and_serve(found):
    # What the example prints, it must also find: the loaded model forecasts
    # bit for bit as the trained one, and ONNX Runtime within float32 error
    # (forecasts of a few hundred passengers: ulps of about 6e-5).
    assert found["same"] is True
    expected = found["model"].predict(found["X"][found["test"]])
    np.testing.assert_array_equal(
        found["loaded"].predict(found["X"][found["test"]]), expected
    )
    assert found["served"].shape == expected.shape == (13, 12)
    assert found["gap"] == np.abs(found["served"] - expected).max()
    assert found["gap"] < 1e-5 * np.abs(expected).max(), found["gap"]


# What a script's globals must show after it ran, beyond running to the end.
CHECKS = {"plot_save_and_serve.py": _check_save_and_serve}


def test_examples_found():
    names = {p.name for p in SCRIPTS}
    assert "demo.py" in names
    assert len([n for n in names if n.startswith("plot_")]) >= 8


@pytest.mark.filterwarnings("ignore:FigureCanvasAgg is non-interactive")
@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_example_runs(script, tmp_path, monkeypatch):
    assert matplotlib.get_backend().lower() == "agg"
    monkeypatch.setenv("SKLSTM_EXAMPLES_FAST", "1")
    monkeypatch.chdir(tmp_path)  # demo.py writes its figure to the cwd
    monkeypatch.setattr(sys, "argv", [str(script)])
    plt.close("all")
    try:
        found = runpy.run_path(str(script), run_name="__main__")
        if script.name == "demo.py":
            assert (tmp_path / "demo_forecast.png").stat().st_size > 0
        else:
            assert plt.get_fignums(), f"{script.name} drew no figure"
        if script.name in CHECKS:
            CHECKS[script.name](found)
    finally:
        plt.close("all")
