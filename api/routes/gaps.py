"""Gaps: intervals where a tag or a whole endpoint had no data, so "no change" ≠ "no data"."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from api.deps import Conn, Window
from api.errors import ERROR_RESPONSES
from api.schemas import TagId
from store import queries

router = APIRouter(tags=["gaps"], responses=ERROR_RESPONSES)


class Gap(BaseModel):
    gap_id: int
    endpoint: str
    tag_id: int | None = Field(description="None when the whole endpoint had no data")
    tag_key: str | None
    start_time: dt.datetime
    end_time: dt.datetime | None = Field(description="None while the gap is still open")
    duration_s: float | None
    reason: str
    filled: bool
    filled_at: dt.datetime | None


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
