"""Dependencies shared by the routes, as ``Annotated`` aliases.

``Conn`` borrows an autocommit connection from the pool; ``Settings`` is the API's
settings; ``Window`` is a checked ``[start, end)`` range; ``Tags`` resolves the repeated
``tag_id`` query parameter to known tags (404 for unknown ones, 422 for too many).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated, Any

import psycopg
from fastapi import Depends, Query, Request
from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool, PoolTimeout
from pydantic import AwareDatetime

from api.errors import InvalidRequest, NotFound, ServiceUnavailable
from api.params import check_range
from api.schemas import TagId
from api.settings import ApiSettings
from store import queries

__all__ = ["Conn", "Settings", "Tags", "TimeWindow", "Window", "borrow"]

_CONNECTION_WAIT_S = 3.0


@asynccontextmanager
async def borrow(pool: AsyncConnectionPool) -> AsyncIterator[AsyncConnection]:
    """A pooled connection, or ServiceUnavailable when none comes in time."""
    try:
        conn = await pool.getconn(timeout=_CONNECTION_WAIT_S)
    except (PoolTimeout, psycopg.OperationalError) as exc:
        raise ServiceUnavailable("the database cannot be reached", str(exc)) from exc
    try:
        yield conn
    finally:
        await pool.putconn(conn)


async def _connection(request: Request) -> AsyncIterator[AsyncConnection]:
    async with borrow(request.app.state.pool) as conn:
        yield conn


async def _settings(request: Request) -> ApiSettings:
    return request.app.state.settings


Conn = Annotated[AsyncConnection, Depends(_connection)]
Settings = Annotated[ApiSettings, Depends(_settings)]


@dataclass(frozen=True)
class TimeWindow:
    start: dt.datetime
    end: dt.datetime

    @property
    def span(self) -> dt.timedelta:
        return self.end - self.start


async def _window(
    settings: Settings,
    start: Annotated[AwareDatetime, Query(description="Inclusive start, ISO 8601 with zone")],
    end: Annotated[AwareDatetime, Query(description="Exclusive end, ISO 8601 with zone")],
) -> TimeWindow:
    check_range(start, end, settings.max_range_days)
    return TimeWindow(start.astimezone(dt.UTC), end.astimezone(dt.UTC))


Window = Annotated[TimeWindow, Depends(_window)]


async def _tags(
    conn: Conn,
    settings: Settings,
    tag_id: Annotated[
        list[TagId], Query(description="Tag ids; repeat the parameter for several tags")
    ],
) -> list[dict[str, Any]]:
    ids = list(dict.fromkeys(tag_id))
    if len(ids) > settings.max_tags_per_request:
        raise InvalidRequest(f"at most {settings.max_tags_per_request} tags per request")
    found = {tag["tag_id"]: tag for tag in await queries.tags_by_id(conn, ids)}
    missing = [i for i in ids if i not in found]
    if missing:
        raise NotFound(f"no tag with id {', '.join(map(str, missing))}", {"tag_id": missing})
    return [found[i] for i in ids]


Tags = Annotated[list[dict[str, Any]], Depends(_tags)]
