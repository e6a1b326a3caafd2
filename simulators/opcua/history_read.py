"""HistoryRead for every variable, answered from the publisher's own ``History``.

asyncua's built-in historizing subscribes to each node internally and roughly doubles the
cost of a write; this storage instead reads the ring the publisher fills anyway.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from asyncua import ua
from asyncua.server.history import HistoryStorageInterface

from simulators.history import History

__all__ = ["PublisherHistoryStorage", "datetime_from_us", "us_from_datetime"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MAX_US = 2**62


def datetime_from_us(t_us: int) -> datetime:
    """UTC datetime of integer microseconds since the Unix epoch (exact)."""
    return _EPOCH + timedelta(microseconds=t_us)


def us_from_datetime(dt: datetime | None) -> int | None:
    """Microseconds since the epoch, or ``None`` for an unset OPC UA time."""
    if dt is None or dt <= ua.get_win_epoch().replace(tzinfo=dt.tzinfo):
        return None
    dt = dt if dt.tzinfo else dt.replace(tzinfo=UTC)
    return (dt - _EPOCH) // timedelta(microseconds=1)


class PublisherHistoryStorage(HistoryStorageInterface):
    """Read-only history storage over ``History``, keyed by string node id."""

    def __init__(self, history: History, ns: int, max_values: int = 10_000) -> None:
        super().__init__(max_values)
        self.history, self.ns = history, ns

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
        start_us, end_us = us_from_datetime(start), us_from_datetime(end)
        backwards = end_us is not None and (start_us is None or start_us > end_us)
        lo, hi = sorted((start_us or 0, end_us if end_us is not None else _MAX_US))
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
                    ua.Variant(v, ua.VariantType.Double),
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
