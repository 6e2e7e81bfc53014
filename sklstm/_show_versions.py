"""Versions of sklstm, its dependencies and the machine, for bug reports."""

import platform
import sys
from importlib import metadata

import torch

from ._version import __version__

# Runtime dependencies first, then what the extras add.
_DEPENDENCIES = ("torch", "scikit-learn", "skorch", "numpy", "pandas", "scipy")
_OPTIONAL = (
    "joblib",
    "onnx",
    "onnxruntime",
    "dask",
    "distributed",
    "mapie",
    "skops",
    "skforecast",
    "sktime",
    "statsforecast",
    "matplotlib",
    "pip",
    "setuptools",
)


def _installed_version(name):
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _system_info():
    return {
        "python": sys.version.replace("\n", " "),
        "executable": sys.executable,
        "machine": platform.platform(),
    }


def _torch_info():
    cuda = torch.cuda.is_available()
    return {
        "threads": str(torch.get_num_threads()),
        "CUDA available": str(cuda),
        "CUDA version": str(torch.version.cuda),
        "GPU": torch.cuda.get_device_name(0) if cuda else "none",
    }


def _deps_info():
    deps = {"sklstm": __version__}
    deps.update({name: _installed_version(name) for name in _DEPENDENCIES + _OPTIONAL})
    return deps


def show_versions():
    """Print the versions of sklstm, its dependencies and the machine.

    Paste the output into a bug report: it names the Python, the operating
    system, every runtime dependency, the optional packages that are
    installed (``None`` for those that are not) and what torch sees (its
    thread count and any GPU).

    See Also
    --------
    sklearn.show_versions : The same report for scikit-learn.

    Examples
    --------
    >>> import sklstm
    >>> sklstm.show_versions()  # doctest: +ELLIPSIS
    <BLANKLINE>
    System:
    ...
    sklstm: ...
    """
    sections = [
        ("System", _system_info()),
        ("Python dependencies", _deps_info()),
        ("torch", _torch_info()),
    ]
    for title, info in sections:
        print(f"\n{title}:")
        width = max(len(key) for key in info)
        for key, value in info.items():
            print(f"{key:>{width}}: {value}")
