"""scikit-learn compatible LSTM estimators built on PyTorch and skorch."""

from ._forecaster import LSTMForecaster
from ._module import GateLSTM, LSTMNet
from ._regressor import LSTMRegressor
from ._window import SlidingWindowTransformer, make_windows

__all__ = [
    "GateLSTM",
    "LSTMForecaster",
    "LSTMNet",
    "LSTMRegressor",
    "SlidingWindowTransformer",
    "make_windows",
]
__version__ = "0.1.0.dev0"
