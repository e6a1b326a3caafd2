"""The tolled route's extra legs: shipping both ways and export stops at the partner.

References
----------
.. [1] Freight forwarder transit table, Japan ↔ Chennai: ~18 days port to port, 3–7 days
   sailing frequency, 10–16 days handling and customs (``domain.md``).
.. [2] China suspended rare-earth magnet exports in April 2025 (Reuters, seed article).
"""

import numpy as np

__all__ = ["export_stop_windows", "one_way_days"]

#: Stops drawn per sample at most; with chances of a few per cent a year more never occur.
MAX_STOPS = 4


def one_way_days(sea_days, sailing_wait_days, handling_days):
    """Door-to-door days for one leg: waiting for a sailing, at sea, handling and customs."""
    return np.asarray(sea_days) + np.asarray(sailing_wait_days) + np.asarray(handling_days)


def export_stop_windows(horizon_days, stops_per_yr, stop_days, rng, forced=None, streams=None):
    """Start and end days of each sample's export stops at the partner.

    Stops start as a Poisson process (rate ``stops_per_yr``, counted only while no stop is
    running) and last ``stop_days``; a forced what-if stop applies to every sample. A day
    ``t`` is under a stop when ``begin <= t < end`` for any window.

    Parameters
    ----------
    horizon_days : int
        Number of days simulated (windows starting later are dropped).
    stops_per_yr : numpy.ndarray
        Chance of a stop per year [1/yr], shape ``(n,)``.
    stop_days : numpy.ndarray
        Duration of each stop [d], shape ``(n,)``.
    rng : numpy.random.Generator
        Source of the start times.
    forced : tuple of (int, int), optional
        ``(start_day, days)`` of a stop given as a what-if.
    streams : numpy.ndarray of int, optional
        Random stream of each sample; samples sharing a stream share their stop timing.

    Returns
    -------
    begin, end : numpy.ndarray
        Whole days, shape ``(windows, n)``; unused windows lie past the horizon.
    """
    n = np.shape(stops_per_yr)[0]
    streams = np.arange(n) if streams is None else np.asarray(streams)
    width = int(streams.max()) + 1
    rate_per_day = np.maximum(np.asarray(stops_per_yr, dtype=float), 1e-12) / 365.0
    length = np.rint(np.asarray(stop_days, dtype=float))
    begins, ends = [], []
    end = np.zeros(n)
    for _ in range(MAX_STOPS):
        begin = end + rng.exponential(1.0, width)[streams] / rate_per_day
        end = begin + length
        begins.append(np.rint(begin))
        ends.append(np.rint(end))
    if forced is not None and forced[1] > 0:
        begins.append(np.full(n, float(forced[0])))
        ends.append(np.full(n, float(forced[0] + forced[1])))
    begin, end = np.stack(begins), np.stack(ends)
    beyond = begin >= horizon_days
    return np.where(beyond, np.inf, begin), np.where(beyond, np.inf, end)
