"""Collector: one OPC UA endpoint's data changes into rows for the writer.

Connects, discovers the tags, registers them, subscribes to all of them in chunks the
server accepts, and turns every notification into a `reading` row. asyncua's iterator
queue drops notifications silently when it overflows (design.md measured half lost at
5,000 items), so it is sized above the largest publish response the subscription can
carry, and every drop it would still make is counted and logged, never silent.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from dataclasses import dataclass

import psycopg
from asyncua import Client, ua
from asyncua.common.subscription import (
    DataChangeEvent,
    OpcEvent,
    OverflowPolicy,
    StatusChangeEvent,
    Subscription,
)

from ingest.discovery import TagInfo, discover_tags
from ingest.errors import OpcUaError
from ingest.events import event_row, subscribe_events
from ingest.lots import LotRecordError, parse_lot_record
from ingest.record_writer import RecordWriter
from ingest.rows import ReadingRow, row_from_datavalue
from ingest.settings import EndpointSettings, SubscriptionSettings
from ingest.tag_repository import register_tags
from ingest.writer import RowBuffer

__all__ = ["CollectorState", "EndpointCollector"]

logger = logging.getLogger(__name__)

_MIN_QUEUE = 100_000
_ROWS_PER_PUT = 2000  # notifications handed to the buffer at once: fewer awaits per row
_MAX_RETRY_S = 10.0
_SESSION_ERRORS = (OSError, TimeoutError, ConnectionError, ua.UaError)
_HAND_OVER_S = 0.1  # longest a notification waits in the collector before the buffer


@dataclass
class CollectorState:
    state: str = "starting"
    tags: int = 0
    notifications: int = 0
    failed_items: int = 0
    events: int = 0
    sessions_lost: int = 0
    lots_invalid: int = 0
    last_notification: dt.datetime | None = None


class EndpointCollector:
    """Records one endpoint into ``buffer`` until stopped."""

    def __init__(
        self,
        endpoint: EndpointSettings,
        subscription: SubscriptionSettings,
        tag_conn: psycopg.AsyncConnection,
        buffer: RowBuffer,
        records: RecordWriter,
    ) -> None:
        self.endpoint = endpoint
        self._settings = subscription
        self._tag_conn = tag_conn
        self._buffer = buffer
        self._records = records
        self._tag_ids: dict[ua.NodeId, int] = {}
        self._lot_stage: dict[ua.NodeId, str | None] = {}
        self._event_types: dict[ua.NodeId, str] = {}
        self.status = CollectorState()

    async def run(self, stop: asyncio.Event) -> None:
        """Record until ``stop``; a lost session is reopened, rediscovered and resubscribed."""
        while not stop.is_set():
            client = await self._connect_with_retry(stop)
            if client is None:
                break
            try:
                await self._record(client, stop)
            except _SESSION_ERRORS as exc:
                self.status.state = "reconnecting"
                self.status.sessions_lost += 1
                logger.warning("%s: session lost (%r); reconnecting", self.endpoint.label, exc)
            finally:
                await _disconnect_quietly(client)
        self.status.state = "stopped"

    async def _record(self, client: Client, stop: asyncio.Event) -> None:
        tags = await discover_tags(client, self.endpoint.label, self.endpoint.namespace_uri)
        await self._register(tags)
        subscription = await self._subscribe(client, tags)
        self._event_types = await self._subscribe_events(client, subscription)
        self.status.state = "running"
        await self._consume(subscription, stop)

    async def _connect_with_retry(self, stop: asyncio.Event) -> Client | None:
        """A connected client, retrying with backoff until it works or ``stop`` is set."""
        delay_s = 0.5
        while not stop.is_set():
            client = Client(self.endpoint.url, timeout=10)
            if self.endpoint.username:
                client.set_user(self.endpoint.username)
                client.set_password(self.endpoint.password or "")
            self.status.state = "connecting"
            try:
                await client.connect()
                return client
            except _SESSION_ERRORS as exc:
                logger.warning(
                    "%s: cannot connect (%r); retrying in %.1f s", self.endpoint.label, exc, delay_s
                )
            try:
                await asyncio.wait_for(stop.wait(), delay_s)
            except TimeoutError:
                delay_s = min(delay_s * 2, _MAX_RETRY_S)
        return None

    async def _register(self, tags: list[TagInfo]) -> None:
        if not tags:
            raise OpcUaError(
                f"{self.endpoint.label}: no variables in {self.endpoint.namespace_uri}"
            )
        ids = await register_tags(self._tag_conn, tags)
        self._tag_ids = {tag.node_id: ids[tag.tag_key] for tag in tags}
        lot_variable = self.endpoint.lot_variable
        self._lot_stage = {t.node_id: t.stage for t in tags if t.browse_path[-1] == lot_variable}
        self.status.tags = len(tags)

    async def _subscribe(self, client: Client, tags: list[TagInfo]) -> Subscription:
        settings = self._settings
        # A publish response carries at most every item's whole queue; the iterator
        # queue must hold that many or it drops notifications.
        queue_rows = max(_MIN_QUEUE, 2 * len(tags) * settings.queue_size)
        subscription = await client.create_subscription(
            settings.publishing_interval_ms, queue_maxsize=queue_rows, overflow=OverflowPolicy.WARN
        )
        nodes = [client.get_node(tag.node_id) for tag in tags]
        step = settings.max_items_per_request
        for start in range(0, len(nodes), step):
            results = await subscription.subscribe_data_change(
                nodes[start : start + step],
                queuesize=settings.queue_size,
                sampling_interval=settings.sampling_interval_ms,
            )
            self._count_failures(tags[start : start + step], results)
        return subscription

    async def _subscribe_events(self, client: Client, subscription: Subscription) -> dict:
        if not self.endpoint.events:
            return {}
        namespace_index = await client.get_namespace_index(self.endpoint.namespace_uri)
        try:
            return await subscribe_events(client, subscription, namespace_index)
        except ua.UaError as exc:
            logger.warning(
                "%s: events not recorded, the server refused: %s", self.endpoint.label, exc
            )
            return {}

    def _count_failures(self, tags: list[TagInfo], results: list[int | ua.StatusCode]) -> None:
        for tag, result in zip(tags, results, strict=True):
            if isinstance(result, ua.StatusCode):
                self.status.failed_items += 1
                logger.warning(
                    "%s: cannot monitor %s: %s", self.endpoint.label, tag.tag_key, result
                )

    async def _consume(self, subscription: Subscription, stop: asyncio.Event) -> None:
        loop = asyncio.get_running_loop()
        rows: list[tuple] = []
        last_put = loop.time()
        while not stop.is_set():
            event = await subscription.next_event(timeout=_HAND_OVER_S)
            if isinstance(event, StatusChangeEvent) and not event.notification.Status.is_good():
                raise ConnectionError(f"subscription status {event.notification.Status}")
            if isinstance(event, DataChangeEvent):
                row = self._row(event)
                rows.append(row)
                if event.data.subscription_data.node.nodeid in self._lot_stage:
                    await self._record_lot(event, row)
            elif isinstance(event, OpcEvent):
                await self._record_event(event)
            due = event is None or loop.time() - last_put >= _HAND_OVER_S
            if rows and (due or len(rows) >= _ROWS_PER_PUT):
                await self._hand_over(rows)
                rows, last_put = [], loop.time()
        if rows:
            await self._hand_over(rows)

    async def _hand_over(self, rows: list[tuple]) -> None:
        await self._buffer.put_many(rows)
        self.status.notifications += len(rows)
        self.status.last_notification = rows[-1][0]

    async def _record_event(self, event: OpcEvent) -> None:
        received = dt.datetime.now(dt.UTC)
        await self._records.put_event(
            event_row(self.endpoint.label, event.event, self._event_types, received)
        )
        self.status.events += 1

    async def _record_lot(self, event: DataChangeEvent, row: ReadingRow) -> None:
        text = row[3]
        if not text:
            return
        stage = self._lot_stage[event.data.subscription_data.node.nodeid]
        try:
            record = parse_lot_record(text, stage)
        except LotRecordError as exc:
            self.status.lots_invalid += 1
            logger.warning("%s: lot record not stored: %s", self.endpoint.label, exc)
            return
        await self._records.put_lot(record, self.endpoint.label)

    def _row(self, event: DataChangeEvent) -> ReadingRow:
        received = dt.datetime.now(dt.UTC)
        tag_id = self._tag_ids[event.data.subscription_data.node.nodeid]
        return row_from_datavalue(tag_id, event.data.monitored_item.Value, received)


async def _disconnect_quietly(client: Client) -> None:
    """Close a session that may already be dead without waiting the full request timeout."""
    try:
        await asyncio.wait_for(client.disconnect(), 3)
    except _SESSION_ERRORS:
        client.disconnect_socket()
