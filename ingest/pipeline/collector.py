"""Collector: one OPC UA endpoint's data changes, events and lots, recorded until stopped.

Connects (ingest.opcua.connection), resolves the selected tags (ingest.opcua.selection), registers
them (under provisional ids while the database is away, ingest.pipeline.tag_ids), subscribes to
the server's events and then monitors the tags in chunks the server accepts
(ingest.opcua.subscriptions), turning every notification into a `reading` row for the writer;
lot records and events go to the record writer. Once data flows, the gap before it is recovered
from history (ingest.pipeline.recovery) while both subscriptions run. New nodes are picked up by
browsing again every ``rebrowse_interval_s``. A lost session is reopened, rediscovered and
resubscribed.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import math
import time
from dataclasses import dataclass, field

import psycopg
from asyncua import Client, ua
from asyncua.common.subscription import OpcEvent, StatusChangeEvent
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from ingest.errors import OpcUaError
from ingest.opcua.connection import SESSION_ERRORS, connect_with_retry, disconnect_quietly
from ingest.opcua.delivery_latency import DeliveryLatency
from ingest.opcua.discovery import TagInfo
from ingest.opcua.events import EventSelection, event_row, select_events, subscribe_events
from ingest.opcua.fast_publish import RawDataChanges, data_change_rows
from ingest.opcua.hierarchy import Hierarchy
from ingest.opcua.namespaces import browsed_namespaces
from ingest.opcua.quarantine import Quarantine
from ingest.opcua.selection import resolve_tags
from ingest.opcua.server_limits import DEFAULT_LIMITS, ServerLimits, read_server_limits
from ingest.opcua.subscriptions import RecordingSubscription, create_subscription, monitor
from ingest.pipeline.buffer import RowBuffer
from ingest.pipeline.database_gate import DatabaseGate
from ingest.pipeline.lots import LotRecordError, parse_lot_record
from ingest.pipeline.receipts import Receipts
from ingest.pipeline.record_writer import RecordWriter
from ingest.pipeline.recovery import GapRecovery, RecoveryScope
from ingest.pipeline.tag_ids import TagIds
from ingest.settings import EndpointSettings, SubscriptionSettings
from store.readings import FLAGS, TAG_ID, TIME, TIME_SOURCE, VALUE_TEXT, ReadingRow, TimeSource
from store.tags import register_tags

__all__ = ["CollectorState", "EndpointCollector"]

logger = logging.getLogger(__name__)

_FUTURE_WARNING_EVERY_S = 60.0
_RECEIVED = int(TimeSource.RECEIVED)
_EVENT_WAIT_S = 0.5  # how long the event loop of a collector waits before its housekeeping


class SessionEnded(ConnectionError):
    """The server ended the subscription; ``orderly`` when it said it is shutting down."""

    _ORDERLY = frozenset(
        {
            ua.StatusCodes.BadShutdown,
            ua.StatusCodes.BadServerHalted,
            ua.StatusCodes.BadSessionClosed,
        }
    )

    def __init__(self, status: ua.StatusCode) -> None:
        self.orderly = status.value in self._ORDERLY
        what = "the server shut down" if self.orderly else "the server ended the subscription"
        super().__init__(f"{what} ({status.name})")


@dataclass
class CollectorState:
    state: str = "starting"
    tags: int = 0
    notifications: int = 0
    notifications_dropped: int = 0
    failed_items: int = 0
    events: int = 0
    lots_invalid: int = 0  # live lot records that could not be parsed
    lots_invalid_recovered: int = 0  # those read back from history after a gap
    sessions_lost: int = 0
    gaps_recorded: int = 0
    rows_backfilled: int = 0
    quarantined: set[str] = field(default_factory=set)
    last_notification: dt.datetime | None = None
    readings_future: int = 0  # flagged FUTURE_TIME: source timestamp ahead of receipt
    future_ahead_max_s: float = 0.0  # the most a source timestamp was ahead [s]


class EndpointCollector:
    """Records one endpoint into the row buffer and the record writer until stopped."""

    def __init__(
        self,
        endpoint: EndpointSettings,
        subscription: SubscriptionSettings,
        pool: AsyncConnectionPool,
        buffer: RowBuffer,
        records: RecordWriter,
        gate: DatabaseGate,
        tag_ids: TagIds,
        receipts: Receipts,
    ) -> None:
        self.endpoint = endpoint
        self._receipts = receipts
        self._tolerance = dt.timedelta(seconds=endpoint.future_tolerance_s)
        self._future_logged = -math.inf  # time.monotonic() of the last warning
        self._settings = subscription
        self._pool = pool
        self._gate = gate
        self._provisional = tag_ids
        self._known_ids: dict[str, int] = {}  # tag key -> id, kept across sessions
        self._buffer = buffer
        self._records = records
        self._tag_ids: dict[ua.NodeId, int] = {}
        self._handle_ids: dict[int, int] = {}  # client handle -> tag id
        self._lot_handles: dict[int, str | None] = {}  # client handle -> stage
        self._first_data: asyncio.Future[dt.datetime] | None = None  # this session's
        self._first_data_of_process: dt.datetime | None = None
        self._stored_until: asyncio.Task[dt.datetime | None] | None = None
        self._process_gap_added = False
        self._subscription: RecordingSubscription | None = None
        self._event_types: dict[ua.NodeId, str] = {}
        self._limits = DEFAULT_LIMITS
        self._recovery = GapRecovery(
            endpoint.label,
            pool,
            buffer,
            records,
            gate.migrated,
            dt.timedelta(seconds=endpoint.backfill_overlap_s),
            self._tolerance,
        )
        self._quarantine = Quarantine(
            endpoint.label, endpoint.quarantine_retry_s, Hierarchy.of(endpoint)
        )
        self._delivery = DeliveryLatency(endpoint.label)
        self._backfill: asyncio.Task | None = None
        self._uses_provisional_ids = False
        self.status = CollectorState()

    async def run(self, stop: asyncio.Event) -> None:
        """Record until ``stop``; a lost session is reopened, rediscovered and resubscribed."""
        while not stop.is_set():
            client = await connect_with_retry(self.endpoint, stop, self._connecting)
            if client is None:
                break
            try:
                await self._record(client, stop)
            except SessionEnded as ended:
                self.status.state = "reconnecting"
                self.status.sessions_lost += 1
                log = logger.info if ended.orderly else logger.warning
                log("%s: %s; reconnecting", self.endpoint.label, ended)
            except SESSION_ERRORS as exc:
                self.status.state = "reconnecting"
                self.status.sessions_lost += 1
                logger.warning("%s: session lost (%r); reconnecting", self.endpoint.label, exc)
            finally:
                await self._stop_backfill()
                await disconnect_quietly(client)
        if self._stored_until is not None and not self._stored_until.done():
            self._stored_until.cancel()
        self.status.state = "stopped"

    async def _stop_backfill(self) -> None:
        """An unfinished backfill leaves its gap unfilled; the next session tries again."""
        if self._backfill is not None and not self._backfill.done():
            self._backfill.cancel()
            with contextlib.suppress(asyncio.CancelledError, *SESSION_ERRORS):
                await self._backfill
        elif self._backfill is not None and not self._backfill.cancelled():
            error = self._backfill.exception()
            if error is not None:
                logger.warning("%s: recovery cut short: %r", self.endpoint.label, error)
        self._backfill = None

    def _connecting(self) -> None:
        self.status.state = "connecting"

    async def _record(self, client: Client, stop: asyncio.Event) -> None:
        # Where data stopped is known before the first new value can move it.
        seen = self.status.last_notification
        self._limits = await read_server_limits(client, self._default_limits())
        self._tag_ids, self._handle_ids, self._lot_handles = {}, {}, {}
        self._quarantine = Quarantine(
            self.endpoint.label, self.endpoint.quarantine_retry_s, Hierarchy.of(self.endpoint)
        )
        tags, unknown = await resolve_tags(client, self.endpoint, self._limits)
        if not tags and not unknown:
            raise OpcUaError(f"{self.endpoint.label}: the settings select no variable")
        self._quarantine.add_unknown(unknown)
        await self._register(tags)
        if self._stored_until is None:
            self._look_up_stored_until(tags)
        subscription = await create_subscription(client, self._settings, self._on_data_changes)
        self._subscription = subscription
        # Events first: an event after the data items' first values is then live, and one
        # before them lies in the gap that the recovery reads from event history.
        events = await self._subscribe_events(client, subscription)
        self._first_data = asyncio.get_running_loop().create_future()
        await self._add_tags(subscription, tags)
        self.status.state = "running"
        # Only now, with every subscription in place: the recovery's HistoryReads share the
        # session and would otherwise hold up the monitored items' creation.
        self._backfill = asyncio.create_task(
            self._recover(client, tags, events, seen), name=f"recovery {self.endpoint.label}"
        )
        await self._consume(client, subscription, stop)

    def _look_up_stored_until(self, tags: list[TagInfo]) -> None:
        """Where the endpoint's stored data ends (the start of the gap before this process);
        readings stay out of the database until it is known."""
        self._gate.hold(self.endpoint.label)
        rows = [tag.row() for tag in tags]

        async def look_up() -> dt.datetime | None:
            try:
                return await self._recovery.stored_until(rows)
            finally:
                self._gate.release(self.endpoint.label)

        self._stored_until = asyncio.create_task(
            look_up(), name=f"stored until {self.endpoint.label}"
        )

    async def _recover(
        self,
        client: Client,
        tags: list[TagInfo],
        events: EventSelection | None,
        seen: dt.datetime | None,
    ) -> None:
        """Once data flows: record the gaps before it and recover them from history."""
        end = await self._first_data
        if not self._process_gap_added:
            start = await self._stored_until
            self._recovery.add_gap(start, self._first_data_of_process, "recorder was not running")
            self._process_gap_added = True
        if seen is not None:
            self._recovery.add_gap(seen, end, "session lost")
        lot_stages = {self._handle_ids[h]: stage for h, stage in self._lot_handles.items()}
        scope = RecoveryScope(
            tags, dict(self._tag_ids), lot_stages, events, lambda: self.status.last_notification
        )
        await self._recovery.recover(client, scope)

    def _default_limits(self) -> ServerLimits:
        return ServerLimits(monitored_items_per_call=self._settings.max_items_per_request)

    async def _register(self, tags: list[TagInfo]) -> dict[str, int]:
        """Ids of ``tags``; new ones are registered, or given provisional ids while the
        database is away (recording goes on; the writer registers them later)."""
        new = [tag.row() for tag in tags if tag.tag_key not in self._known_ids]
        if not new:
            return self._known_ids
        if self._gate.migrated.is_set():
            try:
                async with self._pool.connection(timeout=5) as conn:
                    self._known_ids.update(await register_tags(conn, new))
                return self._known_ids
            except (PoolTimeout, psycopg.OperationalError, psycopg.InterfaceError) as exc:
                logger.warning("%s: cannot register tags: %s", self.endpoint.label, exc)
        self._known_ids.update(self._provisional.provisional(new))
        self._uses_provisional_ids = True
        logger.warning(
            "%s: the database is away; %d tags recorded under provisional ids until it is back",
            self.endpoint.label,
            len(new),
        )
        return self._known_ids

    def _adopt_database_ids(self) -> None:
        """Provisional ids the writer has registered since: use the database's from now."""
        if not self._uses_provisional_ids or not self._provisional.resolved:
            return
        database_id = self._provisional.database_id
        self._known_ids = {key: database_id(i) for key, i in self._known_ids.items()}
        self._tag_ids = {node: database_id(i) for node, i in self._tag_ids.items()}
        self._handle_ids = {handle: database_id(i) for handle, i in self._handle_ids.items()}
        self._uses_provisional_ids = any(i < 0 for i in self._known_ids.values())

    async def _add_tags(self, subscription: RecordingSubscription, tags: list[TagInfo]) -> None:
        ids = await self._register(tags)
        for tag in tags:
            self._tag_ids[tag.node_id] = ids[tag.tag_key]
        refused = await monitor(
            subscription,
            tags,
            self._settings,
            self.endpoint.deadband,
            self._limits.monitored_items_per_call,
            self._learn_handles,
        )
        self._quarantine.add_refused(refused)
        self._update_tag_counts()

    def _learn_handles(self, handles: dict[int, TagInfo]) -> None:
        lot_variable = self.endpoint.lot_variable
        for handle, tag in handles.items():
            self._handle_ids[handle] = self._known_ids[tag.tag_key]
            if tag.browse_path[-1] == lot_variable:
                self._lot_handles[handle] = tag.stage

    def _update_tag_counts(self) -> None:
        self.status.quarantined = self._quarantine.keys
        self.status.failed_items = len(self.status.quarantined)
        # Refused items were registered (they have ids); unknown ids never were.
        self.status.tags = len(self._tag_ids) - self._quarantine.refused_count

    async def _retry_quarantined(self, client: Client, subscription: RecordingSubscription) -> None:
        tags = await self._quarantine.release(client, self._limits)
        if tags:
            await self._add_tags(subscription, tags)
        self._update_tag_counts()

    async def _add_new_tags(self, client: Client, subscription: RecordingSubscription) -> None:
        tags, _ = await resolve_tags(client, self.endpoint, self._limits)
        new = [tag for tag in tags if tag.node_id not in self._tag_ids]
        if new:
            logger.info("%s: %d new tags found on re-browse", self.endpoint.label, len(new))
            await self._add_tags(subscription, new)

    async def _subscribe_events(
        self, client: Client, subscription: RecordingSubscription
    ) -> EventSelection | None:
        if not self.endpoint.events:
            return None
        label, uris = self.endpoint.label, self.endpoint.namespaces
        namespaces = await browsed_namespaces(client, label, uris)
        try:
            selection = await select_events(client, set(namespaces))
            await subscribe_events(subscription, client.nodes.server, selection)
        except ua.UaStatusCodeError as exc:
            logger.warning(
                "%s: events not recorded, the server refused: %s", self.endpoint.label, exc
            )
            return None
        self._event_types = selection.type_names
        return selection

    async def _consume(
        self, client: Client, subscription: RecordingSubscription, stop: asyncio.Event
    ) -> None:
        """Until ``stop``: events and status changes; quarantine retries and re-browsing.
        Data changes arrive on their own, a publish response at a time (_on_data_changes)."""
        loop = asyncio.get_running_loop()
        last_browse = loop.time()
        while not stop.is_set():
            event = await subscription.next_event(timeout=_EVENT_WAIT_S)
            if isinstance(event, StatusChangeEvent) and not event.notification.Status.is_good():
                raise SessionEnded(event.notification.Status)
            if isinstance(event, OpcEvent):
                await self._record_event(event)
            self._adopt_database_ids()
            if self._quarantine.due():
                await self._retry_quarantined(client, subscription)
            self._delivery.log_if_due()
            if self._rebrowse_due(loop.time() - last_browse):
                await self._add_new_tags(client, subscription)
                last_browse = loop.time()

    async def _on_data_changes(
        self, notification: RawDataChanges | ua.DataChangeNotification, received: dt.datetime
    ) -> None:
        """A publish response's data changes: rows to the writer, lots to the record writer.
        The first ones of a session also say where a gap before them ends."""
        rows, handles = data_change_rows(notification, self._handle_ids, received, self._tolerance)
        if not rows:
            return
        flagged = self._receipts.note(rows, received)
        if flagged:
            self._note_future(rows, received, flagged)
        self._delivery.note(rows, received)
        if self._lot_handles:
            await self._record_lots(handles, rows)
        await self._hand_over(rows)
        if self._first_data is not None and not self._first_data.done():
            self._first_data.set_result(self.status.last_notification)
            if self._first_data_of_process is None:
                self._first_data_of_process = self.status.last_notification

    def _note_future(self, rows: list[ReadingRow], received: dt.datetime, flagged: int) -> None:
        """Count readings stamped ahead of their receipt; warn at most once a minute."""
        ahead_s, tag_id = max((row[TIME], row[TAG_ID]) for row in rows if row[FLAGS])
        ahead_s = (ahead_s - received).total_seconds()
        self.status.readings_future += flagged
        self.status.future_ahead_max_s = max(self.status.future_ahead_max_s, ahead_s)
        if time.monotonic() - self._future_logged < _FUTURE_WARNING_EVERY_S:
            return
        self._future_logged = time.monotonic()
        logger.warning(
            "%s: %d readings stamped up to %.1f s ahead of their receipt (tag id %d; "
            "tolerance %g s): kept, flagged future_time, not counted fresh; check the "
            "plant's clock and this machine's (%d flagged so far)",
            self.endpoint.label,
            flagged,
            ahead_s,
            tag_id,
            self.endpoint.future_tolerance_s,
            self.status.readings_future,
        )

    def _rebrowse_due(self, since_s: float) -> bool:
        interval = self.endpoint.rebrowse_interval_s
        return interval > 0 and since_s >= interval

    async def _hand_over(self, rows: list[ReadingRow]) -> None:
        await self._buffer.put_many(rows)
        self.status.notifications += len(rows)
        newest = _newest_plant_time(rows, self.status.last_notification is None)
        if newest is not None and (
            self.status.last_notification is None or newest > self.status.last_notification
        ):
            self.status.last_notification = newest
        self.status.gaps_recorded = self._recovery.gaps_recorded
        self.status.rows_backfilled = self._recovery.rows_backfilled
        self.status.lots_invalid_recovered = self._recovery.lots_invalid
        dropped = self._subscription.dropped if self._subscription is not None else 0
        if dropped > self.status.notifications_dropped:
            logger.error(
                "%s: %d events dropped by a full client queue", self.endpoint.label, dropped
            )
            self.status.notifications_dropped = dropped

    async def _record_lots(self, handles: list[int], rows: list[ReadingRow]) -> None:
        for handle, row in zip(handles, rows, strict=True):
            if handle in self._lot_handles and row[VALUE_TEXT]:
                await self._record_lot(row[VALUE_TEXT], self._lot_handles[handle])

    async def _record_event(self, event: OpcEvent) -> None:
        received = dt.datetime.now(dt.UTC)
        await self._records.put_event(
            event_row(self.endpoint.label, event.event, self._event_types, received)
        )
        self.status.events += 1

    async def _record_lot(self, text: str, stage: str | None) -> None:
        try:
            record = parse_lot_record(text, stage)
        except LotRecordError as exc:
            self.status.lots_invalid += 1
            logger.warning("%s: lot record not stored: %s", self.endpoint.label, exc)
            return
        await self._records.put_lot(record, self.endpoint.label)


def _newest_plant_time(rows: list[ReadingRow], first: bool) -> dt.datetime | None:
    """The newest time of ``rows`` on the plant's clock, which gap bounds are measured on:
    rows stamped with our receive time or flagged ahead of it do not count, except when
    nothing better was ever seen (``first``; a server that sends no timestamps at all)."""
    times = [row[TIME] for row in rows if row[TIME_SOURCE] != _RECEIVED and not row[FLAGS]]
    if times:
        return max(times)
    return max(row[TIME] for row in rows) if first else None
