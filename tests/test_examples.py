"""Every script in examples/ runs headless to the end and draws its figure.

The gallery scripts read ``SKLSTM_EXAMPLES_FAST`` and train for a few epochs
only: this test checks that they run, not what they find.
"""

import runpy
import sys
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SCRIPTS = sorted(EXAMPLES.glob("*.py"))


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
        runpy.run_path(str(script), run_name="__main__")
        if script.name == "demo.py":
            assert (tmp_path / "demo_forecast.png").stat().st_size > 0
        else:
            assert plt.get_fignums(), f"{script.name} drew no figure"
    finally:
        plt.close("all")
