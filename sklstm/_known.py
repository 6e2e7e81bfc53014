"""Inputs known ahead, as the forecaster reads them.

:class:`_KnownAhead` holds which channels of a fitted forecaster's windows
are known ahead (``future_covariates_``, found in the training windows by
:meth:`_KnownAhead.detect`) and what follows from them: how many steps ahead
the windows carry and a network pass reads, the checks of those steps, and
the rows :meth:`~sklstm.LSTMForecaster.forecast` builds from the tables of
known values it is given. Nothing is stored but the fitted channels; the
estimator builds one where it needs it (:meth:`_KnownAhead.of`).
"""

import numpy as np
import pandas as pd

from ._data import _WindowSource
from ._window import _split_panel


class _KnownAhead:
    """The channels known ahead of a forecaster, and their steps.

    Parameters
    ----------
    channels : tuple of int
        The channels known ahead; empty for windows without such inputs.
    horizon : int
        The forecaster's horizon: the steps ahead each window carries.
    strategy : {"direct", "recursive"}
        How many values a network pass forecasts: the horizon, or one.
    target_index : int
        The channel forecast.
    """

    def __init__(self, channels, horizon, strategy, target_index):
        self.channels = tuple(channels)
        self.horizon = horizon
        self.strategy = strategy
        self.target_index = target_index

    @classmethod
    def of(cls, est):
        """The inputs known ahead of forecaster ``est`` (none for models
        fitted before ``future_covariates_`` existed)."""
        return cls(
            getattr(est, "future_covariates_", ()),
            est.horizon,
            est.strategy,
            est.target_index,
        )

    @staticmethod
    def detect(X3, horizon, target_index):
        """Channels whose values are given for the last ``horizon`` steps of every
        window while the target is not: the inputs known ahead.

        Such windows come from ``make_windows(..., future_covariates=...)``: the
        last ``horizon`` steps hold the known-ahead channels and NaN elsewhere.
        Windows whose last steps are wholly missing (or not missing) have none.
        """
        window_length, n_channels = X3.shape[1:]
        if n_channels < 2 or window_length <= horizon:
            return ()
        # Read a block of windows at a time: the windows may be lazy views.
        tail = _WindowSource(X3[:, window_length - horizon :])
        missing_any = np.zeros(n_channels, dtype=bool)
        missing_all = np.ones(n_channels, dtype=bool)
        for block in tail.slices():
            nan = np.isnan(tail.take(block))
            if not nan[:, :, target_index].all():
                return ()
            missing_any |= nan.any(axis=(0, 1))
            missing_all &= nan.all(axis=(0, 1))
        observed = ~missing_any
        partly = ~observed & ~missing_all
        partly[target_index] = False
        if partly.any():
            raise ValueError(
                f"X has NaN in a known-future column: channel(s) "
                f"{np.flatnonzero(partly).tolist()} are given in some but not all of "
                f"the last horizon={horizon} steps of the windows, after which the "
                f"target is missing (inputs known ahead, channel(s) "
                f"{np.flatnonzero(observed).tolist()}). Give a known-ahead channel "
                "for every step ahead, or NaN in all of them for a past-only one."
            )
        return tuple(int(c) for c in np.flatnonzero(observed))

    @property
    def rows(self):
        """Steps known ahead at the end of each window: the horizon, or none."""
        return self.horizon if self.channels else 0

    @property
    def per_pass(self):
        """Values one network pass forecasts: the horizon, or one step."""
        return self.horizon if self.strategy == "direct" else 1

    @property
    def steps(self):
        """Steps known ahead a network pass reads (its ``future_steps``)."""
        return self.per_pass if self.channels else 0

    def rows_ahead(self, steps):
        """Known-ahead steps that forecasting ``steps`` values reads."""
        if not self.channels:
            return 0
        return -(-steps // self.per_pass) * self.steps

    def unknown(self, n_channels):
        """The channels besides the target whose future is unknown."""
        return [
            c
            for c in range(n_channels)
            if c != self.target_index and c not in self.channels
        ]

    def check_windows(self, future, name, offset=0):
        """Reject missing values in the known-ahead steps of the known channels."""
        if not self.channels or not future.shape[1]:
            return
        missing = np.isnan(future[:, :, list(self.channels)]).any(axis=(1, 2))
        if missing.any():
            rows = np.flatnonzero(missing) + offset
            raise ValueError(
                f"{name} has NaN in a known-future column (channels "
                f"{list(self.channels)}, the last {self.horizon} steps) in "
                f"{rows.size} window(s) (first: {rows[:5].tolist()}). Inputs "
                "known ahead must be given for every step ahead: fill them (a "
                "forecast of the covariate will do), or drop those windows."
            )

    def check_roll_forward(self, steps, n_channels):
        """Forecasts past one network pass feed forecasts back into the
        windows: every channel besides the target must then be known ahead."""
        if steps <= self.per_pass or n_channels == 1:
            return
        unknown = self.unknown(n_channels)
        if not self.channels and unknown:
            raise ValueError(
                "Cannot forecast beyond one horizon from windows with covariates: "
                "their future values are unknown. Use univariate windows, or "
                f"steps <= horizon={self.horizon}."
            )
        if unknown:
            raise ValueError(
                f"Cannot forecast {steps} steps: past {self.per_pass} step(s) "
                "the forecasts are fed back into the windows, but the future of "
                f"channel(s) {unknown} is not known ahead. Use steps <= "
                f"{self.per_pass}, or give those channels' values ahead too "
                "(make_windows' future_covariates)."
            )

    def tables(self, future_covariates, panel, id_column, time_column, n_static=0):
        """One table of known-ahead values (or None) per series of a forecast;
        with ``n_static`` static covariates, they may be all there is."""
        n_series = 1 if panel is None else len(panel.ids)
        if not self.channels:
            if future_covariates is not None:
                raise ValueError(
                    "future_covariates was passed, but this forecaster was "
                    "fitted on windows without inputs known ahead, so it has "
                    "nothing to read them with. Fit it on windows from "
                    "make_windows(..., future_covariates=[...]), or leave "
                    "future_covariates out."
                )
            return [None] * n_series
        if future_covariates is None and n_static >= len(self.channels):
            return [None] * n_series
        if future_covariates is None:
            also = (
                f" (static_covariates gives {n_static} of them; the other "
                f"{len(self.channels) - n_static} come from future_covariates)"
                if n_static
                else ""
            )
            raise ValueError(
                f"This forecaster reads inputs known ahead (channel(s) "
                f"{list(self.channels)} of its windows){also}: pass their values "
                "for the steps to forecast, forecast(history, steps, "
                "future_covariates=...)."
            )
        if panel is None:
            return [future_covariates]
        tables = _split_panel(future_covariates, id_column, time_column)
        if tables is None or list(tables.ids) != list(panel.ids):
            raise ValueError(
                "future_covariates must hold one table per series of history, "
                "given as history is (a list or dict of tables, or a long table "
                f"with id_column={id_column!r}) and with the same series ids "
                f"{list(panel.ids)[:5]}."
            )
        return list(tables.series)

    def rows_for(self, history, future, steps, n_channels, read):
        """The known-ahead steps ``(rows, n_channels)`` a forecast of ``steps``
        values reads: the known channels from ``future``, NaN elsewhere."""
        known = list(self.channels)
        names = getattr(history, "columns", None)
        if isinstance(future, pd.DataFrame) and names is not None:
            wanted = [names[c] for c in known]
            missing = [c for c in wanted if c not in future.columns]
            extra = [c for c in future.columns if c not in wanted]
            if missing or extra:
                raise ValueError(
                    f"future_covariates must have the columns known ahead, "
                    f"{wanted}; it lacks {missing} and has extra {extra}."
                )
            future = future[wanted]
        values = read(future, "future_covariates")
        if values.ndim != 2 or values.shape[1] != len(known):
            raise ValueError(
                f"future_covariates must have one column per input known ahead "
                f"({len(known)}: channel(s) {known}); got shape "
                f"{np.shape(future)}."
            )
        rows = self.rows_ahead(steps)
        if len(values) < rows:
            raise ValueError(
                f"future_covariates has {len(values)} row(s), but forecasting "
                f"{steps} step(s) reads {rows}: the network reads the inputs "
                "known ahead a whole horizon at a time. Pass their values for "
                f"the next {rows} steps."
            )
        values = values[:rows]
        if np.isnan(values).any():
            raise ValueError(
                "future_covariates contains NaN: inputs known ahead must be "
                f"given for every one of the next {rows} steps."
            )
        ahead = np.full((rows, n_channels), np.nan)
        ahead[:, known] = values
        return ahead


def _with_static_rows(history, future, statics, rows):
    """The known-ahead table ``future`` with the static covariates of
    ``history`` (their last values) appended as constant columns, ``rows``
    rows of them when ``future`` is None."""
    if not statics:
        return future
    if isinstance(history, pd.DataFrame):
        values = history[list(statics)].iloc[-1]
        if isinstance(future, pd.DataFrame) or future is None:
            index = pd.RangeIndex(rows) if future is None else future.index
            out = pd.DataFrame(index=index) if future is None else future.copy()
            for name in statics:
                out[name] = float(values[name])
            return out
        values = values.to_numpy(dtype=np.float64)
    else:
        values = np.asarray(history, dtype=np.float64)[-1, list(statics)]
    if future is None:
        return np.tile(values, (rows, 1))
    ahead = np.asarray(future, dtype=np.float64)
    ahead = ahead[:, None] if ahead.ndim == 1 else ahead
    return np.column_stack([ahead, np.tile(values, (len(ahead), 1))])
