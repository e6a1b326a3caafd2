"""The binary decoder makes exactly the rows asyncua's decoding + row_from_datavalue makes."""

from __future__ import annotations

import datetime as dt
import struct

import pytest
from asyncua import ua
from asyncua.common.utils import Buffer
from asyncua.ua.ua_binary import struct_from_binary, struct_to_binary

from ingest.opcua.fast_publish import RawDataChanges, data_change_rows
from ingest.opcua.notification_decoder import NotificationDecodeError, decode_data_changes
from ingest.opcua.values import row_from_datavalue

RECEIVED = dt.datetime(2026, 3, 1, 12, 0, 0, tzinfo=dt.UTC)
SOURCE = dt.datetime(2026, 3, 1, 11, 59, 59, 123456, tzinfo=dt.UTC)
SERVER = dt.datetime(2026, 3, 1, 11, 59, 59, 654321, tzinfo=dt.UTC)
VT = ua.VariantType
BAD = ua.StatusCodes.BadSensorFailure
HANDLES = {handle: 1000 + handle for handle in range(64)}


def _values() -> list[ua.Variant]:
    """Every scalar type the decoder reads itself, at their edges."""
    return [
        ua.Variant(1061.25, VT.Double),
        ua.Variant(float("nan"), VT.Double),
        ua.Variant(float("-inf"), VT.Double),
        ua.Variant(0.1, VT.Float),
        ua.Variant(True, VT.Boolean),
        ua.Variant(False, VT.Boolean),
        ua.Variant(-128, VT.SByte),
        ua.Variant(255, VT.Byte),
        ua.Variant(-32768, VT.Int16),
        ua.Variant(65535, VT.UInt16),
        ua.Variant(-(2**31), VT.Int32),
        ua.Variant(2**32 - 1, VT.UInt32),
        ua.Variant(-(2**63), VT.Int64),
        ua.Variant(2**64 - 1, VT.UInt64),
        ua.Variant("OX-2026-001", VT.String),
        ua.Variant("Nd₂Fe₁₄B 焼結", VT.String),
        ua.Variant("", VT.String),
        ua.Variant(None, VT.String),
        ua.Variant(None),
    ]


def _item(handle: int, value: ua.DataValue) -> ua.MonitoredItemNotification:
    return ua.MonitoredItemNotification(ClientHandle=handle, Value=value)


def _body(items, diagnostics=None) -> bytes:
    notification = ua.DataChangeNotification(MonitoredItems=items, DiagnosticInfos=diagnostics)
    return struct_to_binary(notification)


def _asyncua_rows(body: bytes) -> list:
    notification = struct_from_binary(ua.DataChangeNotification, Buffer(body))
    return [
        row_from_datavalue(HANDLES[item.ClientHandle], item.Value, RECEIVED)
        for item in notification.MonitoredItems
    ]


def _our_rows(body: bytes) -> list:
    rows, handles = decode_data_changes(body, 0, len(body), HANDLES, RECEIVED)
    assert [HANDLES[handle] for handle in handles] == [row[1] for row in rows]
    return rows


def _assert_same(body: bytes) -> list:
    ours, theirs = _our_rows(body), _asyncua_rows(body)
    # repr: NaN equals itself, 1 differs from 1.0, and every field's type shows.
    assert repr(ours) == repr(theirs)
    return ours


def test_every_scalar_type_decodes_as_asyncua_does() -> None:
    """Numbers of every width, booleans, strings (empty, null, non-ASCII), null and NaN."""
    items = [
        _item(i, ua.DataValue(v, SourceTimestamp=SOURCE, ServerTimestamp=SERVER))
        for i, v in enumerate(_values())
    ]
    rows = _assert_same(_body(items))
    assert rows[0] == (SOURCE, 1000, 1061.25, None, 0, SERVER, 0, 0)
    assert rows[13][2] == float(2**64 - 1) and rows[15][3] == "Nd₂Fe₁₄B 焼結"


@pytest.mark.parametrize(
    "status",
    [BAD, ua.StatusCodes.BadWaitingForInitialData, ua.StatusCodes.UncertainLastUsableValue],
)
def test_bad_and_uncertain_statuses(status: int) -> None:
    """Bad values keep their full status and no value, sent or not; Uncertain ones keep it."""
    items = [
        _item(1, ua.DataValue(ua.Variant(3.5), ua.StatusCode(status), SOURCE, SERVER)),
        _item(2, ua.DataValue(ua.Variant(None), ua.StatusCode(status), SOURCE, SERVER)),
        _item(3, ua.DataValue(ua.Variant("text"), ua.StatusCode(status), SOURCE)),
    ]
    rows = _assert_same(_body(items))
    assert all(row[4] == status for row in rows)


def test_every_encoding_mask_without_picoseconds() -> None:
    """Value, status and either timestamp each present or absent: all 16 combinations."""
    items = []
    for mask in range(16):
        value = ua.DataValue(ua.Variant(float(mask)))
        value.StatusCode = ua.StatusCode(BAD) if mask & 2 else None
        value.SourceTimestamp = SOURCE if mask & 4 else None
        value.ServerTimestamp = SERVER if mask & 8 else None
        if not mask & 1:
            value.Value = None
        items.append(_item(mask, value))
    body = _body(items)
    assert body[8] == 0  # the first item's encoding mask: nothing set
    rows = _assert_same(body)
    assert [row[6] for row in rows[:4]] == [2, 2, 2, 2]  # neither timestamp: received time


def test_timestamps_at_the_edges_of_filetime() -> None:
    """Zero, the 1601 epoch, the far future and a tenth of a microsecond convert as asyncua does."""
    for filetime in [0, 1, 9, 10, 2**63 - 1, 2650467743990000000]:
        body = bytearray(_body([_item(1, ua.DataValue(ua.Variant(1.0), None, SOURCE))]))
        struct.pack_into("<q", body, len(body) - 12, filetime)  # the source timestamp
        assert _assert_same(bytes(body))[0][0] == ua.win_epoch_to_datetime(filetime)


def test_picoseconds_are_skipped() -> None:
    """Picoseconds of either timestamp are read past (where asyncua's layout is the spec's)."""
    items = [
        _item(1, ua.DataValue(ua.Variant(1.0), SourceTimestamp=SOURCE, SourcePicoseconds=9999)),
        _item(2, ua.DataValue(ua.Variant(2.0), ServerTimestamp=SERVER, ServerPicoseconds=1)),
        _item(3, ua.DataValue(ua.Variant(3.0), SourceTimestamp=SOURCE, ServerPicoseconds=7)),
        _item(4, ua.DataValue(ua.Variant(4.0), SourcePicoseconds=5, ServerPicoseconds=6)),
    ]
    _assert_same(_body(items))


def test_source_picoseconds_come_before_the_server_timestamp() -> None:
    """With both, the spec's order (Part 6, 5.2.2.17) is read: asyncua 2.1 writes them swapped."""
    body = struct.pack("<i", 1) + struct.pack("<IB", 5, 0x3F)
    body += bytes([VT.Double]) + struct.pack("<d", 2.5) + struct.pack("<I", 0)
    body += struct.pack("<qH", _filetime(SOURCE), 1234)
    body += struct.pack("<qH", _filetime(SERVER), 4321)
    body += struct.pack("<i", 0)
    rows, _ = decode_data_changes(body, 0, len(body), HANDLES, RECEIVED)
    assert rows == [(SOURCE, 1005, 2.5, None, 0, SERVER, 0, 0)]


def test_variants_asyncua_decodes_for_us() -> None:
    """Arrays, matrices, DateTime, LocalizedText, ByteString, an ExtensionObject: asyncua's rows."""
    values = [
        ua.Variant([1.0, float("nan"), 3.0], VT.Double),
        ua.Variant([[1, 2], [3, 4]], VT.Int32),
        ua.Variant([], VT.String),
        ua.Variant(SOURCE, VT.DateTime),
        ua.Variant(ua.LocalizedText("Sintering"), VT.LocalizedText),
        ua.Variant(b"\x00\x01", VT.ByteString),
        ua.Variant(ua.Range(Low=0.0, High=1200.0), VT.ExtensionObject),
        ua.Variant(ua.StatusCode(BAD), VT.StatusCode),
        ua.Variant(ua.QualifiedName("Zone1", 2), VT.QualifiedName),
    ]
    items = [_item(i, ua.DataValue(v, SourceTimestamp=SOURCE)) for i, v in enumerate(values)]
    items.insert(3, _item(40, ua.DataValue(ua.Variant(7.0), SourceTimestamp=SOURCE)))
    rows = _assert_same(_body(items))
    assert rows[3][2] == 7.0  # the item after the asyncua-decoded ones is read in place


def test_diagnostic_infos_are_skipped() -> None:
    """DiagnosticInfos after the items are read past, every optional field of them set."""
    diagnostics = [
        ua.DiagnosticInfo(),
        ua.DiagnosticInfo(
            SymbolicId=1,
            NamespaceURI=2,
            Locale=3,
            LocalizedText=4,
            AdditionalInfo="furnace 3 vacuum",
            InnerStatusCode=ua.StatusCode(BAD),
        ),
    ]
    items = [_item(1, ua.DataValue(ua.Variant(1.0), SourceTimestamp=SOURCE))]
    _assert_same(_body(items, diagnostics))


def test_nested_diagnostic_info_as_the_spec_encodes_it() -> None:
    """An InnerDiagnosticInfo is a DiagnosticInfo (spec), nested; asyncua reads it otherwise."""
    inner = bytes([0x10]) + struct.pack("<i", 3) + b"abc"
    outer = bytes([0x41]) + struct.pack("<i", 17) + bytes([0x40]) + inner
    items = _body([_item(2, ua.DataValue(ua.Variant(2.0), SourceTimestamp=SOURCE))])
    body = items[:-4] + struct.pack("<i", 1) + outer
    rows, _ = decode_data_changes(body, 0, len(body), HANDLES, RECEIVED)
    assert rows == [(SOURCE, 1002, 2.0, None, 0, None, 0, 0)]


def test_asyncua_decodes_what_the_decoder_refuses() -> None:
    """A body the decoder will not read exactly (bytes left over) is decoded by asyncua."""
    items = [_item(1, ua.DataValue(ua.Variant(1.0), SourceTimestamp=SOURCE))]
    body = _body(items) + b"\x00\x00"
    with pytest.raises(NotificationDecodeError):
        decode_data_changes(body, 0, len(body), HANDLES, RECEIVED)
    rows, handles = data_change_rows(RawDataChanges(body, 0, len(body)), HANDLES, RECEIVED)
    assert repr(rows) == repr(_asyncua_rows(body)) and handles == [1]


def test_truncated_and_padded_bodies_are_errors() -> None:
    """A body cut short or with bytes left over is refused, never half decoded."""
    body = _body(
        [_item(i, ua.DataValue(v, SourceTimestamp=SOURCE)) for i, v in enumerate(_values())]
    )
    for cut in (3, 10, len(body) // 2, len(body) - 1):
        with pytest.raises(NotificationDecodeError):
            decode_data_changes(body[:cut], 0, cut, HANDLES, RECEIVED)
    with pytest.raises(NotificationDecodeError):
        decode_data_changes(body + b"\x00", 0, len(body) + 1, HANDLES, RECEIVED)


def test_decodes_a_slice_of_a_larger_buffer() -> None:
    """The body is read where it lies inside a whole response, without copying it out."""
    body = _body([_item(1, ua.DataValue(ua.Variant(1.5), SourceTimestamp=SOURCE))])
    padded = b"\xff" * 17 + body + b"\xee" * 9
    rows, _ = decode_data_changes(padded, 17, 17 + len(body), HANDLES, RECEIVED)
    assert repr(rows) == repr(_asyncua_rows(body))


def test_unknown_client_handle_is_a_key_error() -> None:
    """A handle nobody monitors fails loudly, as it does on asyncua's path."""
    body = _body([_item(999, ua.DataValue(ua.Variant(1.0)))])
    with pytest.raises(KeyError):
        decode_data_changes(body, 0, len(body), HANDLES, RECEIVED)


def test_empty_and_null_item_lists() -> None:
    """No items (an empty or a null array) gives no rows."""
    assert _our_rows(_body([])) == []
    assert _our_rows(_body(None)) == []


def _filetime(when: dt.datetime) -> int:
    return ua.datetime_to_win_epoch(when)
