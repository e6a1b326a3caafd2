"""Health: is the database there, and what does the ingest service say of itself."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.deps import Conn
from api.errors import ERROR_RESPONSES
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
    status: str
    timescaledb: str | None
    schema_version: int | None
    ingest: list[EndpointHealth]


class Rollup(BaseModel):
    level: str
    complete_until: dt.datetime = Field(description="Buckets before this are final")
    updated_at: dt.datetime


class IngestHealth(BaseModel):
    now: dt.datetime
    endpoints: list[EndpointHealth]
    rollups: list[Rollup]


@probe_router.get("/health", response_model=Health)
async def get_health(conn: Conn) -> Health:
    """200 with the ingest service's health when the database answers, 503 when it does not.
    The one route that needs no API key."""
    status = await queries.database_status(conn)
    ingest = [EndpointHealth(**row) for row in await queries.ingest_health(conn)]
    return Health(status="ok", ingest=ingest, **status)


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
