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
        self._next = self._draw(np.arange(self._mtbf.size))[0] * self._mtbf
        self._next[np.isinf(self._mtbf)] = np.inf
        self.share = np.ones(mtbf.shape)
        self._flat = self.share.reshape(-1)
        self._touched = np.zeros(0, dtype=np.intp)
        self._day = 0

    def _draw(self, idx, count=1):
        """The next ``count`` unit-mean exponentials of units ``idx``, shape (count, len).

        The streams' counters advance by ``count`` (callers wind back unused draws).
        """
        key = self._key[idx]
        self._key[idx] = key + np.uint64(count)
        offsets = np.arange(count, dtype=np.uint64)[:, None]
        return st.exponential_at(self._seed, key[None, :] + offsets)

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
        """Resolve every failure and repair of units ``idx`` in [t0, t1); return up-time.

        Most units have one or two events in a day, so two durations are drawn at once (the
        state entered and the one after it); the stream of a unit that needed only one is
        wound back by one, so every unit uses its draws in order.
        """
        mtbf, mttr = self._mtbf[idx], self._mttr[idx]
        up, event = self._up[idx], self._next[idx]
        draws = self._draw(idx, 2)
        first_end = event + draws[0] * np.where(up, mttr, mtbf)
        second = first_end < t1
        second_end = first_end + draws[1] * np.where(up, mtbf, mttr)
        uptime = np.where(up, event - t0, np.minimum(first_end, t1) - event)
        uptime += np.where(second & up, np.minimum(second_end, t1) - first_end, 0.0)
        self._key[idx[~second]] -= np.uint64(1)
        up = up == second
        nxt = np.where(second, second_end, first_end)
        more = np.flatnonzero(nxt < t1)
        if more.size:
            uptime[more] = self._later_events(idx[more], up[more], nxt[more], uptime[more], t1)
            up[more] = self._up[idx[more]]
            nxt[more] = self._next[idx[more]]
        self._up[idx], self._next[idx] = up, nxt
        return uptime

    def _later_events(self, idx, up, now, uptime, t1):
        """Third and later events of the day (short repairs), one at a time."""
        mtbf, mttr = self._mtbf[idx], self._mttr[idx]
        nxt = now.copy()
        active = np.arange(idx.size)
        while active.size:
            up[active] = ~up[active]
            mean = np.where(up[active], mtbf[active], mttr[active])
            nxt[active] = now[active] + self._draw(idx[active])[0] * mean
            uptime[active] += up[active] * (np.minimum(nxt[active], t1) - now[active])
            now[active] = nxt[active]
            active = active[nxt[active] < t1]
        self._up[idx], self._next[idx] = up, nxt
        return uptime
