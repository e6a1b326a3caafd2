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

from ingest.discovery import TagInfo
from ingest.rows import ReadingRow, row_from_datavalue

__all__ = ["HistoryBatch", "read_history"]

logger = logging.getLogger(__name__)

# Small responses (at most 20,000 values) keep the server answering everything else, the
# session's keep-alive included, while it serves a long backfill; continuation points
# fetch the rest.
_NODES_PER_CALL = 20
_VALUES_PER_NODE = 1000


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
) -> AsyncIterator[HistoryBatch]:
    """Rows of every tag's raw history in [start, end], a batch per server response."""
    details = ua.ReadRawModifiedDetails(
        IsReadModified=False,
        StartTime=start,
        EndTime=end,
        NumValuesPerNode=_VALUES_PER_NODE,
        ReturnBounds=False,
    )
    for first in range(0, len(tags), _NODES_PER_CALL):
        pending = {tag.node_id: (tag, None) for tag in tags[first : first + _NODES_PER_CALL]}
        while pending:
            requests = list(pending.values())
            results = await client.uaclient.history_read(_parameters(details, requests))
            batch = HistoryBatch([], [])
            pending = {}
            received = dt.datetime.now(dt.UTC)
            for (tag, _), result in zip(requests, results, strict=True):
                if not result.StatusCode.is_good():
                    batch.unsupported.append(tag)
                    continue
                for value in result.HistoryData.DataValues or []:
                    batch.rows.append(row_from_datavalue(tag_ids[tag.node_id], value, received))
                if result.ContinuationPoint:
                    pending[tag.node_id] = (tag, result.ContinuationPoint)
            yield batch


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
