"""Exceptions and warnings raised by sklstm."""

__all__ = ["TrainingDivergedError", "VersionMismatchWarning"]


class TrainingDivergedError(FloatingPointError):
    """Raised when a training or validation loss, or the weights, become NaN or inf.

    Training stops at the first such batch instead of returning a model that
    predicts NaN. A new fit leaves the estimator unfitted; a continued one
    (``warm_start=True`` or ``partial_fit``) restores the network, optimizer
    and history from before the call. Lowering ``lr`` is the usual fix; the
    message names the epoch and suggests a value.

    It subclasses :class:`FloatingPointError` (an :class:`ArithmeticError`),
    not :class:`ValueError`: the input was valid, the numerics failed.

    See Also
    --------
    sklstm.LSTMRegressor : Its ``lr`` and ``scale_y`` parameters.
    sklstm.LSTMForecaster : Its ``lr`` and ``scale_y`` parameters.

    Examples
    --------
    A huge learning rate on unscaled targets makes the loss infinite within
    the first epoch:

    >>> import numpy as np
    >>> from sklstm import LSTMRegressor
    >>> from sklstm.exceptions import TrainingDivergedError
    >>> X = np.random.default_rng(0).normal(size=(64, 8, 1))
    >>> y = 1e6 * X[:, -2:, 0].sum(axis=1)
    >>> reg = LSTMRegressor(optimizer="sgd", lr=1e12, scale_y=False,
    ...                     batch_size=16, random_state=0)
    >>> try:
    ...     reg.fit(X, y)
    ... except TrainingDivergedError as exc:
    ...     print(str(exc).split(",")[0])
    Training diverged: the training loss became inf in epoch 1
    """


class VersionMismatchWarning(UserWarning):
    """Warned when unpickling an estimator saved by another sklstm version.

    The model may still load and predict, but nothing guarantees it; refit it
    with the installed version, or install the version that saved it (see the
    warning's message).

    See Also
    --------
    sklstm.LSTMRegressor : Pickles with the sklstm version that fitted it.
    sklstm.LSTMForecaster : Pickles with the sklstm version that fitted it.

    Examples
    --------
    Turn the warning into an error, to refuse models saved by another
    version; a model saved by this version loads silently:

    >>> import pickle
    >>> import warnings
    >>> import numpy as np
    >>> from sklstm import LSTMRegressor
    >>> from sklstm.exceptions import VersionMismatchWarning
    >>> X = np.random.default_rng(0).normal(size=(20, 5))
    >>> model = LSTMRegressor(max_epochs=1, random_state=0).fit(X, X.sum(axis=1))
    >>> blob = pickle.dumps(model)
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("error", VersionMismatchWarning)
    ...     restored = pickle.loads(blob)
    """
