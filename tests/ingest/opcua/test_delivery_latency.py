"""The recorder logs how late values arrive (source timestamp to receipt), per interval."""

from __future__ import annotations

import datetime as dt
import logging

import pytest

from ingest.opcua.delivery_latency import DeliveryLatency
from store.readings import TimeSource, reading_row

RECEIVED = dt.datetime(2026, 3, 1, 12, 0, 0, tzinfo=dt.UTC)


def _row(age_s: float, source: TimeSource = TimeSource.SOURCE):
    return reading_row(RECEIVED - dt.timedelta(seconds=age_s), 1, 1.0, None, 0, None, int(source))


def test_samples_every_nth_value_with_a_source_timestamp() -> None:
    """Every 2nd row is sampled; rows timed by the server or by receipt are not."""
    latency = DeliveryLatency("plant", every=2)
    latency.note([_row(0.5), _row(9.0), _row(1.5), _row(7.0, TimeSource.SERVER)], RECEIVED)
    assert latency.samples == [0.5, 1.5]


def test_logs_quantiles_once_per_interval_and_starts_again(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """One line with p50, p99 and max when the interval is over; then the samples are new."""
    latency = DeliveryLatency("plant", interval_s=0.0, every=1)
    latency.note([_row(age / 100) for age in range(1, 101)], RECEIVED)
    with caplog.at_level(logging.INFO, logger="ingest.opcua.delivery_latency"):
        latency.log_if_due()
        latency.log_if_due()  # nothing sampled since: no line
    assert [r.getMessage() for r in caplog.records] == [
        "plant: source-to-receive latency p50 0.510 s p99 1.000 s max 1.000 s (100 samples)"
    ]
    assert latency.samples == []
