"""Write the offline intersphinx inventories in this folder.

The documentation links to the docs of Python, NumPy, pandas, scikit-learn,
PyTorch and skorch through intersphinx. Intersphinx normally downloads each
project's ``objects.inv`` at build time, which the build machines cannot do
(no internet). This script writes those inventories instead, from the
*installed* packages: it imports each public object, takes its kind (class,
function, method, exception, module, ...) from the object itself, and points
it at the page the project's documentation uses for it. The pages follow one
rule per project (e.g. scikit-learn documents ``sklearn.pipeline.Pipeline`` at
``modules/generated/sklearn.pipeline.Pipeline.html``), written out below.

The files are small (zlib-compressed, as Sphinx writes them) and committed, so
``make doc`` needs nothing from the network. Regenerate them after upgrading
one of these packages, or to link to an object that is not listed yet::

    python docs/_intersphinx/make_inventories.py

``--check`` rewrites nothing and exits non-zero when a committed inventory
differs from what the installed packages give.

Limits: an inventory only holds the objects walked below (each project's
public API, plus the few narrative anchors listed by hand, such as
scikit-learn's glossary terms), and a page rule can be wrong for an object a
project documents somewhere unusual; such a link resolves at build time but
may land on a missing page online. The rules were checked against the real
inventories of scikit-learn 1.2.1, pandas 1.5.3 and Python 3.11 as Debian
packages them (``python-sklearn-doc``, ``python-pandas-doc``,
``python3.11-doc``).
"""

import argparse
import importlib
import inspect
import sys
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent

#: intersphinx name -> (documentation root URL, inventory file in this folder)
MAPPING = {
    "python": ("https://docs.python.org/3/", "python.inv"),
    "numpy": ("https://numpy.org/doc/stable/", "numpy.inv"),
    "pandas": ("https://pandas.pydata.org/docs/", "pandas.inv"),
    "sklearn": ("https://scikit-learn.org/stable/", "sklearn.inv"),
    "torch": ("https://docs.pytorch.org/docs/stable/", "torch.inv"),
    "skorch": ("https://skorch.readthedocs.io/en/stable/", "skorch.inv"),
}


def _kind(obj):
    """Python-domain object type of ``obj``, as Sphinx names it."""
    if inspect.isclass(obj):
        return "exception" if issubclass(obj, BaseException) else "class"
    if inspect.ismodule(obj):
        return "module"
    if callable(obj):
        return "function"
    return "data"


def _public(module):
    """Public names of ``module``: its ``__all__``, else names not starting _."""
    names = getattr(module, "__all__", None)
    if names is None:
        names = [n for n in vars(module) if not n.startswith("_")]
    return sorted(n for n in names if hasattr(module, n))


def _methods(cls, own_only=False):
    """Public methods (and properties) of ``cls``."""
    for name, value in inspect.getmembers(cls):
        if name.startswith("_"):
            continue
        if own_only and name not in vars(cls):
            continue
        if isinstance(inspect.getattr_static(cls, name, None), property):
            yield name, "property"
        elif callable(value) and not inspect.isclass(value):
            yield name, "method"


# ----------------------------------------------------------------- projects
def python_entries():
    import builtins

    for name in dir(builtins):
        obj = getattr(builtins, name)
        if inspect.isclass(obj) and issubclass(obj, BaseException):
            yield name, "exception", f"library/exceptions.html#{name}"
    for name in ["abs", "callable", "isinstance", "len", "print", "range", "zip"]:
        yield name, "function", f"library/functions.html#{name}"
    for name in ["bool", "float", "int", "object", "slice", "type"]:
        yield name, "class", f"library/functions.html#{name}"
    for name in ["dict", "list", "set", "str", "tuple"]:
        yield name, "class", f"library/stdtypes.html#{name}"
    for modname in ["copy", "math", "os", "pickle", "time", "warnings"]:
        module = importlib.import_module(modname)
        yield modname, "module", f"library/{modname}.html#module-{modname}"
        for name in _public(module):
            obj = getattr(module, name)
            if inspect.ismodule(obj):
                continue
            full = f"{modname}.{name}"
            yield full, _kind(obj), f"library/{modname}.html#{full}"


def numpy_entries():
    import numpy as np

    page = "reference/generated/{}.html#{}"
    for name in _public(np):
        obj = getattr(np, name)
        full = f"numpy.{name}"
        if inspect.ismodule(obj):
            continue
        if isinstance(obj, np.ufunc):
            yield full, "data", page.format(full, full)
        elif inspect.isclass(obj) or callable(obj):
            yield full, _kind(obj), page.format(full, full)
    for name, kind in _methods(np.ndarray):
        full = f"numpy.ndarray.{name}"
        yield full, kind, page.format(full, full)
    for name in ["nan", "inf", "pi", "newaxis"]:
        yield f"numpy.{name}", "data", f"reference/constants.html#numpy.{name}"
    for name in ["sliding_window_view", "as_strided"]:
        full = f"numpy.lib.stride_tricks.{name}"
        yield full, "function", page.format(full, full)
    yield (
        "numpy.random.RandomState",
        "class",
        ("reference/random/legacy.html#numpy.random.RandomState"),
    )
    yield (
        "numpy.random.Generator",
        "class",
        ("reference/random/generator.html#numpy.random.Generator"),
    )
    yield (
        "numpy.random.default_rng",
        "function",
        ("reference/random/generator.html#numpy.random.default_rng"),
    )


def pandas_entries():
    import pandas as pd

    page = "reference/api/{}.html#{}"
    for name in _public(pd):
        obj = getattr(pd, name)
        if inspect.ismodule(obj) or not (inspect.isclass(obj) or callable(obj)):
            continue
        full = f"pandas.{name}"
        yield full, _kind(obj), page.format(full, full)
    for cls in [pd.Series, pd.DataFrame, pd.Index, pd.PeriodIndex, pd.DatetimeIndex]:
        for name, kind in _methods(cls, own_only=False):
            full = f"pandas.{cls.__name__}.{name}"
            yield full, kind, page.format(full, full)


def sklearn_entries():
    import sklearn

    page = "modules/generated/{}.html#{}"
    modules = [
        "base",
        "utils.estimator_checks",
        "utils.validation",
        "utils.metaestimators",
        "utils.multiclass",
    ]
    for name in sklearn.__all__:
        try:
            importlib.import_module(f"sklearn.{name}")
        except ImportError:
            # A top-level function such as sklearn.set_config. One defined in
            # a public module (clone, from sklearn.base) is documented there.
            obj = getattr(sklearn, name)
            if any(p.startswith("_") for p in obj.__module__.split(".")):
                full = f"sklearn.{name}"
                yield full, _kind(obj), page.format(full, full)
        else:
            modules.append(name)
    seen = set()
    for sub in modules:
        try:
            module = importlib.import_module(f"sklearn.{sub}")
        except ImportError:
            continue
        if not inspect.ismodule(module) or module.__name__ in seen:
            continue
        seen.add(module.__name__)
        modname = module.__name__
        yield modname, "module", f"api/{modname}.html#module-{modname}"
        public = _public(module)
        classes = {n.lower() for n in public if inspect.isclass(getattr(module, n))}
        for name in public:
            obj = getattr(module, name)
            if inspect.ismodule(obj) or not (inspect.isclass(obj) or callable(obj)):
                continue
            full = f"{modname}.{name}"
            if not inspect.isclass(obj) and name.lower() in classes:
                # dbscan next to DBSCAN: page names must differ in more than
                # case, so the function gets "dbscan-function.html".
                yield full, "function", f"modules/generated/{name}-function.html#$"
                continue
            yield full, _kind(obj), page.format(full, full)
            if inspect.isclass(obj):
                for meth, kind in _methods(obj):
                    yield f"{full}.{meth}", kind, page.format(full, f"{full}.{meth}")
    # Glossary terms that this documentation uses; anchors keep the term's
    # spelling, with spaces turned into hyphens.
    for term in [
        "cross-validation splitter",
        "early stopping",
        "estimator",
        "fit",
        "partial_fit",
        "predict",
        "random_state",
        "regressor",
        "transform",
        "transformer",
        "warm_start",
    ]:
        yield term, "term", "glossary.html#term-" + term.replace(" ", "-")


def torch_entries():
    import torch
    import torch.nn
    import torch.optim

    page = "generated/{}.html#{}"
    for name in torch.nn.modules.__all__:
        full = f"torch.nn.{name}"
        yield full, "class", page.format(full, full)
    for name, kind in _methods(torch.nn.Module):
        full = f"torch.nn.Module.{name}"
        yield full, kind, page.format("torch.nn.Module", full)
    for name in _public(torch.optim):
        obj = getattr(torch.optim, name)
        if inspect.isclass(obj) and issubclass(obj, torch.optim.Optimizer):
            full = f"torch.optim.{name}"
            yield full, "class", page.format(full, full)
    for name in [
        "cat",
        "chunk",
        "from_numpy",
        "manual_seed",
        "no_grad",
        "randn",
        "set_num_threads",
        "get_num_threads",
        "sigmoid",
        "stack",
        "tanh",
        "tensor",
        "use_deterministic_algorithms",
        "where",
        "zeros",
    ]:
        obj = getattr(torch, name)
        full = f"torch.{name}"
        yield full, _kind(obj), page.format(full, full)
    for name in ["pack_padded_sequence", "pad_packed_sequence"]:
        full = f"torch.nn.utils.rnn.{name}"
        yield full, "function", page.format(full, full)
    for name in ["dropout", "mse_loss"]:
        full = f"torch.nn.functional.{name}"
        yield full, "function", page.format(full, full)
    yield (
        "torch.cuda.is_available",
        "function",
        page.format("torch.cuda.is_available", "torch.cuda.is_available"),
    )
    yield "torch.nn.init.uniform_", "function", "nn.init.html#torch.nn.init.uniform_"
    yield "torch.Tensor", "class", "tensors.html#torch.Tensor"
    yield "torch.device", "class", "tensor_attributes.html#torch.device"
    yield "torch.random.fork_rng", "function", "random.html#torch.random.fork_rng"
    for name in ["Dataset", "DataLoader"]:
        full = f"torch.utils.data.{name}"
        yield full, "class", f"data.html#{full}"


def skorch_entries():
    import skorch

    # One page per module ("callbacks.html" for skorch.callbacks), each an
    # automodule of the module's members, with their own methods.
    for sub in [
        "callbacks",
        "classifier",
        "dataset",
        "exceptions",
        "helper",
        "history",
        "net",
        "regressor",
        "scoring",
        "utils",
    ]:
        module = importlib.import_module(f"skorch.{sub}")
        modname = module.__name__
        yield modname, "module", f"{sub}.html#module-{modname}"
        for name in _public(module):
            obj = getattr(module, name)
            if not (inspect.isclass(obj) or inspect.isfunction(obj)):
                continue
            owner = getattr(obj, "__module__", "") or ""
            if "__all__" not in vars(module) and not owner.startswith(modname):
                continue  # imported from elsewhere, documented there
            full = f"{modname}.{name}"
            yield full, _kind(obj), f"{sub}.html#{full}"
            if inspect.isclass(obj):
                for meth, kind in _methods(obj, own_only=True):
                    yield f"{full}.{meth}", kind, f"{sub}.html#{full}.{meth}"
    # Top-level aliases, e.g. skorch.NeuralNetRegressor.
    for name in _public(skorch):
        obj = getattr(skorch, name)
        if inspect.isclass(obj) and obj.__module__.startswith("skorch."):
            sub = obj.__module__.split(".")[1]
            target = f"skorch.{sub}.{name}"
            yield f"skorch.{name}", _kind(obj), f"{sub}.html#{target}"


ENTRIES = {
    "python": python_entries,
    "numpy": numpy_entries,
    "pandas": pandas_entries,
    "sklearn": sklearn_entries,
    "torch": torch_entries,
    "skorch": skorch_entries,
}


def _version(project):
    if project == "python":
        return f"{sys.version_info.major}.{sys.version_info.minor}"
    module = importlib.import_module(project)
    return str(module.__version__).split("+")[0]


def build(project):
    """Bytes of the objects.inv (format version 2) for ``project``."""
    lines = set()
    for name, kind, uri in ENTRIES[project]():
        domain = "std" if kind == "term" else "py"
        if uri.endswith("#$"):
            uri = uri[:-1] + name
        if uri.endswith("#" + name):
            uri = uri[: -len(name)] + "$"  # the format's shorthand
        lines.add(f"{name} {domain}:{kind} 1 {uri} -\n")
    header = (
        "# Sphinx inventory version 2\n"
        f"# Project: {project}\n"
        f"# Version: {_version(project)}\n"
        "# The remainder of this file is compressed using zlib.\n"
    )
    body = zlib.compress("".join(sorted(lines)).encode(), 9)
    return header.encode() + body


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="compare, do not write (exit 1 if stale)"
    )
    args = parser.parse_args(argv)
    stale = []
    for project, (_, filename) in MAPPING.items():
        data = build(project)
        path = HERE / filename
        if args.check:
            if not path.exists() or path.read_bytes() != data:
                stale.append(filename)
            continue
        path.write_bytes(data)
        n = zlib.decompress(data.split(b"zlib.\n", 1)[1]).count(b"\n")
        print(f"{filename}: {n} objects, {len(data) / 1024:.0f} KiB")
    if stale:
        print("stale inventories (regenerate them):", ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
