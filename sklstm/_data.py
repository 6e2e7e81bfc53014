"""Data plumbing of training and prediction: windows as tensors, windows
gathered lazily from a series, the batch iterator and the time-ordered split.

Nothing here knows about estimators: the estimators hand these objects
windows (raw, or prepared by :mod:`sklstm._target` and
:mod:`sklstm._scaling`) and the skorch net reads batches from them.
"""

import math
from numbers import Integral

import numpy as np
import torch
from numpy.lib.stride_tricks import as_strided


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

    @property
    def device(self):
        return self.X.device

    def to(self, device):
        """This dataset with its tensors on ``device``, moved once for a fit.

        Batches are then sliced on the device instead of being copied there
        one at a time. If they do not fit in the device's memory, the
        tensors stay where they are and skorch moves each batch.
        """
        device = torch.device(device)
        if device == self.X.device:
            return self
        try:
            return _WindowDataset(
                self.X.to(device), None if self.y is None else self.y.to(device)
            )
        except torch.cuda.OutOfMemoryError:
            return self


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


class _PanelWindows(np.lib.mixins.NDArrayOperatorsMixin):
    """Windows of a panel, read from one buffer of all its series.

    ``make_windows`` returns the windows (and targets) of a panel as this
    read-only array-like instead of copying every window: ``values`` holds
    the series one after another, ``(n_rows, n_columns)``; window ``i`` is
    ``values[starts[i] + shift :][:length]`` (the columns ``columns``, all
    when None), and no window crosses from one series into the next. The
    windows and their targets share ``starts``, the targets' ``shift``
    being the windows' length. From
    step ``past`` on, only the columns ``known`` hold values, the others are
    NaN (the steps of the inputs known ahead that follow a window).

    ``ndim`` 3 gives ``(n, length, n_columns)``; 2 flattens each window
    time-major to ``(n, length * n_columns)``; 1 (one value per window)
    gives ``(n,)``. Indexing rows (an int gives an ndarray; a slice, an int
    array or a mask give windows of the same buffer), ``X[:, a:b]`` on the
    steps of a 3-D one and ``reshape`` to 3-D keep it lazy; anything else,
    like ``np.asarray`` or arithmetic, works on a materialised copy.
    """

    def __init__(
        self,
        values,
        starts,
        length,
        *,
        shift=0,
        columns=None,
        past=None,
        known=(),
        ndim=3,
    ):
        self.values = values
        self.starts = starts
        self.shift = int(shift)
        self.length = int(length)
        self.columns = columns
        self.past = self.length if past is None else int(past)
        self.known = tuple(known)
        self._ndim = ndim

    def _like(self, starts=None, **changes):
        params = {
            "shift": self.shift,
            "columns": self.columns,
            "past": self.past,
            "known": self.known,
            "ndim": self._ndim,
            "length": self.length,
            **changes,
        }
        length = params.pop("length")
        starts = self.starts if starts is None else starts
        return _PanelWindows(self.values, starts, length, **params)

    # ------------------------------------------------------- array protocol
    @property
    def n_columns(self):
        return self.values.shape[1] if self.columns is None else len(self.columns)

    @property
    def shape(self):
        n = len(self.starts)
        if self._ndim == 3:
            return (n, self.length, self.n_columns)
        if self._ndim == 2:
            return (n, self.length * self.n_columns)
        return (n,)

    @property
    def ndim(self):
        return self._ndim

    @property
    def dtype(self):
        return self.values.dtype

    @property
    def size(self):
        return math.prod(self.shape)

    @property
    def nbytes(self):
        """Bytes held: the shared buffer and the window starts."""
        return self.values.nbytes + self.starts.nbytes

    def __len__(self):
        return len(self.starts)

    def __repr__(self):
        return (
            f"<{len(self)} windows of shape {self.shape[1:]}, {self.dtype}, "
            f"read from {len(self.values)} rows of a panel's series "
            f"({self.nbytes / 1e6:.1f} MB); np.asarray copies them>"
        )

    def __array__(self, dtype=None, copy=None):
        if copy is False:
            raise ValueError("the windows of a panel cannot be read without a copy")
        out = self.gather(slice(None))
        return out if dtype is None else out.astype(dtype, copy=False)

    def __getattr__(self, name):
        # ndarray's usual methods and attributes, on a copy; anything else
        # (e.g. ``iloc``, which scikit-learn probes for) is missing, without
        # copying the windows to find out.
        if name in _READ_FROM_A_COPY:
            return getattr(np.asarray(self), name)
        raise AttributeError(
            f"{type(self).__name__!r} object has no attribute {name!r}; "
            "np.asarray(X) copies the windows into an ndarray"
        )

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        # Arithmetic and numpy functions work on a materialised copy.
        inputs = [np.asarray(x) if isinstance(x, _PanelWindows) else x for x in inputs]
        return getattr(ufunc, method)(*inputs, **kwargs)

    def gather(self, index):
        """The windows at ``index`` (an int, a slice or an int array) as an
        ndarray of their own."""
        starts = self.starts[index]
        single = np.ndim(starts) == 0
        starts = np.atleast_1d(starts)
        rows = starts[:, None] + np.arange(self.shift, self.shift + self.length)
        out = self.values[rows]  # (m, length, all columns): a copy
        if self.past < self.length:
            unknown = np.setdiff1d(np.arange(out.shape[2]), self.known)
            out[:, self.past :, unknown] = np.nan
        if self.columns is not None:
            out = out[:, :, self.columns]
        out = out.reshape(len(starts), *self.shape[1:])
        return out[0] if single else out

    def __getitem__(self, key):
        full_key, rest = key, ()
        if isinstance(key, tuple):
            key, *rest = key
            # Trailing ``...`` and ``:`` select everything: drop them.
            while rest and _selects_all(rest[-1]):
                rest.pop()
            if any(k is Ellipsis for k in (key, *rest)) or len(rest) > 1:
                return np.asarray(self)[full_key]
        if rest:
            step = rest[0]
            if not isinstance(step, slice) or step.step not in (None, 1):
                return np.asarray(self)[full_key]
            if self._ndim == 2 and step == slice(None, 1):
                # The first value of each row of targets: the first step of
                # the first column (the recursive strategy's target).
                columns = np.arange(self.values.shape[1])
                columns = columns if self.columns is None else self.columns
                return self._like(length=1, columns=columns[:1])[key]
            if self._ndim != 3:
                return np.asarray(self)[full_key]
            first, stop, _ = step.indices(self.length)
            stop = max(stop, first)
            windows = self._like(
                shift=self.shift + first,
                length=stop - first,
                past=min(max(self.past - first, 0), stop - first),
            )
            return windows[key]
        if isinstance(key, (Integral, np.integer)):
            return self.gather(int(key))
        if key is Ellipsis:
            return self
        if isinstance(key, slice):
            return self._like(self.starts[key])
        index = np.asarray(key)
        if index.dtype == bool or index.dtype.kind in "iu":
            return self._like(self.starts[index])
        return np.asarray(self)[full_key]

    def reshape(self, *shape):
        """3-D windows of one column, ``(n, length, 1)``, lazily; else a copy."""
        shape = tuple(shape[0]) if len(shape) == 1 else tuple(shape)
        one_column = self._ndim == 2 and self.n_columns == 1
        if one_column and shape in ((len(self), -1, 1), (len(self), self.length, 1)):
            return self._like(ndim=3)
        if shape == self.shape:
            return self
        return np.asarray(self).reshape(shape)

    def rows(self):
        """These values as rows ``(n, length * n_columns)`` (targets)."""
        return self._like(ndim=2)

    def copy(self):
        return np.asarray(self)

    def __iter__(self):
        for i in range(len(self)):
            yield self.gather(i)


_READ_FROM_A_COPY = frozenset(
    "T all any argmax argmin astype clip flatten max mean min ravel round "
    "squeeze std sum tolist transpose var".split()
)


def _selects_all(key):
    return key is Ellipsis or (isinstance(key, slice) and key == slice(None))


def _take(rows, index):
    """``rows[index]`` (a slice or an int array) as an ndarray: the float64
    values of a panel's :class:`_PanelWindows`, an array's rows as they are."""
    if isinstance(rows, _PanelWindows):
        return np.asarray(rows.gather(index), dtype=np.float64)
    return rows[index]


class _WindowSource:
    """Windows ``(n, length, n_channels)`` read from an array, a series view
    or the buffer of a panel (:class:`_PanelWindows`)."""

    def __init__(self, X3):
        self.X3 = X3
        self.panel = isinstance(X3, _PanelWindows)
        self.series = None if self.panel else _window_base(X3)
        self.offsets = np.arange(X3.shape[1])

    @property
    def lazy(self):
        return self.panel or self.series is not None

    def __len__(self):
        return len(self.X3)

    def take(self, index):
        """Raw windows at ``index`` (a slice or an int array), as float64."""
        if self.panel:
            return _take(self.X3, index)
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

    def __init__(self, source, y, prepare, device="cpu"):
        self.source = source
        self.y = y
        self.prepare = prepare
        self.device = torch.device(device)

    def __len__(self):
        return len(self.source)

    def __getitem__(self, index):
        if isinstance(index, torch.Tensor):
            index = index.numpy()
        batch = self.prepare(self.source.take(index), _take(self.y, index))
        if self.device.type != "cuda":
            return batch
        # Page-locked memory lets the copy to the GPU run asynchronously.
        return tuple(t.pin_memory().to(self.device, non_blocking=True) for t in batch)

    def subset(self, index):
        return _LazyWindowDataset(
            _WindowSource(self.source.X3[index]),
            self.y[index],
            self.prepare,
            self.device,
        )

    def to(self, device):
        """This dataset, preparing its batches for ``device``."""
        return _LazyWindowDataset(self.source, self.y, self.prepare, device)


class _BatchIterator:
    """Iterates over a :class:`_WindowDataset` in batches of ``batch_size``.

    Shuffling draws from ``generator`` (the fit's own, see ``_Net.rng_``), or
    from torch's global generator when it is None.

    With ``n_members`` > 1 and shuffling (training an ensemble, see
    ``LSTMNet``'s ``n_members``), every member gets its own order of the
    windows each epoch: a batch stacks ``n_members`` equal chunks, chunk
    ``i`` being the next ``batch_size`` windows of member ``i``'s order, so
    each member sees every window once per epoch in batches of its own, as
    if it were trained alone.

    With ``shard`` (a :class:`_Shard`, in data-parallel training) and
    shuffling, only this process's part of each batch (of each member's
    chunk) is gathered, and a batch is ``(X, y, (weight, batch_size))``:
    the weight of the part's mean loss and the size of the whole batch.

    With ``max_samples`` (and shuffling), an epoch is the first
    ``max_samples`` windows of each order: a random sample of them drawn
    without replacement, anew every epoch (``max_epochs="auto"`` on more
    than ``_WINDOW_PASSES`` windows, see ``sklstm._base``).
    """

    def __init__(
        self,
        dataset,
        batch_size=32,
        shuffle=False,
        n_members=1,
        generator=None,
        shard=None,
        max_samples=None,
        **kwargs,
    ):
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.n_members = n_members
        self.generator = generator
        self.shard = shard
        self.max_samples = max_samples

    def _n_drawn(self):
        n = len(self.dataset)
        if self.shuffle and self.max_samples is not None:
            return min(n, self.max_samples)
        return n

    def __len__(self):
        return math.ceil(self._n_drawn() / self.batch_size)

    def __iter__(self):
        n = len(self.dataset)
        if self.shuffle:
            # Drawn on the CPU whatever the device, so that a seed gives the
            # same batches everywhere; moved once per epoch to index tensors
            # that live on a GPU.
            n_drawn = self._n_drawn()
            # A sample of many windows draws its permutation in int32 (half
            # the memory: this is the one array per window of an epoch).
            sampled = n_drawn < n and n < 2**31
            dtype = torch.int32 if sampled else torch.int64
            orders = [
                torch.randperm(n, generator=self.generator, dtype=dtype)[:n_drawn]
                for _ in range(self.n_members)
            ]
            if isinstance(self.dataset, _WindowDataset):
                orders = [order.to(self.dataset.device) for order in orders]
            for start in range(0, n_drawn, self.batch_size):
                end = start + self.batch_size
                chunks = [order[start:end] for order in orders]
                if self.shard is None:
                    yield self.dataset[torch.cat(chunks)]
                else:
                    # Only this process's part of the batch is gathered.
                    parts = [self.shard.part(chunk) for chunk in chunks]
                    share = self.shard.share(len(chunks[0]))
                    yield (*self.dataset[torch.cat(parts)], share)
        else:
            for start in range(0, n, self.batch_size):
                yield self.dataset[start : start + self.batch_size]


class _Shard:
    """One process's part of every training batch in data-parallel training.

    Each of the ``world`` processes holds the same windows and draws the same
    order of them every epoch (the same seed); of each batch of
    ``batch_size`` windows, process ``rank`` takes the ``rank``-th of
    ``world`` near-equal consecutive parts. The processes together train on
    the batch one process would, and the gradients they average (see
    ``_DataParallel``) are the batch's, when each part's mean loss is
    weighted by :meth:`share`.

    Parameters
    ----------
    rank, world : int
        This process's rank and the number of processes.
    """

    def __init__(self, rank, world):
        self.rank = rank
        self.world = world

    def part(self, chunk):
        """This process's positions of ``chunk``, a batch's positions.

        A batch of fewer windows than processes leaves some without any; they
        take the batch's first window, weighted 0 (see :meth:`share`), so that
        every process runs a step and joins the gradient averaging.
        """
        part = torch.tensor_split(chunk, self.world)[self.rank]
        return part if len(part) else chunk[:1]

    def share(self, n):
        """``(weight, n)`` of this process's part of a batch of ``n`` windows.

        The part's mean loss times ``weight`` (its windows, times ``world``,
        over ``n``), averaged over the processes, is the batch's mean loss.
        """
        size = n // self.world + (self.rank < n % self.world)
        return size * self.world / n, n


class _TailSplit:
    """skorch ``train_split`` holding out the LAST ``fraction`` of the samples.

    Windows of a time series are ordered in time; validating on the most recent
    windows is the only split that does not leak the future into training.
    """

    def __init__(self, fraction):
        self.fraction = fraction

    def n_valid(self, n):
        return max(1, int(round(n * self.fraction)))

    def __call__(self, dataset, y=None, **fit_params):
        n = len(dataset)
        n_train = n - self.n_valid(n)
        return dataset.subset(slice(0, n_train)), dataset.subset(slice(n_train, n))
