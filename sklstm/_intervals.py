"""Quantile regression and split-conformal prediction intervals.

:class:`_IntervalMixin` gives :class:`~sklstm.LSTMRegressor` and
:class:`~sklstm.LSTMForecaster` their ``quantiles`` and
``calibration_fraction`` parameters and the methods ``predict_quantiles``,
``calibrate`` and ``predict_interval``. The estimators provide four hooks:

- ``_interval_windows(X)``: validated 3-D inputs for prediction;
- ``_interval_targets(y, n_samples)``: validated targets, ``(n, n_outputs)``;
- ``_predict_flat(X3, quantiles, steps=None)``: point predictions
  ``(n, n_outputs)`` or, with ``quantiles=True``, the quantile heads
  ``(n, n_outputs, n_levels)``;
- ``_output_shape()``: the shape of one sample's target, e.g. ``()`` or
  ``(horizon,)``.

Calibration follows split conformal prediction (Vovk et al., 2005; Lei et
al., 2018): the network never trains on the calibration windows, the
conformity scores of those windows are computed per output (per horizon
step), and the interval of level ``c`` widens the prediction by the
``ceil((n + 1) c)``-th smallest score. With ``quantiles`` the scores are those
of conformalised quantile regression (Romano et al., 2019).
"""

import math
from numbers import Real

import numpy as np
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted

_NO_CALIBRATION = (
    "{name} has no calibration data, which predict_interval needs. Fit it with "
    "calibration_fraction=0.2 (the most recent 20% of the windows are then held "
    "out of training to calibrate on), or call calibrate(X_cal, y_cal) with "
    "windows the model was not trained on, e.g. the last ones of the series."
)


def _check_quantiles(quantiles):
    """The ``quantiles`` parameter as a float array, or a clear ValueError."""
    try:
        levels = np.asarray(quantiles, dtype=np.float64)
    except (TypeError, ValueError):
        levels = None
    if levels is None or levels.ndim != 1 or levels.size == 0:
        raise ValueError(
            "quantiles must be a non-empty 1-D sequence of levels in (0, 1), e.g. "
            f"quantiles=(0.1, 0.5, 0.9); got {quantiles!r}."
        )
    if not ((levels > 0) & (levels < 1)).all():
        raise ValueError(
            f"quantiles must lie strictly between 0 and 1; got {levels.tolist()}. "
            "Pass levels such as quantiles=(0.05, 0.5, 0.95)."
        )
    if (np.diff(levels) <= 0).any():
        raise ValueError(
            f"quantiles must be sorted in increasing order without duplicates; "
            f"got {levels.tolist()}. Pass e.g. quantiles="
            f"{tuple(np.unique(levels).tolist())}."
        )
    return levels


def _check_coverage(coverage):
    """``coverage`` as a 1-D float array and whether it was a sequence."""
    many = not np.isscalar(coverage) and np.ndim(coverage) > 0
    try:
        levels = np.atleast_1d(np.asarray(coverage, dtype=np.float64))
    except (TypeError, ValueError):
        levels = None
    if (
        levels is None
        or levels.ndim != 1
        or levels.size == 0
        or not ((levels > 0) & (levels < 1)).all()
    ):
        raise ValueError(
            "coverage must be a probability strictly between 0 and 1 (e.g. "
            "coverage=0.9 for a 90% interval) or a list of them; got "
            f"{coverage!r}."
        )
    return levels, many


def _min_calibration(coverage):
    """Fewest calibration windows for which a ``coverage`` interval is finite."""
    n = max(1, math.floor(coverage / (1 - coverage)) - 1)
    while math.ceil((n + 1) * coverage - 1e-9) > n:
        n += 1
    return n


def _conformal_quantile(scores, coverage):
    """Per-column ``ceil((n + 1) coverage)``-th smallest score."""
    n = len(scores)
    rank = math.ceil((n + 1) * coverage - 1e-9)
    if rank > n:
        raise ValueError(
            f"The model is calibrated on {n} window(s), too few for "
            f"coverage={coverage:g}: split conformal calibration needs at least "
            f"{_min_calibration(coverage)}. Raise calibration_fraction, pass more "
            "windows to calibrate(), or ask for a lower coverage."
        )
    return np.sort(scores, axis=0)[rank - 1]


def _at_level(quantiles, levels, level):
    """Quantile predictions at ``level``, linear between the heads' levels.

    Levels outside the heads' range take the nearest head; conformal
    calibration then widens the interval as much as the scores ask.
    """
    level = float(np.clip(level, levels[0], levels[-1]))
    upper = int(np.clip(np.searchsorted(levels, level), 1, len(levels) - 1))
    if len(levels) == 1:
        return quantiles[..., 0]
    lo, hi = levels[upper - 1], levels[upper]
    weight = (level - lo) / (hi - lo)
    return (1 - weight) * quantiles[..., upper - 1] + weight * quantiles[..., upper]


class _Conformal:
    """Split-conformal calibration data and the intervals it gives.

    Built from a fitted estimator's calibration attributes
    (:meth:`of`); nothing of its own is stored. ``levels`` are the levels of
    the network's quantile heads (conformalised quantile regression), or
    None for point predictions (absolute-error scores).
    """

    def __init__(self, targets, predictions, scales, levels=None):
        self.targets = targets
        self.predictions = predictions
        self.scales = scales
        self.levels = levels

    @classmethod
    def of(cls, est):
        """The calibration of fitted ``est``, or the ValueError that it has none."""
        if not hasattr(est, "calibration_targets_"):
            raise ValueError(_NO_CALIBRATION.format(name=type(est).__name__))
        return cls(
            est.calibration_targets_,
            est.calibration_predictions_,
            est.calibration_scales_,
            est.quantile_levels_ if est.quantiles_ is not None else None,
        )

    def check(self, coverages):
        """Raise unless there are enough calibration windows for each coverage."""
        for coverage in coverages:
            _conformal_quantile(self.targets[:, :0], coverage)

    def bounds(self, pred, point, scale, coverages):
        """Bounds ``(n, steps, k)`` around predictions ``pred``.

        ``pred`` is the point predictions ``(n, steps)`` or, with quantile
        heads, every head's ``(n, steps, n_levels)``; ``point`` the point
        predictions; ``scale`` ``(n, 1)`` each window's score scale. Outputs
        beyond the calibrated ones (forecasts beyond ``horizon``) widen the
        offsets of the last calibrated output by the square root of the lead
        time ratio, as the error of a random walk grows.
        """
        y_cal, s_cal = self.targets, self.scales
        n_out = point.shape[1]
        lower = np.empty((len(point), n_out, len(coverages)))
        upper = np.empty_like(lower)
        m = min(n_out, y_cal.shape[1])
        for i, coverage in enumerate(coverages):
            if self.levels is not None:
                levels = self.levels
                lo_level, hi_level = (1 - coverage) / 2, (1 + coverage) / 2
                lo_cal = _at_level(self.predictions, levels, lo_level)
                hi_cal = _at_level(self.predictions, levels, hi_level)
                scores = np.maximum(lo_cal - y_cal, y_cal - hi_cal) / s_cal
                q = _conformal_quantile(scores, coverage) * scale
                lo = _at_level(pred[:, :m], levels, lo_level) - q[:, :m]
                hi = _at_level(pred[:, :m], levels, hi_level) + q[:, :m]
                # CQR may shrink the heads' band; never past the point forecast.
                lo, hi = np.minimum(lo, point[:, :m]), np.maximum(hi, point[:, :m])
            else:
                errors = np.abs(y_cal - self.predictions) / s_cal
                q = (_conformal_quantile(errors, coverage) * scale)[:, :m]
                lo, hi = point[:, :m] - q, point[:, :m] + q
            lower[:, :m, i], upper[:, :m, i] = lo, hi
            if n_out > m:
                growth = np.sqrt(np.arange(m + 1, n_out + 1) / m)
                below = (point[:, m - 1] - lo[:, -1])[:, None] * growth
                above = (hi[:, -1] - point[:, m - 1])[:, None] * growth
                lower[:, m:, i] = point[:, m:] - below
                upper[:, m:, i] = point[:, m:] + above
        return lower, upper


class _IntervalMixin:
    """Quantile heads, conformal calibration and prediction intervals."""

    _interval_constraints: dict = {
        "quantiles": ["array-like", None],
        "calibration_fraction": [Interval(Real, 0, 1, closed="neither"), None],
    }

    # ------------------------------------------------------------- fitting
    def _network_quantiles(self):
        """Levels of the network's quantile heads (``quantiles`` and 0.5), or None.

        Validates ``quantiles`` and sets ``quantiles_``. The median is always
        trained: it is what :meth:`predict` returns.
        """
        if self.quantiles is None:
            self.quantiles_ = None
            return None
        self.quantiles_ = _check_quantiles(self.quantiles)
        return np.union1d(self.quantiles_, [0.5])

    def _split_for_calibration(self, n_samples, gap=0):
        """``(train_end, calibration_start)``: train on the samples before
        ``train_end``, calibrate on those from ``calibration_start`` on.

        The calibration samples are the last ``calibration_fraction`` of them
        (the most recent windows). ``gap`` samples before them are used for
        neither, so that no training target overlaps a calibration target.
        """
        self._clear_calibration()
        if self.calibration_fraction is None:
            return n_samples, n_samples
        n_cal = int(round(n_samples * self.calibration_fraction))
        if n_cal < 1 or n_cal + gap >= n_samples:
            gap_note = f" and a gap of {gap} before them" if gap else ""
            raise ValueError(
                f"calibration_fraction={self.calibration_fraction} holds out "
                f"{n_cal} of {n_samples} windows for calibration{gap_note}; it "
                "must leave at least one window to calibrate on and one to train "
                "on. Pass more windows or change calibration_fraction."
            )
        return n_samples - n_cal - gap, n_samples - n_cal

    def _clear_calibration(self):
        names = (
            "calibration_targets_",
            "calibration_predictions_",
            "calibration_scales_",
        )
        for name in names:
            if hasattr(self, name):
                delattr(self, name)

    def _store_calibration(self, X3, y_flat):
        quantiles = self.quantiles_ is not None
        self.calibration_predictions_ = self._predict_flat(X3, quantiles)
        self.calibration_targets_ = np.asarray(y_flat, dtype=np.float64)
        self.calibration_scales_ = self._score_scale(X3)

    def _score_scale(self, X3):
        """Scale ``(n, 1)`` that divides each sample's conformity scores.

        Ones here (plain absolute errors); the forecaster uses the spread of
        each window, so that windows of series at different scales share one
        calibration.
        """
        return np.ones((len(X3), 1))

    def _median_index(self):
        return int(np.flatnonzero(self.quantile_levels_ == 0.5)[0])

    # ------------------------------------------------------------ public API
    def predict_quantiles(self, X):
        """Predict the quantiles of the target for each sample of ``X``.

        Needs a model fitted with ``quantiles``. The quantiles are those of
        the network's pinball-loss heads: they never cross, but they are not
        calibrated; :meth:`predict_interval` calibrates them.

        Parameters
        ----------
        X : array-like
            Samples (windows) of the shape seen in :meth:`fit`.

        Returns
        -------
        y_quantiles : ndarray of shape (n_samples, [n_outputs,] n_quantiles)
            The predicted quantiles, in the order of ``quantiles``, increasing
            along the last axis; the middle axes follow the shape of ``y`` seen
            in :meth:`fit`.
        """
        check_is_fitted(self, "net_")
        if self.quantiles_ is None:
            raise ValueError(
                f"predict_quantiles needs a model trained with quantiles, but "
                f"this {type(self).__name__} was fitted with quantiles=None. Set "
                "e.g. quantiles=(0.1, 0.5, 0.9) and fit again."
            )
        X3 = self._interval_windows(X)
        out = self._predict_flat(X3, quantiles=True)
        columns = np.searchsorted(self.quantile_levels_, self.quantiles_)
        out = out[..., columns]
        return out.reshape((len(X3), *self._output_shape(), len(columns)))

    def calibrate(self, X, y):
        """Calibrate prediction intervals on windows the model did not train on.

        Replaces the calibration data of the fitted model (from
        ``calibration_fraction`` or an earlier call). For the coverage
        guarantee to hold, ``X``, ``y`` must not have been used for training
        and must resemble the data to be predicted: for a series, use its most
        recent windows after the training ones, in time order.

        Parameters
        ----------
        X : array-like
            Calibration samples (windows) of the shape seen in :meth:`fit`.
        y : array-like
            Their true targets, of the shape seen in :meth:`fit`.

        Returns
        -------
        self : object
            The calibrated estimator.
        """
        check_is_fitted(self, "net_")
        X3 = self._interval_windows(X)
        y_flat = self._interval_targets(y, len(X3))
        self._store_calibration(X3, y_flat)
        return self

    def predict_interval(self, X, coverage=0.9):
        """Predict calibrated intervals that hold the target with ``coverage``.

        Split conformal prediction: on the calibration windows (held out by
        ``calibration_fraction`` at fit, or passed to :meth:`calibrate`), the
        scores are the absolute errors of :meth:`predict` or, for a model with
        ``quantiles``, the conformalised quantile regression scores of the
        heads at levels ``(1 - coverage) / 2`` and ``(1 + coverage) / 2``.
        Each output (each horizon step) gets its own quantile of its scores.
        If the calibration and test residuals are exchangeable, each interval
        holds the truth with probability at least ``coverage``.

        Parameters
        ----------
        X : array-like
            Samples (windows) of the shape seen in :meth:`fit`.
        coverage : float or list of float, default=0.9
            Probability, strictly between 0 and 1, that an interval holds the
            target. A list gives one interval per coverage.

        Returns
        -------
        y_interval : ndarray of shape (n_samples, [n_outputs,] 2) or \
                (n_samples, [n_outputs,] 2, n_coverages)
            Lower (index 0) and upper (index 1) bounds; the middle axes follow
            the shape of ``y`` seen in :meth:`fit`, the last one (for a list
            of coverages) the order of ``coverage``.
        """
        check_is_fitted(self, "net_")
        levels, many = _check_coverage(coverage)
        X3 = self._interval_windows(X)
        _, lower, upper = self._interval_bounds(X3, levels)
        out = np.stack([lower, upper], axis=2)  # (n, n_outputs, 2, k)
        out = out.reshape((len(X3), *self._output_shape(), 2, len(levels)))
        return out if many else out[..., 0]

    def _interval_bounds(self, X3, coverages, steps=None):
        """Point predictions ``(n, steps)`` and bounds ``(n, steps, k)``."""
        conformal = _Conformal.of(self)
        conformal.check(coverages)
        scale = self._score_scale(X3)
        quantiles = self.quantiles_ is not None
        pred = self._predict_flat(X3, quantiles, steps)
        point = pred[..., self._median_index()] if quantiles else pred
        lower, upper = conformal.bounds(pred, point, scale, coverages)
        return point, lower, upper
