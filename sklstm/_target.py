"""The forecaster's window preprocessing, defined once.

:class:`_WindowTransform` maps raw windows and targets to what the network
reads and maps its outputs back, in this order:

1. ``target_transform`` (log or log1p) of the target channel and targets;
2. differencing of the target channel at lag ``difference``;
3. normalisation of each window's target channel by its own mean and
   standard deviation (``normalize="window"``);

and back: de-normalise, integrate the differences, invert the transform.
It also gives the level weights of the training errors
(``error_scale="level"``) and rolls a forecast forward past one network
pass by feeding each forecast block back into the windows.

Its statistics (each window's mean and spread) are computed from the window
itself, so nothing is fitted or stored: the estimator builds one from its
parameters (:meth:`_WindowTransform.of`) where it needs it.
:class:`_TorchWindowTransform` is the same in torch operations, for the ONNX
graph; tests check the two against each other. The ``"auto"`` choice of
``target_transform`` (:func:`_choose_target_transform`) reads windows through
the same object.
"""

import warnings
from collections.abc import Callable
from typing import NamedTuple

import numpy as np
import torch
from torch import nn

from ._data import _WindowSource
from ._known import _KnownAhead


class _TargetTransform(NamedTuple):
    """A ``target_transform``: the map and its inverse in numpy and in torch,
    and the bound the target values must lie above."""

    forward: Callable
    inverse: Callable
    bound: float
    torch_forward: Callable
    torch_inverse: Callable


def _torch_log1p(x):
    return torch.log(x + 1.0)  # ONNX has no Log1p


def _torch_expm1(x):
    return torch.exp(x) - 1.0  # ONNX has no Expm1


_TARGET_TRANSFORMS = {
    "log": _TargetTransform(np.log, np.exp, 0.0, torch.log, torch.exp),
    "log1p": _TargetTransform(np.log1p, np.expm1, -1.0, _torch_log1p, _torch_expm1),
}


def _row_moments(values):
    """Mean and standard deviation of each row of ``values``, skipping NaN.

    A row of missing values only is rejected before this is called.
    """
    if np.isnan(values).any():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return (
                np.nanmean(values, axis=1, keepdims=True),
                np.nanstd(values, axis=1, keepdims=True),
            )
    # The same sums as nanmean/nanstd without their NaN copies.
    return values.mean(axis=1, keepdims=True), values.std(axis=1, keepdims=True)


def _flat(mean, std):
    """Windows whose spread is too small to divide by (reset to 1)."""
    return ~(std > 1e-8 * np.maximum(1.0, np.abs(mean)))


class _WindowTransform:
    """Windows and targets to the network's units, and forecasts back.

    Parameters
    ----------
    target_index : int
        The channel of the windows that is forecast.
    transform : {"log", "log1p"} or None
        The target transform in use (``target_transform_``).
    difference : int or None
        Lag of the differencing of the target channel.
    normalize : bool
        Whether each window's target channel is normalised by its own mean
        and standard deviation.
    error_scale : {"level", "spread"}
        ``"level"`` weighs each window's training error by ``unit / level``
        (see :meth:`error_weights`).
    future_steps : int, default=0
        Steps of inputs known ahead that follow each window the network reads
        (its ``future_steps``). The windows the methods below take are the
        past alone; :meth:`transform_pairs` and :meth:`rollout` take the
        known-ahead steps too and pass them on as they are (only the target
        is transformed).
    """

    def __init__(
        self,
        target_index=0,
        transform=None,
        difference=None,
        normalize=True,
        error_scale="spread",
        future_steps=0,
    ):
        self.target_index = target_index
        self.transform = transform
        self.difference = difference or None
        self.normalize = normalize
        self.error_scale = error_scale
        self.future_steps = future_steps

    @classmethod
    def of(cls, est, transform="fitted"):
        """The preprocessing of forecaster ``est``: its fitted transform, or
        ``transform`` when given (None or a name)."""
        if transform == "fitted":
            transform = est._transform()
        return cls(
            target_index=est.target_index,
            transform=transform,
            difference=est.difference,
            normalize=est.normalize == "window",
            error_scale=est.error_scale,
            future_steps=_KnownAhead.of(est).steps,
        )

    # ---------------------------------------------- the target transform
    def forward_target(self, X3):
        """The windows with ``transform`` applied to the target channel (a
        copy), or the windows themselves without a transform."""
        if self.transform is None:
            return X3
        X = np.array(X3, dtype=np.float64)
        tgt = self.target_index
        X[:, :, tgt] = _TARGET_TRANSFORMS[self.transform].forward(X[:, :, tgt])
        return X

    def forward_values(self, values):
        """Target values in transformed units."""
        if self.transform is None:
            return values
        return _TARGET_TRANSFORMS[self.transform].forward(values)

    def inverse_values(self, values):
        """Transformed target values (forecasts) back in the series' units."""
        if self.transform is None:
            return values
        return _TARGET_TRANSFORMS[self.transform].inverse(values)

    def check_domain(self, values, name, offset=0, chosen=False):
        """Reject target values outside the domain of ``transform``.

        ``values`` is ``(n, steps)``; ``offset`` numbers its rows in messages;
        ``chosen``: the transform was chosen by ``target_transform="auto"``.
        """
        if self.transform is None:
            return
        bound = _TARGET_TRANSFORMS[self.transform].bound
        with np.errstate(invalid="ignore"):
            bad = (values <= bound).any(axis=1)  # NaN (missing) passes
        if not bad.any():
            return
        rows = np.flatnonzero(bad) + offset
        where = f"{rows.size} row(s) of {name} (first: {rows[:5].tolist()})"
        if name == "history":
            where = "the last look_back_ steps of history"
        fix = (
            "Use target_transform='log1p' for values with zeros, "
            if self.transform == "log"
            else "Shift the series, "
        )
        by_auto = (
            " (chosen by target_transform='auto' on the training data, "
            "which had no negative values)"
            if chosen
            else ""
        )
        raise ValueError(
            f"target_transform={self.transform!r}{by_auto} needs target values "
            f"above {bound:g}, but {where} contain values at or below it. "
            f"{fix}or use target_transform=None."
        )

    # ------------------------------------ differencing and normalisation
    def check_differences(self, X3, name, offset=0, look_back=None):
        """Reject windows whose differences cannot be read or integrated.

        Differencing needs the last ``difference`` target values of each
        window, to which the forecast changes are added, and at least one
        observed change. ``offset`` numbers the rows in messages; a
        ``"history"`` is described by its last ``look_back`` steps.
        """
        d = self.difference
        if not d or not np.isnan(X3).any():
            return
        target = X3[:, :, self.target_index]

        def which(rows):
            if name == "history":
                return f"the last look_back_={look_back} steps of {name}"
            return f"{rows.size} window(s) of {name} (first: {rows[:5].tolist()})"

        missing = np.flatnonzero(np.isnan(target[:, -d:]).any(axis=1)) + offset
        if missing.size:
            raise ValueError(
                f"difference={d} adds the forecast changes to the last {d} target "
                f"values, but {which(missing)} have a missing value there. Those "
                "values must be observed: drop such windows (end the history at "
                "an observed value), or use difference=None."
            )
        no_change = np.isnan(target[:, d:] - target[:, :-d]).all(axis=1)
        empty = np.flatnonzero(no_change) + offset
        if empty.size:
            raise ValueError(
                f"difference={d} needs two observed target values {d} steps "
                f"apart, but {which(empty)} have none, which leaves no step to "
                "read. Drop such windows, or use difference=None."
            )

    def windows(self, X3):
        """Difference and normalise the target channel of each window.

        ``X3`` is in transformed units (:meth:`forward_target`). Returns the
        windows the network reads (before global scaling) and the context
        ``(mean, std)`` of each window that maps forecasts back.
        """
        tgt = self.target_index
        if self.difference or self.normalize:
            X = np.array(X3, dtype=np.float64)  # written into below
        else:
            X = np.asarray(X3, dtype=np.float64)  # the scaling copies later
        if self.difference:
            d = self.difference
            diffed = X[:, d:, tgt] - X[:, :-d, tgt]
            X = X[:, d:, :]
            X[:, :, tgt] = diffed
            # A change into or out of a missing value is unknown: that step is
            # missing as a whole, and the network skips it like any gap.
            X[np.isnan(diffed)] = np.nan
        n = len(X)
        mean, std = np.zeros((n, 1)), np.ones((n, 1))
        if self.normalize:
            mean, std = _row_moments(X[:, :, tgt])
            # Flat windows carry no spread to divide by.
            std[_flat(mean, std)] = 1.0
            X[:, :, tgt] = (X[:, :, tgt] - mean) / std
        return X, (mean, std)

    def _bases(self, X3, known):
        """Values each differenced target is relative to.

        ``known[:, k]`` is the (true or forecast) value ``k + 1`` steps ahead;
        step ``k + 1`` refers back to ``k + 1 - d``, inside the window when
        ``k < d`` and to an earlier target otherwise.
        """
        d = self.difference
        last = X3[:, :, self.target_index]
        bases = np.empty_like(known)
        for k in range(known.shape[1]):
            bases[:, k] = last[:, last.shape[1] + k - d] if k < d else known[:, k - d]
        return bases

    def targets(self, y2, X3, context):
        """Targets ``(n, steps)`` (transformed units) as the network learns them."""
        mean, std = context
        z = y2 - self._bases(X3, y2) if self.difference else y2
        return (z - mean) / std

    def inverse(self, pred, X3, context):
        """Network outputs ``(n, steps)`` back in transformed units."""
        mean, std = context
        z = pred * std + mean
        if not self.difference:
            return z
        # Integrate step by step: later steps build on earlier forecasts.
        out = np.empty_like(z)
        d = self.difference
        last = X3[:, :, self.target_index]
        for k in range(z.shape[1]):
            base = last[:, last.shape[1] + k - d] if k < d else out[:, k - d]
            out[:, k] = z[:, k] + base
        return out

    def error_weights(self, X3, context):
        """Weights that make each window's training error relative to its level.

        None unless ``error_scale="level"``. A window's error in the units the
        network reads, times ``unit / level``, is its error relative to its
        level (the global target scale is the same for every window and left
        out). With a target transform the errors are taken in the transformed
        units (``unit`` alone), where an absolute error of a logarithm is
        already a relative one. ``X3`` is in the series' units.
        """
        if self.error_scale != "level":
            return None
        unit = context[1]  # each window's std when normalised, else 1 (> 0)
        if self.transform is not None:
            return np.array(unit, dtype=np.float64)
        target = X3[:, :, self.target_index]
        level, _ = _row_moments(np.abs(target))
        _, spread = _row_moments(target)
        against = np.maximum(level, spread)
        # A window of zeros has no level: its errors count as they are.
        return unit / np.where(against > 0, against, unit)

    def transform_pairs(self, X3, y2):
        """Raw windows (followed by ``future_steps`` known-ahead steps) and
        targets -> ``(windows, targets, error weights)`` in the network's
        units (before global scaling)."""
        future = None
        if self.future_steps:
            split = X3.shape[1] - self.future_steps
            X3, future = X3[:, :split], np.asarray(X3[:, split:], dtype=np.float64)
        Xf, yf = self.forward_target(X3), self.forward_values(y2)
        Xt, context = self.windows(Xf)
        weights = self.error_weights(Xf, context)
        if future is not None:
            Xt = np.concatenate([Xt, future], axis=1)
        return Xt, self.targets(yf, Xf, context), weights

    def spread(self, X3):
        """Each raw window's spread ``(n, 1)`` of its (differenced) target
        channel when normalised, else ones: conformity scores divided by it
        are free of the series' scale. Read a block at a time."""
        if not self.normalize:
            return np.ones((len(X3), 1))
        source = _WindowSource(X3)
        return np.concatenate(
            [self.windows(source.take(b))[1][1] for b in source.slices()]
        )

    # ---------------------------------------------------------- rollout
    def rollout(
        self, X3, steps, outputs, median_index=None, quantiles=False, future=None
    ):
        """Forecast ``steps`` values after raw windows ``X3``.

        ``outputs(Xt)`` runs the network on windows from :meth:`windows`
        (followed by ``future_steps`` steps of ``future``) and returns its
        outputs in transformed target units: ``(n, k)``, or
        ``(n, k, n_levels)`` for quantile heads (then ``median_index`` names
        the median). Each pass forecasts one block (one step or one horizon);
        while fewer than ``steps`` are known, the point forecast is fed back
        into the windows, with the known-ahead values of those steps. With
        ``quantiles``, every head's forecasts ``(n, steps, n_levels)``, else
        the point forecasts ``(n, steps)``. ``future`` ``(n, rows, n_channels)``
        holds the known-ahead steps after the windows: as many as the passes
        read.
        """
        # Forecast (and roll forward) in transformed units; mapped back at
        # the end, level by level (the inverse is increasing).
        X3 = self.forward_target(X3)
        blocks = []
        produced = 0
        while produced < steps:
            Xt, context = self.windows(X3)
            if future is not None:
                ahead = future[:, produced : produced + self.future_steps]
                Xt = np.concatenate([Xt, ahead], axis=1)
            out = outputs(Xt)
            if median_index is not None:
                levels = [
                    self.inverse(out[:, :, j], X3, context) for j in range(out.shape[2])
                ]
                every = np.stack(levels, axis=2)
                block = every[:, :, median_index]
            else:
                block = self.inverse(out, X3, context)
            blocks.append(every if quantiles else block)
            if produced + block.shape[1] < steps:
                # Rolled forward on the point (median) forecast.
                known = None
                if future is not None:
                    known = future[:, produced : produced + block.shape[1]]
                X3 = self.feed_back(X3, block, known)
            produced += block.shape[1]
        return self.inverse_values(np.concatenate(blocks, axis=1)[:, :steps])

    def feed_back(self, X3, block, known=None):
        """Slide windows forward by the forecast ``block`` ``(n, k)``.

        Univariate windows take the forecasts as their new steps; windows
        with covariates take the known-ahead steps ``known``
        ``(n, k, n_channels)`` with the forecasts as their target.
        """
        k = block.shape[1]
        if known is None:
            new = block[:, :, None]
        else:
            new = np.array(known, dtype=np.float64)
            new[:, :, self.target_index] = block
        if k >= X3.shape[1]:
            return new[:, -X3.shape[1] :]
        return np.concatenate([X3[:, k:, :], new], axis=1)


class _TorchWindowTransform(nn.Module):
    """:class:`_WindowTransform` in torch operations (for the ONNX graph), on
    windows without missing values; tests check it against the numpy one."""

    def __init__(self, prep):
        super().__init__()
        self.target = prep.target_index
        self.difference = prep.difference or 0
        self.normalize = prep.normalize
        self.transform = prep.transform
        self.future_steps = prep.future_steps

    def _replace_target(self, X, values):
        channels = [X[:, :, c] for c in range(X.shape[2])]
        channels[self.target] = values
        return torch.stack(channels, dim=2)

    def forward_target(self, X):
        if self.transform is None:
            return X
        forward = _TARGET_TRANSFORMS[self.transform].torch_forward
        return self._replace_target(X, forward(X[:, :, self.target]))

    def inverse_values(self, values):
        if self.transform is None:
            return values
        return _TARGET_TRANSFORMS[self.transform].torch_inverse(values)

    def windows(self, X):
        d = self.difference
        if d:
            target = X[:, :, self.target]
            X = self._replace_target(X[:, d:, :], target[:, d:] - target[:, :-d])
        mean = torch.zeros_like(X[:, :1, 0])
        std = torch.ones_like(mean)
        if self.normalize:
            z = X[:, :, self.target]
            mean = z.mean(dim=1, keepdim=True)
            std = ((z - mean) ** 2).mean(dim=1, keepdim=True).sqrt()
            flat = ~(std > 1e-8 * torch.clamp(mean.abs(), min=1.0))
            std = torch.where(flat, torch.ones_like(std), std)
            X = self._replace_target(X, (z - mean) / std)
        return X, (mean, std)

    def inverse(self, pred, X, context):
        mean, std = context
        z = pred * std + mean
        d = self.difference
        if not d:
            return z
        last = X[:, :, self.target]
        length = last.shape[1]
        out = []
        for k in range(z.shape[1]):
            base = last[:, length + k - d] if k < d else out[k - d]
            out.append(z[:, k] + base)
        return torch.stack(out, dim=1)

    def rollout(self, X, steps, outputs, future=None):
        X = self.forward_target(X)
        blocks = []
        produced = 0
        while produced < steps:
            Xt, context = self.windows(X)
            if future is not None:
                ahead = future[:, produced : produced + self.future_steps]
                Xt = torch.cat([Xt, ahead], dim=1)
            block = self.inverse(outputs(Xt), X, context)
            blocks.append(block)
            k = block.shape[1]
            if produced + k < steps:
                if future is None:
                    new = block[:, :, None]
                else:
                    new = self._replace_target(
                        future[:, produced : produced + k], block
                    )
                if k >= X.shape[1]:
                    X = new[:, -X.shape[1] :]
                else:
                    X = torch.cat([X[:, k:, :], new], dim=1)
            produced += k
        return self.inverse_values(torch.cat(blocks, dim=1)[:, :steps])


# target_transform="auto" decides only with at least this many complete
# windows; the most recent _AUTO_HOLDOUT of each series' windows are forecast.
_AUTO_MIN_WINDOWS = 50
_AUTO_HOLDOUT = 0.2
_AUTO_MAX_WINDOWS = 20_000  # evenly spaced, for speed on large panels


def _choose_target_transform(target, y2):
    """``"log1p"`` or None for ``target_transform="auto"``.

    ``target`` holds the target channel of the training windows
    ``(n, look_back)`` in time order, ``y2`` their targets ``(n, outputs)``.
    A ridge regression on each window's values normalised by the window's
    mean and standard deviation (the forecaster's default view of a window,
    :class:`_WindowTransform`) is fitted on the earlier windows of every
    series and forecasts the targets of the latest ``_AUTO_HOLDOUT`` of each
    series' windows (see :func:`_latest_of_each_series`), once in the values'
    units and once in log1p units; the units whose forecasts have the lower
    sMAPE win. Negative values, or too few complete windows to judge, keep
    the values as they are.
    """
    target, y2 = np.asarray(target), np.asarray(y2)
    if min(np.nanmin(target), np.nanmin(y2)) < 0:
        return None
    complete = ~(np.isnan(target).any(axis=1) | np.isnan(y2).any(axis=1))
    target, y2 = target[complete], y2[complete]
    if len(target) < _AUTO_MIN_WINDOWS:
        return None
    held_out = _latest_of_each_series(target, _AUTO_HOLDOUT)
    if len(target) > _AUTO_MAX_WINDOWS:
        rows = np.linspace(0, len(target) - 1, _AUTO_MAX_WINDOWS).astype(int)
        target, y2, held_out = target[rows], y2[rows], held_out[rows]
    return _smaller_error(target, y2, held_out)


def _choose_target_transform_blocks(blocks, gather):
    """:func:`_choose_target_transform` of windows read a block at a time.

    ``blocks`` yields ``(target, y2)`` of consecutive blocks of the windows,
    ``gather(rows)`` returns those of the windows at ``rows``: the choice
    reads every window once, a block at a time, and then only the (at most
    ``_AUTO_MAX_WINDOWS``) windows it judges on, never all of them at once.
    Same choice as :func:`_choose_target_transform` on all the windows.
    """
    lowest, n_rows, previous = np.inf, 0, None
    complete, follows = [], []
    for target, y2 in blocks:
        lowest = min(lowest, np.nanmin(target), np.nanmin(y2))
        ok = ~(np.isnan(target).any(axis=1) | np.isnan(y2).any(axis=1))
        # Four bytes per window where they suffice: there may be millions.
        index = np.int32 if n_rows + len(ok) < 2**31 else np.int64
        complete.append((np.flatnonzero(ok) + n_rows).astype(index))
        n_rows += len(target)
        kept = target[ok]
        if len(kept):
            # Whether each complete window follows the complete one before
            # it (across blocks), as _latest_of_each_series reads them.
            both = kept if previous is None else np.concatenate([previous, kept])
            follows.append(np.all(both[1:, :-1] == both[:-1, 1:], axis=1))
            previous = kept[-1:]
    if lowest < 0:
        return None
    complete = np.concatenate(complete)
    if len(complete) < _AUTO_MIN_WINDOWS:
        return None
    held_out = _latest_of_runs(np.concatenate(follows), _AUTO_HOLDOUT)
    if len(complete) > _AUTO_MAX_WINDOWS:
        rows = np.linspace(0, len(complete) - 1, _AUTO_MAX_WINDOWS).astype(int)
        complete, held_out = complete[rows], held_out[rows]
    return _smaller_error(*gather(complete), held_out)


def _smaller_error(target, y2, held_out):
    """``"log1p"`` if a ridge regression fitted on the windows not
    ``held_out`` forecasts those held out with a lower sMAPE in log1p units
    than in the values' own, else None."""
    errors = {}
    for name in (None, "log1p"):
        prep = _WindowTransform(transform=name)
        Z3 = prep.forward_target(target[:, :, None])
        T = prep.forward_values(y2)
        Zn, (mean, std) = prep.windows(Z3)
        A = np.column_stack([Zn[:, :, 0], np.ones(len(Zn))])
        Tn = prep.targets(T, Z3, (mean, std))
        A_train = A[~held_out]
        # Ridge regression (penalty 1 on every coefficient), in closed form.
        W = np.linalg.solve(
            A_train.T @ A_train + np.eye(A.shape[1]), A_train.T @ Tn[~held_out]
        )
        context = (mean[held_out], std[held_out])
        pred = prep.inverse(A[held_out] @ W, Z3[held_out], context)
        pred = prep.inverse_values(pred)
        truth = y2[held_out]
        total = np.abs(truth) + np.abs(pred)
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = np.where(total > 0, np.abs(truth - pred) / total, 0.0)
        errors[name] = float(np.mean(ratio))
    return "log1p" if errors["log1p"] < errors[None] else None


def _latest_of_each_series(target, fraction):
    """Mask of the most recent ``fraction`` of each series' windows.

    The windows of one series, as :func:`make_windows` stacks them, follow
    each other step by step: each one's values are the previous one's moved
    by one step. A new series starts where that breaks. Windows in any other
    order count as one series, whose last ``fraction`` is held out.
    """
    target = np.asarray(target)
    follows = np.all(target[1:, :-1] == target[:-1, 1:], axis=1)
    return _latest_of_runs(follows, fraction)


def _latest_of_runs(follows, fraction):
    """:func:`_latest_of_each_series` of ``len(follows) + 1`` windows, of
    which window ``i + 1`` follows window ``i`` where ``follows[i]``."""
    n = len(follows) + 1
    starts = np.flatnonzero(np.r_[True, ~follows])
    if len(starts) > n // 2:
        starts = np.array([0])  # not runs of consecutive windows
    ends = np.r_[starts[1:], n]
    held_out = np.zeros(n, dtype=bool)
    for start, end in zip(starts, ends):
        held_out[end - int(round(fraction * (end - start))) : end] = True
    return held_out
