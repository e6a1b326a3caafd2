"""The ingest service: collectors for every endpoint, the writers, the scheduled jobs, health.

Runs until asked to stop (SIGINT/SIGTERM), then stops the collectors, stores (or spools)
what is still buffered, and closes. Each endpoint fails and recovers on its own; the
database going away sends readings, events and lots to the spool, and they are replayed when
it is back. The database may be away at start too: the service records to the spool and
migrates the database once it answers.
"""

from __future__ import annotations

import asyncio
import errno
import hashlib
import logging
import os
import signal
from collections.abc import Coroutine
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIServer

from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg_pool import AsyncConnectionPool

from ingest.errors import ConfigError
from ingest.health import report_health, write_health
from ingest.jobs.forecast import ForecastCounters, run_forecast_job
from ingest.jobs.maintenance import run_maintenance
from ingest.metrics import IngestMetrics, serve_metrics
from ingest.pipeline.buffer import RowBuffer
from ingest.pipeline.collector import EndpointCollector
from ingest.pipeline.database_gate import DatabaseGate
from ingest.pipeline.receipts import Receipts
from ingest.pipeline.record_writer import RecordWriter, encode_records
from ingest.pipeline.spool import Spool
from ingest.pipeline.tag_ids import TagIds
from ingest.pipeline.writer import BatchWriter
from ingest.settings import IngestSettings
from runtime.state import default_state_dir

__all__ = ["run_service"]

logger = logging.getLogger(__name__)

_COLLECTOR_STOP_GRACE_S = 5.0


async def run_service(
    settings: IngestSettings, dsn: str, stop: asyncio.Event | None = None
) -> None:
    """Record every configured endpoint until ``stop`` is set or a signal arrives."""
    stop = stop or _stop_on_signals()
    folder = spool_dir(settings, dsn)
    dsn = _with_dead_link_detection(dsn)
    gate = DatabaseGate()
    buffer = RowBuffer(settings.writer.queue_max_rows)
    max_bytes = int(settings.writer.spool_max_mb * 1e6)
    spool, records_spool = _spools(folder, max_bytes)
    tag_ids = TagIds(folder, spool_empty=not len(spool))
    writer = BatchWriter(
        dsn,
        buffer,
        settings.writer.batch_size,
        settings.writer.flush_interval_s,
        spool,
        gate,
        tag_ids,
    )
    pool = AsyncConnectionPool(dsn, min_size=1, max_size=4, open=False, kwargs={"autocommit": True})
    records = RecordWriter(pool, records_spool, gate.migrated)
    receipts = Receipts(pool, tag_ids)
    collectors = [
        EndpointCollector(
            endpoint, settings.subscription, pool, buffer, records, gate, tag_ids, receipts
        )
        for endpoint in settings.endpoint
    ]
    forecasts = ForecastCounters()
    metrics = IngestMetrics(collectors, writer, buffer, records, forecasts)
    metrics_server = _serve_metrics(settings, metrics)
    await pool.open(wait=False)
    try:
        await _run(
            settings, dsn, stop, gate, pool, buffer, writer, records, receipts, collectors,
            forecasts,
        )  # fmt: skip
    finally:
        await pool.close()
        if metrics_server is not None:
            metrics_server.shutdown()
    logger.info(
        "stopped: %d rows written, %d duplicates skipped, %d spool segments left "
        "(%d of events and lots)",
        writer.counters.rows_written,
        writer.counters.rows_duplicate,
        len(writer.spool),
        len(records.spool),
    )


async def _run(
    settings, dsn, stop, gate, pool, buffer, writer, records, receipts, collectors, forecasts
) -> None:
    collector_stop, writer_stop = asyncio.Event(), asyncio.Event()
    migration = asyncio.create_task(gate.migrate(dsn, writer_stop), name="migrations")
    tasks = [asyncio.create_task(c.run(collector_stop), name=c.endpoint.label) for c in collectors]
    migrated = gate.migrated
    background = [
        asyncio.create_task(writer.run(writer_stop), name="writer"),
        asyncio.create_task(records.run(writer_stop), name="records"),
        asyncio.create_task(_once(migrated, writer_stop, receipts.run(writer_stop))),
        asyncio.create_task(
            _once(migrated, writer_stop, run_maintenance(dsn, settings, writer, writer_stop))
        ),
        asyncio.create_task(
            _once(migrated, writer_stop, run_forecast_job(dsn, settings, forecasts, writer_stop))
        ),
        asyncio.create_task(
            _once(
                migrated,
                writer_stop,
                report_health(
                    pool,
                    collectors,
                    writer,
                    buffer,
                    records,
                    settings.health_interval_s,
                    writer_stop,
                ),
            )
        ),
    ]
    await _wait_for_stop_or_failure(stop, [*tasks, migration])
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
    if migration.done() and migration.exception() is not None:
        raise migration.exception()
    await migration
    if migrated.is_set():
        await write_health(pool, collectors, writer, buffer, records)
    for result in results:
        if isinstance(result, BaseException):
            raise result


def _spools(folder: Path, max_bytes: int) -> tuple[Spool, Spool]:
    """The readings' spool and the records' spool under ``folder``, or one clear error."""
    try:
        spools = (
            Spool(folder, max_bytes),
            Spool(folder / "records", max_bytes, encode_records, ".jsonl"),
        )
        if not os.access(folder, os.W_OK):
            raise PermissionError(errno.EACCES, "permission denied")
    except OSError as exc:
        raise ConfigError(
            f"spool_dir {folder}: cannot keep the spool there ({exc.strerror}); "
            "choose a folder the recorder may write"
        ) from exc
    return spools


def spool_dir(settings: IngestSettings, dsn: str) -> Path:
    """The spool of this database: rows spooled for one database never replay into another."""
    if settings.writer.spool_dir is not None:
        return settings.writer.spool_dir
    info = conninfo_to_dict(dsn)
    key = f"{info.get('host')}:{info.get('port')}/{info.get('dbname')}"
    return default_state_dir() / "spool" / hashlib.sha256(key.encode()).hexdigest()[:16]


def _with_dead_link_detection(dsn: str) -> str:
    """``dsn`` with TCP keepalives and a send timeout, unless it sets them itself.

    A database behind a dead route (a cut cable, a firewall dropping packets) sends no
    reset: without these a COPY in flight waits for the kernel's default of ~15 minutes
    while the row buffer fills. With them a dead link is noticed in about 10 s and the
    writer turns to the spool."""
    defaults = {
        "connect_timeout": 10,  # s; a new connection into a dead route is given up too
        "keepalives": 1,
        "keepalives_idle": 5,
        "keepalives_interval": 2,
        "keepalives_count": 3,
        "tcp_user_timeout": 10_000,  # ms
    }
    given = conninfo_to_dict(dsn)
    return make_conninfo(dsn, **{k: v for k, v in defaults.items() if k not in given})


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


async def _once(ready: asyncio.Event, stop: asyncio.Event, job: Coroutine[Any, Any, None]) -> None:
    """Run ``job`` once ``ready`` is set; never if ``stop`` comes first."""
    waiting = asyncio.create_task(ready.wait())
    stopping = asyncio.create_task(stop.wait())
    await asyncio.wait([waiting, stopping], return_when=asyncio.FIRST_COMPLETED)
    waiting.cancel()
    stopping.cancel()
    if ready.is_set() and not stop.is_set():
        await job
    else:
        job.close()


def _stop_on_signals() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    return stop


async def _wait_for_stop_or_failure(stop: asyncio.Event, tasks: list[asyncio.Task]) -> None:
    """Until ``stop``, or a task ends in failure (one that ends well is not waited for)."""
    stop_task = asyncio.create_task(stop.wait())
    pending = {stop_task, *tasks}
    while stop_task in pending:
        done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
        failed = [task for task in done if task is not stop_task and task.exception() is not None]
        for task in failed:
            logger.error("%s failed: %s", task.get_name(), task.exception())
        if failed or len(pending) == 1:
            break
    stop_task.cancel()
