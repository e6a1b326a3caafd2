"""Health: is the database there, and what does the ingest service say of itself."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from api.auth import key_in_headers
from api.deps import Conn
from api.errors import ERROR_RESPONSES, Unauthorized
from store import queries

router = APIRouter(tags=["health"], responses={503: ERROR_RESPONSES[503]})
#: ``/health`` answers without a key: it is what orchestrators and load balancers probe.
probe_router = APIRouter(tags=["health"], responses={503: ERROR_RESPONSES[503]})


class EndpointHealth(BaseModel):
    endpoint: str
    state: str
    updated_at: dt.datetime
    details: dict[str, Any]
    age_s: float | None = Field(None, description="Seconds since the service last reported")


class Health(BaseModel):
    status: str = Field(description="ok: the API and its database answer")
    timescaledb: str | None = Field(None, description="With a valid key only")
    schema_version: int | None = Field(None, description="With a valid key only")
    ingest: list[EndpointHealth] | None = Field(None, description="With a valid key only")


class Rollup(BaseModel):
    level: str
    complete_until: dt.datetime = Field(description="Buckets before this are final")
    updated_at: dt.datetime


class IngestHealth(BaseModel):
    now: dt.datetime
    endpoints: list[EndpointHealth]
    rollups: list[Rollup]


@probe_router.get("/health", response_model=Health, response_model_exclude_none=True)
async def get_health(conn: Conn, request: Request) -> Health:
    """200 when the database answers, 503 when it does not: the one route that needs no
    API key, for orchestrators and load balancers. Without a key it says only that; with a
    valid key of any role it adds the database's versions and the ingest service's health
    (endpoint URLs, versions and counters are not for anyone who can reach the port)."""
    status = await queries.database_status(conn)
    if not await _has_valid_key(request):
        return Health(status="ok")
    ingest = [EndpointHealth(**row) for row in await queries.ingest_health(conn)]
    return Health(status="ok", ingest=ingest, **status)


async def _has_valid_key(request: Request) -> bool:
    try:
        token = key_in_headers(request.headers)
        if not token:
            return False
        caller = await request.app.state.keys.verify(token)
    except Unauthorized:
        return False
    request.state.key_id = caller.key_id
    return True


@router.get("/ingest/health", response_model=IngestHealth)
async def get_ingest_health(conn: Conn) -> IngestHealth:
    """Each endpoint's ingest state and report age, and how far the roll-ups are final."""
    now = await queries.database_now(conn)
    endpoints = [
        EndpointHealth(**row, age_s=(now - row["updated_at"]).total_seconds())
        for row in await queries.ingest_health(conn)
    ]
    rollups = [Rollup(**row) for row in await queries.rollup_state(conn)]
    return IngestHealth(now=now, endpoints=endpoints, rollups=rollups)
