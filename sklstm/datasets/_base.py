from importlib import resources

import pandas as pd

_DATA = "sklstm.datasets"


def _read_monthly(filename, column, name):
    with resources.files(_DATA).joinpath("data", filename).open("r") as f:
        frame = pd.read_csv(f)
    index = pd.PeriodIndex(frame["date"], freq="M", name="month")
    return pd.Series(frame[column].to_numpy(dtype=float), index=index, name=name)


def load_airline():
    """Load the monthly international airline passengers series, 1949-1960.

    The classic Box & Jenkins series: monthly totals of international airline
    passengers, in thousands, with a trend and a seasonality that grows with
    the level. 144 observations.

    Returns
    -------
    series : pandas.Series of shape (144,)
        Passenger counts (thousands) indexed by a monthly
        :class:`pandas.PeriodIndex`.

    See Also
    --------
    load_elnino : A longer monthly series, of sea temperatures.

    Notes
    -----
    Source: Box, G. E. P., Jenkins, G. M. and Reinsel, G. C. (1976) *Time
    Series Analysis, Forecasting and Control*, Series G. Copied from the copy
    bundled with sktime (``sktime/datasets/data/Airline/Airline.csv``).

    Examples
    --------
    >>> from sklstm.datasets import load_airline
    >>> y = load_airline()
    >>> y.shape
    (144,)
    >>> str(y.index[0])
    '1949-01'
    """
    return _read_monthly("airline.csv", "passengers", "passengers")


def load_elnino():
    """Load the monthly El Nino sea surface temperatures, 1950-2010.

    Averaged monthly sea surface temperature in degrees Celsius of the Pacific
    Ocean between 0-10 degrees South and 90-80 degrees West (Nino 1+2 region).
    732 observations with a strong yearly cycle and irregular El Nino events.

    Returns
    -------
    series : pandas.Series of shape (732,)
        Temperatures (degrees Celsius) indexed by a monthly
        :class:`pandas.PeriodIndex`.

    See Also
    --------
    load_airline : A shorter monthly series, with a trend.

    Notes
    -----
    Source: NOAA National Weather Service, ERSST.V3B, Nino 1+2 (public
    domain). Copied, reshaped to one row per month, from the copy bundled with
    statsmodels (``statsmodels/datasets/elnino/elnino.csv``).

    Examples
    --------
    >>> from sklstm.datasets import load_elnino
    >>> t = load_elnino()
    >>> t.shape
    (732,)
    >>> float(t.iloc[0])
    23.11
    """
    return _read_monthly("elnino.csv", "temperature", "temperature")
