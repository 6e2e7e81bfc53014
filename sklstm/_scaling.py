"""Global scaling: per-channel statistics of the windows, per-output ones of
the targets, computed one way for every estimator and inverted one way.

:class:`_Scaler` is fitted once from blocks of (transformed) windows and
targets and kept only as the estimator's fitted attributes ``x_mean_``,
``x_scale_``, ``y_mean_`` and ``y_scale_`` (the file format and pickles hold
those); :meth:`_Scaler.of` rebuilds it from them. :class:`_TorchScaler` is
its twin in torch, for the ONNX graph.
"""

import numpy as np
import torch
from torch import nn


class _RunningStats:
    """Per-column mean and standard deviation accumulated over blocks.

    Blocks are combined with Chan et al.'s pairwise update, ignoring NaN.
    A column without any value yet has mean and spread 0; values whose sums
    overflow float64 leave non-finite statistics, which
    :func:`_check_scale` reports.
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
        # Only a column without values (0 / 0) counts as zero; an overflow
        # stays non-finite, to be reported.
        mean, m2 = np.where(count > 0, mean, 0.0), np.where(count > 0, m2, 0.0)
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
        with np.errstate(invalid="ignore"):
            std = np.sqrt(
                np.broadcast_to(self.m2 / np.maximum(self.count, 1), (n_columns,))
            )
        std = std.astype(np.float64)
        # Constant columns carry no spread to divide by.
        with np.errstate(invalid="ignore"):
            flat = ~(std > np.finfo(np.float32).eps * np.maximum(1, abs(mean)))
        std[flat & np.isfinite(std)] = 1.0
        return mean, std


def _check_scale(mean, scale, name):
    if not (np.isfinite(mean).all() and np.isfinite(scale).all()):
        raise ValueError(
            f"{name} has values so large that their mean or standard deviation "
            f"overflows float64; divide {name} by a constant first."
        )


def _check_float32(values, name):
    if np.isinf(values).any():
        raise ValueError(
            f"{name} has values beyond the float32 range the network computes in "
            f"(about 3.4e38 after scaling); divide {name} by a constant first."
        )


class _Scaler:
    """Standardisation of the network's inputs (per channel) and targets
    (per output column).

    Windows are scaled in float32, as the network reads them; outputs are
    mapped back in float64. With scaling off (``scale_X=False``,
    ``scale_y=False``) the statistics are zeros and ones.
    """

    def __init__(self, x_mean, x_scale, y_mean=None, y_scale=None):
        self.x_mean, self.x_scale = x_mean, x_scale
        self.y_mean, self.y_scale = y_mean, y_scale

    @classmethod
    def fit(cls, blocks, *, n_channels, scale_X, n_outputs=None, scale_y=True):
        """Statistics of ``blocks``: pairs ``(windows, targets)`` read once.

        ``windows`` is ``(n, length, n_channels)`` (or None), ``targets``
        ``(n, n_outputs)`` (or None). Without ``n_outputs`` only the windows
        are scaled (the classifier's targets are labels).
        """
        x_stats, y_stats = _RunningStats(), _RunningStats()
        with np.errstate(over="ignore"):  # overflow is reported below
            for windows, targets in blocks:
                if scale_X and windows is not None:
                    x_stats.update(np.reshape(windows, (-1, n_channels)))
                if scale_y and targets is not None:
                    y_stats.update(targets)
        x_mean, x_scale = x_stats.result(scale_X, n_channels)
        _check_scale(x_mean, x_scale, "X")
        if n_outputs is None:
            return cls(x_mean, x_scale)
        y_mean, y_scale = y_stats.result(scale_y, n_outputs)
        _check_scale(y_mean, y_scale, "y")
        return cls(x_mean, x_scale, y_mean, y_scale)

    @classmethod
    def of(cls, est):
        """The scaler of a fitted estimator, from its fitted attributes."""
        return cls(
            est.x_mean_,
            est.x_scale_,
            getattr(est, "y_mean_", None),
            getattr(est, "y_scale_", None),
        )

    def store(self, est):
        """Set the estimator's fitted attributes ``x_mean_``, ... to these."""
        est.x_mean_, est.x_scale_ = self.x_mean, self.x_scale
        if self.y_mean is not None:
            est.y_mean_, est.y_scale_ = self.y_mean, self.y_scale

    def scale_X(self, X3):
        """Windows as the float32 tensor the network reads."""
        with np.errstate(over="ignore"):  # overflow is reported just below
            Xs = np.asarray(X3, dtype=np.float32).copy()
            Xs -= self.x_mean.astype(np.float32)
            Xs /= self.x_scale.astype(np.float32)
        _check_float32(Xs, "X")
        return torch.from_numpy(Xs)

    def scale_y(self, y2):
        """Targets ``(n, n_outputs)`` as the float32 tensor the loss reads."""
        with np.errstate(over="ignore"):  # overflow is reported just below
            ys = ((y2 - self.y_mean) / self.y_scale).astype(np.float32)
        _check_float32(ys, "y")
        return torch.from_numpy(ys)

    def unscale_y(self, out):
        """Network outputs ``(n, n_outputs)`` in the units of the targets."""
        return np.asarray(out, dtype=np.float64) * self.y_scale + self.y_mean

    def unscale_quantiles(self, out):
        """Quantile outputs ``(n, n_outputs, n_levels)`` in units of the targets."""
        out = np.asarray(out, dtype=np.float64)
        return out * self.y_scale[:, None] + self.y_mean[:, None]


class _TorchScaler(nn.Module):
    """:class:`_Scaler` in torch operations, for the ONNX graph: windows are
    scaled in float32 with float32 statistics and outputs mapped back in
    float64, as predict does."""

    def __init__(self, scaler):
        super().__init__()
        self.register_buffer("x_mean", _tensor(scaler.x_mean, torch.float32))
        self.register_buffer("x_scale", _tensor(scaler.x_scale, torch.float32))
        if scaler.y_mean is not None:
            self.register_buffer("y_mean", _tensor(scaler.y_mean, torch.float64))
            self.register_buffer("y_scale", _tensor(scaler.y_scale, torch.float64))

    def scale_X(self, X):
        return (X.to(torch.float32) - self.x_mean) / self.x_scale

    def unscale_y(self, out):
        # The last axis holds the targets (or the horizon steps).
        return out.to(torch.float64) * self.y_scale + self.y_mean


def _tensor(values, dtype):
    return torch.as_tensor(np.asarray(values), dtype=dtype)
