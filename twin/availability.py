"""Failures and repairs: the up-time share of each stage on each day.

Each stage of each sample alternates exponentially distributed up times (mean MTBF) and
repair times (mean MTTR), an alternating renewal process whose long-run availability is
MTBF / (MTBF + MTTR). The process is event driven: a day only touches the units with an
event inside it, and the up-time share of those units is integrated exactly, however many
failures and repairs fall in the day.

References
----------
.. [1] R. E. Barlow, F. Proschan, "Mathematical Theory of Reliability", Wiley (1965):
   alternating renewal processes.
"""

import numpy as np

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
        Source of the up and repair times.
    """

    def __init__(self, mtbf_days, mttr_days, rng):
        mtbf = np.asarray(mtbf_days, dtype=float)
        self._mtbf = mtbf.ravel().copy()
        self._mttr = np.broadcast_to(np.asarray(mttr_days, dtype=float), mtbf.shape).ravel()
        self._rng = rng
        self._up = np.ones(self._mtbf.size, dtype=bool)
        self._next = rng.exponential(1.0, self._mtbf.size) * self._mtbf
        self._next[np.isinf(self._mtbf)] = np.inf
        self.share = np.ones(mtbf.shape)
        self._flat = self.share.reshape(-1)
        self._touched = np.zeros(0, dtype=np.intp)
        self._day = 0

    def step(self):
        """Advance one day; return each unit's up-time share of that day, in [0, 1].

        The returned array is reused from day to day; copy it to keep it.
        """
        t0 = float(self._day)
        t1 = t0 + 1.0
        self._flat[self._touched] = self._up[self._touched]
        idx = np.flatnonzero(self._next < t1)
        if idx.size:
            up, nxt = self._up[idx], self._next[idx]
            now = np.full(idx.size, t0)
            uptime = np.zeros(idx.size)
            active = np.ones(idx.size, dtype=bool)
            while active.any():
                end = np.minimum(nxt, t1)
                uptime += up * (end - now)
                now = end
                active = nxt < t1
                up = np.where(active, ~up, up)
                mean = np.where(up, self._mtbf[idx], self._mttr[idx])
                nxt = np.where(active, nxt + self._rng.exponential(1.0, idx.size) * mean, nxt)
            self._up[idx], self._next[idx] = up, nxt
            self._flat[idx] = uptime
        self._touched = idx
        self._day += 1
        return self.share
