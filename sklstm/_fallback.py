"""The linear fallback of a small-data forecaster (``linear_fallback``).

A network with the linear skip path computes ``head(lstm(x)) + skip(x)``;
a ridge regression ``R`` on the inputs of the skip path is linear in the
same features. The blend ``w * net(x) + (1 - w) * R(x)`` is therefore the
same network with its head scaled by ``w`` and its skip weights set to
``w * W_skip + (1 - w) * W_ridge`` (the biases likewise): folded into the
weights, it needs nothing new at prediction, in saved models or in ONNX.

``w`` is chosen the way early stopping chooses an epoch: a copy of the
network trained on the older windows forecasts the most recent ones, held
out in time, and the ``w`` of the grid whose blend has the lowest training
loss there is kept. The network is then trained on all windows, exactly as
without the fallback, and the blend with a ridge fitted on all windows is
folded into it.
"""

import numpy as np
import torch

# Windows up to which ``linear_fallback="auto"`` applies: the range where
# ``batch_size="auto"`` is 32 and the fit is cheap enough to run twice; the
# competition panels of the global track (>= ~8,000 windows) are above it.
_MAX_WINDOWS = 2048
# Share of the windows held out (the most recent), and the fewest windows
# the held-out network must train on; with fewer, the gap between the
# training and held-out targets shrinks, and with none left, no fallback.
_HOLDOUT_FRACTION = 0.2
_MIN_TRAIN = 8
# Weights of the network in the blend; ties go to the larger weight.
_GRID = (1.0, 0.75, 0.5, 0.25, 0.0)
# A blend replaces the network alone only if its held-out loss is lower by
# at least this share of the network's.
_TOL = 0.0
# Ridge penalty on the scaled inputs of the skip path.
_ALPHA = 1.0


class _LinearFallback:
    """Train a forecaster's network, then blend it with a ridge regression.

    ``_LinearFallback(estimator).train(dataset, epochs, initialize)`` stands
    in for ``estimator._train``: where the fallback does not apply (quantile
    heads, no skip path, inputs known ahead, a continued fit, more than
    ``_MAX_WINDOWS`` windows with ``"auto"``, too few windows for a
    hold-out) it is that call alone and ``network_weight_`` is 1.0.
    """

    def __init__(self, estimator):
        self.estimator = estimator

    def applies(self, dataset, initialize):
        est = self.estimator
        setting = getattr(est, "linear_fallback", False)
        if setting is False or not initialize:
            return False
        if getattr(dataset, "y", None) is None:
            return False
        module = est.net_.module  # the class, before initialisation
        params = est.net_.get_params()
        if module is None or not params.get("module__skip_length"):
            return False
        if params.get("module__n_quantiles") or params.get("module__future_steps"):
            return False
        if setting == "auto" and len(dataset) > _MAX_WINDOWS:
            return False
        return self._split(len(dataset)) is not None

    def _split(self, n):
        """``(n_train, start)``: train on ``[:n_train]``, score ``[start:]``."""
        est = self.estimator
        n_hold = max(1, int(round(n * _HOLDOUT_FRACTION)))
        room = n - n_hold - _MIN_TRAIN
        if room < 0:
            return None
        # Hold-out targets must not overlap training targets (a gap of
        # horizon - 1 windows), unless too few windows are left for it.
        gap = min(est.horizon - 1, room)
        return n - n_hold - gap, n - n_hold

    def train(self, dataset, epochs, initialize):
        est = self.estimator
        if not self.applies(dataset, initialize):
            est._train(dataset, epochs, initialize=initialize)
            if initialize:
                est.network_weight_ = 1.0
            return
        n_train, start = self._split(len(dataset))
        # The held-out network: trained on the older windows only.
        est._train(dataset.subset(slice(0, n_train)), epochs, initialize=True)
        held = dataset.subset(slice(start, len(dataset)))
        older = dataset.subset(slice(0, n_train))
        weight = self.choose(older, held)
        # The network of all windows, as if there were no fallback.
        est._train(dataset, epochs, initialize=True)
        if weight < 1.0:
            fold(est.net_.module_, _ridge(est.net_.module_, dataset), weight)
        est.network_weight_ = weight

    def choose(self, older, held):
        """The weight of the grid whose blend forecasts ``held`` best."""
        net = self.estimator.net_
        module = net.module_
        ridge = _ridge(module, older)
        losses = np.zeros(len(_GRID))
        with torch.no_grad():
            for X, y in _blocks(held):
                X, y = X.to(net.device), y.to(net.device)
                network = module(X)
                linear = _apply_ridge(module, ridge, X)
                for i, w in enumerate(_GRID):
                    blend = w * network + (1 - w) * linear
                    losses[i] += float(net.criterion_(blend, y)) * len(X)
        best = int(np.argmin(losses))
        alone = losses[_GRID.index(1.0)] if 1.0 in _GRID else np.inf
        if losses[best] > (1 - _TOL) * alone:
            return 1.0
        return _GRID[best]


def _members(module):
    return list(module.members) if module.n_members > 1 else [module]


def _features(module, X):
    """The inputs of the skip path: the last ``skip_length`` steps, flat."""
    return torch.nan_to_num(X[:, -module.skip_length :], nan=0.0).flatten(1)


def _blocks(dataset, size=4096):
    """``(X, y)`` tensors of ``dataset``, ``size`` windows at a time (windows
    read lazily from a series are gathered and prepared block by block)."""
    for start in range(0, len(dataset), size):
        yield dataset[np.arange(start, min(start + size, len(dataset)))]


def _ridge(module, dataset, alpha=None):
    """``(coef, intercept)`` of a ridge regression from the skip path's
    inputs to the scaled targets, each window weighted as the loss weighs it.

    The normal equations are summed block by block, with a column of ones
    for the intercept, which is not penalised.
    """
    alpha = _ALPHA if alpha is None else alpha
    n_outputs = _members(module)[0].skip.out_features
    gram = rhs = None
    total = count = 0.0
    for X, y in _blocks(dataset):
        Z = _features(module, X).double().cpu().numpy()
        Y = y.double().cpu().numpy()
        if Y.shape[1] > n_outputs:
            # error_scale="level": the row weights ride as the last column.
            w, Y = Y[:, n_outputs], Y[:, :n_outputs]
        else:
            w = np.ones(len(Y))
        Z = np.hstack([Z, np.ones((len(Z), 1))])
        Zw = Z * w[:, None]
        gram = Zw.T @ Z if gram is None else gram + Zw.T @ Z
        rhs = Zw.T @ Y if rhs is None else rhs + Zw.T @ Y
        total, count = total + w.sum(), count + len(w)
    # The penalty of weights normalised to a mean of 1.
    penalty = alpha * (total / count) * np.eye(len(gram))
    penalty[-1, -1] = 0.0
    solution = np.linalg.lstsq(gram + penalty, rhs, rcond=None)[0]
    return solution[:-1].T, solution[-1]  # (outputs, inputs), (outputs,)


def _apply_ridge(module, ridge, X):
    coef, intercept = ridge
    Z = _features(module, X).double()
    out = Z @ torch.as_tensor(coef.T, device=Z.device) + torch.as_tensor(
        intercept, device=Z.device
    )
    return out.to(X.dtype)


def fold(module, ridge, weight):
    """Turn ``module`` into ``weight * module + (1 - weight) * ridge`` in place.

    The head (the LSTM's part) is scaled by ``weight``; the skip path becomes
    the blend of its weights and the ridge's. Exact up to float rounding.
    """
    coef, intercept = ridge
    with torch.no_grad():
        for member in _members(module):
            skip, like = member.skip, member.skip.weight
            c = torch.as_tensor(coef, dtype=like.dtype, device=like.device)
            b = torch.as_tensor(intercept, dtype=like.dtype, device=like.device)
            member.head.weight.mul_(weight)
            member.head.bias.mul_(weight)
            skip.weight.mul_(weight).add_((1 - weight) * c)
            skip.bias.mul_(weight).add_((1 - weight) * b)
