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

from simulators.opcua.fastpath import DirectWriter

__all__ = ["STATUS_GOOD", "Publisher"]

_log = logging.getLogger(__name__)
STATUS_GOOD = 0
_VALUE = ua.AttributeIds.Value


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
        double = ua.VariantType.Double
        codes = status.tolist()
        for i, (value, ok) in enumerate(zip(values.tolist(), written.tolist(), strict=True)):
            if not ok:
                continue
            dv = ua.DataValue(ua.Variant(value, double), self._status_code(codes[i]), ts, now)
            if self._direct is not None:
                await self._direct.write(i, dv)
            else:
                await self._aspace.write_attribute_value(self._numeric[i], _VALUE, dv)
        self.writes += int(written.sum())

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
