"""Instruments between the true plant and what is published: noise and slow drift.

Each numeric signal has Gaussian noise (its spec's fraction of the range, scaled by the
profile) and, if it can drift, a hidden random-walk offset. The sensor layer draws from its
own generator so the plant's random stream does not depend on how many sensors there are.
"""

from __future__ import annotations

import numpy as np

from simulators.plant.plant import SignalRef

__all__ = ["Sensors"]


class Sensors:
    """Vectorised noise and drift over all numeric signals of a plant."""

    def __init__(
        self,
        signals: list[SignalRef],
        noise_scale: float,
        drift_per_day: float,
        rng: np.random.Generator,
    ) -> None:
        span = np.array([s.spec.high - s.spec.low for s in signals], dtype=float)
        self.noise_sigma = span * np.array([s.spec.noise for s in signals]) * noise_scale
        self.drift_sigma = span * drift_per_day * np.array([s.spec.drifts for s in signals])
        self.offset = np.zeros(len(signals))
        self.rng = rng

    def measure(self, truth: np.ndarray, dt_s: float) -> np.ndarray:
        """Return the measured values for ``truth`` after ``dt_s`` more seconds of drift."""
        n = len(truth)
        self.offset += self.drift_sigma * np.sqrt(dt_s / 86400.0) * self.rng.standard_normal(n)
        return truth + self.offset + self.noise_sigma * self.rng.standard_normal(n)
