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
    """


class VersionMismatchWarning(UserWarning):
    """Warned when unpickling an estimator saved by another sklstm version.

    The model may still load and predict, but nothing guarantees it; refit it
    with the installed version, or install the version that saved it (see the
    warning's message).
    """
