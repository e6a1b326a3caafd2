"""Instruments between the true plant and what is published: noise, drift and range.

Each numeric signal has Gaussian noise and, if it can drift, a hidden random-walk offset:
as fractions of its range (an additive zero error), or for ``relative`` gauges as fractions
of the reading (a gain error, so a vacuum of 1e-3 mbar never reads negative). Meters with
a ``cutoff`` report ``low`` below it, so equipment at standstill reads zero rather than
negative noise. The sensor layer draws from its own generator so the plant's random
stream does not depend on how many sensors there are.

A reading that still lies outside the instrument's range (the variable's EURange), from
drift, a fault or a process beyond the range, keeps its value but not a Good status:
``flag_out_of_range`` marks it UncertainEngineeringUnitsExceeded ("the value is outside of
the range of values defined for this parameter", OPC UA status code 0x40940000), as a
transmitter beyond its range does. A Good value is therefore always inside its EURange.
"""

from __future__ import annotations

import numpy as np

from simulators.plant.plant import SignalRef

__all__ = ["STATUS_EU_EXCEEDED", "Sensors", "flag_out_of_range"]

STATUS_EU_EXCEEDED = 0x40940000  # UncertainEngineeringUnitsExceeded


class Sensors:
    """Vectorised noise, drift and cut-off over all numeric signals of a plant."""

    def __init__(
        self,
        signals: list[SignalRef],
        noise_scale: float,
        drift_per_day: float,
        rng: np.random.Generator,
    ) -> None:
        specs = [s.spec for s in signals]
        low = np.array([s.low for s in specs], dtype=float)
        span = np.array([s.high for s in specs], dtype=float) - low
        relative = np.array([s.relative for s in specs], dtype=bool)
        scale = np.where(relative, 1.0, span)  # relative errors are fractions of the reading
        self.noise_sigma = scale * np.array([s.noise for s in specs]) * noise_scale
        self.drift_sigma = scale * drift_per_day * np.array([s.drifts for s in specs])
        self.offset = np.zeros(len(signals))
        self.rng = rng
        self._relative = np.flatnonzero(relative)
        cutoff = np.array([s.cutoff for s in specs], dtype=float)
        self._cut = np.flatnonzero(cutoff > 0)
        self._cut_below = (low + cutoff * span)[self._cut]
        self._cut_to = low[self._cut]

    def measure(self, truth: np.ndarray, dt_s: float) -> np.ndarray:
        """Return the measured values for ``truth`` after ``dt_s`` more seconds of drift."""
        n = len(truth)
        self.offset += self.drift_sigma * np.sqrt(dt_s / 86400.0) * self.rng.standard_normal(n)
        error = self.offset + self.noise_sigma * self.rng.standard_normal(n)
        reading = truth + error
        if self._relative.size:
            rel = self._relative
            reading[rel] = truth[rel] * np.exp(error[rel])
        if self._cut.size:
            cut = reading[self._cut]
            reading[self._cut] = np.where(cut < self._cut_below, self._cut_to, cut)
        return reading


def flag_out_of_range(
    measured: np.ndarray, status: np.ndarray, low: np.ndarray, high: np.ndarray
) -> None:
    """Mark Good readings outside ``[low, high]`` Uncertain (EU exceeded), in place.

    NaN compares false both ways and stays as it is: the ``nan`` fault is a Good NaN on
    purpose, for the recorder to catch.
    """
    outside = (measured < low) | (measured > high)
    outside &= status == 0
    status[outside] = STATUS_EU_EXCEEDED
