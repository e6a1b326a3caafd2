"""Health: is the database there, and what does the ingest service say of itself."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from ingest.api import repository
from ingest.api.deps import Conn
from ingest.api.errors import ErrorBody

router = APIRouter(tags=["health"])


class EndpointHealth(BaseModel):
    endpoint: str
    state: str
    updated_at: dt.datetime
    details: dict[str, Any]


class Health(BaseModel):
    status: str
    timescaledb: str | None
    schema_version: int | None
    ingest: list[EndpointHealth]


@router.get(
    "/health",
    response_model=Health,
    responses={503: {"model": ErrorBody, "description": "The database cannot be reached"}},
)
async def get_health(conn: Conn) -> Health:
    """200 with the ingest service's health when the database answers, 503 when it does not."""
    status = await repository.database_status(conn)
    ingest = [EndpointHealth(**row) for row in await repository.ingest_health(conn)]
    return Health(status="ok", ingest=ingest, **status)
