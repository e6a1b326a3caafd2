"""HistoryRead for every variable and for the Server object's events, from ``History``.

asyncua's built-in historizing subscribes to each node internally and roughly doubles the
cost of a write; this storage instead reads the ring the publisher fills anyway.

Values come back as they were published: a Bad status with a null value (the publisher
writes Bad values as null, OPC UA Part 4). Events (ReadEventDetails on the Server object,
ns=0;i=2253) come back with the same fields the live subscription delivered, oldest first
(newest first when StartTime is later than EndTime or unset), filtered by the request's
where clause as a subscription's are. Event times are unique (``simulators.events``), so a
continuation point, the time of the first event not sent, resumes exactly where the
previous answer stopped.
"""

from __future__ import annotations

import logging
from datetime import datetime

from asyncua import ua
from asyncua.common.events import Event
from asyncua.server.address_space import AddressSpace
from asyncua.server.history import HistoryStorageInterface
from asyncua.server.monitored_item_service import WhereClauseEvaluator

from simulators.events import StampedEvent
from simulators.history import History
from simulators.opcua.events import to_event
from simulators.opcua.times import datetime_from_us, us_from_datetime

__all__ = ["PublisherHistoryStorage", "datetime_from_us", "us_from_datetime"]

_log = logging.getLogger(__name__)
_MAX_US = 2**62
_SERVER = ua.NodeId(ua.ObjectIds.Server)
_SEVERITY_BAD = 0x80000000  # StatusCode.is_bad(): top bit set
_NULL = ua.Variant(None, ua.VariantType.Null)  # a Bad value, as the publisher sends it


def _time_range(start: datetime | None, end: datetime | None) -> tuple[int, int, bool]:
    """(low µs, high µs, newest first) of a ReadRaw or ReadEvent request."""
    start_us, end_us = us_from_datetime(start), us_from_datetime(end)
    backwards = end_us is not None and (start_us is None or start_us > end_us)
    lo, hi = sorted((start_us or 0, end_us if end_us is not None else _MAX_US))
    return lo, hi, backwards


class PublisherHistoryStorage(HistoryStorageInterface):
    """Read-only history storage over ``History``, keyed by string node id.

    ``event_template`` (an event of the plant's event type, ``simulators.opcua.events``)
    and ``aspace`` (for where clauses that name event types) enable event history.
    """

    def __init__(
        self,
        history: History,
        ns: int,
        event_template: Event | None = None,
        aspace: AddressSpace | None = None,
        max_values: int = 10_000,
    ) -> None:
        super().__init__(max_values)
        self.history, self.ns = history, ns
        self.event_template, self.aspace = event_template, aspace

    async def new_historized_node(self, node_id, period, count=0) -> None:
        """Every variable is historized by the publisher already; nothing to do."""

    async def save_node_value(self, node_id, datavalue) -> None:
        """Values are kept by the publisher, not through this interface."""

    async def stop(self) -> None:
        """The publisher saves the history; nothing to close here."""

    async def read_node_history(
        self, node_id: ua.NodeId, start: datetime | None, end: datetime | None, nb_values: int
    ):
        """Values of ``node_id`` between ``start`` and ``end`` (OPC UA ReadRaw semantics)."""
        path = node_id.Identifier if node_id.NamespaceIndex == self.ns else None
        lo, hi, backwards = _time_range(start, end)
        values = self._values(path, lo, hi)
        if backwards:
            values.reverse()
        limit = min(
            nb_values or self.max_history_data_response_size, self.max_history_data_response_size
        )
        cont = None
        if len(values) > limit:
            # More than the client asked for per node (NumValuesPerNode) or than we send at
            # once: the spec asks for a continuation point either way, or the rest is lost.
            if not backwards:
                cont = values[limit].SourceTimestamp
            values = values[:limit]
        return values, cont

    def _values(self, path: str | None, lo: int, hi: int) -> list[ua.DataValue]:
        if path in self.history.columns:
            return [
                ua.DataValue(
                    _NULL if s & _SEVERITY_BAD else ua.Variant(v, ua.VariantType.Double),
                    ua.StatusCode(s),
                    datetime_from_us(t),
                    datetime_from_us(t),
                )
                for t, v, s in self.history.numeric(path, lo, hi)
            ]
        if path in self.history.texts:
            return [
                ua.DataValue(
                    ua.Variant(v), ua.StatusCode(0), datetime_from_us(t), datetime_from_us(t)
                )
                for t, v in self.history.text(path, lo, hi)
            ]
        return []

    async def read_event_history(
        self,
        source_id: ua.NodeId,
        start: datetime | None,
        end: datetime | None,
        nb_values: int,
        evfilter: ua.EventFilter,
    ) -> tuple[list[Event], datetime | None]:
        """Events of the Server object between ``start`` and ``end`` (OPC UA ReadEvent).

        At most ``nb_values`` (NumValuesPerNode; 0: no limit) and never more than
        ``max_history_data_response_size`` per answer; the continuation point is the time
        of the first event left out, from which the next request starts (inclusive).
        """
        if source_id != _SERVER or self.event_template is None:
            return [], None
        lo, hi, backwards = _time_range(start, end)
        stamped = self.history.events_between(lo, hi)
        if backwards:
            stamped.reverse()
        events = [self._event(e) for e in stamped]
        events = [e for e in events if self._where(evfilter).eval(e)]
        limit = min(
            nb_values or self.max_history_data_response_size, self.max_history_data_response_size
        )
        if len(events) <= limit:
            return events, None
        return events[:limit], events[limit].Time

    def _event(self, stamped: StampedEvent) -> Event:
        return to_event(self.event_template, stamped, self.ns)

    def _where(self, evfilter: ua.EventFilter | None) -> WhereClauseEvaluator:
        where = evfilter.WhereClause if evfilter is not None else ua.ContentFilter()
        return WhereClauseEvaluator(_log, self.aspace, where)
