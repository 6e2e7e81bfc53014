"""The package as users get it: the sdist and wheel ``make dist`` builds, and
the wheel installed into a fresh environment with the runtime dependencies
alone, running the README's first example."""

import os
import re
import subprocess
import sys
import tarfile
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RUNTIME = {"torch", "scikit-learn", "skorch", "numpy", "pandas"}
# Installed by extras only: none may reach an environment of the wheel alone.
EXTRAS_ONLY = ("pytest", "mapie", "onnx", "onnxruntime", "dask", "matplotlib")


def _run(args, **kwargs):
    # Byte-compiling is part of a normal build; this machine switches it off
    # with PYTHONDONTWRITEBYTECODE, which makes setuptools warn about it.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    proc = subprocess.run(args, capture_output=True, text=True, env=env, **kwargs)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"{args} failed:\n{output[-4000:]}"
    return output


@pytest.fixture(scope="module")
def dist(tmp_path_factory):
    """``(folder, build output)`` of ``python -m build`` (sdist, then wheel)."""
    out = tmp_path_factory.mktemp("dist")
    log = _run([sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)])
    return out, log


def _build_warnings(log):
    # setuptools' warnings are Python warnings (BuildBackendWarning,
    # SetuptoolsDeprecationWarning, ...) or distutils' "warning: ..." lines;
    # pip's own "WARNING:" lines are about this machine's package index.
    pattern = re.compile(r"Warning\b|^\s*warning:|deprecat", re.IGNORECASE)
    return [
        line
        for line in log.splitlines()
        if pattern.search(line) and not line.lstrip().startswith("WARNING:")
    ]


def test_build_has_no_warnings(dist):
    folder, log = dist
    assert "Successfully built" in log
    assert not _build_warnings(log)
    # The check can fail: the licence table this project had warned so.
    old = "BuildBackendWarning: `project.license` as a TOML table is deprecated"
    assert _build_warnings(old)


def test_twine_check_passes(dist):
    folder, _ = dist
    files = sorted(str(p) for p in folder.iterdir())
    assert len(files) == 2
    log = _run([sys.executable, "-m", "twine", "check", "--strict", *files])
    assert log.count("PASSED") == 2


def test_sdist_and_wheel_contents(dist):
    folder, _ = dist
    (sdist,) = folder.glob("*.tar.gz")
    with tarfile.open(sdist) as tar:
        names = {name.split("/", 1)[1] for name in tar.getnames() if "/" in name}
    tracked = {
        "LICENSE",
        "CHANGELOG.md",
        "Makefile",
        "constraints-cpu.txt",
        "tests/test_packaging.py",
        "docs/index.rst",
        "docs/user_guide/estimators.rst",
        "examples/demo.py",
        "benchmarks/accuracy.py",
        "sklstm/datasets/data/airline.csv",
        "sklstm/datasets/data/elnino.csv",
        "sklstm/datasets/data/bike_sharing.csv.gz",
    }
    assert tracked <= names
    # Build outputs of a working tree stay out.
    assert not [n for n in names if n.startswith(("docs/_build", "docs/auto_ex"))]
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]

    (wheel,) = folder.glob("*.whl")
    with zipfile.ZipFile(wheel) as whl:
        names = set(whl.namelist())
        metadata_text = next(
            whl.read(n).decode() for n in names if n.endswith(".dist-info/METADATA")
        )
    data = {f"sklstm/datasets/data/{f}" for f in ("airline.csv", "bike_sharing.csv.gz")}
    assert data | {"sklstm/_base.py"} <= names
    assert not [n for n in names if n.startswith("tests/")]
    assert "License-Expression: BSD-3-Clause" in metadata_text
    assert "Classifier: License ::" not in metadata_text
    required = {
        re.split(r"[<>=!~ ;\[]", line.split(": ", 1)[1])[0].lower()
        for line in metadata_text.splitlines()
        if line.startswith("Requires-Dist:") and "extra ==" not in line
    }
    assert required == RUNTIME


def _readme_first_example():
    text = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)
    assert blocks, "README.md has no python example"
    return blocks[0]


def test_wheel_alone_runs_the_readme_example(dist, tmp_path):
    folder, _ = dist
    (wheel,) = folder.glob("*.whl")
    env_dir = tmp_path / "env"
    venv.create(env_dir, with_pip=True)
    python = str(env_dir / "bin" / "python")
    constraints = str(ROOT / "constraints-cpu.txt")
    # --no-compile: the example's imports compile what they use, which is
    # a fraction of torch's files.
    install = [python, "-m", "pip", "install", "-q", "--no-compile"]
    _run([*install, "-c", constraints, str(wheel)])

    installed = _run([python, "-m", "pip", "list", "--format=freeze"]).lower()
    names = {line.split("==")[0] for line in installed.split()}
    assert RUNTIME <= names
    assert not names & set(EXTRAS_ONLY)

    # The example's last line is an expression: print it to check it.
    code = _readme_first_example().rstrip().splitlines()
    last = code[-1].split("#")[0].strip()
    check = [
        f"result = {last}",
        "print(result.index[[0, -1]])",
        "import sklstm",
        "print(sklstm.__file__)",
    ]
    output = _run([python, "-c", "\n".join(code[:-1] + check)], cwd=tmp_path)
    assert "1961-01" in output and "1961-12" in output, output
    # The package ran from the fresh environment, not from this checkout.
    assert str(env_dir) in output.splitlines()[-1]
