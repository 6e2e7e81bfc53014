"""Clear input errors: name the argument, say what is wrong and how to fix it.

scikit-learn's validation (``validate_data``, ``check_array``) and NumPy raise
accurate but generic messages ("could not convert string to float", "Found
input variables with inconsistent numbers of samples"), some of which even give
advice that is wrong for sequence models (``reshape(-1, 1)`` for a 1-D ``X``).
:func:`explain_input_errors` re-raises them with the argument named and a fix
that fits the estimator. The original first line is kept at the start of the
new message, so code (and scikit-learn's estimator checks) that match on it
keep working; the original exception is chained as ``__cause__``.
"""

import contextlib

from sklearn.utils._param_validation import InvalidParameterError

_NUMBERS_FIX = (
    "Encode text or categorical columns as numbers first (e.g. with "
    "sklearn.preprocessing.OneHotEncoder or OrdinalEncoder) and convert object "
    "columns of numbers with .astype(float)."
)

# (substrings any of which identify the message, kind of hint)
_KINDS = [
    (("inhomogeneous shape", "setting an array element with a sequence"), "ragged"),
    (("contains infinity",), "inf"),
    (("contains NaN",), "nan"),
    (("sample(s) (shape=",), "empty"),
    (("feature(s) (shape=",), "no_columns"),
    (("Expected 2D array",), "ndim_low"),
    (("Found array with dim",), "ndim_high"),
    (("not compatible with arrays of bytes/strings", "could not convert"), "strings"),
    (("Complex data not supported",), "complex"),
    (("features as input",), "n_columns"),
]


def _kind(message):
    for needles, kind in _KINDS:
        if any(needle in message for needle in needles):
            return kind
    return None


def _hint(kind, name, estimator):
    """The fix for one kind of input error, worded for ``estimator``."""
    from ._window import SlidingWindowTransformer

    window_input = isinstance(estimator, SlidingWindowTransformer)
    sequences = name in ("X", "history") and not window_input
    if kind == "ragged":
        fix = f"{name} is ragged: its rows have different lengths. Pass a rectangular"
        if sequences:
            return (
                f"{fix} array; to mix sequence lengths, left-pad the shorter "
                "sequences with all-NaN time steps, which the network skips."
            )
        return f"{fix} array (or a pandas DataFrame)."
    if kind == "inf":
        fix = f"Replace or drop the infinite values in {name} first"
        if sequences:
            return f"{fix}; NaN is accepted only for whole missing time steps."
        return f"{fix}."
    if kind == "nan":
        return (
            f"{name} must not contain NaN: drop the samples whose target is "
            "missing, or impute the missing targets."
        )
    if kind == "empty":
        return f"{name} is empty: pass at least one sample."
    if kind == "no_columns":
        if sequences:
            return f"{name} has no time steps: every sequence needs at least one."
        return f"{name} has no columns: pass at least one."
    if kind == "ndim_low":
        if window_input:
            return (
                f"{name} must be 2-D (n_timesteps, n_features). Reshape your "
                "data: pass one series as series.reshape(-1, 1) or as a "
                "one-column DataFrame."
            )
        if sequences:
            return (
                f"{name} must be 2-D (n_samples, seq_len) or 3-D (n_samples, "
                "seq_len, n_features), one sequence per row. Reshape your data: "
                "cut a 1-D series into windows with sklstm.make_windows(series, "
                f"look_back), or use {name}.reshape(1, -1) for a single sequence."
            )
        return f"{name} must be at least 1-D, one value per sample."
    if kind == "ndim_high":
        if window_input:
            return (
                f"{name} must be 2-D (n_timesteps, n_features); windows of 3-D "
                "input go straight into LSTMRegressor or LSTMForecaster."
            )
        return (
            f"{name} must be 1-D (n_samples,) or 2-D (n_samples, n_targets), "
            "one row of targets per sample."
        )
    if kind == "strings":
        return _NUMBERS_FIX
    if kind == "complex":
        return f"{name} must be real: pass np.real({name}) or np.abs({name})."
    if kind == "n_columns":
        if window_input:
            return (
                f"Pass {name} with the {estimator.n_features_in_} columns seen in "
                "fit, in the same order."
            )
        seq_len, n_channels = estimator.input_shape_
        return (
            f"{type(estimator).__name__} was fitted on sequences of {seq_len} "
            f"time step(s) with {n_channels} channel(s): 2-D {name} must have "
            f"{seq_len * n_channels} columns, 3-D {name} the shape (n_samples, "
            f"{seq_len}, {n_channels}). Left-pad shorter sequences with all-NaN "
            "time steps (read as missing history) or keep the last "
            f"{seq_len} steps of longer ones."
        )
    raise AssertionError(kind)  # pragma: no cover


@contextlib.contextmanager
def explain_input_errors(estimator, name="X"):
    """Re-raise recognised input errors with ``name`` and a fix in the message.

    Parameters
    ----------
    estimator : object
        The estimator the input was given to; it words the fix.
    name : str, default="X"
        Name of the argument being validated inside the block.
    """
    try:
        yield
    except InvalidParameterError:
        raise
    except ValueError as exc:
        message = str(exc)
        kind = _kind(message)
        if kind is None:
            raise
        # The first line is the problem; scikit-learn appends the whole array
        # to some messages (1-D and complex input), which helps nobody.
        first = message.split("\n", 1)[0].rstrip(" :.")
        hint = _hint(kind, name, estimator)
        if kind == "ragged":
            # NumPy's wording ("inhomogeneous shape after 1 dimensions") is
            # left in the chained exception.
            new = hint
        elif kind == "strings":
            detail = "it holds strings" if "bytes/strings" in first else first
            new = f"{name} must hold numbers, but {detail}. {hint}"
        else:
            new = f"{first}. {hint}"
        raise ValueError(new) from exc
