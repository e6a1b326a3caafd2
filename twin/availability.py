"""Failures and repairs: the up-time share of each stage on each day.

Each stage of each sample alternates exponentially distributed up times (mean MTBF) and
repair times (mean MTTR), an alternating renewal process whose long-run availability is
MTBF / (MTBF + MTTR). Up and repair times come from counter-based streams
(:mod:`twin.streams`), so samples given the same stream share their failure history. The
process is event driven: a day only touches the units with an
event inside it, and the up-time share of those units is integrated exactly, however many
failures and repairs fall in the day.

References
----------
.. [1] R. E. Barlow, F. Proschan, "Mathematical Theory of Reliability", Wiley (1965):
   alternating renewal processes.
"""

import numpy as np

from twin import streams as st

__all__ = ["FailureProcess", "steady_availability"]


def steady_availability(mtbf_days, mttr_days):
    """Long-run availability MTBF / (MTBF + MTTR) [-]; 1 where MTBF is infinite."""
    mtbf = np.asarray(mtbf_days, dtype=float)
    mttr = np.asarray(mttr_days, dtype=float)
    return np.where(np.isinf(mtbf), 1.0, mtbf / (mtbf + mttr))


class FailureProcess:
    """Up/down state of ``(stages, samples)`` units, advanced a day per :meth:`step`.

    Parameters
    ----------
    mtbf_days, mttr_days : numpy.ndarray
        Mean time between failures and mean time to repair [d], shape ``(stages, samples)``;
        an infinite MTBF means the unit never fails.
    rng : numpy.random.Generator
        Seeds the streams.
    streams : numpy.ndarray of int, optional
        Stream of each sample, shape ``(samples,)``; default one stream per sample.
    """

    def __init__(self, mtbf_days, mttr_days, rng, streams=None):
        mtbf = np.asarray(mtbf_days, dtype=float)
        n_stages, n = mtbf.shape
        streams = np.arange(n) if streams is None else np.asarray(streams)
        width = int(streams.max()) + 1
        self._key = st.stream_key(np.arange(n_stages)[:, None] * width + streams[None, :]).ravel()
        self._seed = st.new_seed(rng)
        self._mtbf = mtbf.ravel().copy()
        self._mttr = np.broadcast_to(np.asarray(mttr_days, dtype=float), mtbf.shape).ravel()
        self._up = np.ones(self._mtbf.size, dtype=bool)
        self._next = self._draw(np.arange(self._mtbf.size)) * self._mtbf
        self._next[np.isinf(self._mtbf)] = np.inf
        self.share = np.ones(mtbf.shape)
        self._flat = self.share.reshape(-1)
        self._touched = np.zeros(0, dtype=np.intp)
        self._day = 0

    def _draw(self, idx):
        """Next unit-mean exponential of units ``idx`` from their own streams."""
        key = self._key[idx]
        self._key[idx] = key + np.uint64(1)
        return st.exponential_at(self._seed, key)

    def step(self):
        """Advance one day; return each unit's up-time share of that day, in [0, 1].

        The returned array is reused from day to day; copy it to keep it.
        """
        t0 = float(self._day)
        t1 = t0 + 1.0
        self._flat[self._touched] = self._up[self._touched]
        idx = np.flatnonzero(self._next < t1)
        if idx.size:
            self._flat[idx] = self._events_within_day(idx, t0, t1)
        self._touched = idx
        self._day += 1
        return self.share

    def _events_within_day(self, idx, t0, t1):
        """Resolve every failure and repair of units ``idx`` in [t0, t1); return up-time."""
        mtbf, mttr = self._mtbf[idx], self._mttr[idx]
        up, now = self._up[idx], self._next[idx]
        uptime = up * (now - t0)
        up = ~up
        nxt = now + self._draw(idx) * np.where(up, mtbf, mttr)
        more = np.flatnonzero(nxt < t1)
        while more.size:
            uptime[more] += up[more] * (nxt[more] - now[more])
            now[more] = nxt[more]
            up[more] = ~up[more]
            mean = np.where(up[more], mtbf[more], mttr[more])
            nxt[more] += self._draw(idx[more]) * mean
            more = more[nxt[more] < t1]
        uptime += up * (t1 - now)
        self._up[idx], self._next[idx] = up, nxt
        return uptime
