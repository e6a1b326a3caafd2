"""Backfill: read a gap's values from the server's history (HistoryRead, raw).

After the service was down or a session was lost, the server may still hold what it
published meanwhile. Values are read for many nodes per call, following continuation
points, and come back as ordinary `reading` rows; the writer skips any it already has.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass

from asyncua import Client, ua

from ingest.opcua.discovery import TagInfo
from ingest.opcua.values import DEFAULT_FUTURE_TOLERANCE, row_from_datavalue
from store.readings import ReadingRow

__all__ = ["NO_HISTORY", "HistoryBatch", "read_history"]

logger = logging.getLogger(__name__)

# Small responses (at most 20,000 values) keep the server answering everything else, the
# session's keep-alive included, while it serves a long backfill; continuation points
# fetch the rest.
_NODES_PER_CALL = 20
_VALUES_PER_NODE = 1000
_ONE_MICROSECOND = dt.timedelta(microseconds=1)

# Status codes by which a server says it keeps no such history (for a node, or at all);
# any other error (a lost session) leaves the gap to be tried again.
NO_HISTORY = frozenset(
    {
        ua.StatusCodes.BadHistoryOperationUnsupported,
        ua.StatusCodes.BadHistoryOperationInvalid,
        ua.StatusCodes.BadServiceUnsupported,
        ua.StatusCodes.BadNotReadable,
        ua.StatusCodes.BadNodeIdUnknown,
        ua.StatusCodes.BadUserAccessDenied,
    }
)


@dataclass
class HistoryBatch:
    rows: list[ReadingRow]
    unsupported: list[TagInfo]  # nodes whose history the server does not keep


async def read_history(
    client: Client,
    tags: list[TagInfo],
    tag_ids: dict[ua.NodeId, int],
    start: dt.datetime,
    end: dt.datetime,
    tolerance: dt.timedelta = DEFAULT_FUTURE_TOLERANCE,
) -> AsyncIterator[HistoryBatch]:
    """Rows of every tag's raw history in [start, end], a batch per server response;
    source timestamps more than ``tolerance`` ahead of the read are flagged."""
    for first in range(0, len(tags), _NODES_PER_CALL):
        pending = [(tag, None) for tag in tags[first : first + _NODES_PER_CALL]]
        page_start = start
        while pending:
            details = _details(page_start, end)
            results = await client.uaclient.history_read(_parameters(details, pending))
            batch, pending, full_pages = _read_page(pending, results, tag_ids, tolerance)
            yield batch
            # A server that cuts a page at NumValuesPerNode without a continuation point
            # (asyncua's own storages do) is asked again from just after its last value.
            for tag, last in full_pages:
                async for rest in read_history(
                    client, [tag], tag_ids, last + _ONE_MICROSECOND, end, tolerance
                ):
                    yield rest


def _read_page(
    requests: list[tuple[TagInfo, bytes | None]],
    results: list,
    tag_ids: dict[ua.NodeId, int],
    tolerance: dt.timedelta,
) -> tuple[HistoryBatch, list, list]:
    batch, pending, full_pages = HistoryBatch([], []), [], []
    received = dt.datetime.now(dt.UTC)
    for (tag, _), result in zip(requests, results, strict=True):
        if not result.StatusCode.is_good():
            batch.unsupported.append(tag)
            continue
        values = result.HistoryData.DataValues or []
        for value in values:
            batch.rows.append(row_from_datavalue(tag_ids[tag.node_id], value, received, tolerance))
        if result.ContinuationPoint:
            pending.append((tag, result.ContinuationPoint))
        elif len(values) >= _VALUES_PER_NODE:
            full_pages.append((tag, values[-1].SourceTimestamp))
    return batch, pending, full_pages


def _details(start: dt.datetime, end: dt.datetime) -> ua.ReadRawModifiedDetails:
    return ua.ReadRawModifiedDetails(
        IsReadModified=False,
        StartTime=start,
        EndTime=end,
        NumValuesPerNode=_VALUES_PER_NODE,
        ReturnBounds=False,
    )


def _parameters(
    details: ua.ReadRawModifiedDetails, requests: list[tuple[TagInfo, bytes | None]]
) -> ua.HistoryReadParameters:
    parameters = ua.HistoryReadParameters()
    parameters.HistoryReadDetails = details
    parameters.TimestampsToReturn = ua.TimestampsToReturn.Both
    parameters.ReleaseContinuationPoints = False
    for tag, continuation in requests:
        value_id = ua.HistoryReadValueId()
        value_id.NodeId = tag.node_id
        value_id.ContinuationPoint = continuation
        parameters.NodesToRead.append(value_id)
    return parameters
