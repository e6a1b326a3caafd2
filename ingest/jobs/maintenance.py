"""The service's own scheduled job: roll-ups, then retention, every few seconds; each tag's
expected interval (store.intervals) every few minutes.

Runs in a worker thread with a connection of its own so that a long roll-up never stalls
the collectors or the writer on the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging

import psycopg

from ingest.pipeline.writer import BatchWriter
from ingest.settings import IngestSettings
from store.intervals import observe_expected_intervals
from store.retention import apply_retention
from store.rollups import roll_up

__all__ = ["run_maintenance"]

logger = logging.getLogger(__name__)

_OBSERVE_INTERVALS_EVERY_S = 600.0  # a window function over 10 minutes of readings


async def run_maintenance(
    dsn: str, settings: IngestSettings, writer: BatchWriter, stop: asyncio.Event
) -> None:
    """Every ``rollup.interval_s`` until ``stop``: roll up what is final, drop what is due.

    Skipped while rows wait in the spool: they belong before the watermark it would set.
    """
    counters = writer.counters
    loop = asyncio.get_running_loop()
    intervals_due = loop.time()
    # Soon after a start a slow tag has too few readings to tell its interval: look again
    # after twice as long each time, up to the steady period, so stale works within minutes.
    observe_every_s = settings.rollup.interval_s
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), settings.rollup.interval_s)
        if counters.newest_time is None or len(writer.spool) or not counters.database_up:
            continue
        data_until = counters.newest_time - dt.timedelta(seconds=settings.rollup.grace_s)
        late_since = counters.take_written_since()
        observe = loop.time() >= intervals_due
        try:
            await asyncio.to_thread(_once, dsn, settings, data_until, late_since, observe)
            if observe:
                observe_every_s = min(2 * observe_every_s, _OBSERVE_INTERVALS_EVERY_S)
                intervals_due = loop.time() + observe_every_s
        except psycopg.Error as exc:
            # Put the redo point back so the next run covers these rows too.
            if late_since is not None:
                counters.note_times(late_since, late_since)
            logger.warning("roll-up or retention failed, will retry: %s", exc)


def _once(
    dsn: str,
    settings: IngestSettings,
    data_until: dt.datetime,
    late_since: dt.datetime | None,
    observe_intervals: bool,
) -> None:
    # A connection per run: cheap every half minute, and nothing stale after an outage.
    with psycopg.connect(dsn, autocommit=True, connect_timeout=5) as conn:
        upserted = roll_up(conn, data_until, late_since)
        logger.debug("roll-ups upserted %s", upserted)
        retention = settings.retention
        apply_retention(
            conn,
            dt.datetime.now(dt.UTC),
            retention.raw_days,
            retention.minute_days,
            retention.hour_days,
        )
        if observe_intervals:
            changed = observe_expected_intervals(conn, data_until)
            logger.debug("expected intervals of %d tags updated", changed)
