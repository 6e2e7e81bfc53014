"""Shared machinery of the sklstm estimators.

The estimators are plain scikit-learn ``BaseEstimator`` objects. At ``fit`` time
they validate and scale the data, then build and train a skorch
``NeuralNetRegressor`` around :class:`sklstm._module.LSTMNet`, stored in
``net_``. Nothing here inherits from skorch, so ``get_params``/``set_params``,
``clone`` and the estimator checks see exactly the keyword arguments of
``__init__``.
"""

import contextlib
import copy
import itertools
import math
import threading
import warnings
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_array, check_is_fitted, validate_data
from skorch.callbacks import EarlyStopping, ProgressBar

# Pickles name the classes of a fitted net where they were defined when they
# were written: files of earlier versions find them here.
from ._data import (  # noqa: F401
    _BatchIterator,
    _LazyWindowDataset,
    _PanelWindows,
    _TailSplit,
    _WindowDataset,
)
from ._module import LSTMNet, PinballLoss, _use_generator
from ._net import (  # noqa: F401
    _OPTIMIZERS,
    _check_finite_weights,
    _CosineLR,
    _DivergenceCheck,
    _History,
    _Net,
    _TimeLeft,
)
from ._parallel import _DataParallel
from ._scaling import _Scaler
from ._validation import explain_input_errors
from ._version import __version__
from .exceptions import TrainingDivergedError, VersionMismatchWarning

# The training budget of batch_size="auto" and max_epochs="auto". Small data
# (up to 64 batches of 32: one series, a short panel) train as the estimators
# always trained by default, 100 epochs of batches of 32. Larger data get
# larger batches (doubling up to 256, so an epoch has 32 to 64 steps until
# then) and fewer epochs: 100 * (32 / batch) ** 0.58, i.e. 67, 45 and 30
# epochs at 64, 128 and 256; and at most _WINDOW_PASSES sample passes in
# all. At 256 this is the panel setting chosen on the validation blocks of
# the accuracy benchmark's competition panels (batch 256, 30 epochs, at most
# 1.6M window passes: 30 epochs had beaten 60, and 1.6M passes 800k); the
# sizes between interpolate the two. Beyond 1.6M samples (a panel of tens of
# thousands of series), one epoch of max_epochs="auto" is a random sample of
# 1.6M of them, drawn anew without replacement from the fit's own generator:
# training time stops growing with the data, and every sample is equally
# likely to be drawn, so a series weighs by its number of windows as it does
# in a full epoch. Smaller data train on every sample, as before.
_AUTO_BATCH = (32, 256)
_WINDOW_PASSES = 1_600_000


def _auto_budget(n_samples):
    """``(batch_size, max_epochs)`` of ``"auto"`` for ``n_samples`` samples."""
    batch_size = _AUTO_BATCH[0]
    while batch_size < _AUTO_BATCH[1] and n_samples > 64 * batch_size:
        batch_size *= 2
    epochs = round(100 * (_AUTO_BATCH[0] / batch_size) ** 0.58)
    epochs = min(epochs, math.ceil(_WINDOW_PASSES / max(n_samples, 1)))
    return batch_size, max(1, epochs)


def _auto_samples_per_epoch(n_samples):
    """Samples one epoch of ``max_epochs="auto"`` draws: None (all of them)
    up to ``_WINDOW_PASSES``, else ``_WINDOW_PASSES``."""
    return _WINDOW_PASSES if n_samples > _WINDOW_PASSES else None


def _generator_on(device, seed, cpu_generator):
    """The generator the dropout masks on ``device`` are drawn from.

    On the CPU it is the fit's own (``cpu_generator``, which also draws the
    weights and the order of the windows); on another device, a generator of
    that device seeded with ``seed``.
    """
    device = torch.device(device)
    if device.type == "cpu":
        return cpu_generator
    return torch.Generator(device=device).manual_seed(seed)


def _to_eval(module):
    """Put ``module`` and all its parts in evaluation mode, innermost first.

    ``Module.eval`` sets the outer module's flag before its parts'. Setting
    the parts first means that a thread that reads the outer module as in
    evaluation mode finds every part in evaluation mode too.
    """
    for part in reversed(list(module.modules())):
        part.training = False


def _check_n_samples(X, y):
    if len(X) != len(y):
        raise ValueError(
            f"X and y have inconsistent numbers of samples: X has {len(X)}, y has "
            f"{len(y)}. Pass one row of y per sample of X; make_windows(series, "
            "look_back, horizon) builds aligned pairs from a series."
        )


# Parameters a continued fit (warm_start, partial_fit) takes on: they do not
# shape the fitted model (see _BaseLSTM._continue_with_current_params).
_CONTINUABLE = frozenset(
    {
        "max_epochs",
        "lr",
        "batch_size",
        "warm_start",
        "n_threads",
        # A model trained on many processes goes on training on one, and
        # the other way round: the processes train the same network.
        "distributed",
        "random_state",
        "verbose",
        # A model saved on a GPU goes on training on the CPU of a machine
        # without one, whatever its device parameter says.
        "device",
        "calibration_fraction",
    }
)


def _changed(old, new):
    """Whether a parameter's value differs, for values of any type."""
    if old is new:
        return False
    try:
        return not bool(old == new)
    except (TypeError, ValueError):  # arrays compare element-wise
        try:
            return not np.array_equal(np.asarray(old), np.asarray(new))
        except (TypeError, ValueError):
            return True


class _BaseLSTM(BaseEstimator):
    """Parameters, validation, scaling and training shared by the estimators."""

    # How LSTMNet combines the outputs of the n_estimators networks: their
    # mean (the classifier averages their probabilities instead).
    _combine_members = "mean"

    _parameter_constraints: dict = {
        "hidden_size": [Interval(Integral, 1, None, closed="left")],
        "num_layers": [Interval(Integral, 1, None, closed="left")],
        "bidirectional": ["boolean"],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "cell": [StrOptions({"torch", "gates"})],
        "n_estimators": [Interval(Integral, 1, None, closed="left")],
        "n_features": [Interval(Integral, 1, None, closed="left"), None],
        "scale_X": ["boolean"],
        "scale_y": ["boolean"],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "max_epochs": [
            Interval(Integral, 1, None, closed="left"),
            StrOptions({"auto"}),
        ],
        "batch_size": [
            Interval(Integral, 1, None, closed="left"),
            StrOptions({"auto"}),
        ],
        "optimizer": [StrOptions(set(_OPTIMIZERS)), callable],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "callbacks": [list, None],
        "warm_start": ["boolean"],
        "device": [str, torch.device],
        "n_threads": [Interval(Integral, 1, None, closed="left"), None],
        "distributed": ["boolean"],
        "verbose": ["verbose"],
        "random_state": ["random_state"],
    }

    # ------------------------------------------------------------------ input
    def _to_3d(self, X, reset):
        """Reshape validated 2-D/3-D ``X`` to ``(n_samples, seq_len, n_features)``.

        2-D input is read as univariate sequences, or, when ``n_features`` is
        set, as time-major flattened windows of ``n_features`` channels.
        """
        if X.ndim == 3:
            if self.n_features is not None and X.shape[2] != self.n_features:
                raise ValueError(
                    f"n_features={self.n_features} does not match the last "
                    f"dimension of the 3-D X, {X.shape[2]}. Set n_features=None "
                    "for 3-D input or reshape X."
                )
            X3 = X
        elif X.ndim == 2:
            n_channels = 1 if self.n_features is None else self.n_features
            if X.shape[1] % n_channels:
                raise ValueError(
                    f"X has {X.shape[1]} columns, which is not a multiple of "
                    f"n_features={self.n_features}. 2-D X must hold time-major "
                    "flattened windows of n_features channels per time step; fix "
                    "n_features or pass 3-D X of shape (n_samples, seq_len, "
                    "n_features)."
                )
            X3 = X.reshape(X.shape[0], X.shape[1] // n_channels, n_channels)
        else:
            raise ValueError(
                f"X must be 2-D or 3-D (n_samples, seq_len, n_features); got "
                f"{X.ndim}-D input with shape {X.shape}. Reshape X to one of "
                "these layouts."
            )
        if 0 in X3.shape[1:]:
            raise ValueError(
                f"X has sequences of shape (seq_len, n_features)={X3.shape[1:]}; "
                "every sequence needs at least one time step and one feature."
            )
        if reset:
            self.input_shape_ = X3.shape[1:]
        elif X3.shape[1:] != self.input_shape_:
            raise ValueError(
                f"X has sequences of shape (seq_len, n_features)={X3.shape[1:]}, "
                f"but {type(self).__name__} was fitted on {self.input_shape_}. "
                "Pass sequences with the features seen in fit, in the same "
                "order; left-pad shorter sequences with all-NaN time steps (read "
                "as missing history)."
            )
        return X3

    def _validate_X(self, X, reset):
        """Validate ``X`` and return it as ``(n_samples, seq_len, n_features)``.

        The windows of a panel from :func:`~sklstm.make_windows` stay lazy
        views of their buffer: ``make_windows`` checked its values, so only
        the shape and the number of features are validated here, on the
        first window.
        """
        if isinstance(X, _PanelWindows):
            with explain_input_errors(self, "X"):
                validate_data(
                    self,
                    X.gather(slice(0, 1)),
                    reset=reset,
                    allow_nd=True,
                    dtype="numeric",
                    ensure_all_finite="allow-nan",
                )
            return self._to_3d(X, reset=reset)
        with explain_input_errors(self, "X"):
            X = validate_data(
                self,
                X,
                reset=reset,
                allow_nd=True,
                dtype="numeric",
                ensure_all_finite="allow-nan",
            )
        return self._to_3d(X, reset=reset)

    def _validate_y(self, y, allow_nd=False):
        """Validate the target ``y``: numeric, finite, at most 2-D (or n-D)."""
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y "
                "is None. Call fit(X, y) with the targets."
            )
        with explain_input_errors(self, "y"):
            return check_array(
                y, ensure_2d=False, allow_nd=allow_nd, dtype="numeric", input_name="y"
            )

    def _check_missing(self, X3, name="X", offset=0):
        """Accept NaN only as whole missing time steps, which the LSTM skips.

        A time step whose channels are all NaN (e.g. the leading padding of
        :class:`~sklstm.SlidingWindowTransformer`, or a gap in the series) is
        treated as absent: the network reads the sequence as if the step were
        not there. Anything else that is NaN is an error.
        """
        nan = np.isnan(X3)
        if not nan.any():
            return
        if getattr(self, "return_sequences", False):
            raise ValueError(
                f"{name} contains NaN. Missing time steps are only supported with "
                "return_sequences=False; impute or drop them first, e.g. with "
                "sklearn.impute.SimpleImputer."
            )
        absent = nan.all(axis=2)
        partial = nan.any(axis=2) & ~absent
        if partial.any():
            sample, step = (int(i[0]) for i in np.nonzero(partial))
            sample += offset
            raise ValueError(
                f"{name} contains NaN in some but not all features of a time step "
                f"(first: sample {sample}, step {step}). A time step can only be "
                "missing as a whole (all its features NaN, as in the padding of "
                "SlidingWindowTransformer); impute partial missing values first, "
                "e.g. with sklearn.impute.SimpleImputer."
            )
        empty = np.flatnonzero(absent.all(axis=1)) + offset
        if empty.size:
            raise ValueError(
                f"{name} contains {empty.size} sample(s) whose time steps are all "
                f"NaN (first: {empty[:5].tolist()}): at least one time step of "
                "every sample must be observed. Drop those samples."
            )

    # ---------------------------------------------------------------- scaling
    def _fit_scaler(self, source, y2=None):
        """Per-channel mean and scale of the windows of ``source``, block-wise,
        and with ``y2`` ``(n, n_outputs)`` those of the targets.

        ``source`` is a :class:`~sklstm._data._WindowSource`; reading it a
        block at a time never copies all windows, and gives the same numbers
        whether they are a strided view of one series or an array of their own.
        """
        blocks = ((source.take(block), None) for block in source.slices())
        if y2 is not None:
            blocks = itertools.chain(blocks, [(None, y2)])
        _Scaler.fit(
            blocks,
            n_channels=source.X3.shape[2],
            scale_X=self.scale_X,
            n_outputs=None if y2 is None else y2.shape[1],
            scale_y=getattr(self, "scale_y", True),
        ).store(self)

    def _check_missing_blocks(self, source, name="X"):
        """:meth:`_check_missing` on the windows of ``source``, block-wise."""
        for block in source.slices():
            self._check_missing(source.take(block), name, offset=block.start)

    def _dataset(self, source, targets):
        """Training data: the windows gathered per batch when ``source`` is lazy.

        Windows that are a strided view of one series (as
        :func:`~sklstm.make_windows` returns them) are scaled batch by batch
        from the series instead of being copied all at once; both paths give
        the same tensors.
        """
        scaler = _Scaler.of(self)
        if source.lazy:
            return _LazyWindowDataset(
                source, targets, lambda X3, y: (scaler.scale_X(X3), y)
            )
        return _WindowDataset(scaler.scale_X(source.X3), targets)

    def _predict_windows_scaled(self, source):
        """Network outputs for the windows of ``source``, a block at a time."""
        scaler = _Scaler.of(self)
        return np.concatenate(
            [
                self._predict_scaled(scaler.scale_X(source.take(block)))
                for block in source.slices()
            ]
        )

    # --------------------------------------------------------------- training
    def _resolve_budget(self, n_samples, epochs):
        """Set ``batch_size_`` and return the epochs of this training call.

        ``"auto"`` sizes both by the number of training samples (see
        :func:`_auto_budget`); integers are used as they are. ``epochs`` is
        the call's (``max_epochs`` for ``fit``, 1 for ``partial_fit``). With
        ``"auto"`` epochs and more than ``_WINDOW_PASSES`` samples, each
        epoch trains on a random sample of ``_WINDOW_PASSES`` of them.
        """
        auto_batch, auto_epochs = _auto_budget(n_samples)
        batch_size = auto_batch if self.batch_size == "auto" else self.batch_size
        per_epoch = None
        if epochs == "auto":
            epochs = auto_epochs
            per_epoch = _auto_samples_per_epoch(n_samples)
        self.batch_size_ = int(batch_size)
        self.net_.set_params(batch_size=self.batch_size_)
        # Read by _BatchIterator; set as an attribute, as skorch's set_params
        # would try to re-initialise an initialised net for it.
        self.net_.iterator_train__max_samples = per_epoch
        if self.verbose and "auto" in (self.batch_size, self.max_epochs):
            sampled = f", {per_epoch:,} samples drawn per epoch" if per_epoch else ""
            print(
                f"{type(self).__name__}: {n_samples:,} training samples: "
                f"batch_size={self.batch_size_}, max_epochs={epochs}{sampled} "
                f"(batch_size={self.batch_size!r}, max_epochs={self.max_epochs!r})"
            )
        return int(epochs)

    def _fitted_batch_size(self):
        """The batch size of training and prediction: ``batch_size_`` once fitted."""
        fitted = getattr(self, "batch_size_", None)
        if fitted is not None:
            return fitted
        # Fitted by a version without batch_size_ (an int then), or not yet.
        return self.batch_size if self.batch_size != "auto" else _AUTO_BATCH[0]

    def _seed(self):
        """An int seed for this fit, drawn from ``random_state``."""
        return int(
            check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        )

    def _check_device(self):
        try:
            torch.empty(0, device=self.device)
        except (RuntimeError, AssertionError) as exc:
            raise ValueError(
                f"device={self.device!r} cannot be used on this machine ({exc}). "
                "Use device='cpu', or device='cuda' where torch.cuda.is_available()."
            ) from exc

    def _build_net(
        self,
        n_features,
        output_size,
        return_sequences=False,
        quantiles=None,
        criterion=None,
        skip_length=None,
        future_steps=0,
        future_channels=None,
        **net_params,
    ):
        """The skorch net around :class:`~sklstm.LSTMNet`, not initialised yet.

        ``quantiles`` (levels) gives pinball-loss heads. ``criterion`` is the
        loss: None for mean squared error (pinball loss with quantiles), the
        cross-entropy for the classifier. ``net_params`` go to the net as they
        are, e.g. ``criterion__weight``.
        """
        if criterion is None:
            criterion = torch.nn.MSELoss if quantiles is None else PinballLoss
        if quantiles is not None:
            net_params = {
                "criterion__quantiles": [float(q) for q in quantiles],
                **net_params,
            }
        self._check_device()
        # What continued training (warm_start, partial_fit) checks against.
        self._built_with = self.get_params(deep=False)
        optimizer = self.optimizer
        if isinstance(optimizer, str):
            optimizer = _OPTIMIZERS[optimizer]
        callbacks = [("divergence", _DivergenceCheck())]
        if getattr(self, "lr_schedule", "constant") == "cosine":
            callbacks.append(("lr_schedule", _CosineLR()))
        if self.verbose:
            callbacks.append(("time_left", _TimeLeft()))
        if self.verbose and self.verbose > 1:
            callbacks.append(("progress_bar", ProgressBar()))
        if self.early_stopping:
            callbacks.append(
                (
                    "early_stopping",
                    EarlyStopping(
                        monitor="valid_loss",
                        patience=self.n_iter_no_change,
                        threshold=self.tol,
                        threshold_mode="rel",
                        load_best=True,
                        sink=print if self.verbose else _silent,
                    ),
                )
            )
        # skorch initialises callbacks in place; copies keep the user's list
        # (an estimator parameter) untouched, so clone() and refits stay clean.
        for i, cb in enumerate(copy.deepcopy(self.callbacks or [])):
            name = cb[0] if isinstance(cb, tuple) else f"user_{i}"
            callbacks.append(cb if isinstance(cb, tuple) else (name, cb))
        if not self.verbose:
            # skorch's PrintLog formats a table of the history after every
            # epoch even when it prints nothing: about 1.5 ms, as long as an
            # epoch of a few small batches.
            net_params = {"callbacks__print_log": None, **net_params}
        return _Net(
            module=LSTMNet,
            module__n_features=n_features,
            module__output_size=output_size,
            module__hidden_size=self.hidden_size,
            module__num_layers=self.num_layers,
            module__bidirectional=self.bidirectional,
            module__dropout=self.dropout,
            module__return_sequences=return_sequences,
            module__cell=self.cell,
            module__n_quantiles=None if quantiles is None else len(quantiles),
            module__n_members=self.n_estimators,
            module__combine=self._combine_members,
            module__skip_length=skip_length,
            module__future_steps=future_steps,
            module__future_channels=future_channels,
            criterion=criterion,
            optimizer=optimizer,
            optimizer__weight_decay=self.weight_decay,
            lr=self.lr,
            # The training call sets both (see _train); the batch size is the
            # fitted one when the net is rebuilt to load saved weights.
            max_epochs=1,
            batch_size=self._fitted_batch_size(),
            iterator_train=_BatchIterator,
            iterator_train__shuffle=True,
            iterator_train__n_members=self.n_estimators,
            iterator_valid=_BatchIterator,
            train_split=_TailSplit(self.validation_fraction)
            if self.early_stopping
            else None,
            callbacks=callbacks,
            device=self.device,
            verbose=self.verbose,
            **net_params,
        )

    def _torch_threads(self):
        """Context in which this estimator's torch work runs (see ``n_threads``)."""
        return _torch_threads(getattr(self, "n_threads", None))

    def _train(self, dataset, epochs, initialize):
        """Train ``net_`` on scaled tensors for ``epochs`` epochs.

        All randomness (weight init, dropout, shuffling) is drawn from
        generators of this call's own, seeded from ``random_state``: refits
        are bit-identical, fits running side by side in threads are
        independent, and torch's global generator is neither used nor
        changed. The network is left in evaluation mode, where predictions
        find it (they never switch it, see :meth:`_predict_scaled`).

        If training diverges (or fails otherwise), a new fit leaves the
        estimator unfitted and a continued one (``warm_start``,
        ``partial_fit``) restores the network, optimizer and history from
        before the call, so no earlier training is lost. A
        ``KeyboardInterrupt`` ends training early but keeps the network:
        skorch swallows it and still runs ``on_train_end``, where early
        stopping restores the best weights.
        """
        if not initialize:
            # First: a changed early_stopping or validation_fraction is
            # reported as changed, not checked below as if it applied.
            self._continue_with_current_params()
        epochs = self._resolve_budget(len(dataset), epochs)
        if self.early_stopping and len(dataset) < 2:
            raise ValueError(
                "early_stopping=True needs at least 2 samples to hold out a "
                f"validation set; got {len(dataset)}. Pass more data or set "
                "early_stopping=False."
            )
        n_valid = _TailSplit(self.validation_fraction).n_valid(len(dataset))
        if self.early_stopping and n_valid >= len(dataset):
            raise ValueError(
                f"validation_fraction={self.validation_fraction} holds out all "
                f"{len(dataset)} samples for early stopping, leaving none to train on. "
                "Lower validation_fraction or pass more data."
            )
        if hasattr(dataset, "to"):
            # In-memory windows move to the device once for the whole fit.
            dataset = dataset.to(self.net_.device)
        seed = self._seed()
        if not initialize:
            # Continued training: vary the shuffling between calls.
            seed = (seed + len(self.net_.history)) % np.iinfo(np.int32).max
            before = self._training_state()
        net = self.net_
        net.rng_ = torch.Generator().manual_seed(seed)
        try:
            with self._torch_threads():
                if initialize:
                    net.initialize()
                dropout = _generator_on(net.device, seed, net.rng_)
                if getattr(self, "distributed", False):
                    # Every process trains on its part of each batch and
                    # averages its gradients with the others' (see
                    # sklstm._parallel); the plain network stays module_.
                    net.parallel_ = _DataParallel(
                        net.module_,
                        (len(dataset), self.batch_size_, epochs),
                        net.device,
                    )
                    dropout = net.parallel_.dropout_generator(net.device, seed)
                _use_generator(net.module_, dropout)
                for _, callback in net.callbacks_:
                    if isinstance(callback, (_TimeLeft, _CosineLR)):
                        callback.epochs = epochs
                net.partial_fit(dataset, epochs=epochs)
            _check_finite_weights(net)
        except Exception as exc:
            # Whatever stops training (divergence, an error in a lazily
            # prepared batch, running out of memory) leaves no half-trained
            # model behind and loses none of the training before this call.
            if initialize:
                self._forget_fit()
                note = f"{type(self).__name__} is left unfitted."
            else:
                self._restore_training_state(before)
                note = "The network was restored to its state before this call."
            if isinstance(exc, TrainingDivergedError):
                exc.args = (f"{exc.args[0]} {note}",)
            raise
        finally:
            # The generators served this call only; a fitted (or restored)
            # network waits in evaluation mode.
            net.rng_ = None
            net.parallel_ = None
            if getattr(net, "module_", None) is not None:
                _use_generator(net.module_, None)
                _to_eval(net.module_)
        self._drop_unfinished_epoch()
        self.n_epochs_ = len(self.net_.history)

    def _continue_with_current_params(self):
        """Apply the settings a continued fit can change; reject the others.

        Continued training (``warm_start``, ``partial_fit``) goes on with the
        network, scaling, loss and device of the first fit. The number of
        epochs, the learning rate and the batch size may change between
        calls and take effect, as do ``n_threads``, ``random_state`` and
        ``calibration_fraction``, which every call reads (``verbose`` and
        ``device`` may change too, but the logging and the network's device
        stay those of the first fit or of loading). Any other parameter
        shaped the fitted model: a new value would be silently ignored, so
        it raises instead.
        """
        built = getattr(self, "_built_with", None)
        if built is None:  # fitted by an sklstm that did not record it
            return
        current = self.get_params(deep=False)
        changed = [
            f"{name} ({built.get(name)!r} -> {current[name]!r})"
            for name in current
            if name not in _CONTINUABLE and _changed(built.get(name), current[name])
        ]
        if changed:
            raise ValueError(
                f"{type(self).__name__} continues training the model of its first "
                f"fit (warm_start=True or partial_fit), but {', '.join(changed)} "
                "changed since that fit, and the fitted model cannot take on the "
                "new value. Set it back, or train a new model with fit and "
                "warm_start=False."
            )
        # skorch applies a new learning rate to the optimizer's parameter
        # groups in place, keeping its state (Adam's moments); the batch size
        # is set by _resolve_budget.
        self.net_.set_params(lr=self.lr)

    def _training_state(self):
        net = self.net_
        return (
            copy.deepcopy(net.module_.state_dict()),
            copy.deepcopy(net.optimizer_.state_dict()),
            len(net.history),
        )

    def _restore_training_state(self, state):
        module_state, optimizer_state, n_epochs = state
        self.net_.module_.load_state_dict(module_state)
        self.net_.optimizer_.load_state_dict(optimizer_state)
        del self.net_.history[n_epochs:]

    def _forget_fit(self):
        """Remove every fitted attribute: a failed fit leaves no stale model."""
        for name in [k for k in vars(self) if k.endswith("_") and k[0] != "_"]:
            delattr(self, name)

    def _drop_unfinished_epoch(self):
        """Drop the history row of an epoch cut short by a KeyboardInterrupt.

        skorch records an epoch's losses at its end; a row without them
        belongs to an interrupted epoch. Dropping it keeps ``n_epochs_``,
        ``len(net_.history)`` and the recorded losses consistent.
        """
        history = self.net_.history
        if history and "train_loss" not in history[-1]:
            del history[-1]

    def __getstate__(self):
        state = super().__getstate__()
        state["_sklstm_version"] = __version__
        return state

    def __setstate__(self, state):
        saved = state.pop("_sklstm_version", "unknown (older than 0.1)")
        if saved != __version__:
            warnings.warn(
                f"Trying to unpickle {type(self).__name__} saved with sklstm "
                f"{saved} while sklstm {__version__} is installed. The model may "
                "not load or predict correctly: refit it, or install the version "
                "that saved it.",
                VersionMismatchWarning,
                stacklevel=2,
            )
        super().__setstate__(state)
        net = getattr(self, "net_", None)
        if getattr(net, "module_", None) is not None:
            # Pickles of older versions kept the network in training mode.
            _to_eval(net.module_)

    def _predict_scaled(self, Xt):
        """Network outputs for scaled windows, in batches of ``batch_size``.

        A plain inference loop: skorch's ``predict`` goes through its dataset
        and iterator machinery per batch, which costs more than the small
        networks themselves.

        Every batch has exactly ``batch_size_`` rows (the last one is padded
        with zeros): float32 kernels take different paths for different
        batch sizes, so a row's prediction would otherwise change, in its last
        bits, with the number of rows predicted alongside it. With one batch
        shape, ``predict(X)[i]`` equals ``predict(X[i:i + 1])`` bit for bit.

        Safe to call from many threads at once: it changes no shared state.
        The network stays in the evaluation mode in which fitting and loading
        leave it (one found in training mode, e.g. after user code trained
        it, is put in evaluation mode for good), gradients are off in this
        thread only (``torch.inference_mode``), and torch's thread count is
        the process's (``n_threads`` applies to fitting).
        """
        check_is_fitted(self, "net_")
        module, device = self.net_.module_, self.net_.device
        if module.training:
            _to_eval(module)
        size = self._fitted_batch_size()
        out = []
        with torch.inference_mode():
            if torch.device(device).type != "cpu":
                # One copy to the device and one back, not one per batch.
                with contextlib.suppress(torch.cuda.OutOfMemoryError):
                    Xt = Xt.to(device)
            for start in range(0, len(Xt), size):
                batch = Xt[start : start + size]
                n = len(batch)
                if n < size:
                    pad = batch.new_zeros((size - n, *batch.shape[1:]))
                    batch = torch.cat([batch, pad])
                out.append(module(batch.to(device))[:n])
            out = torch.cat(out).cpu()
        return out.numpy()

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        # Whole missing (all-NaN) time steps are skipped by the network.
        tags.input_tags.allow_nan = True
        tags.target_tags.multi_output = True
        return tags


def _silent(*args, **kwargs):
    pass


# torch's intra-op thread count is process-wide. Fits that run concurrently in
# one process (threading backends) share it: the first to enter records the
# setting and the last to leave restores it.
_THREADS_LOCK = threading.Lock()
_THREADS_STATE = {"active": 0, "saved": None}


@contextlib.contextmanager
def _torch_threads(n_threads):
    """Run the body with ``torch.set_num_threads(n_threads)``, then restore.

    ``None`` leaves torch's setting alone (the process's own, which joblib's
    loky backend and Dask workers already limit, see ``docs/scaling.rst``).
    """
    if n_threads is None:
        yield
        return
    with _THREADS_LOCK:
        if _THREADS_STATE["active"] == 0:
            _THREADS_STATE["saved"] = torch.get_num_threads()
        _THREADS_STATE["active"] += 1
        torch.set_num_threads(n_threads)
    try:
        yield
    finally:
        with _THREADS_LOCK:
            _THREADS_STATE["active"] -= 1
            if _THREADS_STATE["active"] == 0:
                torch.set_num_threads(_THREADS_STATE["saved"])
