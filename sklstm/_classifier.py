"""LSTMClassifier: sequences -> class labels, a scikit-learn classifier."""

import warnings

import numpy as np
import torch
from sklearn.base import ClassifierMixin, _fit_context
from sklearn.exceptions import DataConversionWarning
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_array, check_is_fitted

from ._base import _BaseLSTM, _check_n_samples
from ._data import _WindowSource
from ._docstring import _fill_doc
from ._parallel import _check_process_group
from ._validation import explain_input_errors


@_fill_doc()
class LSTMClassifier(ClassifierMixin, _BaseLSTM):
    """LSTM classifier mapping sequences to class labels, with a scikit-learn API.

    Each sample of ``X`` is a sequence. An LSTM network reads it and a linear
    head maps the output at the last time step to one score (logit) per
    class; training minimises the cross-entropy, and :meth:`predict_proba`
    is the softmax of the scores. The network is a skorch net
    built inside :meth:`fit` and stored in ``net_``.

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
    n_estimators : int, default=1
        Number of networks trained side by side, each from its own random
        initial weights, with its own dropout and its own order of the
        samples; :meth:`predict_proba` is the mean of their probabilities (a
        soft vote of a seed ensemble inside one estimator: one ``net_``, one
        saved model, one ONNX graph). Fitting and predicting take about
        ``n_estimators`` times as long; the recorded training loss is the
        networks' mean.
    n_features : int, default=None
        Number of channels per time step when ``X`` is 2-D: its columns are
        then read as time-major flattened windows ``[x_0 channels, x_1
        channels, ...]`` (the layout of :class:`~sklstm.SlidingWindowTransformer`).
        None reads each row of a 2-D ``X`` as a univariate sequence. Ignored
        (or checked) for 3-D ``X``.
    scale_X : bool, default=True
        Standardise each input channel with the mean and standard deviation of
        the training data before it enters the network.
    class_weight : dict, "balanced" or None, default=None
        Weights of the classes in the loss. None weighs every class 1;
        ``"balanced"`` weighs them inversely to their frequency in ``y``,
        ``n_samples / (n_classes * np.bincount(y))``; a dict maps labels to
        weights (missing labels weigh 1).
    lr : float, default=5e-3
        Learning rate, as for :class:`LSTMRegressor`.
    {max_epochs}
    {batch_size}
    {optimizer}
    {weight_decay}
    early_stopping : bool, default=False
        Hold out the last ``validation_fraction`` of the samples (never a
        random subset) and stop when the validation loss has not improved by
        ``tol`` for ``n_iter_no_change`` epochs. The weights of the best epoch
        are restored. Shuffle the samples first if their order is not
        random.
    validation_fraction : float, default=0.1
        Fraction of the samples, taken from the end, held out for early
        stopping.
    {n_iter_no_change}
    tol : float, default=1e-4
        Minimum relative improvement of the validation loss for early stopping.
    {callbacks}
    warm_start : bool, default=False
        If True and the estimator is fitted, :meth:`fit` continues training the
        current network (and keeps the classes and scaling of the first fit)
        instead of starting anew.
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
    classes_ : ndarray of shape (n_classes,)
        The class labels, sorted.
    class_weight_ : ndarray of shape (n_classes,)
        Weight of each class in the loss.
    net_ : skorch.NeuralNetRegressor
        The trained network (a subclass of skorch's ``NeuralNetRegressor``
        training with the cross-entropy); ``net_.history`` holds the per-epoch losses.
    n_features_in_ : int
        Number of columns of ``X`` seen in :meth:`fit` (``X.shape[1]``, which is
        the sequence length for 3-D input).
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names of a pandas ``X``, when it had string column names.
    input_shape_ : tuple of int
        ``(seq_len, n_features)`` of the sequences seen in :meth:`fit`.
    x_mean_, x_scale_ : ndarray of shape (n_features,)
        Per-channel scaling of ``X`` (zeros and ones with ``scale_X=False``).
    n_epochs_ : int
        Number of complete epochs trained, in total.
    batch_size_ : int
        The batch size of training and prediction (``batch_size``, or the
        size ``"auto"`` chose).

    See Also
    --------
    LSTMRegressor : The same network for numeric targets.
    SlidingWindowTransformer : Window features from a time-ordered matrix.

    Notes
    -----
    Missing time steps are skipped, as in :class:`LSTMRegressor`: a time step
    whose features are all NaN is treated as absent. A time step with only
    some features NaN, a sample with no observed step and infinite values
    raise a ``ValueError``. Two classes are modelled with two scores and a
    softmax, like more classes. Predictions do not depend on the other
    samples predicted in the same call, bit for bit.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm import LSTMClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(60, 10))               # 60 sequences of 10 steps
    >>> y = np.where(X[:, -3:].sum(axis=1) > 0, "up", "down")
    >>> clf = LSTMClassifier(hidden_size=8, max_epochs=20, random_state=0)
    >>> clf.fit(X, y).classes_
    array(['down', 'up'], dtype='<U4')
    >>> clf.predict_proba(X[:2]).shape
    (2, 2)
    """

    def __init__(
        self,
        hidden_size=32,
        num_layers=1,
        bidirectional=False,
        dropout=0.0,
        cell="torch",
        n_estimators=1,
        n_features=None,
        scale_X=True,
        class_weight=None,
        lr=5e-3,
        max_epochs="auto",
        batch_size="auto",
        optimizer="adam",
        weight_decay=0.0,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
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
        self.n_features = n_features
        self.scale_X = scale_X
        self.class_weight = class_weight
        self.lr = lr
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.optimizer = optimizer
        self.weight_decay = weight_decay
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.callbacks = callbacks
        self.warm_start = warm_start
        self.device = device
        self.n_threads = n_threads
        self.distributed = distributed
        self.verbose = verbose
        self.random_state = random_state

    # A soft vote: the networks' probabilities are averaged, not their scores.
    _combine_members = "probability"

    _parameter_constraints = {
        **{k: v for k, v in _BaseLSTM._parameter_constraints.items() if k != "scale_y"},
        "class_weight": [dict, StrOptions({"balanced"}), None],
    }

    # ------------------------------------------------------------ validation
    def _validate_labels(self, y, n_samples):
        """Validate ``y`` as one label per sample; return it 1-D."""
        if y is None:
            self._validate_y(y)  # raises the "requires y" error
        with explain_input_errors(self, "y"):
            y = check_array(y, ensure_2d=False, dtype=None, input_name="y")
        if y.ndim == 2 and y.shape[1] == 1:
            warnings.warn(
                "A column-vector y was passed when a 1d array was expected. "
                "Please change the shape of y to (n_samples,), for example "
                "using ravel().",
                DataConversionWarning,
                stacklevel=4,
            )
            y = y[:, 0]
        if y.ndim != 1:
            raise ValueError(
                f"y must be 1-D, one class label per sample; got y of shape "
                f"{y.shape}. {type(self).__name__} does not support multi-output "
                "or multi-label targets: fit one classifier per output."
            )
        _check_n_samples(np.empty(n_samples), y)
        try:
            check_classification_targets(y)
        except ValueError as exc:
            raise ValueError(
                f"{exc} y must hold class labels; for numeric targets use "
                "LSTMRegressor, or bin y into classes first."
            ) from exc
        return y

    def _encode(self, y, classes, reset):
        """Class indices of the labels ``y``, setting ``classes_`` when ``reset``."""
        if reset:
            classes = np.unique(y) if classes is None else np.unique(classes)
            if len(classes) < 2:
                raise ValueError(
                    f"{type(self).__name__} needs samples of at least 2 classes in "
                    f"y, but y contains only one class: {classes.tolist()[0]!r}. Pass "
                    "samples of every class."
                )
            unknown = np.setdiff1d(np.unique(y), classes)
            if unknown.size:
                raise ValueError(
                    f"y contains labels {unknown[:5].tolist()} that are not in "
                    f"classes={classes.tolist()}. Pass every label in classes."
                )
            self.classes_ = classes
            self.class_weight_ = self._class_weights(y)
        unknown = np.setdiff1d(np.unique(y), self.classes_)
        if unknown.size:
            raise ValueError(
                f"y contains labels {unknown[:5].tolist()} not seen in the first "
                f"fit (classes_={self.classes_.tolist()}). Continued training "
                "(warm_start, partial_fit) needs the classes of the first fit; "
                "refit with warm_start=False, or pass classes= to the first "
                "partial_fit."
            )
        return np.searchsorted(self.classes_, y)

    def _class_weights(self, y):
        if self.class_weight is None:
            return np.ones(len(self.classes_))
        if isinstance(self.class_weight, dict):
            unknown = set(self.class_weight) - set(self.classes_.tolist())
            if unknown:
                raise ValueError(
                    f"class_weight has labels {sorted(map(str, unknown))} that are "
                    f"not classes of y ({self.classes_.tolist()}). Use the labels "
                    "of y as keys."
                )
            return np.array(
                [float(self.class_weight.get(c, 1.0)) for c in self.classes_.tolist()]
            )
        present = np.isin(self.classes_, y)
        if not present.all():
            raise ValueError(
                'class_weight="balanced" weighs the classes by their frequency in '
                f"y, but classes {self.classes_[~present].tolist()} have no sample "
                "in it. Pass samples of every class, or class_weight as a dict."
            )
        return compute_class_weight("balanced", classes=self.classes_, y=y)

    # --------------------------------------------------------------- fitting
    def _fit(self, X, y, epochs, continuing, classes=None):
        _check_process_group(self)
        first = not continuing
        if y is None:
            self._validate_y(y)  # raises the "requires y" error
        X3 = self._validate_X(X, reset=first)
        y = self._validate_labels(y, len(X3))
        source = _WindowSource(X3)
        self._check_missing_blocks(source)
        codes = self._encode(y, classes, reset=first)
        if first:
            self._fit_scaler(source)
            weight = torch.as_tensor(self.class_weight_, dtype=torch.float32)
            self.net_ = self._build_net(
                n_features=X3.shape[2],
                output_size=len(self.classes_),
                criterion=torch.nn.CrossEntropyLoss,
                criterion__weight=weight,
            )
        dataset = self._dataset(source, torch.from_numpy(codes))
        self._train(dataset, epochs=epochs, initialize=first)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Fit the network to sequences ``X`` and class labels ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, seq_len, n_features) or \
                (n_samples, seq_len * n_features)
            Training sequences. See ``n_features`` for how 2-D input is read.
            Time steps whose features are all NaN are skipped.
        y : array-like of shape (n_samples,)
            Class labels, of any type (numbers, strings, ...).

        Returns
        -------
        self : LSTMClassifier
            The fitted estimator.

        Raises
        ------
        sklstm.exceptions.TrainingDivergedError
            If a loss or the weights become NaN or infinite during training.
        """
        continuing = self.warm_start and hasattr(self, "net_")
        return self._fit(X, y, epochs=self.max_epochs, continuing=continuing)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, classes=None):
        """Train for one epoch on ``X``, ``y``, continuing from the current state.

        The first call initialises the network, fixes the classes and fits
        the scaling on its data; later calls reuse them.

        Parameters
        ----------
        X : array-like of shape (n_samples, seq_len, n_features) or \
                (n_samples, seq_len * n_features)
            Training sequences.
        y : array-like of shape (n_samples,)
            Class labels.
        classes : array-like of shape (n_classes,), default=None
            Every class label, needed by the first call when its ``y`` does
            not contain all of them (later calls may not add classes). None:
            the classes of the first ``y``. Ignored after the first call.

        Returns
        -------
        self : LSTMClassifier
            The updated estimator.

        Raises
        ------
        sklstm.exceptions.TrainingDivergedError
            If a loss or the weights become NaN or infinite during training.
        """
        continuing = hasattr(self, "net_")
        return self._fit(X, y, epochs=1, continuing=continuing, classes=classes)

    # ------------------------------------------------------------ prediction
    def _logits(self, X):
        check_is_fitted(self, "net_")
        source = _WindowSource(self._validate_X(X, reset=False))
        self._check_missing_blocks(source)
        return self._predict_windows_scaled(source).astype(np.float64)

    def predict_log_proba(self, X):
        """Log-probability of each class for sequences ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, seq_len, n_features) or \
                (n_samples, seq_len * n_features)
            Sequences of the shape seen in :meth:`fit`.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Log-probabilities, columns in the order of ``classes_``.
        """
        z = self._logits(X)
        z -= z.max(axis=1, keepdims=True)
        return z - np.log(np.exp(z).sum(axis=1, keepdims=True))

    def predict_proba(self, X):
        """Probability of each class for sequences ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, seq_len, n_features) or \
                (n_samples, seq_len * n_features)
            Sequences of the shape seen in :meth:`fit`.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probabilities (softmax of the network's scores; with
            ``n_estimators``, the mean of the networks' probabilities),
            columns in the order of ``classes_``; each row sums to 1.
        """
        return np.exp(self.predict_log_proba(X))

    def predict(self, X):
        """Predict the class label of each sequence of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, seq_len, n_features) or \
                (n_samples, seq_len * n_features)
            Sequences of the shape seen in :meth:`fit`. Left-pad shorter
            sequences with all-NaN time steps, which are skipped.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            The most probable class of each sequence, a label of ``classes_``.
        """
        logits = self._logits(X)
        return self.classes_[np.argmax(logits, axis=1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = False
        tags.target_tags.single_output = True
        return tags
