"""Whole-day delays of a stage's output (processing, sea, customs), all units at once."""

import numpy as np

__all__ = ["Delays"]


def _ring(delay_days, shape, dtype=np.float64):
    size = 1 << int(np.max(delay_days, initial=0)).bit_length()
    return np.zeros((size, *shape), dtype=dtype)


class Delays:
    """Holds each stage's output for its whole-day delay, all stages at once.

    Day t's output is written to ring row ``t mod size``. Stages whose delay is the same in
    every sample read back a whole row of a small ring; the others (shipping, conversion)
    keep a ring of their own, in single precision to halve its memory traffic, and read it
    per sample with one flat gather. Rows not yet written are zero, so nothing arrives early.
    """

    def __init__(self, delay_days):
        self.d = delay_days
        uniform = np.all(delay_days == delay_days[:, :1], axis=1)
        self.varying = np.flatnonzero(~uniform)
        self.d_row = np.where(uniform, delay_days[:, 0], 0)
        self.stages = np.arange(delay_days.shape[0])
        self.ring = _ring(self.d_row, delay_days.shape)
        self.d_var = delay_days[self.varying]
        self.ring_var = _ring(self.d_var, self.d_var.shape, np.float32)
        self.flat_var = self.ring_var.reshape(-1)
        self.base = np.arange(self.d_var.size).reshape(self.d_var.shape)

    def push_pop(self, t, out):
        mask = self.ring.shape[0] - 1
        self.ring[t & mask] = out
        arrived = self.ring[(t - self.d_row) & mask, self.stages]
        if self.varying.size:
            mask = self.ring_var.shape[0] - 1
            self.ring_var[t & mask] = out[self.varying]
            rows = (t - self.d_var) & mask
            arrived[self.varying] = self.flat_var[rows * self.d_var.size + self.base]
        return arrived

    def in_transit(self, last_day):
        """Mass written but not yet released after ``last_day`` [kg], per unit."""
        wip = _unreleased(self.ring, self.d_row[:, None], last_day)
        if self.varying.size:
            wip[self.varying] = _unreleased(self.ring_var, self.d_var, last_day)
        return wip


def _unreleased(ring, delay, last_day):
    """Sum over the days still in the ring whose release is after ``last_day``."""
    total = np.zeros(np.broadcast_shapes(ring.shape[1:], delay.shape))
    mask = ring.shape[0] - 1
    for age in range(min(ring.shape[0], last_day + 1)):
        total += ring[(last_day - age) & mask] * (age < delay)
    return total
