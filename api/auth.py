"""API keys on every request: who is calling, and may their role do this.

``require(role)`` is the dependency that routers are included with (in ``app.py``). It
reads the key from ``Authorization: Bearer <key>`` or ``X-API-Key: <key>``, checks it
against its stored hash and answers 401 (no key, a bad or revoked one) or 403 (a role that
may not). Verified keys are kept in memory for ``key_cache_s`` seconds, so a steady client
costs a dictionary lookup and one SHA-256 per request, not a database round trip; a key
revoked in the database is refused within that time. The key id (never the key) goes to
``request.state.key_id`` for the access log.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from psycopg_pool import AsyncConnectionPool

from api.deps import borrow
from api.errors import Forbidden, Unauthorized
from api.keys import Role, parse_key, secret_matches
from store import keys as key_table

__all__ = ["Caller", "CurrentCaller", "KeyVerifier", "key_in_headers", "require"]

_MAX_CACHED_KEYS = 10_000

_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="BearerKey",
    description="An API key (`python -m api keys create`) as `Authorization: Bearer <key>`",
)
_api_key_header = APIKeyHeader(
    name="X-API-Key",
    auto_error=False,
    scheme_name="ApiKeyHeader",
    description="The same API key in an `X-API-Key` header",
)


@dataclass(frozen=True)
class Caller:
    """The key behind a request."""

    key_id: str
    name: str
    role: Role


class KeyVerifier:
    """Checks presented keys against the database, remembering answers for ``ttl_s``."""

    def __init__(self, pool: AsyncConnectionPool, ttl_s: float) -> None:
        self._pool = pool
        self._ttl_s = ttl_s
        self._cache: dict[str, tuple[float, dict[str, Any] | None]] = {}

    async def verify(self, token: str | None) -> Caller:
        if not token:
            raise Unauthorized("an API key is needed (Authorization: Bearer <key>, or X-API-Key)")
        parsed = parse_key(token)
        row = await self._stored(parsed[0]) if parsed else None
        if row is None or not secret_matches(parsed[1], row["key_hash"]):
            raise Unauthorized("the API key is not valid")
        if row["revoked_at"] is not None:
            raise Unauthorized("the API key has been revoked")
        return Caller(row["key_id"], row["name"], Role(row["role"]))

    async def _stored(self, key_id: str) -> dict[str, Any] | None:
        now = time.monotonic()
        cached = self._cache.get(key_id)
        if cached is not None and now - cached[0] < self._ttl_s:
            return cached[1]
        async with borrow(self._pool) as conn:
            row = await key_table.fetch_key_for_use(conn, key_id)
        self._remember(key_id, now, row)
        return row

    def _remember(self, key_id: str, now: float, row: dict[str, Any] | None) -> None:
        if self._ttl_s <= 0:
            return
        if len(self._cache) >= _MAX_CACHED_KEYS:
            # Unknown ids are cached too (so guessing costs no queries); a flood of them
            # must not grow memory without bound, and starting over costs one query per key.
            self._cache.clear()
        self._cache[key_id] = (now, row)


def key_in_headers(headers: Mapping[str, str]) -> str | None:
    """The key a request presents (``Authorization: Bearer`` or ``X-API-Key``), read from
    its headers, for the checks that run before FastAPI's dependencies (the request guard,
    the health probe); names are lower case, as ASGI gives them."""
    scheme, _, credentials = headers.get("authorization", "").partition(" ")
    bearer = credentials.strip() if scheme.lower() == "bearer" and credentials.strip() else None
    header = headers.get("x-api-key") or None
    if bearer is not None and header and bearer != header:
        raise Unauthorized("the Authorization and X-API-Key headers carry different keys")
    return bearer or header


def _presented_key(bearer: HTTPAuthorizationCredentials | None, header: str | None) -> str | None:
    if bearer is not None and header and bearer.credentials != header:
        raise Unauthorized("the Authorization and X-API-Key headers carry different keys")
    return bearer.credentials if bearer is not None else header


async def _caller(
    request: Request,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    header: Annotated[str | None, Depends(_api_key_header)],
) -> Caller:
    caller = await request.app.state.keys.verify(_presented_key(bearer, header))
    request.state.key_id = caller.key_id
    return caller


CurrentCaller = Annotated[Caller, Depends(_caller)]


def require(role: Role) -> Callable[..., Any]:
    """A dependency that admits keys whose role includes ``role`` (401 or 403 otherwise)."""

    async def admit(caller: CurrentCaller) -> Caller:
        if not caller.role.allows(role):
            raise Forbidden(f"role {caller.role.value} may not do this; it needs {role.value}")
        return caller

    return admit
