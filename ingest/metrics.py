"""Prometheus metrics of the ingest service, served on its own port.

The values live in the collectors' and writers' own counters; a custom collector reads
them at scrape time, so the hot path pays nothing for metrics.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING
from wsgiref.simple_server import WSGIServer

import numpy as np
from prometheus_client import CollectorRegistry, start_http_server
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from ingest.pipeline.collector import EndpointCollector
from ingest.pipeline.record_writer import RecordWriter
from ingest.pipeline.writer import BatchWriter, RowBuffer

if TYPE_CHECKING:  # the forecast job loads the twin; metrics only read its counters
    from ingest.jobs.forecast import ForecastCounters

__all__ = ["IngestMetrics", "serve_metrics"]

_STATES = ("starting", "connecting", "running", "reconnecting", "stopped")


class IngestMetrics(Collector):
    """Reads the service's counters when Prometheus scrapes."""

    def __init__(
        self,
        collectors: Sequence[EndpointCollector],
        writer: BatchWriter,
        buffer: RowBuffer,
        records: RecordWriter,
        forecasts: ForecastCounters | None = None,
    ) -> None:
        self._collectors = collectors
        self._forecasts = forecasts
        self._writer = writer
        self._buffer = buffer
        self._records = records

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        yield from self._endpoint_metrics()
        counters = self._writer.counters
        yield _counter("rows_written", "Readings committed to the database", counters.rows_written)
        yield _counter(
            "rows_duplicate", "Readings skipped as already stored", counters.rows_duplicate
        )
        yield _counter("events_written", "Events committed", self._records.counters.events_written)
        yield _counter("lots_written", "Lot records committed", self._records.counters.lots_written)
        yield _counter(
            "lots_conflicting",
            "Lot ids published again with other content (kept in lot_conflict)",
            self._records.counters.lots_conflicting,
        )
        yield _gauge(
            "records_spool_segments",
            "Segments of events and lots waiting for the database",
            len(self._records.spool),
        )
        yield _gauge("queue_rows", "Readings waiting for the writer", len(self._buffer))
        lag = (
            time.monotonic() - counters.last_commit_monotonic
            if counters.last_commit_monotonic is not None
            else float("nan")
        )
        yield _gauge("seconds_since_commit", "Seconds since the writer last committed", lag)
        yield _latency_quantiles(list(counters.commit_latency_s))
        if self._forecasts is not None:
            yield from _forecast_metrics(self._forecasts)

    def _endpoint_metrics(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        received = _labelled_counter("notifications", "Data changes received")
        dropped = _labelled_counter("notifications_dropped", "Data changes a full queue dropped")
        future = _labelled_counter(
            "readings_future", "Readings whose source timestamp was ahead of receipt (flagged)"
        )
        tags = GaugeMetricFamily("magnetline_ingest_tags", "Tags monitored", labels=["endpoint"])
        state = GaugeMetricFamily(
            "magnetline_ingest_endpoint_state",
            "1 for the endpoint's current state",
            labels=["endpoint", "state"],
        )
        for collector in self._collectors:
            label, status = collector.endpoint.label, collector.status
            received.add_metric([label], status.notifications)
            dropped.add_metric([label], status.notifications_dropped)
            future.add_metric([label], status.readings_future)
            tags.add_metric([label], status.tags)
            for name in _STATES:
                state.add_metric([label, name], 1.0 if status.state == name else 0.0)
        yield from (received, dropped, future, tags, state)


def _forecast_metrics(forecasts: ForecastCounters) -> Iterator[CounterMetricFamily]:
    runs = CounterMetricFamily(
        "magnetline_ingest_forecasts",
        "Scheduled forecast runs: stored, skipped (too little data) or failed",
        labels=["outcome"],
    )
    for outcome in ("stored", "skipped", "failed"):
        runs.add_metric([outcome], getattr(forecasts, outcome))
    yield runs
    yield _counter("forecast_rows", "Prediction rows the job stored", forecasts.rows_written)


def _latency_quantiles(samples: list[float]) -> GaugeMetricFamily:
    family = GaugeMetricFamily(
        "magnetline_ingest_commit_latency_seconds",
        "Source timestamp to commit, over the latest sampled rows",
        labels=["quantile"],
    )
    if samples:
        for q, value in zip(("0.5", "0.99"), np.quantile(samples, [0.5, 0.99]), strict=True):
            family.add_metric([q], float(value))
    return family


def _counter(name: str, doc: str, value: float) -> CounterMetricFamily:
    return CounterMetricFamily(f"magnetline_ingest_{name}", doc, value=value)


def _labelled_counter(name: str, doc: str) -> CounterMetricFamily:
    return CounterMetricFamily(f"magnetline_ingest_{name}", doc, labels=["endpoint"])


def _gauge(name: str, doc: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(f"magnetline_ingest_{name}", doc, value=value)


def serve_metrics(metrics: IngestMetrics, host: str, port: int) -> WSGIServer:
    """Serve /metrics on ``host:port`` in a thread; returns the server (to shut down)."""
    registry = CollectorRegistry()
    registry.register(metrics)
    server, _thread = start_http_server(port, addr=host, registry=registry)
    return server
