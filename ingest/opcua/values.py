"""Turn one OPC UA DataValue into one `reading` row, keeping everything the plant said.

The row is ``store.readings.ReadingRow``. ``time`` is the source timestamp, else the
server timestamp, else the time we received it; ``time_source`` records which. A source
timestamp more than ``tolerance`` ahead of the receive time is kept as sent and flagged
(``ReadingFlag.FUTURE_TIME``). A Bad value is kept as the server sent it, beside its status
(a Bad reading is told by its status, never by a missing value); NaN is a legitimate float8
and passes through.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from enum import Enum
from typing import Any

from asyncua import ua

from store.readings import ReadingFlag, ReadingRow, TimeSource

__all__ = ["DEFAULT_FUTURE_TOLERANCE", "row_from_datavalue", "split_value"]

DEFAULT_FUTURE_TOLERANCE = dt.timedelta(seconds=5)
_FUTURE = int(ReadingFlag.FUTURE_TIME)


def row_from_datavalue(
    tag_id: int,
    value: ua.DataValue,
    received: dt.datetime,
    tolerance: dt.timedelta = DEFAULT_FUTURE_TOLERANCE,
) -> ReadingRow:
    """The `reading` row for ``value`` of tag ``tag_id``, received at ``received`` (UTC)."""
    status = value.StatusCode.value if value.StatusCode is not None else 0
    time, source = _timestamp(value, received)
    flags = _FUTURE if source == TimeSource.SOURCE and time > received + tolerance else 0
    raw = value.Value.Value if value.Value is not None else None
    number, text = split_value(raw)
    return (time, tag_id, number, text, status, value.ServerTimestamp, source, flags)


def split_value(raw: Any) -> tuple[float | None, str | None]:
    """A plant value as (number, text): numbers and booleans as float, the rest as text."""
    if raw is None:
        return None, None
    if isinstance(raw, bool):
        return float(raw), None
    if isinstance(raw, int | float):
        return float(raw), None
    if isinstance(raw, str):
        return None, raw
    if isinstance(raw, ua.LocalizedText):
        return None, raw.Text
    if isinstance(raw, Enum):
        return float(raw.value), raw.name
    if isinstance(raw, dt.datetime):
        return raw.timestamp(), raw.isoformat()
    if isinstance(raw, list | tuple):
        return None, json.dumps([_jsonable(item) for item in raw])
    return None, str(raw)


def _jsonable(item: Any) -> Any:
    if isinstance(item, float) and not math.isfinite(item):
        return str(item)
    if isinstance(item, bool | int | float | str) or item is None:
        return item
    return str(item)


def _timestamp(value: ua.DataValue, received: dt.datetime) -> tuple[dt.datetime, int]:
    if value.SourceTimestamp is not None:
        return value.SourceTimestamp, int(TimeSource.SOURCE)
    if value.ServerTimestamp is not None:
        return value.ServerTimestamp, int(TimeSource.SERVER)
    return received, int(TimeSource.RECEIVED)
