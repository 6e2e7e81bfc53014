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


def load_bike_sharing():
    """Load hourly bike rentals with weather and calendar, Washington DC, 2011.

    Hourly counts of rentals of Capital Bikeshare (Washington DC) in 2011,
    with the weather and the calendar of each hour: a series with daily and
    weekly cycles driven by covariates that are known (calendar) or forecast
    (weather) ahead. 8,645 hours of the 8,760 in the year; see the gaps below.

    Returns
    -------
    frame : pandas.DataFrame of shape (8645, 10)
        Indexed by a :class:`pandas.DatetimeIndex` named ``"datetime"``, the
        start of each hour (naive local time), with columns:

        - ``bikers``: rentals in the hour (casual plus registered users).
        - ``hour``: hour of the day, 0-23.
        - ``weekday``: day of the week, 0 (Sunday) to 6 (Saturday).
        - ``workingday``: 1 on days that are neither weekend nor holiday.
        - ``holiday``: 1 on public holidays.
        - ``weathersit``: weather situation, 1 clear or partly cloudy, 2 mist
          or cloudy, 3 light rain or snow, 4 heavy rain or snow.
        - ``temp``: temperature in degrees Celsius divided by 41.
        - ``atemp``: felt temperature in degrees Celsius divided by 50.
        - ``hum``: relative humidity divided by 100.
        - ``windspeed``: wind speed divided by 67.

    See Also
    --------
    load_elnino : A monthly series without covariates.

    Notes
    -----
    Source: Fanaee-T, H. and Gama, J. (2014) "Event labeling combining
    ensemble detectors and background knowledge", *Progress in Artificial
    Intelligence* 2, 113-127; the "Bike Sharing" data set of the UCI Machine
    Learning Repository (https://doi.org/10.24432/C5W894), licensed under
    CC BY 4.0, from Capital Bikeshare's trip history and freemeteo.com's
    weather. Copied from the copy bundled with the ISLP package
    (``ISLP/data/Bikeshare.csv``, version 0.6.0), which holds the first of
    the original two years (2011) only; the 2012 half is not included.
    Changes: the columns ``season``, ``mnth``, ``casual`` and ``registered``
    are dropped (``bikers`` is ``casual + registered``), the weather labels
    are coded 1-4 as in the UCI file, and the index is built from the source's
    day of the year (``day``, 1-365) and hour (``hr``) as
    ``2011-01-01 + (day - 1) days + hr hours``; the weekdays this gives agree
    with the source's ``weekday`` on every row. Values are otherwise as in the
    source (weather to four decimals).

    Gaps: the index is not regular. 115 hours of 2011 have no row, because
    the source lists only hours with at least one rental (its smallest
    count is 1): single night hours, mostly between 2 and 5 am, and longer
    outages (12 hours on 2011-01-18, 24 over 2011-01-26/27 in a snowstorm,
    6 on 2011-02-22, 13 over 2011-08-27/28 in hurricane Irene). A regular
    hourly series takes a choice of fill; one is shown below: a missing hour
    counts as no rentals, its day's calendar is the day's, and the weather of
    the hour before carries over.

    Examples
    --------
    >>> from sklstm.datasets import load_bike_sharing
    >>> bikes = load_bike_sharing()
    >>> bikes.shape
    (8645, 10)
    >>> str(bikes.index[0]), str(bikes.index[-1])
    ('2011-01-01 00:00:00', '2011-12-31 23:00:00')
    >>> int(bikes["bikers"].iloc[0])
    16

    Made regular (one choice of fill, see the Notes):

    >>> regular = bikes.asfreq("h")
    >>> calendar = ["weekday", "workingday", "holiday"]
    >>> days = regular.index.normalize()
    >>> regular[calendar] = regular[calendar].groupby(days).transform("first")
    >>> regular["hour"] = regular.index.hour
    >>> regular["bikers"] = regular["bikers"].fillna(0)
    >>> regular = regular.ffill()
    >>> regular.shape, int(regular.isna().sum().sum())
    ((8760, 10), 0)
    """
    with resources.files(_DATA).joinpath("data", "bike_sharing.csv.gz").open("rb") as f:
        frame = pd.read_csv(f, compression="gzip")
    index = pd.to_datetime(frame.pop("date")) + pd.to_timedelta(frame["hour"], "h")
    frame.index = pd.DatetimeIndex(index, name="datetime")
    return frame
