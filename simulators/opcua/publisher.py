"""Writes plant values into the address space: one new ``DataValue`` per write.

Numeric signals are written every step with their status code and source timestamp; text
variables (state, lot id, phase, part id) only when they change. Writes go straight to the
address space, never through ``Node.write_value``: with ``fast=True`` through
``fastpath.DirectWriter``, else through ``write_attribute_value``. A written ``DataValue``
is never mutated afterwards, which is what lets ``fastpath`` skip asyncua's copy.
"""

from __future__ import annotations

import logging
from datetime import datetime

import numpy as np
from asyncua import Server, ua

from simulators.opcua.fastpath import DirectWriter, double_value

__all__ = ["STATUS_GOOD", "Publisher"]

_log = logging.getLogger(__name__)
STATUS_GOOD = 0
_VALUE = ua.AttributeIds.Value
_SEVERITY_BAD = 0x80000000  # StatusCode.is_bad(): top bit set


class Publisher:
    """Publishes numeric vectors and text values to fixed lists of node ids."""

    def __init__(
        self,
        server: Server,
        ns: int,
        numeric_paths: list[str],
        text_paths: list[str],
        fast: bool = True,
    ) -> None:
        self._aspace = server.iserver.aspace
        self._numeric = [ua.NodeId(p, ns) for p in numeric_paths]
        self._direct = DirectWriter(self._aspace, self._numeric) if fast else None
        self._text = {p: ua.NodeId(p, ns) for p in text_paths}
        self._status: dict[int, ua.StatusCode] = {STATUS_GOOD: ua.StatusCode(STATUS_GOOD)}
        self.writes = 0

    def _status_code(self, code: int) -> ua.StatusCode:
        status = self._status.get(code)
        if status is None:
            status = self._status[code] = ua.StatusCode(code)
        return status

    async def publish_numeric(
        self, ts: datetime, values: np.ndarray, status: np.ndarray, written: np.ndarray
    ) -> None:
        """Write ``values[i]`` with ``status[i]`` at ``ts`` for every ``i`` where ``written``."""
        now = datetime.now(ts.tzinfo)
        index = np.flatnonzero(written)
        indices, codes = index.tolist(), status[index].tolist()
        if self._direct is not None:
            make = self._data_value
            dvs = [make(v, c, ts, now) for v, c in zip(values[index].tolist(), codes, strict=True)]
            await self._direct.write_many(indices, dvs)
        else:
            double = ua.VariantType.Double
            for i, value, code in zip(indices, values[index].tolist(), codes, strict=True):
                dv = ua.DataValue(ua.Variant(value, double), self._status_code(code), ts, now)
                await self._aspace.write_attribute_value(self._numeric[i], _VALUE, dv)
        self.writes += len(index)

    def _data_value(self, value: float, code: int, ts: datetime, now: datetime) -> ua.DataValue:
        status = self._status[STATUS_GOOD] if code == STATUS_GOOD else self._status_code(code)
        if code & _SEVERITY_BAD:  # published as null, as asyncua's write does (OPC UA Part 4)
            value = None
        return double_value(value, status, ts, now)

    async def publish_text(
        self, path: str, ts: datetime, value: str | bool, status: int = STATUS_GOOD
    ) -> None:
        """Write one text or boolean variable."""
        vtype = ua.VariantType.Boolean if isinstance(value, bool) else ua.VariantType.String
        dv = ua.DataValue(
            ua.Variant(value, vtype), self._status_code(status), ts, datetime.now(ts.tzinfo)
        )
        result = await self._aspace.write_attribute_value(self._text[path], _VALUE, dv)
        if not result.is_good():
            _log.warning("write of %s refused: %s", path, result)
        self.writes += 1
