"""The ingest service: collectors for every endpoint, the writers, the scheduled jobs, health.

Runs until asked to stop (SIGINT/SIGTERM), then stops the collectors, stores (or spools)
what is still buffered, and closes. Each endpoint fails and recovers on its own; the
database going away sends readings to the spool, and they are replayed when it is back.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import signal
from pathlib import Path
from wsgiref.simple_server import WSGIServer

from psycopg.conninfo import conninfo_to_dict
from psycopg_pool import AsyncConnectionPool

from ingest.errors import ConfigError
from ingest.health import report_health, write_health
from ingest.jobs.forecast import ForecastCounters, run_forecast_job
from ingest.jobs.maintenance import run_maintenance
from ingest.metrics import IngestMetrics, serve_metrics
from ingest.pipeline.buffer import RowBuffer
from ingest.pipeline.collector import EndpointCollector
from ingest.pipeline.record_writer import RecordWriter
from ingest.pipeline.spool import Spool
from ingest.pipeline.writer import BatchWriter
from ingest.settings import IngestSettings
from runtime.state import default_state_dir
from store.migrate import apply_migrations

__all__ = ["run_service"]

logger = logging.getLogger(__name__)

_COLLECTOR_STOP_GRACE_S = 5.0


async def run_service(
    settings: IngestSettings, dsn: str, stop: asyncio.Event | None = None
) -> None:
    """Record every configured endpoint until ``stop`` is set or a signal arrives."""
    apply_migrations(dsn)
    stop = stop or _stop_on_signals()
    buffer = RowBuffer(settings.writer.queue_max_rows)
    spool = Spool(spool_dir(settings, dsn), int(settings.writer.spool_max_mb * 1e6))
    writer = BatchWriter(
        dsn, buffer, settings.writer.batch_size, settings.writer.flush_interval_s, spool
    )
    pool = AsyncConnectionPool(dsn, min_size=1, max_size=4, open=False, kwargs={"autocommit": True})
    records = RecordWriter(pool)
    collectors = [
        EndpointCollector(endpoint, settings.subscription, pool, buffer, records)
        for endpoint in settings.endpoint
    ]
    forecasts = ForecastCounters()
    metrics = IngestMetrics(collectors, writer, buffer, records, forecasts)
    metrics_server = _serve_metrics(settings, metrics)
    await pool.open(wait=False)
    try:
        await _run(settings, dsn, stop, pool, buffer, writer, records, collectors, forecasts)
    finally:
        await pool.close()
        if metrics_server is not None:
            metrics_server.shutdown()
    logger.info(
        "stopped: %d rows written, %d duplicates skipped, %d spool segments left",
        writer.counters.rows_written,
        writer.counters.rows_duplicate,
        len(writer.spool),
    )


async def _run(settings, dsn, stop, pool, buffer, writer, records, collectors, forecasts) -> None:
    collector_stop, writer_stop = asyncio.Event(), asyncio.Event()
    tasks = [asyncio.create_task(c.run(collector_stop), name=c.endpoint.label) for c in collectors]
    background = [
        asyncio.create_task(writer.run(writer_stop), name="writer"),
        asyncio.create_task(records.run(writer_stop), name="records"),
        asyncio.create_task(run_maintenance(dsn, settings, writer, writer_stop)),
        asyncio.create_task(run_forecast_job(dsn, settings, forecasts, writer_stop)),
        asyncio.create_task(
            report_health(pool, collectors, writer, buffer, settings.health_interval_s, writer_stop)
        ),
    ]
    await _wait_for_stop_or_failure(stop, tasks)
    collector_stop.set()
    # A collector still connecting or browsing a large server does not look at the stop
    # event until it records: give it a moment, then cancel it.
    _, pending = await asyncio.wait(tasks, timeout=_COLLECTOR_STOP_GRACE_S)
    for task in pending:
        task.cancel()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    results = [r for r in results if not isinstance(r, asyncio.CancelledError)]
    writer_stop.set()
    await asyncio.gather(*background)
    await write_health(pool, collectors, writer, buffer)
    for result in results:
        if isinstance(result, BaseException):
            raise result


def spool_dir(settings: IngestSettings, dsn: str) -> Path:
    """The spool of this database: rows spooled for one database never replay into another."""
    if settings.writer.spool_dir is not None:
        return settings.writer.spool_dir
    info = conninfo_to_dict(dsn)
    key = f"{info.get('host')}:{info.get('port')}/{info.get('dbname')}"
    return default_state_dir() / "spool" / hashlib.sha256(key.encode()).hexdigest()[:16]


def _serve_metrics(settings: IngestSettings, metrics: IngestMetrics) -> WSGIServer | None:
    if not settings.metrics_port:
        return None
    try:
        server = serve_metrics(metrics, settings.metrics_host, settings.metrics_port)
    except OSError as exc:
        raise ConfigError(
            f"metrics_port {settings.metrics_port}: cannot listen there ({exc.strerror}); "
            "choose another port or 0 to turn metrics off"
        ) from exc
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
