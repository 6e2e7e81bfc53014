"""ONNX export of fitted estimators: :func:`to_onnx`.

The exported graph is a small torch module traced around the estimator's own
trained network: it applies, with torch operations, what ``predict`` applies
with numpy around the network (input scaling, per-window normalisation,
differencing, the inverse transforms, rolling forward), so whatever
:class:`~sklstm.LSTMNet` computes is what the graph computes.
"""

import contextlib
import copy
import io
import os
import warnings

import numpy as np
import torch
from sklearn.utils.validation import check_is_fitted
from torch import nn

from ._known import _KnownAhead
from ._module import LSTMNet
from ._scaling import _Scaler, _TorchScaler
from ._target import _TorchWindowTransform, _WindowTransform

__all__ = ["to_onnx"]

DEFAULT_OPSET = 17
INPUT_NAME = "X"
OUTPUT_NAME = "y"


class _Graph(nn.Module):
    """Shared parts: the network and the scaling of its inputs and outputs."""

    def __init__(self, est):
        super().__init__()
        self.network = copy.deepcopy(est.net_.module_).cpu().eval()
        self.scaler = _TorchScaler(_Scaler.of(est))

    def outputs(self, X):
        """Network outputs in the units of the (transformed) targets, float64."""
        return self.scaler.unscale_y(self.network(self.scaler.scale_X(X)))


class _RegressorGraph(_Graph):
    def __init__(self, est):
        super().__init__(est)
        self.y_shape = tuple(est.y_shape_)

    def forward(self, X):
        # -1: the batch axis stays dynamic in the traced graph.
        return self.outputs(X).reshape((-1, *self.y_shape)).to(torch.float32)


class _ClassifierGraph(_Graph):
    def forward(self, X):
        logits = self.network(self.scaler.scale_X(X)).to(torch.float64)
        return torch.softmax(logits, dim=1).to(torch.float32)


class _ForecasterGraph(_Graph):
    """Raw windows -> forecasts: the forecaster's preprocessing
    (:class:`~sklstm._target._TorchWindowTransform`) around the network."""

    def __init__(self, est, steps):
        super().__init__(est)
        self.look_back = est.look_back_
        # Steps known ahead at the end of each window (a horizon, or none).
        self.rows = _KnownAhead.of(est).rows
        self.prep = _TorchWindowTransform(_WindowTransform.of(est))
        self.steps = steps

    def forward(self, X):
        X = X.to(torch.float64)
        end = X.shape[1] - self.rows
        past = X[:, end - self.look_back : end, :]
        future = X[:, end:, :] if self.rows else None
        return self.prep.rollout(past, self.steps, self.outputs, future).to(
            torch.float32
        )


def _graph(estimator, steps):
    from ._classifier import LSTMClassifier
    from ._forecaster import LSTMForecaster
    from ._regressor import LSTMRegressor

    if type(estimator) not in (LSTMRegressor, LSTMClassifier, LSTMForecaster):
        raise NotImplementedError(
            f"to_onnx exports LSTMRegressor, LSTMClassifier and LSTMForecaster; "
            f"got {type(estimator).__name__}. Export the sklstm estimator of a "
            "pipeline and apply the other steps outside the graph."
        )
    check_is_fitted(estimator, "net_")
    if type(estimator.net_.module_) is not LSTMNet:
        raise NotImplementedError(
            f"to_onnx exports networks of sklstm.LSTMNet; this estimator's is a "
            f"{type(estimator.net_.module_).__name__}."
        )
    if getattr(estimator.net_.module_, "n_quantiles", None):
        raise NotImplementedError(
            "to_onnx does not export quantile heads (quantiles=...); export a "
            "model fitted with quantiles=None, or serve this one in Python."
        )
    if isinstance(estimator, (LSTMRegressor, LSTMClassifier)):
        if steps is not None:
            raise ValueError(
                f"steps is for LSTMForecaster; an {type(estimator).__name__} "
                "graph has the outputs of one network pass. Leave steps=None."
            )
        if isinstance(estimator, LSTMClassifier):
            return _ClassifierGraph(estimator)
        return _RegressorGraph(estimator)
    if steps is None:
        steps = estimator.horizon
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 1:
        raise ValueError(f"steps must be a positive int or None; got {steps!r}.")
    if steps > estimator.horizon and _KnownAhead.of(estimator).channels:
        raise ValueError(
            f"steps={steps} exceeds horizon={estimator.horizon}: the graph reads "
            "windows of the fit's shape, which hold the inputs known ahead for "
            f"one horizon only. Use steps <= {estimator.horizon}, or forecast "
            "further in Python with LSTMForecaster.forecast."
        )
    if steps > estimator.horizon and estimator.input_shape_[1] > 1:
        raise ValueError(
            f"steps={steps} exceeds horizon={estimator.horizon}, which rolls the "
            "forecast forward, but the windows have covariates whose future "
            f"values are unknown. Use steps <= {estimator.horizon}."
        )
    return _ForecasterGraph(estimator, int(steps))


def to_onnx(estimator, path, *, steps=None, opset=DEFAULT_OPSET):
    """Export a fitted estimator to one ONNX graph, raw windows in, predictions out.

    The graph holds everything ``predict`` computes: the input scaling, for
    :class:`~sklstm.LSTMForecaster` the per-window normalisation
    (``normalize="window"``), the differencing (``difference``) and, for
    ``steps`` beyond one network pass, the rolling forward of the forecast
    (the recursive strategy, or the direct one past ``horizon``); then the
    LSTM (either ``cell``, stacked, bidirectional), the head and the inverse
    transforms. Any ONNX runtime (onnxruntime in Python, C++, C#, Java,
    JavaScript) can then serve the model without Python or sklstm.

    Needs the ``onnx`` package (the ``onnx`` extra: ``pip install ".[onnx]"``
    from a checkout of sklstm).

    Parameters
    ----------
    estimator : LSTMRegressor, LSTMClassifier or LSTMForecaster
        A fitted estimator.
    path : str, path-like or binary file object
        Where to write the ``.onnx`` model.
    steps : int, default=None
        For :class:`~sklstm.LSTMForecaster`: the number of future values the
        graph returns per window, fixed in the graph; ``horizon`` when None.
        Must be None for the other estimators.
    opset : int, default=17
        ONNX opset of the graph.

    Returns
    -------
    path : str, path-like or binary file object
        ``path``, as passed.

    Raises
    ------
    NotImplementedError
        For an estimator other than :class:`~sklstm.LSTMRegressor`,
        :class:`~sklstm.LSTMClassifier` and :class:`~sklstm.LSTMForecaster`
        (a pipeline, a transformer), a network other than
        :class:`~sklstm.LSTMNet`, or quantile heads.
    ValueError
        For ``steps`` beyond ``horizon`` with windows that have covariates,
        which cannot be rolled forward.

    See Also
    --------
    save : Save the whole estimator, to load it back in Python.

    Notes
    -----
    The graph has one input, ``"X"``: float32 windows of shape ``(batch,
    seq_len, n_features)`` with the ``(seq_len, n_features)`` seen in
    ``fit`` (``input_shape_``; reshape 2-D windows to 3-D first). It has one
    output, ``"y"``, float32: for a forecaster ``(batch, steps)``, for a
    regressor the shape ``predict`` returns (``(batch,)``, ``(batch,
    n_targets)``, ...), for a classifier the probabilities of
    ``predict_proba``, ``(batch, n_classes)`` in the order of ``classes_``
    (the labels themselves stay outside the graph: take the argmax). The
    batch axis is dynamic. The outputs match
    ``predict`` to float32 precision (the transforms run in float64 inside
    the graph, the network in float32, as in ``predict``).

    The graph does not skip missing time steps: windows with NaN give NaN
    forecasts. Fill gaps (or use ``predict``) for such windows.

    The graph is written with torch's TorchScript-based exporter, which
    needs no package besides ``onnx``.

    Examples
    --------
    >>> import io
    >>> import numpy as np
    >>> from sklstm import LSTMForecaster, make_windows, to_onnx
    >>> X, y = make_windows(np.sin(np.arange(120) / 4), look_back=10, horizon=2)
    >>> model = LSTMForecaster(horizon=2, max_epochs=2, random_state=0).fit(X, y)
    >>> buffer = to_onnx(model, io.BytesIO())
    >>> import onnxruntime
    >>> session = onnxruntime.InferenceSession(buffer.getvalue())
    >>> session.run(None, {"X": X[:3, :, None].astype("float32")})[0].shape
    (3, 2)
    """
    try:
        import onnx  # noqa: F401  (torch's exporter needs it)
    except ImportError as exc:
        raise ImportError(
            'to_onnx needs the onnx package: pip install "sklstm[onnx]".'
        ) from exc
    graph = _graph(estimator, steps).eval()
    seq_len, n_features = estimator.input_shape_
    # Ones, not zeros: inside the domain of target_transform="log" too.
    example = torch.ones(2, seq_len, n_features)
    with warnings.catch_warnings(), contextlib.ExitStack() as stack:
        # The network's NaN branch is data-dependent; the trace takes the
        # branch without NaN, which is the one the graph supports.
        warnings.simplefilter("ignore", torch.jit.TracerWarning)
        warnings.filterwarnings("ignore", "You are using the legacy TorchScript")
        warnings.filterwarnings("ignore", category=DeprecationWarning, module="torch")
        # About h0/c0 baked in for one batch size: the LSTM starts from zero
        # states, and the tests run the graph with other batch sizes.
        warnings.filterwarnings("ignore", "Exporting a model to ONNX with a batch_size")
        stack.enter_context(torch.no_grad())
        buffer = io.BytesIO()
        torch.onnx.export(
            graph,
            (example,),
            buffer,
            input_names=[INPUT_NAME],
            output_names=[OUTPUT_NAME],
            dynamic_axes={INPUT_NAME: {0: "batch"}, OUTPUT_NAME: {0: "batch"}},
            opset_version=opset,
            dynamo=False,
        )
    if hasattr(path, "write"):
        path.write(buffer.getvalue())
    else:
        with open(os.fspath(path), "wb") as file:
            file.write(buffer.getvalue())
    return path
