"""Gaps: intervals where a tag or a whole endpoint had no data, so "no change" ≠ "no data"."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from api.deps import Conn, Window
from api.errors import ERROR_RESPONSES
from api.schemas import TagId
from store import queries

router = APIRouter(tags=["gaps"], responses=ERROR_RESPONSES)


Recovery = Literal["recovered", "partly", "none"]
_RECOVERY = (
    "What the server's history gave back of the gap's {kind}: recovered (all of it), partly "
    "(for some nodes only), none (the server keeps no such history); None: pending, or not "
    "recorded on this endpoint"
)


class Gap(BaseModel):
    gap_id: int
    endpoint: str
    tag_id: int | None = Field(description="None when the whole endpoint had no data")
    tag_key: str | None
    start_time: dt.datetime
    end_time: dt.datetime | None = Field(description="None while the gap is still open")
    duration_s: float | None
    reason: str
    filled: bool = Field(description="Everything in the gap was recovered from history")
    filled_at: dt.datetime | None
    readings: Recovery | None = Field(description=_RECOVERY.format(kind="readings"))
    events: Recovery | None = Field(description=_RECOVERY.format(kind="events"))
    lots: Recovery | None = Field(description=_RECOVERY.format(kind="lot records"))
    recovered_at: dt.datetime | None = Field(
        description="When the recovery ran to its end; None while it is pending"
    )


class Gaps(BaseModel):
    gaps: list[Gap]
    truncated: bool


@router.get("/gaps", response_model=Gaps)
async def gaps(
    conn: Conn,
    window: Window,
    tag_id: Annotated[TagId | None, Query(description="A tag's gaps and its endpoint's")] = None,
    endpoint: str | None = None,
    open_only: bool = False,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
) -> Gaps:
    """Gaps that overlap [start, end), oldest first."""
    filters = {"tag_id": tag_id, "endpoint": endpoint, "open_only": open_only}
    rows = await queries.gaps(conn, (window.start, window.end), filters, limit + 1)
    items = [
        Gap(**row, duration_s=None if row["end_time"] is None
            else (row["end_time"] - row["start_time"]).total_seconds())
        for row in rows[:limit]
    ]  # fmt: skip
    return Gaps(gaps=items, truncated=len(rows) > limit)
