"""The hot path: a DataChangeNotification's binary body straight to `reading` rows.

asyncua decodes each MonitoredItemNotification into four dataclasses (notification,
DataValue, Variant, StatusCode) through generic field-by-field code, ~20 µs an item here;
a historian only needs the row. ``decode_data_changes`` reads the body (OPC UA Part 6,
5.2.2.17 DataValue, 5.2.2.16 Variant, 5.2.2.12 DiagnosticInfo) with one precompiled
``struct`` per item layout and yields exactly what ``row_from_datavalue`` makes of
asyncua's decoding of the same bytes.

Variants of the scalar numeric types, Boolean, String and null are decoded here; any other
variant (arrays, DateTime, LocalizedText, ExtensionObject, ...) is handed to asyncua's
``variant_from_binary`` for that one item. Two places where asyncua 2.1 departs from the
specification, and this module follows the specification:

- a DataValue with both SourcePicoseconds and ServerTimestamp: the spec puts
  SourcePicoseconds before ServerTimestamp, asyncua after it;
- a DiagnosticInfo's InnerDiagnosticInfo is a nested DiagnosticInfo, which asyncua reads
  as an ExtensionObject. DiagnosticInfos carry nothing a row keeps: they are skipped.

Picoseconds are skipped too (rows have microseconds). Source timestamps ahead of the
receive time by more than the tolerance are flagged as ``row_from_datavalue`` flags them,
compared as FILETIME integers (one comparison an item). Malformed input raises
``NotificationDecodeError``; the caller then decodes the same bytes with asyncua.
"""

from __future__ import annotations

import datetime as dt
import struct
from collections.abc import Mapping

from asyncua import ua
from asyncua.common.utils import Buffer
from asyncua.ua.ua_binary import get_string_encoding, variant_from_binary
from asyncua.ua.uatypes import MAX_OPC_FILETIME, win_epoch_to_datetime

from ingest.opcua.values import DEFAULT_FUTURE_TOLERANCE, split_value
from store.readings import ReadingFlag, ReadingRow, TimeSource

__all__ = ["NotificationDecodeError", "decode_data_changes"]

_VALUE, _STATUS, _SOURCE_TS, _SERVER_TS, _SOURCE_PS, _SERVER_PS = 1, 2, 4, 8, 16, 32
_STRING = 12
# Variant type id -> struct code of the scalars decoded here (Part 6, Table 1): Boolean 1,
# SByte, Byte, Int16, UInt16, Int32, UInt32, Int64, UInt64, Float, Double 11.
_SCALARS = dict(enumerate("?bBhHiIqQfd", start=1))
_EPOCH = win_epoch_to_datetime(0)
_INT32 = struct.Struct("<i")
_SOURCE = int(TimeSource.SOURCE)
_SERVER = int(TimeSource.SERVER)
_RECEIVED = int(TimeSource.RECEIVED)
_FUTURE = int(ReadingFlag.FUTURE_TIME)
_MICROSECOND = dt.timedelta(microseconds=1)


class NotificationDecodeError(ValueError):
    """The bytes are not a DataChangeNotification this decoder can read."""


class _Layout:
    """How one (encoding mask, variant type) item is laid out after its client handle.

    ``head`` unpacks handle, mask[, variant type][, value or string length]; ``tail``
    unpacks what follows the value: status, timestamps, picoseconds (spec order).
    ``value`` is None for a null or absent value, ``"s"`` for a string, ``"x"`` for a
    variant asyncua decodes, else the index of the value in ``head``'s result.
    """

    __slots__ = ("head", "server", "source", "status", "tail", "value")

    def __init__(self, mask: int, vtype: int) -> None:
        head, self.value = "<IB", None
        if mask & _VALUE:
            head += "B"
            if vtype in _SCALARS:
                head, self.value = head + _SCALARS[vtype], 3
            elif vtype == _STRING:
                head, self.value = head + "i", "s"
            elif vtype != 0:
                self.value = "x"
        tail, fields = "<", 0
        self.status = self.source = self.server = -1
        for bit, code, name in (
            (_STATUS, "I", "status"),
            (_SOURCE_TS, "q", "source"),
            (_SOURCE_PS, "2x", None),
            (_SERVER_TS, "q", "server"),
            (_SERVER_PS, "2x", None),
        ):
            if mask & bit:
                tail += code
                if name is not None:
                    setattr(self, name, fields)
                    fields += 1
        self.head, self.tail = struct.Struct(head), struct.Struct(tail)


_LAYOUTS: dict[int, _Layout] = {}


def _layout(mask: int, vtype: int) -> _Layout:
    key = mask << 8 | vtype if mask & _VALUE else mask << 8
    layout = _LAYOUTS.get(key)
    if layout is None:
        layout = _LAYOUTS[key] = _Layout(mask, vtype)
    return layout


def decode_data_changes(
    data: bytes,
    start: int,
    end: int,
    tag_ids: Mapping[int, int],
    received: dt.datetime,
    tolerance: dt.timedelta = DEFAULT_FUTURE_TOLERANCE,
) -> tuple[list[ReadingRow], list[int]]:
    """Rows and client handles of the DataChangeNotification body ``data[start:end]``.

    ``tag_ids`` maps client handle to tag id; an unknown handle raises KeyError, as it
    would for asyncua's items. The body must be used up exactly, else
    ``NotificationDecodeError``.
    """
    future_after = (received + tolerance - _EPOCH) // _MICROSECOND * 10  # FILETIME: 100 ns
    try:
        (count,) = _INT32.unpack_from(data, start)
        rows, handles, pos = _items(data, start + 4, count, tag_ids, received, future_after)
        pos = _skip_diagnostic_infos(data, pos)
    except (struct.error, IndexError, UnicodeDecodeError, ua.UaError) as exc:
        raise NotificationDecodeError(f"cannot decode DataChangeNotification: {exc}") from exc
    if pos != end:
        raise NotificationDecodeError(
            f"DataChangeNotification of {end - start} bytes, {pos - start} read"
        )
    return rows, handles


def _items(
    data: bytes, pos: int, count: int, tag_ids: Mapping[int, int], received: dt.datetime,
    future_after: int,
) -> tuple[list[ReadingRow], list[int], int]:  # fmt: skip
    rows: list[ReadingRow] = []
    handles: list[int] = []
    times = _TimeCache()
    convert = times.convert
    for _ in range(max(count, 0)):
        mask = data[pos + 4]
        layout = _layout(mask, data[pos + 5] if mask & _VALUE else 0)
        head = layout.head.unpack_from(data, pos)
        pos += layout.head.size
        value = layout.value
        if value is None:
            number = text = None
        elif value.__class__ is int:
            number, text = float(head[value]), None
        elif value == "s":
            number, text, pos = _string(data, pos, head[3])
        else:
            number, text, pos = _asyncua_variant(data, pos - 1)
        tail = layout.tail.unpack_from(data, pos)
        pos += layout.tail.size
        status = tail[layout.status] if layout.status >= 0 else 0
        server = convert(tail[layout.server]) if layout.server >= 0 else None
        flags = 0
        if layout.source >= 0:
            filetime = tail[layout.source]
            time, source = convert(filetime), _SOURCE
            if filetime > future_after:
                flags = _FUTURE
        elif server is not None:
            time, source = server, _SERVER
        else:
            time, source = received, _RECEIVED
        handle = head[0]
        rows.append((time, tag_ids[handle], number, text, status, server, source, flags))
        handles.append(handle)
    return rows, handles, pos


def _string(data: bytes, pos: int, length: int) -> tuple[None, str | None, int]:
    if length < 0:  # a null string: no value, as asyncua decodes it
        return None, None, pos
    end = pos + length
    if end > len(data):
        raise NotificationDecodeError("string runs past the notification")
    text = bytes(data[pos:end]).decode(get_string_encoding(), errors="surrogateescape")
    return None, text, end


def _asyncua_variant(data: bytes, pos: int) -> tuple[float | None, str | None, int]:
    """A variant this module does not decode itself (``pos`` at its encoding byte)."""
    buffer = Buffer(data, pos)
    number, text = split_value(variant_from_binary(buffer).Value)
    return number, text, buffer.cur_pos


class _TimeCache:
    """FILETIME (100 ns since 1601) to aware UTC datetime, as asyncua converts it.

    A publish response repeats timestamps (one source time per plant step, one server
    time per write), so each distinct value is converted once.
    """

    __slots__ = ("_seen",)

    def __init__(self) -> None:
        self._seen: dict[int, dt.datetime] = {}

    def convert(self, filetime: int) -> dt.datetime:
        seen = self._seen.get(filetime)
        if seen is None:
            if 0 <= filetime < MAX_OPC_FILETIME:
                seen = _EPOCH + dt.timedelta(microseconds=filetime // 10)
            else:
                seen = win_epoch_to_datetime(filetime)
            self._seen[filetime] = seen
        return seen


_DIAG_INT32 = 0x01 | 0x02 | 0x04 | 0x08  # SymbolicId, NamespaceUri, LocalizedText, Locale
_DIAG_ADDITIONAL_INFO, _DIAG_INNER_STATUS, _DIAG_INNER = 0x10, 0x20, 0x40


def _skip_diagnostic_infos(data: bytes, pos: int) -> int:
    (count,) = _INT32.unpack_from(data, pos)
    pos += 4
    for _ in range(max(count, 0)):
        pos = _skip_diagnostic_info(data, pos, depth=0)
    return pos


def _skip_diagnostic_info(data: bytes, pos: int, depth: int) -> int:
    if depth > 100:
        raise NotificationDecodeError("DiagnosticInfo nested too deep")
    mask = data[pos]
    pos += 1 + 4 * bin(mask & _DIAG_INT32).count("1")
    if mask & _DIAG_ADDITIONAL_INFO:
        (length,) = _INT32.unpack_from(data, pos)
        pos += 4 + max(length, 0)
    if mask & _DIAG_INNER_STATUS:
        pos += 4
    if mask & _DIAG_INNER:
        pos = _skip_diagnostic_info(data, pos, depth + 1)
    if pos > len(data):
        raise NotificationDecodeError("DiagnosticInfo runs past the notification")
    return pos
