"""LSTMRegressor: sequences -> values, a scikit-learn regressor."""

import numpy as np
from sklearn.base import RegressorMixin, _fit_context
from sklearn.metrics import r2_score
from sklearn.utils.validation import check_is_fitted

from ._base import _BaseLSTM, _check_n_samples
from ._data import _WindowSource
from ._docstring import _fill_doc
from ._intervals import _IntervalMixin
from ._parallel import _check_process_group
from ._scaling import _Scaler


@_fill_doc()
class LSTMRegressor(_IntervalMixin, RegressorMixin, _BaseLSTM):
    """LSTM regressor mapping sequences to values, with a scikit-learn API.

    Each sample of ``X`` is a sequence. An LSTM network reads it and a linear
    head predicts the targets from the output at the last time step
    (``return_sequences=False``) or at every time step
    (``return_sequences=True``). The network is a skorch
    ``NeuralNetRegressor`` built inside :meth:`fit` and stored in ``net_``.

    Parameters
    ----------
    {hidden_size}
    {num_layers}
    bidirectional : bool, default=False
        Whether each layer also reads the sequence backwards.
    dropout : float, default=0.0
        Dropout probability between stacked layers and before the linear
        head. In ``[0, 1)``.
    cell : {"torch", "gates"}, default="torch"
        ``"torch"`` uses :class:`torch.nn.LSTM` (cuDNN on GPU); ``"gates"``
        uses :class:`~sklstm.GateLSTM`, the from-scratch gate implementation
        that gives the same results, slower.
    return_sequences : bool, default=False
        If False, predict one value (per target) from each sequence. If True,
        predict at every time step: ``y`` then has shape ``(n_samples,
        seq_len)`` or ``(n_samples, seq_len, n_targets)``.
    n_estimators : int, default=1
        Number of networks trained side by side, each from its own random
        initial weights, with its own dropout and its own order of the
        samples; predictions are the mean of theirs (a seed ensemble inside
        one estimator: one ``net_``, one saved model, one ONNX graph). Fitting
        and predicting take about ``n_estimators`` times as long; the
        recorded training loss is the networks' mean.
    n_features : int, default=None
        Number of channels per time step when ``X`` is 2-D: its columns are
        then read as time-major flattened windows ``[x_0 channels, x_1
        channels, ...]`` (the layout of :class:`~sklstm.SlidingWindowTransformer`).
        None reads each row of a 2-D ``X`` as a univariate sequence. Ignored
        (or checked) for 3-D ``X``.
    scale_X : bool, default=True
        Standardise each input channel with the mean and standard deviation of
        the training data before it enters the network.
    scale_y : bool, default=True
        Standardise each target for training; predictions are mapped back.
    lr : float, default=5e-3
        Learning rate. With the default ``max_epochs`` it is large enough
        for the network to learn small data sets (a few hundred sequences,
        as in scikit-learn's estimator checks); lower it for long training
        on large ones.
    {max_epochs}
    {batch_size}
    {optimizer}
    {weight_decay}
    early_stopping : bool, default=False
        Hold out the last ``validation_fraction`` of the samples (the most
        recent windows, never a random subset) and stop when the validation
        loss has not improved by ``tol`` for ``n_iter_no_change`` epochs. The
        weights of the best epoch are restored.
    validation_fraction : float, default=0.1
        Fraction of the samples, taken from the end, held out for early
        stopping.
    {n_iter_no_change}
    tol : float, default=1e-4
        Minimum relative improvement of the validation loss for early stopping.
    quantiles : sequence of float, default=None
        Quantile levels in (0, 1), increasing, e.g. ``(0.1, 0.5, 0.9)``. The
        network then has one head per level (and one for the median, which
        :meth:`predict` returns), trained with the pinball loss and kept from
        crossing; :meth:`predict_quantiles` returns them and
        :meth:`predict_interval` calibrates them (conformalised quantile
        regression). None: one head per target, trained with the squared
        error.
    calibration_fraction : float, default=None
        Fraction of the samples, taken from the end (the most recent windows,
        in order), held out of training to calibrate :meth:`predict_interval`
        on. None trains on all samples; :meth:`calibrate` can then calibrate
        the model on other held-out samples.
    {callbacks}
    warm_start : bool, default=False
        If True and the estimator is fitted, :meth:`fit` continues training the
        current network (and keeps the scaling of the first fit) instead of
        starting anew.
        A continued fit takes on new ``max_epochs``, ``lr`` and ``batch_size``
        (:meth:`partial_fit` the last two); a changed parameter that shaped
        the fitted model (``hidden_size``, ``dropout``, ``n_estimators``, ...)
        raises a ``ValueError`` rather than being ignored.
    {device}
    {n_threads}
    {distributed}
    {verbose}
    {random_state}

    Attributes
    ----------
    net_ : skorch.NeuralNetRegressor
        The trained network; ``net_.history`` holds the per-epoch losses.
    n_features_in_ : int
        Number of columns of ``X`` seen in :meth:`fit` (``X.shape[1]``, which is
        the sequence length for 3-D input).
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names of a pandas ``X``, when it had string column names.
    input_shape_ : tuple of int
        ``(seq_len, n_features)`` of the sequences seen in :meth:`fit`.
    x_mean_, x_scale_ : ndarray of shape (n_features,)
        Per-channel scaling of ``X`` (zeros and ones with ``scale_X=False``).
    y_mean_, y_scale_ : ndarray of shape (n_targets,)
        Per-target scaling of ``y`` (zeros and ones with ``scale_y=False``).
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
    calibration_targets_ : ndarray of shape (n_calibration, n_outputs)
        Targets of the calibration samples, one column per output; present
        after fitting with ``calibration_fraction`` or calling
        :meth:`calibrate`.
    calibration_predictions_ : ndarray
        Predictions for the calibration samples: ``(n_calibration,
        n_outputs)``, or ``(n_calibration, n_outputs, n_levels)`` quantiles.
    calibration_scales_ : ndarray of shape (n_calibration, 1)
        Ones: the regressor's conformity scores are not rescaled.

    See Also
    --------
    LSTMForecaster : Multi-step forecasts of a series from its past windows.
    SlidingWindowTransformer : Window features from a time-ordered matrix.

    Notes
    -----
    Windows that are a strided view of one series (as
    :func:`~sklstm.make_windows` and :class:`~sklstm.SlidingWindowTransformer`
    return them) are read from the series a batch at a time in :meth:`fit`
    and a block at a time in :meth:`predict`, never copied all at once; the
    results are the same as for a copy of the windows, bit for bit.

    Missing time steps are skipped: a time step whose features are all NaN
    (such as the padding :class:`~sklstm.SlidingWindowTransformer` puts in its
    first rows, or a gap in the series) is treated as absent, as if the
    sequence did not contain it. A time step with only some features NaN, a
    sample with no observed step, NaN with ``return_sequences=True`` and NaN
    in ``y`` raise a ``ValueError``; infinite values are always rejected.
    Sequences passed to :meth:`predict` must have the length seen in
    :meth:`fit`; left-padding a shorter one with all-NaN time steps makes it
    that long, and the network reads it as the shorter sequence.

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
    >>> from sklstm import LSTMRegressor
    >>> t = np.linspace(0, 20, 200)
    >>> X = np.stack([np.sin(t + s) for s in np.linspace(0, 6, 64)])  # 64 sequences
    >>> y = X[:, -1] * 2.0
    >>> reg = LSTMRegressor(hidden_size=8, max_epochs=5, random_state=0).fit(X, y)
    >>> reg.predict(X).shape
    (64,)
    """

    def __init__(
        self,
        hidden_size=32,
        num_layers=1,
        bidirectional=False,
        dropout=0.0,
        cell="torch",
        return_sequences=False,
        n_estimators=1,
        n_features=None,
        scale_X=True,
        scale_y=True,
        lr=5e-3,
        max_epochs="auto",
        batch_size="auto",
        optimizer="adam",
        weight_decay=0.0,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
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
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bidirectional = bidirectional
        self.dropout = dropout
        self.cell = cell
        self.n_estimators = n_estimators
        self.return_sequences = return_sequences
        self.n_features = n_features
        self.scale_X = scale_X
        self.scale_y = scale_y
        self.lr = lr
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.optimizer = optimizer
        self.weight_decay = weight_decay
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.quantiles = quantiles
        self.calibration_fraction = calibration_fraction
        self.callbacks = callbacks
        self.warm_start = warm_start
        self.device = device
        self.n_threads = n_threads
        self.distributed = distributed
        self.verbose = verbose
        self.random_state = random_state

    _parameter_constraints = {
        **_BaseLSTM._parameter_constraints,
        **_IntervalMixin._interval_constraints,
        "return_sequences": ["boolean"],
    }

    def _validate_fit_data(self, X, y, reset):
        """Validate ``X``/``y``; return 3-D X and 2-D y (targets as columns)."""
        if y is None:
            self._validate_y(y)  # raises the "requires y" error
        X3 = self._validate_X(X, reset=reset)
        y = self._validate_y(y, allow_nd=self.return_sequences)
        _check_n_samples(X3, y)
        self._check_missing_blocks(_WindowSource(X3))
        y = np.asarray(y, dtype=np.float64)
        if self.return_sequences:
            seq_len = X3.shape[1]
            if y.ndim not in (2, 3) or y.shape[1] != seq_len:
                raise ValueError(
                    "With return_sequences=True, y must have shape (n_samples, "
                    f"seq_len) or (n_samples, seq_len, n_targets) with seq_len="
                    f"{seq_len}; got y of shape {y.shape}."
                )
            y_shape = y.shape[1:]
            y2 = y.reshape(len(y) * seq_len, -1)
        else:
            y_shape = y.shape[1:]
            y2 = y.reshape(len(y), -1)
        if reset:
            self.y_shape_ = y_shape
        elif y_shape[-1:] != self.y_shape_[-1:] or len(y_shape) != len(self.y_shape_):
            raise ValueError(
                f"y has shape {y.shape[1:]} per sample, but {type(self).__name__} "
                f"was fitted on targets of shape {self.y_shape_}. Continued "
                "training (warm_start, partial_fit) needs the targets seen in the "
                "first fit; refit with warm_start=False to change them."
            )
        return X3, y2

    def _n_targets(self):
        if self.return_sequences:
            return 1 if len(self.y_shape_) == 1 else self.y_shape_[1]
        return 1 if len(self.y_shape_) == 0 else self.y_shape_[0]

    def _scaled_targets(self, y2, n_samples):
        yt = _Scaler.of(self).scale_y(y2)
        if self.return_sequences:
            return yt.reshape(n_samples, self.input_shape_[0], -1)
        return yt

    def _fit(self, X, y, epochs, continuing):
        _check_process_group(self)
        first = not continuing
        X3, y2 = self._validate_fit_data(X, y, reset=first)
        # The most recent samples calibrate the intervals, when asked to.
        n_train, _ = self._split_for_calibration(len(X3))
        rows = len(y2) // len(X3)  # rows of y2 per sample
        y_cal = y2[n_train * rows :].reshape(len(X3) - n_train, rows * y2.shape[1])
        X_cal = X3[n_train:]
        X3, y2 = X3[:n_train], y2[: n_train * rows]
        # Windows that are a strided view of one series are read from it a
        # block (and in training, a batch) at a time, never copied.
        source = _WindowSource(X3)
        if first:
            self._fit_scaler(source, y2)
            self.quantile_levels_ = self._network_quantiles()
            self.net_ = self._build_net(
                n_features=X3.shape[2],
                output_size=self._n_targets(),
                return_sequences=self.return_sequences,
                quantiles=self.quantile_levels_,
            )
        yt = self._scaled_targets(y2, len(X3))
        self._train(self._dataset(source, yt), epochs=epochs, initialize=first)
        if len(X_cal):
            self._store_calibration(X_cal, y_cal)
        return self

    # ----------------------------------------------- hooks of _IntervalMixin
    def _interval_windows(self, X):
        X3 = self._validate_X(X, reset=False)
        self._check_missing_blocks(_WindowSource(X3))
        return X3

    def _interval_targets(self, y, n_samples):
        y = np.asarray(self._validate_y(y, allow_nd=True), dtype=np.float64)
        if len(y) != n_samples:
            raise ValueError(
                f"X and y have inconsistent numbers of samples: X has {n_samples}, "
                f"y has {len(y)}. Pass one row of y per sample of X."
            )
        if y.shape[1:] != self.y_shape_:
            raise ValueError(
                f"y has shape {y.shape[1:]} per sample, but {type(self).__name__} "
                f"was fitted on targets of shape {self.y_shape_}."
            )
        return y.reshape(n_samples, -1)

    def _predict_flat(self, X3, quantiles, steps=None):
        out = self._predict_windows_scaled(_WindowSource(X3))
        scaler = _Scaler.of(self)
        n_targets = len(self.y_mean_)
        if quantiles:
            levels = out.shape[-1]
            out = scaler.unscale_quantiles(out.reshape(-1, n_targets, levels))
            return out.reshape(len(X3), -1, levels)
        return scaler.unscale_y(out.reshape(-1, n_targets)).reshape(len(X3), -1)

    def _output_shape(self):
        return self.y_shape_

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Fit the network to sequences ``X`` and targets ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, seq_len, n_features) or \
                (n_samples, seq_len * n_features)
            Training sequences. See ``n_features`` for how 2-D input is read.
            Time steps whose features are all NaN are skipped.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Targets; with ``return_sequences=True``, of shape ``(n_samples,
            seq_len)`` or ``(n_samples, seq_len, n_targets)``.

        Returns
        -------
        self : LSTMRegressor
            The fitted estimator.

        Raises
        ------
        sklstm.exceptions.TrainingDivergedError
            If a loss or the weights become NaN or infinite during training.
        """
        continuing = self.warm_start and hasattr(self, "net_")
        return self._fit(X, y, epochs=self.max_epochs, continuing=continuing)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y):
        """Train for one epoch on ``X``, ``y``, continuing from the current state.

        The first call initialises the network and fits the scaling on its
        data; later calls reuse both, so the first batch should be
        representative of the data's range.

        Parameters
        ----------
        X : array-like of shape (n_samples, seq_len, n_features) or \
                (n_samples, seq_len * n_features)
            Training sequences.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Targets.

        Returns
        -------
        self : LSTMRegressor
            The updated estimator.

        Raises
        ------
        sklstm.exceptions.TrainingDivergedError
            If a loss or the weights become NaN or infinite during training.
        """
        return self._fit(X, y, epochs=1, continuing=hasattr(self, "net_"))

    def predict(self, X):
        """Predict targets for sequences ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, seq_len, n_features) or \
                (n_samples, seq_len * n_features)
            Sequences of the shape seen in :meth:`fit`. Left-pad shorter
            sequences with all-NaN time steps, which are skipped.

        Returns
        -------
        y_pred : ndarray
            Predictions in the shape of ``y`` seen in :meth:`fit`, e.g.
            ``(n_samples,)`` or ``(n_samples, n_targets)``; the median with
            ``quantiles``.
        """
        check_is_fitted(self, "net_")
        X3 = self._interval_windows(X)
        if getattr(self, "quantiles_", None) is None:
            y = self._predict_flat(X3, quantiles=False)
        else:  # the median head
            y = self._predict_flat(X3, quantiles=True)[..., self._median_index()]
        return y.reshape((len(X3), *self.y_shape_))

    def score(self, X, y, sample_weight=None):
        """Return the coefficient of determination R^2 of the predictions.

        Per-timestep targets (``return_sequences=True``) are flattened to one
        output per time step and target.

        Parameters
        ----------
        X : array-like
            Test sequences.
        y : array-like
            True targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        score : float
            R^2 of ``self.predict(X)`` against ``y``.
        """
        y_pred = self.predict(X)
        y = self._validate_y(y, allow_nd=True)
        _check_n_samples(y_pred, y)
        return r2_score(
            y.reshape(len(y), -1) if y.ndim > 2 else y,
            y_pred.reshape(len(y_pred), -1) if y_pred.ndim > 2 else y_pred,
            sample_weight=sample_weight,
        )
