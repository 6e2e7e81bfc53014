"""scikit-learn compatible LSTM estimators built on PyTorch and skorch."""

from . import exceptions
from ._calendar import CalendarFeatures
from ._classifier import LSTMClassifier
from ._forecaster import LSTMForecaster
from ._module import GateLSTM, LSTMNet
from ._onnx import to_onnx
from ._persist import load, save
from ._regressor import LSTMRegressor
from ._show_versions import show_versions
from ._version import __version__
from ._window import SlidingWindowTransformer, make_windows

__all__ = [
    "CalendarFeatures",
    "GateLSTM",
    "LSTMClassifier",
    "LSTMForecaster",
    "LSTMNet",
    "LSTMRegressor",
    "SlidingWindowTransformer",
    "__version__",
    "exceptions",
    "load",
    "make_windows",
    "save",
    "show_versions",
    "to_onnx",
]
