"""LSTMForecaster: windows of a series -> its next ``horizon`` values."""

import warnings
from contextlib import nullcontext
from numbers import Integral

import numpy as np
import torch
from sklearn.base import RegressorMixin, _fit_context
from sklearn.exceptions import DataConversionWarning
from sklearn.metrics import r2_score
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_array, check_is_fitted

from ._base import _BaseLSTM, _check_n_samples
from ._data import (
    _LazyWindowDataset,
    _PanelWindows,
    _take,
    _WindowDataset,
    _WindowSource,
)
from ._docstring import _fill_doc
from ._fallback import _LinearFallback
from ._frames import _as_forecast, _interval_frame
from ._intervals import _check_coverage, _IntervalMixin
from ._known import _KnownAhead, _with_static_rows
from ._module import LOSSES as _LOSSES
from ._module import _RowWeightedLoss
from ._parallel import _check_process_group
from ._scaling import _Scaler
from ._target import (
    _TARGET_TRANSFORMS,
    _choose_target_transform,
    _choose_target_transform_blocks,
    _WindowTransform,
)
from ._validation import explain_input_errors
from ._window import (
    _check_positive_int,
    _naming_series,
    _split_panel,
    _with_statics,
)


class _Batches:
    """Raw windows and targets -> the tensors the network trains on.

    The forecaster's preprocessing, then the global scaling; the error
    weights (``error_scale="level"``) ride as the targets' last column, which
    :class:`~sklstm._module._RowWeightedLoss` splits off. Called on all
    windows at once, or per batch on windows gathered lazily from a series:
    both give the same numbers.
    """

    def __init__(self, prep, scaler):
        self.prep = prep
        self.scaler = scaler

    def __call__(self, X3, y2):
        return self.scaled(*self.prep.transform_pairs(X3, y2))

    def scaled(self, Xt, yt, weights=None):
        Xs, ys = self.scaler.scale_X(Xt), self.scaler.scale_y(yt)
        if weights is not None:
            ys = torch.cat([ys, torch.as_tensor(weights, dtype=ys.dtype)], dim=1)
        return Xs, ys


@_fill_doc(samples="windows")
class LSTMForecaster(_IntervalMixin, RegressorMixin, _BaseLSTM):
    """Multi-step LSTM forecaster with a scikit-learn regressor API.

    Each row of ``X`` is a window of past values of a series (optionally with
    extra channels such as calendar features), and the matching row of ``y``
    holds the next ``horizon`` values of the series. Rows are independent
    windows, so the forecaster is an ordinary scikit-learn regressor: it works
    in ``Pipeline``, ``GridSearchCV`` and ``cross_val_score``. Build the
    windows with :func:`~sklstm.make_windows`, or forecast a whole series from
    its end with :meth:`forecast`.

    Parameters
    ----------
    horizon : int, default=1
        Number of future steps predicted per window.
    strategy : {"direct", "recursive"}, default="direct"
        ``"direct"``: one network with a multi-output head predicts all
        ``horizon`` steps at once. ``"recursive"``: a one-step network is
        rolled forward, each prediction fed back into the target channel of the
        window; it needs windows whose channels are all known in the future,
        i.e. univariate windows (or ``horizon=1``).
    look_back : int, default=None
        Use only the last ``look_back`` time steps of each window. None uses the
        whole window. Lets ``GridSearchCV`` tune the window length on windows
        cut once at the largest length.
    target_index : int, default=0
        Channel of the window that holds the forecast series (fed back by the
        recursive strategy).
    normalize : {"window"} or None, default="window"
        ``"window"``: scale the target channel of every window by its own mean
        and standard deviation, and map the forecast back with them
        (reversible instance normalisation). The network then learns shapes
        rather than levels, so it can forecast a trending series beyond the
        range it was trained on. None feeds levels (still standardised
        globally by ``scale_X``/``scale_y``).
    target_transform : {"auto", "log", "log1p"} or None, default="auto"
        Function applied to the target channel of every window and to ``y``
        before anything else (differencing, normalisation, scaling); the
        forecasts are mapped back with its inverse (``numpy.exp`` or
        ``numpy.expm1``), so predictions, intervals and :meth:`forecast`
        stay in the units of the data. A logarithm turns multiplicative
        seasonality and growth into additive ones and the absolute error into
        a relative one. ``"log"`` needs positive target values, ``"log1p"``
        (``log(1 + x)``) values above -1, e.g. counts with zeros. The inverse
        of the median forecast in log units is the median forecast in the
        data's units, so it suits the default ``loss="absolute_error"``. None:
        the values as they are. ``"auto"`` chooses between ``"log1p"`` and None
        on the training data, as AutoETS chooses its model: if no target
        value is negative and there are at least 50 windows, a linear model
        (ridge regression on each window's normalised values) is fitted on
        the first 80% of the windows of every series in both units and
        forecasts the last 20% of each series' windows (the most recent ones;
        a new series starts where a window is not the previous one moved by
        one step, as :func:`make_windows` stacks them); ``"log1p"`` is kept
        if its forecasts have the lower sMAPE. The choice is
        ``target_transform_`` (``verbose=1`` prints it).
    difference : int, default=None
        Lag of differencing applied to the target channel before
        normalisation: 1 models changes from step to step, a seasonal period
        (e.g. 12 for monthly data) models changes from one season to the
        next. Forecasts are integrated back. Uses ``difference`` steps of each
        window, so it must be smaller than ``look_back_``. None: no
        differencing.
    {hidden_size}
    {num_layers}
    bidirectional : bool, default=False
        Whether each layer also reads the window backwards.
    dropout : float, default=0.1
        Dropout probability between stacked layers and before the head; it
        only acts while training.
    cell : {"torch", "gates"}, default="torch"
        LSTM implementation: :class:`torch.nn.LSTM` or the from-scratch
        :class:`~sklstm.GateLSTM`.
    n_estimators : int, default=1
        Number of networks trained side by side, each from its own random
        initial weights, with its own dropout and its own order of the
        windows (every network sees every window once per epoch, as if it
        were trained alone); predictions, quantiles and forecasts are the mean
        of theirs. It is a seed ensemble inside one estimator: still one
        ``net_``, one saved model and one ONNX graph. Fitting and predicting
        take about ``n_estimators`` times as long; the recorded training loss
        is the networks' mean.
    linear_skip : bool or "auto", default="auto"
        If True, the forecast is the LSTM's plus a linear function of the
        whole (normalised) window: a linear layer from the ``look_back``
        inputs of the window to the outputs, trained with the network and
        starting at zero, so training begins at the LSTM alone (the
        autoregressive "highway" of LSTNet). Missing steps enter the linear
        part as zeros. False leaves the LSTM alone, as in models saved
        before this option existed. ``"auto"``: True for windows without
        inputs known ahead, False for windows with them (see
        ``make_windows``' ``future_covariates``).
    linear_fallback : bool or "auto", default="auto"
        If True, and the network has the linear skip path and forecasts a
        point (no ``quantiles``), the fitted model is the blend ``w *
        network + (1 - w) * ridge`` of the network and a ridge regression
        on the same (scaled) inputs of the skip path, with ``w`` in {0,
        0.25, 0.5, 0.75, 1} chosen on the most recent 20% of the windows,
        held out in time: a network trained on the older windows (with a
        gap of ``horizon - 1`` windows, so no held-out target is trained
        on) and a ridge fitted on them forecast the held-out windows, and
        the ``w`` whose blend has the lowest training loss there is kept
        (``network_weight_``). The network and the ridge are then fitted
        on all windows and the blend folded into the network's weights
        (the LSTM's head scaled by ``w``, the skip path's weights moved
        toward the ridge's), so a small-data model falls back on the
        linear model it contains where its LSTM does not help on the
        hold-out. Fitting takes about twice as long. False: the network
        alone. ``"auto"``: True up to 2,048 training windows, False above
        (panels), chosen on the local track's validation origins (the
        research log, round 14).
    n_features : int, default=None
        Channels per time step when ``X`` is 2-D (time-major flattened
        windows). None reads a 2-D ``X`` as univariate windows.
    scale_X : bool, default=True
        Standardise each input channel with statistics of the training data.
    scale_y : bool, default=True
        Standardise the targets for training; forecasts are mapped back.
    lr : float, default=5e-3
        Learning rate: the step size of every epoch, or of the first one
        with ``lr_schedule="cosine"``.
    lr_schedule : {"constant", "cosine"}, default="cosine"
        ``"constant"`` trains every epoch at ``lr``. ``"cosine"`` anneals the
        learning rate from ``lr`` towards zero over the epochs of each
        :meth:`fit` call (cosine annealing): the last epochs take small steps,
        so the network ends near a minimum instead of wherever the last large
        step left it, and fits with different seeds agree more.
        :meth:`partial_fit` trains its one epoch at ``lr``.
    {max_epochs}
    {batch_size}
    {optimizer}
    {weight_decay}
    early_stopping : bool, default=False
        Hold out the last ``validation_fraction`` of the windows (the most
        recent ones) and stop when their loss stops improving; the best
        weights are restored.
    validation_fraction : float, default=0.1
        Fraction of the windows, taken from the end, held out for early
        stopping.
    {n_iter_no_change}
    tol : float, default=1e-4
        Minimum relative improvement of the validation loss.
    loss : {"squared_error", "absolute_error", "huber"}, \
            default="absolute_error"
        Training loss on the (normalised) targets: the mean squared error, the
        mean absolute error, or the Huber loss (squared below 1, absolute
        above). With ``normalize="window"`` the errors are in units of each
        window's standard deviation, so every loss is a loss on scaled errors.
        With the absolute error, forecasts aim at the median of the future
        value rather than its mean. With ``quantiles`` the heads are trained
        with the pinball loss (the absolute error is its median case) and
        ``loss`` must stay ``"absolute_error"``.
    error_scale : {"level", "spread"}, default="level"
        What the training errors of each window are measured against.
        ``"level"``: each window's level, the mean absolute value of its
        target channel, so the loss counts relative (percentage) errors, as
        sMAPE and MAPE score forecasts: a calm window counts as much as a
        jumpy one of the same relative error. A window whose level is below
        its standard deviation (values near or around zero) is measured
        against its standard deviation instead, and a window of zeros counts
        as with ``"spread"``. ``"spread"``: the units the network reads, i.e.
        each window's standard deviation with ``normalize="window"`` (the
        global scale of the target otherwise), which gives jumpy windows
        more weight. With ``target_transform`` the errors are measured in the
        transformed units, where an absolute error of a logarithm is already
        a relative one.
    quantiles : sequence of float, default=None
        Quantile levels in (0, 1), increasing, e.g. ``(0.1, 0.5, 0.9)``. The
        network then has one head per level and horizon step (and one for the
        median, which :meth:`predict` returns), trained with the pinball loss
        and kept from crossing; :meth:`predict_quantiles` returns them and
        :meth:`predict_interval` calibrates them (conformalised quantile
        regression). With ``difference``, each level is integrated on its
        own, which widens the quantiles of later steps. None: one head per
        step, trained with ``loss``.
    calibration_fraction : float, default=None
        Fraction of the windows, taken from the end (the most recent ones, in
        time order), held out of training to calibrate
        :meth:`predict_interval` and ``forecast(..., coverage=...)``. The
        ``horizon - 1`` windows before them are used for neither, so no
        training target overlaps a calibration target. None trains on all
        windows; :meth:`calibrate` can then calibrate the model on other
        held-out windows (for a panel, the last windows of each series).
        With ``normalize="window"`` the conformity scores are divided by each
        window's standard deviation (normalised conformal prediction), so
        series of any scale share one calibration and every interval scales
        with its window's spread.
    {callbacks}
    warm_start : bool, default=False
        If True and fitted, :meth:`fit` continues training the current network.
        A continued fit takes on new ``max_epochs``, ``lr`` and ``batch_size``
        (:meth:`partial_fit` the last two); a changed parameter that shaped
        the fitted model (``hidden_size``, ``normalize``, ``horizon``, ...)
        raises a ``ValueError`` rather than being ignored.
    {device}
    {n_threads}
    {distributed}
    {verbose}
        With ``target_transform="auto"``, a new fit prints the transform it
        chose first.
    {random_state}

    Attributes
    ----------
    net_ : skorch.NeuralNetRegressor
        The trained network (one-step for ``strategy="recursive"``).
    n_features_in_ : int
        Number of columns of ``X`` seen in :meth:`fit`.
    input_shape_ : tuple of int
        ``(window_length, n_features)`` of the windows seen in :meth:`fit`.
    look_back_ : int
        Number of past time steps of each window the network reads.
    future_covariates_ : tuple of int
        The channels known ahead: given for the last ``horizon`` steps of
        every training window while the target is not (see Notes); empty
        for windows without such inputs.
    x_mean_, x_scale_ : ndarray of shape (n_features,)
        Per-channel scaling of the windows.
    y_mean_, y_scale_ : ndarray
        Scaling of the targets.
    network_weight_ : float
        Weight of the network in its blend with a ridge regression (see
        ``linear_fallback``): 1.0 is the network alone.
    n_epochs_ : int
        Number of complete epochs trained, in total. An epoch cut short by a
        ``KeyboardInterrupt`` is not counted and not kept in
        ``net_.history``.
    batch_size_ : int
        The batch size of training and prediction (``batch_size``, or the
        size ``"auto"`` chose).
    quantiles_ : ndarray of shape (n_quantiles,) or None
        The validated ``quantiles``.
    quantile_levels_ : ndarray or None
        Levels of the network's quantile heads: ``quantiles_`` and 0.5.
    calibration_targets_ : ndarray of shape (n_calibration, horizon)
        Future values of the calibration windows; present after fitting with
        ``calibration_fraction`` or calling :meth:`calibrate`.
    calibration_predictions_ : ndarray
        Forecasts for the calibration windows: ``(n_calibration, horizon)``,
        or ``(n_calibration, horizon, n_levels)`` quantiles.
    calibration_scales_ : ndarray of shape (n_calibration, 1)
        What the calibration windows' scores are divided by: each window's
        standard deviation with ``normalize="window"``, else ones.

    See Also
    --------
    make_windows : Cut a series into aligned (windows, future values) pairs.
    LSTMRegressor : General sequence -> value regression.

    Notes
    -----
    The defaults were chosen on the validation data of the accuracy
    benchmark (``benchmarks/accuracy.py``); the documentation's research log
    records what was measured for each of them.

    Covariates are extra channels of the windows. Known only in the past
    (a measured temperature), they are stacked next to the series:
    ``make_windows(np.column_stack([series, temperature]), look_back,
    horizon, target=0)`` gives ``X`` of shape ``(n_windows, look_back, 2)``.
    Known ahead (calendar features, holidays, a weather forecast, planned
    prices), they are named in ``make_windows(..., future_covariates=...)``:
    each window then also holds their values for the ``horizon`` steps it
    forecasts, as ``horizon`` more time steps in which the target and the
    past-only channels are NaN. :meth:`fit` recognises such windows
    (``future_covariates_``); the network reads the past through the LSTM
    and each step's known inputs through a decoder shared by the steps, and
    :meth:`forecast` takes their future values in ``future_covariates``.
    With covariates known only in the past, use ``strategy="direct"`` and
    ``steps <= horizon``; with every covariate known ahead, the recursive
    strategy and longer forecasts work too. In a ``Pipeline``,
    :class:`~sklstm.SlidingWindowTransformer` gives past windows flattened
    time-major; pass ``n_features`` to read them.

    Windows cut from one long series by :func:`~sklstm.make_windows` are a
    strided view of it, and those of a panel read from one buffer of its
    series; :meth:`fit` recognises both and gathers each batch from the
    series, so the windows are never copied.

    Time steps whose features are all NaN are skipped, as in
    :class:`LSTMRegressor`; with ``difference``, a step next to a missing one
    is missing too, and the last ``difference`` target values of each window
    must be observed.

    Training stops with a :class:`~sklstm.exceptions.TrainingDivergedError`
    as soon as a loss or the weights become NaN or infinite; a new fit then
    leaves the estimator unfitted, a continued one (``warm_start``,
    :meth:`partial_fit`) keeps the network from before the call. A
    ``KeyboardInterrupt`` (Ctrl-C) ends :meth:`fit` early but keeps the
    network trained so far, with early stopping the weights of the best epoch.
    Pickles record the sklstm version; unpickling one from another version
    warns with :class:`~sklstm.exceptions.VersionMismatchWarning`.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm import LSTMForecaster, make_windows
    >>> series = np.sin(np.arange(300) * 2 * np.pi / 25)
    >>> X, y = make_windows(series, look_back=25, horizon=5)
    >>> fc = LSTMForecaster(horizon=5, max_epochs=5, random_state=0).fit(X, y)
    >>> fc.predict(X[-2:]).shape
    (2, 5)
    >>> fc.forecast(series, steps=12).shape
    (12,)
    """

    _parameter_constraints = {
        **_BaseLSTM._parameter_constraints,
        **_IntervalMixin._interval_constraints,
        "horizon": [Interval(Integral, 1, None, closed="left")],
        "strategy": [StrOptions({"direct", "recursive"})],
        "look_back": [Interval(Integral, 1, None, closed="left"), None],
        "target_index": [Interval(Integral, 0, None, closed="left")],
        "normalize": [StrOptions({"window"}), None],
        "difference": [Interval(Integral, 1, None, closed="left"), None],
        "target_transform": [StrOptions({*_TARGET_TRANSFORMS, "auto"}), None],
        "loss": [StrOptions(set(_LOSSES))],
        "error_scale": [StrOptions({"spread", "level"})],
        "lr_schedule": [StrOptions({"constant", "cosine"})],
        "linear_skip": ["boolean", StrOptions({"auto"})],
        "linear_fallback": ["boolean", StrOptions({"auto"})],
    }

    def __init__(
        self,
        horizon=1,
        strategy="direct",
        look_back=None,
        target_index=0,
        normalize="window",
        target_transform="auto",
        difference=None,
        hidden_size=32,
        num_layers=1,
        bidirectional=False,
        dropout=0.1,
        cell="torch",
        n_estimators=1,
        linear_skip="auto",
        linear_fallback="auto",
        n_features=None,
        scale_X=True,
        scale_y=True,
        lr=5e-3,
        lr_schedule="cosine",
        max_epochs="auto",
        batch_size="auto",
        optimizer="adam",
        weight_decay=0.0,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        loss="absolute_error",
        error_scale="level",
        quantiles=None,
        calibration_fraction=None,
        callbacks=None,
        warm_start=False,
        device="cpu",
        n_threads=None,
        distributed=False,
        verbose=0,
        random_state=None,
    ):
        self.horizon = horizon
        self.strategy = strategy
        self.look_back = look_back
        self.target_index = target_index
        self.normalize = normalize
        self.target_transform = target_transform
        self.difference = difference
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bidirectional = bidirectional
        self.dropout = dropout
        self.cell = cell
        self.n_estimators = n_estimators
        self.linear_skip = linear_skip
        self.linear_fallback = linear_fallback
        self.n_features = n_features
        self.scale_X = scale_X
        self.scale_y = scale_y
        self.lr = lr
        self.lr_schedule = lr_schedule
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.optimizer = optimizer
        self.weight_decay = weight_decay
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.loss = loss
        self.error_scale = error_scale
        self.quantiles = quantiles
        self.calibration_fraction = calibration_fraction
        self.callbacks = callbacks
        self.warm_start = warm_start
        self.device = device
        self.n_threads = n_threads
        self.distributed = distributed
        self.verbose = verbose
        self.random_state = random_state

    # ------------------------------------------------------------ validation
    def _check_params(self, X3):
        """Every check that combines parameters (with the windows' shape),
        at the first fit, before any data is read; returns the channels known
        ahead (see :meth:`~sklstm._known._KnownAhead.detect`)."""
        window_length, n_channels = X3.shape[1:]
        if self.target_index >= n_channels:
            raise ValueError(
                f"target_index={self.target_index} is out of range for windows "
                f"with {n_channels} channel(s); use an index in [0, "
                f"{n_channels - 1}]."
            )
        known = _KnownAhead.detect(X3, self.horizon, self.target_index)
        ahead = _KnownAhead(known, self.horizon, self.strategy, self.target_index)
        past_length = window_length - ahead.rows
        if self.look_back is not None and self.look_back > past_length:
            raise ValueError(
                f"look_back={self.look_back} is longer than the windows in X "
                f"({past_length} time steps). Cut longer windows or lower "
                "look_back."
            )
        unknown = ahead.unknown(n_channels)
        if self.strategy == "recursive" and unknown and self.horizon > 1:
            raise ValueError(
                f"strategy='recursive' with horizon={self.horizon} feeds each "
                f"prediction back into the window, but the windows have "
                f"{n_channels} channels and the future of channel(s) {unknown} "
                "is unknown. Use strategy='direct' for windows with covariates, "
                "or give the covariates' values ahead (make_windows' "
                "future_covariates)."
            )
        look_back = self.look_back or past_length
        if self.difference is not None and self.difference >= look_back:
            raise ValueError(
                f"difference={self.difference} needs windows longer than "
                f"{self.difference} steps, but the network reads "
                f"{look_back}. Use longer windows or a smaller lag."
            )
        if self.loss != "absolute_error" and self.quantiles is not None:
            raise ValueError(
                f"loss={self.loss!r} cannot be combined with quantiles: quantile "
                "heads are trained with the pinball loss, whose median case is "
                "the absolute error. Use loss='absolute_error' (the default) "
                "with quantiles, or quantiles=None."
            )
        return known

    def _windows(self, X, reset, prep=None):
        """Validated 3-D windows: the last ``look_back_`` steps, followed by
        the ``horizon`` steps of inputs known ahead when the model has any.

        ``prep`` checks the target's domain: the fitted preprocessing unless
        given (a first fit passes the one of its parameters).
        """
        X3 = self._validate_X(X, reset=reset)
        if reset:
            self.future_covariates_ = self._check_params(X3)
        ahead = _KnownAhead.of(self)
        past_end = X3.shape[1] - ahead.rows
        if reset:
            self.look_back_ = self.look_back or past_end
        X3 = X3[:, past_end - self.look_back_ :, :]
        prep = prep or _WindowTransform.of(self)
        source = _WindowSource(X3)
        for block in source.slices():
            windows = source.take(block)
            self._check_windows(windows[:, : self.look_back_], prep, offset=block.start)
            ahead.check_windows(windows[:, self.look_back_ :], "X", block.start)
        return X3

    def _targets(self, y, n_samples):
        if isinstance(y, _PanelWindows):
            # The targets of a panel's windows stay views of its buffer.
            expected = (n_samples,) if self.horizon == 1 else (n_samples, self.horizon)
            if y.shape != expected:
                raise ValueError(
                    f"y must have shape {expected} for horizon={self.horizon}: "
                    f"one row of future values per window; got {y.shape}. Build "
                    "aligned pairs with make_windows(series, look_back, "
                    f"horizon={self.horizon})."
                )
            return y.rows()
        y = np.asarray(y, dtype=np.float64)
        if self.horizon == 1 and y.ndim == 2 and y.shape[1] == 1:
            warnings.warn(
                "A column-vector y was passed when a 1d array was expected "
                "(horizon=1). Please change the shape of y to (n_samples,).",
                DataConversionWarning,
                stacklevel=4,
            )
            y = y[:, 0]
        expected = (n_samples,) if self.horizon == 1 else (n_samples, self.horizon)
        if y.shape != expected and not (self.horizon == 1 and y.shape == (n_samples,)):
            raise ValueError(
                f"y must have shape {expected} for horizon={self.horizon}: one row "
                f"of future values per window; got {y.shape}. Build aligned pairs "
                f"with make_windows(series, look_back, horizon={self.horizon})."
            )
        return y.reshape(n_samples, -1)

    def _check_windows(self, X3, prep, name="X", offset=0):
        """Reject missing values the network cannot skip; ``offset`` numbers rows.

        Besides whole missing time steps (see ``_check_missing``) and values
        outside the target transform's domain, differencing needs the last
        ``difference`` target values of each window, to which the forecast
        changes are added, and at least one observed change.
        """
        self._check_missing(X3, name, offset)
        prep.check_domain(
            X3[:, :, self.target_index], name, offset, chosen=self._auto_chosen()
        )
        prep.check_differences(X3, name, offset, self.look_back_)

    def _transform(self):
        """The ``target_transform`` in use: the fitted one (``"auto"``'s
        choice), or the parameter for models fitted before it was recorded
        (``"auto"``, not chosen yet, transforms nothing)."""
        transform = getattr(self, "target_transform_", self.target_transform)
        return None if transform == "auto" else transform

    def _auto_chosen(self):
        return self.target_transform == "auto" and hasattr(self, "target_transform_")

    # --------------------------------------------------------------- fitting
    def _fit(self, X, y, epochs, continuing):
        _check_process_group(self)
        first = not continuing
        # Validate. A first fit checks the domain of the transform asked for
        # ("auto" has not chosen yet, so none), a continued one the fitted.
        if y is None:
            self._validate_y(y)  # raises the "requires y" error
        asked = None if self.target_transform == "auto" else self.target_transform
        X3 = self._windows(
            X, reset=first, prep=_WindowTransform.of(self, asked) if first else None
        )
        # The targets of a panel's windows: checked by make_windows, read
        # from its buffer as they are needed.
        if not isinstance(y, _PanelWindows):
            y = self._validate_y(y)
        _check_n_samples(X3, y)
        y2 = self._targets(y, len(X3))
        # Choose the target transform.
        if first:
            self.target_transform_ = self._choose_transform(X3, y2)
        prep = _WindowTransform.of(self)
        if isinstance(y2, _PanelWindows):
            for block in _WindowSource(X3).slices():
                prep.check_domain(
                    _take(y2, block), "y", block.start, chosen=self._auto_chosen()
                )
        else:
            prep.check_domain(y2, "y", chosen=self._auto_chosen())
        # Hold out the most recent windows to calibrate the intervals on.
        n_train, start = self._split_for_calibration(len(X3), gap=self.horizon - 1)
        X_cal, y_cal = X3[start:], y2[start:]
        X3, y2 = X3[:n_train], y2[:n_train]
        if self.strategy == "recursive":
            y2 = y2[:, :1]
        # The network reads the past and the steps ahead it forecasts.
        X3 = X3[:, : self.look_back_ + _KnownAhead.of(self).steps]
        # Fit the global scaling on the transformed windows and targets;
        # windows in memory anyway are transformed once for both.
        source = _WindowSource(X3)
        prepared = None if source.lazy else prep.transform_pairs(X3, y2)
        if first:
            self._fit_transformed_scaler(source, y2, prep, prepared)
        # Build the network and train it.
        if first:
            self.net_ = self._build_forecast_net(X3.shape[2], y2.shape[1])
        batches = _Batches(prep, _Scaler.of(self))
        if source.lazy:
            # Windows of one long series: gather them batch by batch.
            dataset = _LazyWindowDataset(source, y2, batches)
        else:
            dataset = _WindowDataset(*batches.scaled(*prepared))
        # Train, blended with a ridge regression where it forecasts better.
        _LinearFallback(self).train(dataset, epochs, initialize=first)
        # Calibrate.
        if len(X_cal):
            self._store_calibration(X_cal, y_cal)
        return self

    def _choose_transform(self, X3, y2):
        """``target_transform``, or ``"auto"``'s choice on the training data."""
        if self.target_transform != "auto":
            return self.target_transform
        if isinstance(X3, _PanelWindows):
            # A panel's windows, read a block at a time.
            past, channel = X3[:, : self.look_back_], self.target_index

            def gather(rows):
                return past.gather(rows)[:, :, channel], _take(y2, rows)

            blocks = (gather(b) for b in _WindowSource(past).slices())
            chosen = _choose_target_transform_blocks(blocks, gather)
        else:
            past = X3[:, : self.look_back_, self.target_index]
            chosen = _choose_target_transform(past, y2)
        if self.verbose:
            print(f"{type(self).__name__}: target_transform='auto' chose {chosen!r}")
        return chosen

    def _fit_transformed_scaler(self, source, y2, prep, prepared=None):
        """Global scaling statistics of the transformed windows and targets.

        ``prepared``: the already transformed ``(windows, targets, weights)``
        of all of ``source``, read block by block like ``source`` itself.
        """

        def blocks():
            for block in source.slices():
                if prepared is None:
                    yield prep.transform_pairs(source.take(block), _take(y2, block))[:2]
                else:
                    yield prepared[0][block], prepared[1][block]

        _Scaler.fit(
            blocks(),
            n_channels=source.X3.shape[2],
            scale_X=self.scale_X,
            n_outputs=y2.shape[1],
            scale_y=self.scale_y,
        ).store(self)

    def _skip(self):
        """Whether the network has the linear skip path (``linear_skip``)."""
        if self.linear_skip == "auto":
            # Chosen on the covariate benchmark's validation origins, where
            # the skip path made the forecasts with inputs known ahead worse.
            return not _KnownAhead.of(self).channels
        return self.linear_skip

    def _build_forecast_net(self, n_channels, n_outputs):
        """The skorch net: loss, quantile heads and linear skip path."""
        self.quantile_levels_ = self._network_quantiles()
        if self.error_scale == "level":
            criterion, params = _RowWeightedLoss, {"criterion__loss": self.loss}
        else:
            criterion = None if self.quantiles is not None else _LOSSES[self.loss]
            params = {}  # None: the net picks the pinball loss
        ahead = _KnownAhead.of(self)
        if ahead.steps:
            params["future_steps"] = ahead.steps
            params["future_channels"] = list(ahead.channels)
        return self._build_net(
            n_features=n_channels,
            output_size=n_outputs,
            quantiles=self.quantile_levels_,
            criterion=criterion,
            # The network reads look_back_ steps, less the differencing lag.
            skip_length=(
                self.look_back_ - (self.difference or 0) if self._skip() else None
            ),
            **params,
        )

    # ----------------------------------------------- hooks of _IntervalMixin
    def _interval_windows(self, X):
        return self._windows(X, reset=False)

    def _interval_targets(self, y, n_samples):
        y = self._validate_y(y)
        if len(y) != n_samples:
            raise ValueError(
                f"X and y have inconsistent numbers of samples: X has {n_samples}, "
                f"y has {len(y)}. Pass one row of future values per window."
            )
        return self._targets(y, n_samples)

    def _predict_flat(self, X3, quantiles, steps=None):
        return self._predict_windows(X3, steps or self.horizon, quantiles)

    def _output_shape(self):
        return () if self.horizon == 1 else (self.horizon,)

    def _score_scale(self, X3):
        """The spread of each window's target channel, with ``normalize="window"``.

        Conformity scores divided by it are free of the series' scale, so the
        windows of many series (a panel) calibrate one model together, and
        each interval scales with its own window's spread.
        """
        return _WindowTransform.of(self).spread(X3[:, : self.look_back_])

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Fit the forecaster on windows ``X`` and their future values ``y``.

        Parameters
        ----------
        X : array-like of shape (n_windows, window_length), \
                (n_windows, window_length * n_features) or \
                (n_windows, window_length, n_features)
            Past windows, oldest step first.
        y : array-like of shape (n_windows, horizon) or (n_windows,)
            The next ``horizon`` values of the series after each window
            (1-D when ``horizon=1``). The recursive strategy trains on the
            first column only.

        Returns
        -------
        self : LSTMForecaster
            The fitted forecaster.

        Raises
        ------
        sklstm.exceptions.TrainingDivergedError
            If a loss or the weights become NaN or infinite during training.
        """
        continuing = self.warm_start and hasattr(self, "net_")
        return self._fit(X, y, self.max_epochs, continuing)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y):
        """Train for one epoch, continuing from the current state.

        Parameters
        ----------
        X : array-like of shape (n_windows, window_length) or 3-D
            Past windows.
        y : array-like of shape (n_windows, horizon) or (n_windows,)
            Future values.

        Returns
        -------
        self : LSTMForecaster
            The updated forecaster.

        Raises
        ------
        sklstm.exceptions.TrainingDivergedError
            If a loss or the weights become NaN or infinite during training.
        """
        return self._fit(X, y, 1, hasattr(self, "net_"))

    # ------------------------------------------------------------ prediction
    def _predict_windows(self, X3, steps, quantiles=False):
        """Forecast ``steps`` values for 3-D windows, a block of windows at a time.

        The windows hold ``look_back_`` steps, then the steps known ahead (if
        the model reads any). With ``quantiles``, every quantile head:
        ``(n, steps, n_levels)``.
        """
        prep, scaler = _WindowTransform.of(self), _Scaler.of(self)
        heads = getattr(self, "quantiles_", None) is not None
        if heads:

            def outputs(Xt):
                return scaler.unscale_quantiles(
                    self._predict_scaled(scaler.scale_X(Xt))
                )

        else:

            def outputs(Xt):
                return scaler.unscale_y(self._predict_scaled(scaler.scale_X(Xt)))

        median = self._median_index() if heads else None
        ahead = _KnownAhead.of(self)
        ahead.check_roll_forward(steps, X3.shape[2])
        source = _WindowSource(X3)
        blocks = []
        for block in source.slices():
            windows = source.take(block)
            future = windows[:, self.look_back_ :] if ahead.channels else None
            past = windows[:, : self.look_back_]
            blocks.append(prep.rollout(past, steps, outputs, median, quantiles, future))
        return np.concatenate(blocks)

    def predict(self, X):
        """Forecast the next ``horizon`` values after each window.

        Parameters
        ----------
        X : array-like of shape (n_windows, window_length) or 3-D
            Past windows of the shape seen in :meth:`fit`.

        Returns
        -------
        y_pred : ndarray of shape (n_windows, horizon) or (n_windows,)
            One forecast per window; 1-D when ``horizon=1``.
        """
        check_is_fitted(self, "net_")
        X3 = self._windows(X, reset=False)
        pred = self._predict_windows(X3, self.horizon)
        return pred[:, 0] if self.horizon == 1 else pred

    def forecast(
        self,
        history,
        steps=None,
        *,
        id_column=None,
        time_column=None,
        coverage=None,
        future_covariates=None,
        static_covariates=None,
    ):
        """Forecast the next ``steps`` values after the end of a series.

        One trained forecaster can continue many series: pass a panel (a list
        or dict of series, or a long table with ``id_column``) to forecast
        each of its series, all in one batch.

        Parameters
        ----------
        history : array-like of shape (n_timesteps,) or \
                (n_timesteps, n_features), or a panel
            The series (with its covariate channels, if the model was fitted on
            windows with several channels), oldest first. numpy arrays, lists,
            pandas Series and DataFrames are accepted; only the last
            ``look_back_`` rows are read. A panel is read as in
            :func:`~sklstm.make_windows`: a list or tuple of arrays or pandas
            objects, a dict of them, or a long table with ``id_column``.
        steps : int, default=None
            Number of future values; ``horizon`` when None. May exceed
            ``horizon`` for univariate series: the forecast is then rolled
            forward, one horizon block (or one step) at a time.
        id_column : int, str or None, default=None
            Column of a long table ``history`` naming the series, as in
            :func:`~sklstm.make_windows`.
        time_column : int, str or None, default=None
            With ``id_column``: the column by which each series is sorted. It
            becomes the index of each series, so datetimes give forecasts
            indexed by the continued dates.
        coverage : float or list of float, default=None
            If set, also return calibrated prediction intervals that hold the
            future value with this probability (see :meth:`predict_interval`;
            the model needs calibration data). Steps beyond ``horizon`` have
            no calibration of their own: their intervals keep the relative
            shape of the last calibrated step's and widen with the square
            root of the lead time, ``sqrt(step / horizon)``, as the error of
            a random walk does. That rule is a heuristic without the coverage
            guarantee.
        future_covariates : array-like, pandas.DataFrame, or a panel, \
                default=None
            For a model fitted on windows with inputs known ahead (from
            ``make_windows(..., future_covariates=...)``), their values for
            the steps after ``history``, oldest first: one column per such
            input. A DataFrame's columns are matched by name to those of a
            DataFrame ``history``; otherwise they are in the order of the
            channels. It needs a row for every step the network reads: the
            ``steps`` rounded up to whole horizons (``strategy="direct"``) or
            ``steps`` rows (``"recursive"``); more rows are ignored. For a
            panel, one such table per series, given as ``history`` is (a list,
            a dict, or a long table with the same ``id_column``).
        static_covariates : pandas.DataFrame, str or list of str, \
                default=None
            For a panel, the per-series constants the model was fitted with,
            as given to :func:`~sklstm.make_windows`: appended to each
            history (a DataFrame indexed by the series ids) or named among a
            long table's columns. Their values for the steps ahead are filled
            in; ``future_covariates`` then holds the other inputs known ahead
            only (or is left out if there are none).

        Returns
        -------
        forecast : ndarray of shape (steps,), pandas.Series or \
                pandas.DataFrame, or a list or dict of them
            The forecast. For a pandas input with a regular ``DatetimeIndex``
            or a ``PeriodIndex``, a Series indexed by the continued dates. With
            ``coverage``, a DataFrame with columns ``forecast``, ``lower`` and
            ``upper`` (for a list of coverages, ``lower_80``, ``upper_80``,
            ... named by the percentage), indexed by the continued dates or
            else by the step ``0 .. steps - 1``. For a panel, one such forecast
            per series: a list for a list or tuple, else a dict keyed by
            series id.
        """
        check_is_fitted(self, "net_")
        steps = self.horizon if steps is None else _check_positive_int(steps, "steps")
        if coverage is not None:
            coverage = _check_coverage(coverage)
        panel = _split_panel(history, id_column, time_column)
        histories = [history] if panel is None else panel.series
        statics = [()] * len(histories)
        if static_covariates is not None:
            if panel is None:
                raise ValueError(
                    "static_covariates holds values per series of a panel, but "
                    "history is a single series: pass a panel, or add constant "
                    "columns to the history."
                )
            histories, statics = _with_statics(panel, static_covariates)
        ahead = _KnownAhead.of(self)
        futures = ahead.tables(
            future_covariates, panel, id_column, time_column, len(statics[0])
        )
        windows = []
        for i, series in enumerate(histories):
            naming = nullcontext() if panel is None else _naming_series(panel.ids[i])
            with naming:
                future = _with_static_rows(
                    series, futures[i], statics[i], ahead.rows_ahead(steps)
                )
                windows.append(self._last_window(series, steps, future))
        # One network pass (per horizon block) for all series at once.
        windows = np.concatenate(windows)
        if coverage is None:
            preds = self._predict_windows(windows, steps)
            forecasts = [
                _as_forecast(series, pred, self.target_index)
                for series, pred in zip(histories, preds)
            ]
        else:
            levels, many = coverage
            point, lower, upper = self._interval_bounds(windows, levels, steps)
            forecasts = [
                _interval_frame(series, point[i], lower[i], upper[i], levels, many)
                for i, series in enumerate(histories)
            ]
        if panel is None:
            return forecasts[0]
        if panel.kind == "list":
            return forecasts
        return dict(zip(panel.ids, forecasts))

    def _last_window(self, history, steps, future=None):
        """The last ``look_back_`` rows of ``history``, as one 3-D window,
        followed by the steps known ahead from ``future`` (see
        :meth:`_known_rows`)."""
        values = self._read_rows(history, "history")
        window_length, n_channels = self.input_shape_
        if values.ndim != 2 or values.shape[1] != n_channels:
            raise ValueError(
                f"history must have shape (n_timesteps,) or (n_timesteps, "
                f"{n_channels}) to match the windows seen in fit; got "
                f"{np.shape(history)}."
            )
        if len(values) < self.look_back_:
            raise ValueError(
                f"history has {len(values)} time steps but the forecaster reads "
                f"look_back_={self.look_back_}; pass a longer history, or "
                "left-pad it with NaN (missing history, which the network skips)."
            )
        window = values[None, len(values) - self.look_back_ :, :]
        self._check_windows(window, _WindowTransform.of(self), "history")
        ahead = _KnownAhead.of(self)
        ahead.check_roll_forward(steps, n_channels)
        if not ahead.channels:
            return window
        rows = ahead.rows_for(history, future, steps, n_channels, self._read_rows)
        return np.concatenate([window, rows[None]], axis=1)

    def _read_rows(self, table, name):
        """``table`` (time steps in rows) as a numeric array, 1-D read as one
        column; NaN passes (the callers say what it means)."""
        with explain_input_errors(self, name):
            values = check_array(
                table,
                ensure_2d=False,
                allow_nd=True,
                dtype="numeric",
                ensure_all_finite="allow-nan",
                ensure_min_samples=0,
                input_name=name,
            )
        return values[:, None] if values.ndim == 1 else values

    def score(self, X, y, sample_weight=None):
        """Return the coefficient of determination R^2 of the forecasts.

        Parameters
        ----------
        X : array-like of shape (n_windows, window_length) or 3-D
            Past windows.
        y : array-like of shape (n_windows, horizon) or (n_windows,)
            The true future values.
        sample_weight : array-like of shape (n_windows,), default=None
            Sample weights.

        Returns
        -------
        score : float
            R^2 of ``self.predict(X)`` against ``y``, averaged uniformly over
            the horizon steps.
        """
        y_pred = self.predict(X)
        y = self._validate_y(y)
        _check_n_samples(y_pred, y)
        return r2_score(y, y_pred, sample_weight=sample_weight)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = self.horizon > 1
        return tags
