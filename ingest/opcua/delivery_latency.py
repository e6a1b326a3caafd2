"""How late values reach the recorder: source timestamp to receipt, logged per interval.

The writer's commit latency (Prometheus) says how old a row is when it is stored; this
says how much of that age it already had when its publish response arrived, that is the
plant server's share (its write loop, publishing interval and sending) against the
recorder's (decoding, buffering, COPY). Every ``every``-th value with a source timestamp
is sampled (not those flagged for a timestamp ahead of receipt); ``log_if_due`` writes
one INFO line per ``interval_s`` and starts again.
"""

from __future__ import annotations

import datetime as dt
import logging
import time

from store.readings import FLAGS, TIME, TIME_SOURCE, ReadingRow, TimeSource

__all__ = ["DeliveryLatency"]

logger = logging.getLogger(__name__)

_SOURCE = int(TimeSource.SOURCE)


class DeliveryLatency:
    """Samples of (receive time - source timestamp) of one endpoint's values [s]."""

    def __init__(self, label: str, interval_s: float = 10.0, every: int = 10) -> None:
        self.label, self.interval_s, self.every = label, interval_s, every
        self.samples: list[float] = []
        self._since = time.monotonic()

    def note(self, rows: list[ReadingRow], received: dt.datetime) -> None:
        self.samples.extend(
            (received - row[TIME]).total_seconds()
            for row in rows[:: self.every]
            if row[TIME_SOURCE] == _SOURCE and not row[FLAGS]
        )

    def log_if_due(self) -> None:
        now = time.monotonic()
        if now - self._since < self.interval_s:
            return
        samples, self.samples, self._since = sorted(self.samples), [], now
        if samples:
            logger.info(
                "%s: source-to-receive latency p50 %.3f s p99 %.3f s max %.3f s (%d samples)",
                self.label,
                samples[len(samples) // 2],
                samples[min(len(samples) - 1, int(0.99 * len(samples)))],
                samples[-1],
                len(samples),
            )
