"""Small public time series shipped with sklstm (nothing is downloaded)."""

from ._base import load_airline, load_bike_sharing, load_elnino

__all__ = ["load_airline", "load_bike_sharing", "load_elnino"]
