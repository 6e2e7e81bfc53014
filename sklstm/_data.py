"""Data plumbing of training and prediction: windows as tensors, windows
gathered lazily from a series, the batch iterator and the time-ordered split.

Nothing here knows about estimators: the estimators hand these objects
windows (raw, or prepared by :mod:`sklstm._target` and
:mod:`sklstm._scaling`) and the skorch net reads batches from them.
"""

import math

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
        batch = self.prepare(self.source.take(index), self.y[index])
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
    """

    def __init__(
        self,
        dataset,
        batch_size=32,
        shuffle=False,
        n_members=1,
        generator=None,
        shard=None,
        **kwargs,
    ):
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.n_members = n_members
        self.generator = generator
        self.shard = shard

    def __len__(self):
        return math.ceil(len(self.dataset) / self.batch_size)

    def __iter__(self):
        n = len(self.dataset)
        if self.shuffle:
            # Drawn on the CPU whatever the device, so that a seed gives the
            # same batches everywhere; moved once per epoch to index tensors
            # that live on a GPU.
            orders = [
                torch.randperm(n, generator=self.generator)
                for _ in range(self.n_members)
            ]
            if isinstance(self.dataset, _WindowDataset):
                orders = [order.to(self.dataset.device) for order in orders]
            for start in range(0, n, self.batch_size):
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
