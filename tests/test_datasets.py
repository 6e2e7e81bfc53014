import numpy as np
import pandas as pd
import pytest

from sklstm.datasets import load_airline, load_elnino


@pytest.mark.parametrize(
    "loader, n, first, last",
    [
        (load_airline, 144, "1949-01", "1960-12"),
        (load_elnino, 732, "1950-01", "2010-12"),
    ],
)
def test_loaders_return_monthly_series(loader, n, first, last):
    y = loader()
    assert isinstance(y, pd.Series)
    assert len(y) == n
    assert isinstance(y.index, pd.PeriodIndex)
    assert y.index.freqstr == "M"
    assert str(y.index[0]) == first and str(y.index[-1]) == last
    assert y.index.is_monotonic_increasing and y.index.is_unique
    assert np.isfinite(y.to_numpy()).all()


def test_airline_known_values():
    y = load_airline()
    # Box & Jenkins series G: first year and last value.
    assert y.iloc[:12].tolist() == [
        112,
        118,
        132,
        129,
        121,
        135,
        148,
        148,
        136,
        119,
        104,
        118,
    ]
    assert y.iloc[-1] == 432
