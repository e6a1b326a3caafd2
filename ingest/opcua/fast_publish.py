"""Publish responses whose data changes stay binary until the historian turns them into rows.

asyncua's publish loop (``UaSession._publish_loop``) calls ``session.publish(acks)``, which
sends a PublishRequest and decodes the whole PublishResponse with ``struct_from_binary``.
``install`` replaces that one method on one session object with ``_publish``: the same
request, the same envelope decoded with asyncua's own field decoders (response header,
subscription id, available sequence numbers, sequence number, results), but each
DataChangeNotification of a subscription that says ``takes_raw_data_changes`` is kept as a
``RawDataChanges`` (its bytes) for ``data_change_rows`` to decode straight into rows
(ingest.opcua.notification_decoder). Events, status changes and every other notification are
decoded by asyncua as before; so is everything for other subscriptions. The loop's
acknowledgements, keep-alives and sequence numbers are untouched: it sees a normal
``ua.PublishResponse`` whose NotificationData holds ``RawDataChanges`` items. Republished
messages (``Subscription._republish_gaps``) arrive decoded by asyncua and are handled too.

Whatever the fast path cannot read falls back to asyncua's decoder for the same bytes,
so nothing is lost to it: a response that does not parse, a notification body that does not.
"""

from __future__ import annotations

import datetime as dt
import logging
import types
import typing
from collections.abc import Callable, Mapping

from asyncua import ua
from asyncua.client.ua_session import UaSession
from asyncua.common.utils import Buffer, NotEnoughData
from asyncua.ua.ua_binary import (
    Primitives,
    extensionobject_from_binary,
    from_binary,
    nodeid_from_binary,
    struct_from_binary,
)
from asyncua.ua.uaerrors import UaStructParsingError

from ingest.opcua.notification_decoder import NotificationDecodeError, decode_data_changes
from ingest.opcua.values import DEFAULT_FUTURE_TOLERANCE, row_from_datavalue
from store.readings import ReadingRow

__all__ = ["RawDataChanges", "data_change_rows", "decode_publish_response", "install"]

logger = logging.getLogger(__name__)


class _ClosedConnectionIsNotACrash(logging.Filter):
    """asyncua's publish loop logs a connection the server closed (it shut down, it
    restarted) as a crash, at ERROR with a traceback, once a second until the session is
    closed. The collector reports the lost session itself, once, with the server's reason."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        crash = record.msg.startswith("Publish iteration crashed")
        return not (crash and isinstance(error, ConnectionError))


logging.getLogger("asyncua.client.ua_session.UaSession").addFilter(_ClosedConnectionIsNotACrash())

_PUBLISH_RESPONSE = ua.FourByteNodeId(ua.ObjectIds.PublishResponse_Encoding_DefaultBinary)
_DATA_CHANGE = ua.FourByteNodeId(ua.ObjectIds.DataChangeNotification_Encoding_DefaultBinary)
_ENVELOPE_ERRORS = (NotEnoughData, ua.UaError, ValueError, IndexError, TypeError)


def _field_decoders(cls: type) -> dict[str, Callable[[Buffer], typing.Any]]:
    """asyncua's own decoder of each field of ``cls`` (what ``struct_from_binary`` uses)."""
    hints = typing.get_type_hints(cls, {"ua": ua})
    return {name: lambda data, hint=hint: from_binary(hint, data) for name, hint in hints.items()}


_RESULT = _field_decoders(ua.PublishResult)


class RawDataChanges:
    """A DataChangeNotification still in its binary form: ``data[start:end]`` is its body."""

    __slots__ = ("data", "end", "start")

    def __init__(self, data: bytes, start: int, end: int) -> None:
        self.data, self.start, self.end = data, start, end

    def to_notification(self) -> ua.DataChangeNotification:
        """asyncua's decoding of the same bytes."""
        body = Buffer(self.data, self.start, self.end - self.start)
        return struct_from_binary(ua.DataChangeNotification, body)


def data_change_rows(
    notification: RawDataChanges | ua.DataChangeNotification,
    tag_ids: Mapping[int, int],
    received: dt.datetime,
    tolerance: dt.timedelta = DEFAULT_FUTURE_TOLERANCE,
) -> tuple[list[ReadingRow], list[int]]:
    """The `reading` rows of a data change notification and the client handle of each;
    source timestamps more than ``tolerance`` after ``received`` are flagged."""
    if isinstance(notification, RawDataChanges):
        try:
            return decode_data_changes(
                notification.data,
                notification.start,
                notification.end,
                tag_ids,
                received,
                tolerance,
            )
        except NotificationDecodeError as exc:
            logger.warning("data changes decoded by asyncua instead: %s", exc)
            notification = notification.to_notification()
    items = notification.MonitoredItems or []
    rows = [
        row_from_datavalue(tag_ids[item.ClientHandle], item.Value, received, tolerance)
        for item in items
    ]
    return rows, [item.ClientHandle for item in items]


def decode_publish_response(data: Buffer, takes_raw: Callable[[int], bool]) -> ua.PublishResponse:
    """``data`` (at the response's type id) as asyncua decodes it, except that the data
    changes of subscriptions for which ``takes_raw(subscription_id)`` stay ``RawDataChanges``."""
    fallback = data.copy()
    try:
        return _decode(bytes(data), takes_raw) or struct_from_binary(ua.PublishResponse, fallback)
    except _ENVELOPE_ERRORS as exc:
        logger.warning("publish response decoded by asyncua instead: %r", exc)
        return struct_from_binary(ua.PublishResponse, fallback)


def _decode(raw: bytes, takes_raw: Callable[[int], bool]) -> ua.PublishResponse | None:
    data = Buffer(raw)
    type_id = nodeid_from_binary(data)
    if type_id != _PUBLISH_RESPONSE:
        return None
    header = struct_from_binary(ua.ResponseHeader, data)
    subscription_id = _RESULT["SubscriptionId"](data)
    if not takes_raw(subscription_id):
        return None
    result = ua.PublishResult(
        SubscriptionId=subscription_id,
        AvailableSequenceNumbers=_RESULT["AvailableSequenceNumbers"](data),
        MoreNotifications=_RESULT["MoreNotifications"](data),
        NotificationMessage=ua.NotificationMessage(
            SequenceNumber=Primitives.UInt32.unpack(data),
            PublishTime=Primitives.DateTime.unpack(data),
            NotificationData=_notification_data(raw, data),
        ),
        Results=_RESULT["Results"](data),
        DiagnosticInfos=_RESULT["DiagnosticInfos"](data),
    )
    return ua.PublishResponse(TypeId=type_id, ResponseHeader=header, Parameters=result)


def _notification_data(raw: bytes, data: Buffer) -> list[typing.Any] | None:
    count = Primitives.Int32.unpack(data)
    if count == -1:
        return None
    return [_notification(raw, data) for _ in range(count)]


def _notification(raw: bytes, data: Buffer) -> typing.Any:
    """One NotificationData ExtensionObject: data changes kept raw, the rest by asyncua."""
    start = data.cur_pos
    type_id = nodeid_from_binary(data)
    if type_id == _DATA_CHANGE and Primitives.Byte.unpack(data) == 1:
        length = Primitives.Int32.unpack(data)
        if length > 0:
            body = data.cur_pos
            data.skip(length)
            return RawDataChanges(raw, body, body + length)
    data.rewind(start)
    return extensionobject_from_binary(data)


def install(session: UaSession) -> None:
    """Make ``session``'s publish loop keep data changes raw for subscriptions that take them."""
    if getattr(session.publish, "__func__", None) is not _publish:
        session.publish = types.MethodType(_publish, session)  # type: ignore[method-assign]


def _takes_raw(session: UaSession, subscription_id: int) -> bool:
    callback = session._subscription_callbacks.get(subscription_id)
    return bool(getattr(getattr(callback, "__self__", None), "takes_raw_data_changes", False))


async def _publish(
    session: UaSession, acks: list[ua.SubscriptionAcknowledgement]
) -> ua.PublishResponse:
    """``UaSession.publish`` (asyncua 2.1) with the decoding of ``decode_publish_response``."""
    request = ua.PublishRequest()
    request.Parameters.SubscriptionAcknowledgements = acks if acks else []
    data = await session._send_request(request, timeout=0)
    try:
        return decode_publish_response(data, lambda sid: _takes_raw(session, sid))
    except Exception as exc:
        logger.exception("error parsing a publish response from the server")
        raise UaStructParsingError from exc
