"""Shared machinery of the sklstm estimators.

The estimators are plain scikit-learn ``BaseEstimator`` objects. At ``fit`` time
they validate and scale the data, then build and train a skorch
``NeuralNetRegressor`` around :class:`sklstm._module.LSTMNet`, stored in
``net_``. Nothing here inherits from skorch, so ``get_params``/``set_params``,
``clone`` and the estimator checks see exactly the keyword arguments of
``__init__``.
"""

import copy
import math
import warnings
from numbers import Integral, Real

import numpy as np
import torch
from numpy.lib.stride_tricks import as_strided
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted
from skorch import NeuralNetRegressor
from skorch.callbacks import Callback, EarlyStopping

from ._module import LSTMNet
from ._version import __version__
from .exceptions import TrainingDivergedError, VersionMismatchWarning

_OPTIMIZERS = {
    "adam": torch.optim.Adam,
    "adamw": torch.optim.AdamW,
    "sgd": torch.optim.SGD,
    "rmsprop": torch.optim.RMSprop,
}


class _WindowDataset(torch.utils.data.Dataset):
    """Tensors of windows (and targets) that batches are sliced from directly.

    skorch's default dataset goes through ``__getitem__`` one sample at a time
    and collates; slicing whole batches out of the tensors is much faster for
    the small networks this package trains.
    """

    def __init__(self, X, y=None):
        self.X = X
        self.y = y

    def __len__(self):
        return len(self.X)

    def __getitem__(self, index):
        y = None if self.y is None else self.y[index]
        return self.X[index], y

    def subset(self, index):
        return _WindowDataset(self.X[index], None if self.y is None else self.y[index])


# Windows are validated, scaled and predicted in blocks of this many, so that
# memory stays bounded however many windows a long series yields.
_CHUNK = 8192


def _window_base(X3):
    """The series under a sliding-window view ``X3``, or None.

    ``make_windows`` and :class:`~sklstm.SlidingWindowTransformer` return
    windows as strided views in which window ``i + 1`` starts one time step
    after window ``i``: the first two strides are equal. The series is then
    the view's own memory read one time step at a time, so training can
    gather windows per batch instead of copying all of them.
    """
    if (
        X3.ndim != 3
        or X3.flags.owndata
        or X3.base is None
        or len(X3) < 2
        or X3.shape[1] < 2
        or X3.strides[0] != X3.strides[1]
        or X3.strides[0] <= 0
    ):
        return None
    n, length, n_channels = X3.shape
    return as_strided(
        X3,
        shape=(n + length - 1, n_channels),
        strides=(X3.strides[0], X3.strides[2]),
        writeable=False,
    )


class _WindowSource:
    """Windows ``(n, length, n_channels)`` read from an array or a series view."""

    def __init__(self, X3):
        self.X3 = X3
        self.series = _window_base(X3)
        self.offsets = np.arange(X3.shape[1])

    @property
    def lazy(self):
        return self.series is not None

    def __len__(self):
        return len(self.X3)

    def take(self, index):
        """Raw windows at ``index`` (a slice or an int array), as float64."""
        if self.series is None:
            return np.asarray(self.X3[index], dtype=np.float64)
        starts = np.arange(len(self.X3))[index]
        return self.series[starts[:, None] + self.offsets].astype(np.float64)

    def slices(self):
        for start in range(0, len(self.X3), _CHUNK):
            yield slice(start, start + _CHUNK)


class _LazyWindowDataset(torch.utils.data.Dataset):
    """Gathers and prepares each batch of windows from the series on demand.

    Peak memory is the series plus one batch, instead of ``length`` copies of
    the series. ``prepare(raw_windows, raw_targets)`` returns the tensors the
    network reads; it is the function the in-memory path applies to all
    windows at once, so both paths give the same numbers.
    """

    def __init__(self, source, y, prepare):
        self.source = source
        self.y = y
        self.prepare = prepare

    def __len__(self):
        return len(self.source)

    def __getitem__(self, index):
        if isinstance(index, torch.Tensor):
            index = index.numpy()
        return self.prepare(self.source.take(index), self.y[index])

    def subset(self, index):
        return _LazyWindowDataset(
            _WindowSource(self.source.X3[index]), self.y[index], self.prepare
        )


class _RunningStats:
    """Per-column mean and standard deviation accumulated over blocks.

    Blocks are combined with Chan et al.'s pairwise update, ignoring NaN.
    """

    def __init__(self):
        self.count = self.mean = self.m2 = 0.0

    def update(self, block):
        block = np.asarray(block, dtype=np.float64)
        present = ~np.isnan(block)
        count = present.sum(axis=0)
        if not count.any():
            return
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.nansum(block, axis=0) / count
            m2 = np.nansum((block - mean) ** 2, axis=0)
        mean, m2 = np.nan_to_num(mean), np.nan_to_num(m2)
        total = self.count + count
        delta = mean - self.mean
        with np.errstate(invalid="ignore", divide="ignore"):
            self.mean = self.mean + np.where(total > 0, delta * count / total, 0)
            self.m2 = (
                self.m2
                + m2
                + np.where(total > 0, delta**2 * self.count * count / total, 0)
            )
        self.count = total

    def result(self, enabled, n_columns):
        if not enabled:
            return np.zeros(n_columns), np.ones(n_columns)
        mean = np.broadcast_to(self.mean, (n_columns,)).astype(np.float64)
        std = np.sqrt(
            np.broadcast_to(self.m2 / np.maximum(self.count, 1), (n_columns,))
        )
        std = std.astype(np.float64)
        # Constant columns carry no spread to divide by.
        std[~(std > np.finfo(np.float32).eps * np.maximum(1, abs(mean)))] = 1.0
        return mean, std


class _BatchIterator:
    """Iterates over a :class:`_WindowDataset` in batches of ``batch_size``.

    Shuffling draws from torch's global generator, which the estimators seed
    inside :func:`torch.random.fork_rng` so that the user's RNG is untouched.
    """

    def __init__(self, dataset, batch_size=32, shuffle=False, **kwargs):
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle

    def __len__(self):
        return math.ceil(len(self.dataset) / self.batch_size)

    def __iter__(self):
        n = len(self.dataset)
        if self.shuffle:
            order = torch.randperm(n)
            for start in range(0, n, self.batch_size):
                yield self.dataset[order[start : start + self.batch_size]]
        else:
            for start in range(0, n, self.batch_size):
                yield self.dataset[start : start + self.batch_size]


class _TailSplit:
    """skorch ``train_split`` holding out the LAST ``fraction`` of the samples.

    Windows of a time series are ordered in time; validating on the most recent
    windows is the only split that does not leak the future into training.
    """

    def __init__(self, fraction):
        self.fraction = fraction

    def __call__(self, dataset, y=None, **fit_params):
        n = len(dataset)
        n_valid = max(1, int(round(n * self.fraction)))
        n_train = n - n_valid
        return dataset.subset(slice(0, n_train)), dataset.subset(slice(n_train, n))


class _DivergenceCheck(Callback):
    """Stop training at the first non-finite loss instead of returning NaN."""

    def on_batch_end(self, net, batch=None, training=None, loss=None, **kwargs):
        if loss is not None and not math.isfinite(loss.item()):
            raise TrainingDivergedError(
                f"Training diverged: the loss became {loss.item()} in epoch "
                f"{len(net.history)}. Lower the learning rate (lr={net.lr!r}), "
                "keep scaling on (scale_X=True, scale_y=True) or check X and y "
                "for extreme values."
            )


def _check_rectangular(X, name="X"):
    """Raise a clear error for ragged nested lists before numpy does."""
    if isinstance(X, (list, tuple)):
        try:
            np.asarray(X)
        except ValueError as exc:
            raise ValueError(
                f"{name} is a ragged nested list: its sequences have different "
                "lengths or shapes. Pass a rectangular array; to mix lengths, "
                "left-pad the shorter sequences with NaN time steps, which the "
                "network skips."
            ) from exc
    return X


class _BaseLSTM(BaseEstimator):
    """Parameters, validation, scaling and training shared by the estimators."""

    _parameter_constraints: dict = {
        "hidden_size": [Interval(Integral, 1, None, closed="left")],
        "num_layers": [Interval(Integral, 1, None, closed="left")],
        "bidirectional": ["boolean"],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "cell": [StrOptions({"torch", "gates"})],
        "n_features": [Interval(Integral, 1, None, closed="left"), None],
        "scale_X": ["boolean"],
        "scale_y": ["boolean"],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "optimizer": [StrOptions(set(_OPTIMIZERS)), callable],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "callbacks": [list, None],
        "warm_start": ["boolean"],
        "device": [str, torch.device],
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
                f"{X.ndim}-D input with shape {X.shape}."
            )
        if reset:
            self.input_shape_ = X3.shape[1:]
        elif X3.shape[1:] != self.input_shape_:
            raise ValueError(
                f"X has sequences of shape (seq_len, n_features)={X3.shape[1:]}, "
                f"but {type(self).__name__} was fitted on {self.input_shape_}."
            )
        return X3

    def _check_missing(self, X3):
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
                "X contains NaN. Missing time steps are only supported with "
                "return_sequences=False; impute or drop them first, e.g. with "
                "sklearn.impute.SimpleImputer."
            )
        absent = nan.all(axis=2)
        if (nan.any(axis=2) & ~absent).any():
            raise ValueError(
                "X contains NaN in some but not all features of a time step. A "
                "time step can only be missing as a whole (all its features NaN, "
                "as in the padding of SlidingWindowTransformer); impute partial "
                "missing values first, e.g. with sklearn.impute.SimpleImputer."
            )
        if absent.all(axis=1).any():
            raise ValueError(
                "X contains a sample whose time steps are all NaN: at least one "
                "time step of every sample must be observed."
            )

    # ---------------------------------------------------------------- scaling
    def _fit_x_scaler(self, X3):
        n_channels = X3.shape[2]
        if self.scale_X:
            flat = X3.reshape(-1, n_channels)
            mean = np.nanmean(flat, axis=0, dtype=np.float64)
            scale = np.nanstd(flat, axis=0, dtype=np.float64)
            scale[~(scale > np.finfo(np.float32).eps * np.maximum(1, abs(mean)))] = 1.0
        else:
            mean, scale = np.zeros(n_channels), np.ones(n_channels)
        self.x_mean_, self.x_scale_ = mean, scale

    def _fit_y_scaler(self, y2):
        if self.scale_y:
            mean = y2.mean(axis=0, dtype=np.float64)
            scale = y2.std(axis=0, dtype=np.float64)
            scale[~(scale > np.finfo(np.float32).eps * np.maximum(1, abs(mean)))] = 1.0
        else:
            mean, scale = np.zeros(y2.shape[1]), np.ones(y2.shape[1])
        self.y_mean_, self.y_scale_ = mean, scale

    def _scale_X(self, X3):
        Xs = np.asarray(X3, dtype=np.float32).copy()
        Xs -= self.x_mean_.astype(np.float32)
        Xs /= self.x_scale_.astype(np.float32)
        return torch.from_numpy(Xs)

    def _scale_y(self, y2):
        return torch.from_numpy(
            ((y2 - self.y_mean_) / self.y_scale_).astype(np.float32)
        )

    def _unscale_y(self, y2):
        return np.asarray(y2, dtype=np.float64) * self.y_scale_ + self.y_mean_

    # --------------------------------------------------------------- training
    def _seed(self):
        """An int seed for this fit, drawn from ``random_state``."""
        return int(
            check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        )

    def _rng_devices(self):
        device = torch.device(self.device)
        if device.type == "cuda" and torch.cuda.is_available():
            return [device.index if device.index is not None else 0]
        return []

    def _build_net(self, n_features, output_size, return_sequences=False):
        optimizer = self.optimizer
        if isinstance(optimizer, str):
            optimizer = _OPTIMIZERS[optimizer]
        callbacks = [("divergence", _DivergenceCheck())]
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
        return NeuralNetRegressor(
            module=LSTMNet,
            module__n_features=n_features,
            module__output_size=output_size,
            module__hidden_size=self.hidden_size,
            module__num_layers=self.num_layers,
            module__bidirectional=self.bidirectional,
            module__dropout=self.dropout,
            module__return_sequences=return_sequences,
            module__cell=self.cell,
            criterion=torch.nn.MSELoss,
            optimizer=optimizer,
            optimizer__weight_decay=self.weight_decay,
            lr=self.lr,
            max_epochs=self.max_epochs,
            batch_size=self.batch_size,
            iterator_train=_BatchIterator,
            iterator_train__shuffle=True,
            iterator_valid=_BatchIterator,
            train_split=_TailSplit(self.validation_fraction)
            if self.early_stopping
            else None,
            callbacks=callbacks,
            device=self.device,
            verbose=self.verbose,
        )

    def _train(self, dataset, epochs, initialize):
        """Train ``net_`` on scaled tensors for ``epochs`` epochs.

        All randomness (weight init, dropout, shuffling) is drawn inside a
        forked torch RNG seeded from ``random_state``: refits are bit-identical
        and the caller's global torch RNG state is left as it was.
        """
        if self.early_stopping and len(dataset) < 2:
            raise ValueError(
                "early_stopping=True needs at least 2 samples to hold out a "
                f"validation set; got {len(dataset)}. Pass more data or set "
                "early_stopping=False."
            )
        seed = self._seed()
        if not initialize:
            # Continued training: vary the shuffling between calls.
            seed = (seed + len(self.net_.history)) % np.iinfo(np.int32).max
        try:
            with torch.random.fork_rng(devices=self._rng_devices()):
                torch.manual_seed(seed)
                if initialize:
                    self.net_.initialize()
                # skorch ends training quietly on KeyboardInterrupt and still
                # runs on_train_end, where early stopping restores the best
                # weights: an interrupted fit leaves a usable model.
                self.net_.partial_fit(dataset, epochs=epochs)
        except TrainingDivergedError:
            if initialize:
                # Leave no half-trained NaN model behind.
                del self.net_
            raise
        self.n_epochs_ = len(self.net_.history)

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

    def _predict_scaled(self, Xt):
        """Network outputs for scaled windows, in batches of ``batch_size``.

        A plain inference loop: skorch's ``predict`` goes through its dataset
        and iterator machinery per batch, which costs more than the small
        networks themselves.
        """
        check_is_fitted(self, "net_")
        module, device = self.net_.module_, self.net_.device
        was_training = module.training
        module.eval()
        try:
            with torch.inference_mode():
                out = [
                    module(Xt[start : start + self.batch_size].to(device)).cpu()
                    for start in range(0, len(Xt), self.batch_size)
                ]
        finally:
            module.train(was_training)
        return torch.cat(out).numpy()

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        # Whole missing (all-NaN) time steps are skipped by the network.
        tags.input_tags.allow_nan = True
        tags.target_tags.multi_output = True
        return tags


def _silent(*args, **kwargs):
    pass
