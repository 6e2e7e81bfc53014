"""Model files without pickle: :func:`save` and :func:`load`.

A model file is a zip archive holding

- ``manifest.json``: the format name and version, the sklstm version that
  wrote it, and the saved object as a tree of JSON nodes: the class of every
  estimator (a key into an allowlist, never a module path to import), its
  parameters and its fitted attributes;
- ``arrays/<i>.npy``: every numeric numpy array and torch tensor the tree
  refers to (the network weights, the optimizer state, the scaling
  statistics), in numpy's own format, read back with ``allow_pickle=False``.

Loading parses JSON and ``.npy`` only, creates only allowlisted classes, and
rebuilds the skorch network through the estimator's own ``_build_net``, so
nothing in a file can make Python run code of the file's choosing.
"""

import io
import json
import os
import re
import tempfile
import warnings
import zipfile
import zlib

import numpy as np
import sklearn
import skorch
import torch
from sklearn.base import BaseEstimator
from skorch.exceptions import DeviceWarning
from skorch.history import History

from ._base import _to_eval
from ._module import LSTMNet
from ._version import __version__

__all__ = ["load", "save"]

FORMAT_NAME = "sklstm-model"
# Bump when a change makes files unreadable by older versions; load reads
# every version up to this one.
FORMAT_VERSION = 1
_MANIFEST = "manifest.json"
_ATTRIBUTE_NAME = re.compile(r"^(?!__)[A-Za-z_][A-Za-z0-9_]*$")

_OPTIMIZER_NAMES = (
    "Adadelta",
    "Adagrad",
    "Adam",
    "Adamax",
    "AdamW",
    "ASGD",
    "NAdam",
    "RAdam",
    "RMSprop",
    "Rprop",
    "SGD",
)
# torch optimizer classes a file may name as an estimator's ``optimizer``.
_OPTIMIZERS = {
    name: getattr(torch.optim, name)
    for name in _OPTIMIZER_NAMES
    if hasattr(torch.optim, name)
}


def _sklearn_classes():
    # Imported here, not with sklstm: only save and load need them, and
    # with them `import sklstm` loads about 80 more modules.
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import (
        MaxAbsScaler,
        MinMaxScaler,
        RobustScaler,
        StandardScaler,
    )

    return (
        Pipeline,
        StandardScaler,
        MinMaxScaler,
        MaxAbsScaler,
        RobustScaler,
        SimpleImputer,
    )


# Parameters newer than the first format version, with the value that
# reproduces the estimators written before them.
_ADDED_PARAMS = {"LSTMForecaster": {"linear_skip": False, "linear_fallback": False}}


def _sklstm_classes():
    # Imported here: the estimator modules import this package's __init__.
    from ._classifier import LSTMClassifier
    from ._forecaster import LSTMForecaster
    from ._regressor import LSTMRegressor
    from ._window import SlidingWindowTransformer

    return (LSTMRegressor, LSTMClassifier, LSTMForecaster, SlidingWindowTransformer)


def _allowed_classes():
    """Every class a model file may contain, by the key the file names it with."""
    classes = {f"sklstm.{cls.__name__}": cls for cls in _sklstm_classes()}
    for cls in _sklearn_classes():
        classes[f"{cls.__module__}.{cls.__name__}"] = cls
    return classes


_MODULES = {"sklstm.LSTMNet": LSTMNet}
_NET_CLASSES = {
    f"skorch.{cls.__name__}": cls
    for cls in (skorch.NeuralNet, skorch.NeuralNetRegressor, skorch.NeuralNetClassifier)
}
_LOSS_NAMES = (
    "BCEWithLogitsLoss",
    "CrossEntropyLoss",
    "HuberLoss",
    "L1Loss",
    "MSELoss",
    "NLLLoss",
)


def _criteria():
    """Loss classes a network may have: torch's usual ones and sklstm's."""
    from . import _module

    losses = {f"torch.nn.{name}": getattr(torch.nn, name) for name in _LOSS_NAMES}
    for name, value in vars(_module).items():
        if isinstance(value, type) and issubclass(value, torch.nn.Module):
            if name.endswith("Loss"):
                losses[f"sklstm.{name}"] = value
    return losses


def _skorch_class(cls):
    """The skorch class a network class is, or derives from (nearest first).

    sklstm trains with private subclasses of skorch's nets that only trim
    per-batch bookkeeping; files name the skorch class they extend.
    """
    known = tuple(_NET_CLASSES.values())
    return next((base for base in cls.__mro__ if base in known), None)


def _class_key(cls, table):
    for key, known in table.items():
        if cls is known:
            return key
    return None


def _supported():
    names = sorted(key.rsplit(".", 1)[1] for key in _allowed_classes())
    return ", ".join(names)


class _Unsupported(ValueError):
    pass


# ----------------------------------------------------------------- writing
class _Writer:
    """Turns an object into JSON nodes, collecting its arrays as ``.npy``."""

    def __init__(self):
        self.arrays = {}

    def _array(self, values):
        name = f"arrays/{len(self.arrays)}.npy"
        buffer = io.BytesIO()
        np.save(buffer, np.ascontiguousarray(values), allow_pickle=False)
        self.arrays[name] = buffer.getvalue()
        return name

    def encode(self, value, where):
        if value is None or isinstance(value, (bool, str)):
            return value
        if isinstance(value, np.generic):
            if value.dtype.kind not in "biuf":
                raise _Unsupported(where, value)
            return {"type": "scalar", "dtype": value.dtype.str, "value": value.item()}
        if isinstance(value, (int, float)):
            return value
        if isinstance(value, list):
            return [self.encode(v, f"{where}[{i}]") for i, v in enumerate(value)]
        if isinstance(value, tuple):
            items = [self.encode(v, f"{where}[{i}]") for i, v in enumerate(value)]
            return {"type": "tuple", "items": items}
        if isinstance(value, dict):
            items = [
                [self.encode(k, f"{where} key"), self.encode(v, f"{where}[{k!r}]")]
                for k, v in value.items()
            ]
            return {"type": "dict", "items": items}
        if isinstance(value, np.ndarray):
            if value.dtype.kind == "O":
                flat = value.ravel().tolist()
                for item in flat:
                    if not (item is None or isinstance(item, (str, int, float))):
                        raise _Unsupported(f"{where} (an object array)", item)
                return {
                    "type": "object_array",
                    "shape": list(value.shape),
                    "items": [self.encode(v, where) for v in flat],
                }
            return {"type": "ndarray", "path": self._array(value)}
        if isinstance(value, torch.Tensor):
            values = value.detach().cpu()
            if values.dtype == torch.bfloat16:
                raise _Unsupported(f"{where} (a bfloat16 tensor)", value)
            return {
                "type": "tensor",
                "path": self._array(values.numpy()),
                "device": str(value.device),
            }
        if isinstance(value, torch.device):
            return {"type": "device", "value": str(value)}
        if isinstance(value, np.dtype):
            if value.kind in "OV":
                raise _Unsupported(where, value)
            return {"type": "dtype", "value": value.str}
        if isinstance(value, np.random.RandomState):
            state = self.encode(value.get_state(legacy=True), where)
            return {"type": "random_state", "state": state}
        if isinstance(value, type):
            name = _class_key(value, _OPTIMIZERS)
            if name is None:
                raise _Unsupported(where, value)
            return {"type": "optimizer", "name": name}
        if isinstance(value, BaseEstimator):
            return self.estimator(value, where)
        raise _Unsupported(where, value)

    def estimator(self, est, where):
        key = _class_key(type(est), _allowed_classes())
        if key is None:
            raise ValueError(
                f"sklstm.save cannot store {where}, a {type(est).__name__}: model "
                f"files hold only these classes: {_supported()}. Use pickle or "
                "joblib for other objects, and load those only from sources you "
                "trust."
            )
        params = est.get_params(deep=False)
        if params.get("callbacks"):
            raise ValueError(
                f"sklstm.save cannot store {where}.callbacks: callbacks are "
                "arbitrary Python objects, which a model file does not hold. Call "
                "set_params(callbacks=None) before saving (the trained network "
                "does not need them), or use pickle for files you trust."
            )
        node = {
            "type": "estimator",
            "class": key,
            "params": {k: self.encode(v, f"{where}.{k}") for k, v in params.items()},
        }
        # _built_with (the parameters the network was built with, which
        # continued training checks against) is recorded again when load
        # rebuilds the network; it may hold the callbacks a file cannot.
        attributes = {
            k: v for k, v in vars(est).items() if k not in params and k != "_built_with"
        }
        net = attributes.pop("net_", None) if key.startswith("sklstm.") else None
        node["attributes"] = {
            k: self.encode(v, f"{where}.{k}") for k, v in attributes.items()
        }
        if net is not None:
            node["net"] = self.net(net, f"{where}.net_")
        return node

    def net(self, net, where):
        module = _class_key(net.module, _MODULES)
        net_class = _class_key(_skorch_class(type(net)), _NET_CLASSES)
        criterion = _class_key(net.criterion, _criteria())
        if None in (module, net_class, criterion) or not net.initialized_:
            raise ValueError(
                f"sklstm.save cannot store {where}: it is not an initialised "
                "skorch network of sklstm.LSTMNet with a standard loss. Refit "
                "the estimator."
            )
        # The keyword arguments of the module and the criterion: with the
        # estimator's parameters, they determine the network to rebuild.
        net_params = {
            k: v
            for k, v in vars(net).items()
            if k.startswith(("module__", "criterion__"))
        }
        return {
            "module": module,
            "net_class": net_class,
            "criterion": criterion,
            "net_params": self.encode(net_params, f"{where}.params"),
            "state": self.encode(net.module_.state_dict(), f"{where}.state"),
            "optimizer_state": self.encode(
                net.optimizer_.state_dict(), f"{where}.optimizer_"
            ),
            "history": self.encode(list(net.history), f"{where}.history"),
            "device": str(net.device),
        }


def _unsupported_message(exc):
    where, value = exc.args
    return (
        f"sklstm.save cannot store {where}: {type(value).__name__} is not a type "
        "a model file holds safely. Files hold numbers, strings, None, lists, "
        "tuples, dicts, numpy arrays, torch tensors, torch optimizer classes and "
        f"these estimators: {_supported()}. Set that parameter to such a value "
        "before saving, or use pickle for files you trust."
    )


def save(estimator, path):
    """Save an estimator to a model file that loads without pickle.

    The file is a zip archive of a JSON manifest (the class, the parameters
    and the fitted attributes) and ``.npy`` arrays (the network weights, the
    optimizer state, the scaling statistics); :func:`load` rebuilds the
    estimator from it without running code named in the file. Predictions
    of the loaded estimator are bit-identical.

    Parameters
    ----------
    estimator : estimator
        A fitted (or unfitted) :class:`~sklstm.LSTMRegressor`,
        :class:`~sklstm.LSTMClassifier`, :class:`~sklstm.LSTMForecaster` or
        :class:`~sklstm.SlidingWindowTransformer`, or a
        :class:`~sklearn.pipeline.Pipeline` of those and of scikit-learn's
        :class:`~sklearn.preprocessing.StandardScaler`,
        :class:`~sklearn.preprocessing.MinMaxScaler`,
        :class:`~sklearn.preprocessing.MaxAbsScaler`,
        :class:`~sklearn.preprocessing.RobustScaler` and
        :class:`~sklearn.impute.SimpleImputer`.
    path : str, path-like or binary file object
        Where to write. A path is written to a temporary file first and then
        renamed, so an interrupted save never leaves a partial file.

    Raises
    ------
    ValueError
        If the estimator, or one of its parameters or attributes, cannot be
        stored safely: another class, user ``callbacks``, an optimizer class
        outside ``torch.optim``'s standard ones, a ``numpy.random.Generator``.

    See Also
    --------
    load : Read a model file back.

    Examples
    --------
    >>> import os
    >>> import tempfile
    >>> import numpy as np
    >>> import sklstm
    >>> from sklstm import LSTMForecaster, make_windows
    >>> X, y = make_windows(np.sin(np.arange(120) / 4), look_back=10, horizon=2)
    >>> model = LSTMForecaster(horizon=2, max_epochs=2, random_state=0).fit(X, y)
    >>> path = os.path.join(tempfile.mkdtemp(), "model.sklstm")
    >>> sklstm.save(model, path)
    >>> sklstm.load(path).predict(X[:1]).shape
    (1, 2)
    """
    writer = _Writer()
    try:
        node = writer.encode(estimator, type(estimator).__name__)
    except _Unsupported as exc:
        raise ValueError(_unsupported_message(exc)) from None
    if not (isinstance(node, dict) and node.get("type") == "estimator"):
        raise ValueError(
            f"sklstm.save saves estimators; got {type(estimator).__name__}. "
            f"Supported: {_supported()}."
        )
    manifest = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "sklstm_version": __version__,
        "versions": {
            "numpy": np.__version__,
            "scikit-learn": sklearn.__version__,
            "skorch": skorch.__version__,
            "torch": torch.__version__,
        },
        "object": node,
    }
    payload = json.dumps(manifest, indent=1, allow_nan=True).encode("utf-8")
    if hasattr(path, "write"):
        _write_zip(path, payload, writer.arrays)
        return
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".sklstm-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as file:
            _write_zip(file, payload, writer.arrays)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def _write_zip(file, manifest, arrays):
    with zipfile.ZipFile(file, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(_MANIFEST, manifest)
        for name, data in arrays.items():
            archive.writestr(name, data)


# ----------------------------------------------------------------- loading
class _Corrupt(Exception):
    pass


class _Reader:
    """Rebuilds objects from JSON nodes and the ``.npy`` members of a zip."""

    def __init__(self, archive):
        self.archive = archive
        self.names = set(archive.namelist())

    def array(self, name):
        if not isinstance(name, str) or name not in self.names:
            raise _Corrupt(f"it refers to a missing array {name!r}")
        try:
            return np.load(io.BytesIO(self.archive.read(name)), allow_pickle=False)
        except ValueError as exc:
            raise _Corrupt(
                f"its member {name} is not a plain numpy array ({exc}); pickled "
                "data is never loaded"
            ) from None

    def decode(self, node):
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        if isinstance(node, list):
            return [self.decode(v) for v in node]
        if not isinstance(node, dict):
            raise _Corrupt(f"it holds an unexpected {type(node).__name__}")
        kind = node.get("type")
        if kind == "tuple":
            return tuple(self.decode(v) for v in node["items"])
        if kind == "dict":
            return {self.decode(k): self.decode(v) for k, v in node["items"]}
        if kind == "scalar":
            dtype = np.dtype(node["dtype"])
            if dtype.kind not in "biuf":
                raise _Corrupt(f"it holds a scalar of dtype {dtype}")
            return dtype.type(node["value"])
        if kind == "ndarray":
            return self.array(node["path"])
        if kind == "object_array":
            items = [self.decode(v) for v in node["items"]]
            values = np.empty(len(items), dtype=object)
            values[:] = items
            return values.reshape(node["shape"])
        if kind == "tensor":
            return torch.from_numpy(np.array(self.array(node["path"])))
        if kind == "device":
            return torch.device(node["value"])
        if kind == "dtype":
            dtype = np.dtype(node["value"])
            if dtype.kind in "OV":
                raise _Corrupt(f"it holds the dtype {dtype}")
            return dtype
        if kind == "random_state":
            state = np.random.RandomState()
            state.set_state(self.decode(node["state"]))
            return state
        if kind == "optimizer":
            if node["name"] not in _OPTIMIZERS:
                raise _Corrupt(f"it names an unknown optimizer {node['name']!r}")
            return _OPTIMIZERS[node["name"]]
        if kind == "estimator":
            return self.estimator(node)
        raise _Corrupt(f"it holds a node of unknown type {kind!r}")

    def estimator(self, node):
        classes = _allowed_classes()
        key = node["class"]
        if key not in classes:
            raise _Corrupt(
                f"it names the class {key!r}, which is not one sklstm.load "
                f"creates ({_supported()})"
            )
        cls = classes[key]
        params = {k: self.decode(v) for k, v in node["params"].items()}
        unknown = sorted(set(params) - set(cls._get_param_names()))
        if unknown:
            raise _Corrupt(
                f"it sets parameters {unknown} that {cls.__name__} of this sklstm "
                f"{__version__} does not have; it was probably written by a newer "
                "sklstm: install that version"
            )
        # Parameters added after a file was written get the value that gives
        # the model the file holds, not today's default.
        for name, value in _ADDED_PARAMS.get(cls.__name__, {}).items():
            params.setdefault(name, value)
        est = cls(**params)
        if hasattr(est, "_parameter_constraints"):
            est._validate_params()
        for name, value in node["attributes"].items():
            # Fitted attributes only: never a parameter, a method or a
            # property of the class.
            member = getattr(cls, name, None)
            if (
                not _ATTRIBUTE_NAME.match(name)
                or name in params
                or callable(member)
                or isinstance(member, property)
            ):
                raise _Corrupt(f"it sets the attribute {name!r}")
            setattr(est, name, self.decode(value))
        if "net" in node:
            est.net_ = self.net(est, node["net"])
        return est

    def net(self, est, node):
        net_class = _NET_CLASSES.get(node["net_class"])
        criterion = _criteria().get(node["criterion"])
        if node["module"] not in _MODULES or net_class is None or criterion is None:
            raise _Corrupt(
                f"it names an unknown network ({node['module']!r}, "
                f"{node['net_class']!r}, {node['criterion']!r})"
            )
        net_params = self.decode(node["net_params"])
        if not isinstance(net_params, dict) or not all(
            isinstance(k, str) and k.startswith(("module__", "criterion__"))
            for k in net_params
        ):
            raise _Corrupt("its network parameters are not module__/criterion__")
        # The arguments the estimator builds the network with, read from the
        # recorded net parameters through a fixed table (not _build_net's
        # signature, so that renaming a private argument cannot silently
        # stop older files from loading). The loss's own parameters
        # (criterion__weight, criterion__loss, ...) are passed on as they are.
        kwargs = {
            argument: net_params[key]
            for key, argument in _BUILD_ARGUMENTS.items()
            if key in net_params
        }
        kwargs["criterion"] = criterion
        kwargs.update(
            (k, v) for k, v in net_params.items() if k.startswith("criterion__")
        )
        saved_device = est.device
        if not _device_usable(est.device):
            warnings.warn(
                f"The model was saved with device={est.device!r}, which this "
                "machine cannot use; it is loaded onto the CPU. Call "
                "set_params(device='cpu') before fitting it again.",
                DeviceWarning,
                stacklevel=4,
            )
            est.device = "cpu"
        try:
            net = est._build_net(**kwargs)
        finally:
            est.device = saved_device
        if _skorch_class(type(net)) is not net_class:
            raise _Corrupt(
                f"it describes a {node['net_class']} network, but "
                f"{type(est).__name__} builds a {type(net).__name__}"
            )
        net.set_params(criterion=criterion, **net_params)
        # The initial weights come from the net's own generator (see _Net),
        # not torch's global one; the saved ones replace them.
        net.initialize()
        state = self.decode(node["state"])
        net.module_.load_state_dict(state, strict=True)
        _to_eval(net.module_)
        net.optimizer_.load_state_dict(self.decode(node["optimizer_state"]))
        net.history = History(self.decode(node["history"]))
        return net


# A saved network's parameters (skorch names, as files record them) -> the
# arguments of _BaseLSTM._build_net that rebuild it. A new build argument
# needs a row here; tests/test_persist.py checks that every one has.
_BUILD_ARGUMENTS = {
    "module__n_features": "n_features",
    "module__output_size": "output_size",
    "module__return_sequences": "return_sequences",
    "criterion__quantiles": "quantiles",
    "module__skip_length": "skip_length",
    "module__future_steps": "future_steps",
    "module__future_channels": "future_channels",
}


def _device_usable(device):
    try:
        torch.empty(0, device=device)
    except (RuntimeError, AssertionError):
        return False
    return True


def load(path):
    """Load an estimator saved by :func:`save`, without unpickling anything.

    Only JSON and plain numpy arrays (``allow_pickle=False``) are read; the
    classes created come from a fixed allowlist (the sklstm estimators and
    the scikit-learn classes :func:`save` accepts), never from a module name
    in the file. The network is rebuilt by the estimator and its weights are
    loaded into it; a model saved on a GPU loads onto the CPU when this
    machine has no GPU, with a skorch ``DeviceWarning``.

    Parameters
    ----------
    path : str, path-like or binary file object
        A file written by :func:`save`.

    Returns
    -------
    estimator : estimator
        The saved estimator, fitted as it was when saved, with bit-identical
        predictions.

    Raises
    ------
    ValueError
        If the file is not a model file written by :func:`save`: truncated,
        corrupted, crafted (a pickle in place of the manifest or of an array,
        a class outside the allowlist), or written in a newer format version
        than this sklstm reads. Nothing is half-loaded: the estimator is
        returned only once every part has been read and checked.

    See Also
    --------
    save : Write a model file.

    Examples
    --------
    >>> import io
    >>> import numpy as np
    >>> import sklstm
    >>> from sklstm import LSTMRegressor
    >>> X = np.sin(np.arange(200) / 5).reshape(20, 10)
    >>> model = LSTMRegressor(max_epochs=2, random_state=0).fit(X, X[:, -1])
    >>> buffer = io.BytesIO()
    >>> sklstm.save(model, buffer)
    >>> restored = sklstm.load(io.BytesIO(buffer.getvalue()))
    >>> bool((restored.predict(X) == model.predict(X)).all())
    True
    """
    name = getattr(path, "name", path)
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, EOFError, OSError) as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        raise ValueError(
            f"{name!r} is not an sklstm model file, or it is truncated or "
            f"corrupted: it is not a readable zip archive ({exc}). Files written "
            "by sklstm.save are; pickles are not loaded by sklstm.load."
        ) from None
    with archive:
        try:
            bad = archive.testzip()
        except (zipfile.BadZipFile, EOFError, OSError, ValueError, zlib.error) as exc:
            bad = f"({exc})"
        if bad is not None:
            raise ValueError(
                f"{name!r} is corrupted: its member {bad} fails its checksum. "
                "Copy the file again from its source."
            )
        manifest = _read_manifest(archive, name)
        try:
            return _Reader(archive).decode(manifest["object"])
        except _Corrupt as exc:
            message = exc.args[0]
        except (
            KeyError,
            TypeError,
            ValueError,
            RuntimeError,
            AttributeError,
            IndexError,
        ) as exc:
            # RecursionError (absurdly nested JSON) is a RuntimeError.
            message = f"{type(exc).__name__}: {exc}"
        raise ValueError(
            f"{name!r} cannot be loaded as an sklstm model: {message}. The file is "
            "corrupted or was not written by sklstm.save."
        )


def _read_manifest(archive, name):
    try:
        manifest = json.loads(archive.read(_MANIFEST).decode("utf-8"))
    except KeyError:
        raise ValueError(
            f"{name!r} is not an sklstm model file: it has no {_MANIFEST}."
        ) from None
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise ValueError(
            f"{name!r} is not an sklstm model file: its {_MANIFEST} is not JSON "
            "(pickled data is never loaded)."
        ) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_NAME:
        raise ValueError(
            f"{name!r} is not an sklstm model file: its {_MANIFEST} does not name "
            f"the format {FORMAT_NAME!r}."
        )
    version = manifest.get("format_version")
    writer = manifest.get("sklstm_version", "unknown")
    if not isinstance(version, int) or version < 1:
        raise ValueError(f"{name!r} has an invalid format_version {version!r}.")
    if version > FORMAT_VERSION:
        raise ValueError(
            f"{name!r} was written by sklstm {writer} in model file format "
            f"{version}, but sklstm {__version__} reads formats up to "
            f"{FORMAT_VERSION}. Upgrade sklstm (pip install -U sklstm) to load it."
        )
    return manifest
