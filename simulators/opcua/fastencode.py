"""Fast binary encoding of the server's PublishResponses (data changes), same bytes as asyncua.

asyncua 2.1 encodes every ``PublishResponse`` with its generic ``struct_to_binary``: for each
``MonitoredItemNotification`` a walk over the dataclass fields of the notification, its
``DataValue`` (encoding mask computed field by field), its ``Variant`` and ``StatusCode``, a
few µs per data change, in the one thread that also runs the plant. Here the
``DataChangeNotification`` s of a response are encoded by hand, with one precompiled
``struct`` per common item shape (Double value, status code, source and server timestamps)
and a timestamp cache per response; everything else in the response (header, sequence
numbers, event lists, status changes, diagnostics, any unusual ``DataValue``) goes through
asyncua's own serializers. The output is byte for byte what ``struct_to_binary`` gives
(``tests/simulators/test_fastencode.py`` checks it over many cases).

``install`` replaces ``UaProcessor.forward_publish_response`` (the one place where the
server encodes and sends a ``PublishResponse``) in this process; ``uninstall`` restores it.
Republish and every other service keep asyncua's encoding.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from datetime import datetime

from asyncua import ua
from asyncua.server import uaprocessor as _uap
from asyncua.ua.ua_binary import (
    extensionobject_to_binary,
    list_to_binary,
    nodeid_to_binary,
    struct_to_binary,
    variant_to_binary,
)
from asyncua.ua.uatypes import datetime_to_win_epoch

__all__ = [
    "data_change_to_binary",
    "install",
    "installed",
    "publish_response_to_binary",
    "uninstall",
]

_ORIGINAL = _uap.UaProcessor.forward_publish_response
_DOUBLE = ua.VariantType.Double
_DATA_CHANGE_TYPEID = nodeid_to_binary(
    ua.FourByteNodeId(ua.ObjectIds.DataChangeNotification_Encoding_DefaultBinary)
)
_PUBLISH_RESPONSE_NODEID = ua.PublishResponse().TypeId
_PUBLISH_RESPONSE_TYPEID = nodeid_to_binary(_PUBLISH_RESPONSE_NODEID)
_UINT32 = struct.Struct("<I")
_INT32 = struct.Struct("<i")
_ITEM_FULL = struct.Struct("<IBBdIqq")  # handle, mask 0x0F, Double variant, status, 2 timestamps
_MASK_FULL = 0x0F
_EXTENSION_BODY = b"\x01"  # ExtensionObject encoding byte: binary body follows


class _Epochs(dict):
    """OPC UA DateTime (100 ns since 1601) of each datetime object met in one response.

    Keyed by ``id``; the datetime is kept in the value so that its id cannot be reused
    while the cache lives (one encoding call).
    """

    def epoch(self, dt: datetime) -> int:
        hit = self.get(id(dt))
        if hit is None:
            hit = self[id(dt)] = (dt, datetime_to_win_epoch(dt))
        return hit[1]


def _data_value_tail(dv: ua.DataValue, epochs: _Epochs) -> bytes:
    """A ``DataValue`` as asyncua encodes it, for the shapes the fast struct does not cover."""
    if dv.SourcePicoseconds is not None or dv.ServerPicoseconds is not None:
        return struct_to_binary(dv)
    mask, parts = 0, [b""]
    if dv.Value is not None:
        mask |= 0x01
        parts.append(variant_to_binary(dv.Value))
    if dv.StatusCode is not None:
        mask |= 0x02
        parts.append(_UINT32.pack(dv.StatusCode.value))
    for bit, dt in ((0x04, dv.SourceTimestamp), (0x08, dv.ServerTimestamp)):
        if dt is not None:
            mask |= bit
            parts.append(struct.pack("<q", epochs.epoch(dt)))
    parts[0] = bytes((mask,))
    return b"".join(parts)


def _items_to_binary(items: Sequence[ua.MonitoredItemNotification], epochs: _Epochs) -> bytes:
    pack_full, epoch, out = _ITEM_FULL.pack, epochs.epoch, [_INT32.pack(len(items))]
    append = out.append
    for item in items:
        dv = item.Value
        var, status, src, srv = dv.Value, dv.StatusCode, dv.SourceTimestamp, dv.ServerTimestamp
        if (
            var is not None
            and var.VariantType is _DOUBLE
            and not var.is_array
            and status is not None
            and src is not None
            and srv is not None
            and dv.SourcePicoseconds is None
            and dv.ServerPicoseconds is None
            and type(var.Value) is float
        ):
            append(pack_full(item.ClientHandle, _MASK_FULL, 11, var.Value, status.value,
                             epoch(src), epoch(srv)))  # fmt: skip
        else:
            append(_UINT32.pack(item.ClientHandle))
            append(_data_value_tail(dv, epochs))
    return b"".join(out)


def data_change_to_binary(notif: ua.DataChangeNotification, epochs: _Epochs | None = None) -> bytes:
    """The body of a ``DataChangeNotification`` (no ExtensionObject header)."""
    epochs = _Epochs() if epochs is None else epochs
    if notif.MonitoredItems is None:
        items = _INT32.pack(-1)
    else:
        items = _items_to_binary(notif.MonitoredItems, epochs)
    return items + list_to_binary(ua.DiagnosticInfo, notif.DiagnosticInfos)


def _notification_data(data: Sequence | None, epochs: _Epochs) -> bytes:
    if data is None:
        return _INT32.pack(-1)
    out = [_INT32.pack(len(data))]
    for notif in data:
        if type(notif) is ua.DataChangeNotification:
            body = data_change_to_binary(notif, epochs)
            out += (_DATA_CHANGE_TYPEID, _EXTENSION_BODY, _INT32.pack(len(body)), body)
        else:  # events, status changes, anything else: asyncua's own encoding
            out.append(extensionobject_to_binary(notif))
    return b"".join(out)


def publish_response_to_binary(response: ua.PublishResponse) -> bytes:
    """``struct_to_binary(response)``, with the data changes encoded by hand."""
    if type(response) is not ua.PublishResponse or response.TypeId != _PUBLISH_RESPONSE_NODEID:
        return struct_to_binary(response)
    res, epochs = response.Parameters, _Epochs()
    msg = res.NotificationMessage
    return b"".join((
        _PUBLISH_RESPONSE_TYPEID,
        struct_to_binary(response.ResponseHeader),
        _UINT32.pack(res.SubscriptionId),
        list_to_binary(ua.UInt32, res.AvailableSequenceNumbers),
        struct.pack("<?I", res.MoreNotifications, msg.SequenceNumber),
        struct.pack("<q", epochs.epoch(msg.PublishTime)),
        _notification_data(msg.NotificationData, epochs),
        list_to_binary(ua.StatusCode, res.Results),
        list_to_binary(ua.DiagnosticInfo, res.DiagnosticInfos),
    ))  # fmt: skip


async def _forward_publish_response(self, result: ua.PublishResult, requestdata) -> None:
    """asyncua 2.1's ``forward_publish_response`` with the response encoded here."""
    response = ua.PublishResponse()
    response.Parameters = result
    result.Results = requestdata.results
    response.ResponseHeader.RequestHandle = requestdata.requesthdr.RequestHandle
    data = self._connection.message_to_binary(
        publish_response_to_binary(response),
        message_type=ua.MessageType.SecureMessage,
        request_id=requestdata.seqhdr.RequestId,
    )
    self._transport.write(data)


def install() -> None:
    """Encode PublishResponses here from now on (every session of this process)."""
    _uap.UaProcessor.forward_publish_response = _forward_publish_response


def uninstall() -> None:
    """Restore asyncua's own encoding."""
    _uap.UaProcessor.forward_publish_response = _ORIGINAL


def installed() -> bool:
    """True while the fast encoder is in place."""
    return _uap.UaProcessor.forward_publish_response is _forward_publish_response
