"""The live stream of new readings of chosen tags, as server-sent events."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import AwareDatetime

from api.deps import Settings, borrow
from api.errors import ERROR_RESPONSES, ErrorBody, InvalidRequest, NotFound
from api.schemas import TagId
from api.stream import StreamPlan, sse_events
from api.stream_slots import StreamSlots
from store import queries

router = APIRouter(tags=["stream"], responses=ERROR_RESPONSES)

_SSE_DOC = {
    200: {
        "content": {"text/event-stream": {}},
        "description": "`start`, then one `reading` event per new reading (data: a Reading"
        " as JSON, id: its time), `: keep-alive` comments, and `end` when the stream closes",
    }
}


@router.get(
    "/stream",
    response_class=StreamingResponse,
    responses={
        **_SSE_DOC,
        429: {"model": ErrorBody, "description": "This key holds its most streams already"},
    },
)
async def stream(
    request: Request,
    settings: Settings,
    tag_id: Annotated[list[TagId], Query(description="Tags to follow; repeat the parameter")],
    since: Annotated[
        AwareDatetime | None,
        Query(description="Send readings after this; default: those recorded from now on"),
    ] = None,
    duration_s: Annotated[
        float | None, Query(gt=0, le=86_400, description="Close after this long")
    ] = None,
    max_events: Annotated[int, Query(ge=1, le=10_000_000)] = 10_000_000,
    last_event_id: Annotated[str | None, Header(description="Resume after this id")] = None,
) -> StreamingResponse:
    """New readings of the tags as they are recorded (server-sent events)."""
    ids = list(dict.fromkeys(tag_id))
    if len(ids) > settings.max_tags_per_request:
        raise InvalidRequest(f"at most {settings.max_tags_per_request} tags per request")
    duration = min(duration_s or settings.stream_max_s, settings.stream_max_s)
    if last_event_id:
        try:
            since = dt.datetime.fromisoformat(last_event_id)
            if since.tzinfo is None:
                raise ValueError("no zone")
        except ValueError as exc:
            raise InvalidRequest("Last-Event-ID is not an event id of this stream") from exc
    async with borrow(request.app.state.pool) as conn:
        tags = await queries.tags_by_id(conn, ids)
        after = dict.fromkeys(ids, since) if since else await queries.stream_starts(conn, ids)
    missing = sorted(set(ids) - {tag["tag_id"] for tag in tags})
    if missing:
        raise NotFound(f"no tag with id {', '.join(map(str, missing))}", {"tag_id": missing})
    plan = StreamPlan(tags, after, duration, max_events, settings.stream_poll_s)
    slots, key_id = request.app.state.streams, request.state.key_id
    slots.take(key_id)
    events = sse_events(request.app.state.pool, slots, plan, request.is_disconnected)
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(
        _giving_back(events, slots, key_id), media_type="text/event-stream", headers=headers
    )


async def _giving_back(
    events: AsyncIterator[str], slots: StreamSlots, key_id: str
) -> AsyncIterator[str]:
    """``events``, then the stream's slot back, however the stream ends."""
    try:
        async for event in events:
            yield event
    finally:
        slots.give_back(key_id)
