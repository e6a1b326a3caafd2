"""The ingest service: collectors for every endpoint, one writer, a health record.

Runs until asked to stop (SIGINT/SIGTERM), then stops the collectors and flushes what the
buffer still holds before it closes the database connections.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import signal
import time

import psycopg

from ingest.collector import EndpointCollector
from ingest.maintenance import run_maintenance
from ingest.metrics import IngestMetrics, serve_metrics
from ingest.migrate import apply_migrations
from ingest.record_writer import RecordWriter
from ingest.settings import IngestSettings
from ingest.writer import BatchWriter, RowBuffer

__all__ = ["run_service"]

logger = logging.getLogger(__name__)

_HEALTH_UPSERT = """
INSERT INTO ingest_health (endpoint, state, updated_at, details) VALUES (%s, %s, %s, %s)
ON CONFLICT (endpoint) DO UPDATE SET state = EXCLUDED.state, updated_at = EXCLUDED.updated_at,
    details = EXCLUDED.details
"""


async def run_service(
    settings: IngestSettings, dsn: str, stop: asyncio.Event | None = None
) -> None:
    """Record every configured endpoint until ``stop`` is set or a signal arrives."""
    apply_migrations(dsn)
    stop = stop or _stop_on_signals()
    buffer = RowBuffer(settings.writer.queue_max_rows)
    async with (
        await psycopg.AsyncConnection.connect(dsn) as write_conn,
        await psycopg.AsyncConnection.connect(dsn, autocommit=True) as meta_conn,
        await psycopg.AsyncConnection.connect(dsn) as record_conn,
    ):
        writer = BatchWriter(
            write_conn, buffer, settings.writer.batch_size, settings.writer.flush_interval_s
        )
        records = RecordWriter(record_conn)
        collectors = [
            EndpointCollector(endpoint, settings.subscription, meta_conn, buffer, records)
            for endpoint in settings.endpoint
        ]
        metrics_server = _serve_metrics(settings, collectors, writer, buffer, records)
        collector_stop = asyncio.Event()
        tasks = [
            asyncio.create_task(c.run(collector_stop), name=c.endpoint.label) for c in collectors
        ]
        writer_stop = asyncio.Event()
        writer_task = asyncio.create_task(writer.run(writer_stop), name="writer")
        records_task = asyncio.create_task(records.run(writer_stop), name="records")
        maintenance_task = asyncio.create_task(
            run_maintenance(dsn, settings, writer.counters, writer_stop), name="maintenance"
        )
        health_task = asyncio.create_task(
            _report_health(meta_conn, collectors, writer, buffer, settings.health_interval_s, stop)
        )
        await _wait_for_stop_or_failure(stop, tasks)
        collector_stop.set()
        results = await asyncio.gather(*tasks, return_exceptions=True)
        writer_stop.set()
        await writer_task
        await records_task
        await maintenance_task
        await health_task
        await _write_health(meta_conn, collectors, writer, buffer)
        if metrics_server is not None:
            metrics_server[0].shutdown()
    logger.info(
        "stopped: %d rows written, %d duplicates skipped",
        writer.counters.rows_written,
        writer.counters.rows_duplicate,
    )
    for result in results:
        if isinstance(result, BaseException):
            raise result


def _serve_metrics(settings: IngestSettings, collectors, writer, buffer, records):
    if not settings.metrics_port:
        return None
    metrics = IngestMetrics(collectors, writer, buffer, records)
    server = serve_metrics(metrics, settings.metrics_host, settings.metrics_port)
    logger.info("metrics on http://%s:%d/metrics", settings.metrics_host, settings.metrics_port)
    return server


def _stop_on_signals() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    return stop


async def _wait_for_stop_or_failure(stop: asyncio.Event, tasks: list[asyncio.Task]) -> None:
    stop_task = asyncio.create_task(stop.wait())
    done, _ = await asyncio.wait([stop_task, *tasks], return_when=asyncio.FIRST_COMPLETED)
    if stop_task not in done:
        stop_task.cancel()
        for task in done:
            if task.exception() is not None:
                logger.error("collector %s failed: %s", task.get_name(), task.exception())


async def _report_health(
    conn, collectors, writer, buffer, interval_s: float, stop: asyncio.Event
) -> None:
    while not stop.is_set():
        await _write_health(conn, collectors, writer, buffer)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), interval_s)


async def _write_health(
    conn, collectors: list[EndpointCollector], writer: BatchWriter, buffer: RowBuffer
) -> None:
    now = dt.datetime.now(dt.UTC)
    counters = writer.counters
    commit_age_s = (
        time.monotonic() - counters.last_commit_monotonic
        if counters.last_commit_monotonic is not None
        else None
    )
    for collector in collectors:
        details = {
            "tags": collector.status.tags,
            "notifications": collector.status.notifications,
            "failed_items": collector.status.failed_items,
            "notifications_dropped": collector.status.notifications_dropped,
            "events": collector.status.events,
            "sessions_lost": collector.status.sessions_lost,
            "lots_invalid": collector.status.lots_invalid,
            "last_notification": _iso(collector.status.last_notification),
            "writer_rows_written": counters.rows_written,
            "writer_rows_duplicate": counters.rows_duplicate,
            "writer_queue_rows": len(buffer),
            "writer_last_commit_age_s": commit_age_s,
        }
        await conn.execute(
            _HEALTH_UPSERT,
            (collector.endpoint.label, collector.status.state, now, json.dumps(details)),
        )


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None
