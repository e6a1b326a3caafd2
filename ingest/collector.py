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
from asyncua.common.subscription import DataChangeEvent, OverflowPolicy, Subscription

from ingest.discovery import TagInfo, discover_tags
from ingest.errors import OpcUaError
from ingest.rows import row_from_datavalue
from ingest.settings import EndpointSettings, SubscriptionSettings
from ingest.tag_repository import register_tags
from ingest.writer import RowBuffer

__all__ = ["CollectorState", "EndpointCollector"]

logger = logging.getLogger(__name__)

_MIN_QUEUE = 100_000
_ROWS_PER_PUT = 2000  # notifications handed to the buffer at once: fewer awaits per row
_MAX_RETRY_S = 10.0
_HAND_OVER_S = 0.1  # longest a notification waits in the collector before the buffer


@dataclass
class CollectorState:
    state: str = "starting"
    tags: int = 0
    notifications: int = 0
    failed_items: int = 0
    last_notification: dt.datetime | None = None


class EndpointCollector:
    """Records one endpoint into ``buffer`` until stopped."""

    def __init__(
        self,
        endpoint: EndpointSettings,
        subscription: SubscriptionSettings,
        tag_conn: psycopg.AsyncConnection,
        buffer: RowBuffer,
    ) -> None:
        self.endpoint = endpoint
        self._settings = subscription
        self._tag_conn = tag_conn
        self._buffer = buffer
        self._tag_ids: dict[ua.NodeId, int] = {}
        self.status = CollectorState()

    async def run(self, stop: asyncio.Event) -> None:
        client = await self._connect_with_retry(stop)
        if client is None:
            return
        try:
            tags = await discover_tags(client, self.endpoint.label, self.endpoint.namespace_uri)
            await self._register(tags)
            subscription = await self._subscribe(client, tags)
            self.status.state = "running"
            await self._consume(subscription, stop)
        finally:
            self.status.state = "stopped"
            await client.disconnect()

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
            except (OSError, TimeoutError, ua.UaError) as exc:
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
            if isinstance(event, DataChangeEvent):
                rows.append(self._row(event))
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

    def _row(self, event: DataChangeEvent) -> tuple:
        received = dt.datetime.now(dt.UTC)
        tag_id = self._tag_ids[event.data.subscription_data.node.nodeid]
        return row_from_datavalue(tag_id, event.data.monitored_item.Value, received)
