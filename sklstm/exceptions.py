"""Exceptions and warnings raised by sklstm."""

__all__ = ["TrainingDivergedError", "VersionMismatchWarning"]


class TrainingDivergedError(FloatingPointError):
    """Raised when the training loss becomes NaN or infinite.

    Training stops at the first such batch instead of returning a model that
    predicts NaN. Lowering ``lr`` is the usual fix. Subclasses
    :class:`FloatingPointError`.
    """


class VersionMismatchWarning(UserWarning):
    """Warned when unpickling an estimator saved by another sklstm version.

    The model may still load and predict, but nothing guarantees it; refit it
    with the installed version, or install the version that saved it (see the
    warning's message).
    """
