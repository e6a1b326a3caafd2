"""Dependencies shared by the routes, as ``Annotated`` aliases."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

import psycopg
from fastapi import Depends, Request
from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from ingest.api.errors import ServiceUnavailable
from ingest.api.settings import ApiSettings

__all__ = ["Conn", "Settings"]

_CONNECTION_WAIT_S = 3.0


async def _connection(request: Request) -> AsyncIterator[AsyncConnection]:
    pool: AsyncConnectionPool = request.app.state.pool
    try:
        async with pool.connection(timeout=_CONNECTION_WAIT_S) as conn:
            yield conn
    except (PoolTimeout, psycopg.OperationalError) as exc:
        raise ServiceUnavailable("the database cannot be reached", str(exc)) from exc


def _settings(request: Request) -> ApiSettings:
    return request.app.state.settings


Conn = Annotated[AsyncConnection, Depends(_connection)]
Settings = Annotated[ApiSettings, Depends(_settings)]
