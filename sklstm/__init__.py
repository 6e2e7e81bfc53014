"""scikit-learn compatible LSTM estimators built on PyTorch and skorch."""

__version__ = "0.1.0.dev0"
