"""The FastAPI application: ``create_app()`` wires settings, the pool, routes and errors."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from psycopg_pool import AsyncConnectionPool

from api.access_log import AccessLog
from api.auth import KeyVerifier, require
from api.bucket_cache import FinalBuckets
from api.errors import AUTH_RESPONSES, ERROR_RESPONSES, install_error_handlers
from api.keys import Role
from api.request_guard import RequestGuard
from api.routes import (
    aggregates,
    assets,
    availability,
    events,
    exports,
    forecasts,
    gaps,
    health,
    interpolated,
    keys,
    lots,
    plot,
    readings,
    stream,
    tags,
    twin,
)
from api.settings import ApiSettings
from api.snapshot import LatestSnapshot
from api.stream_slots import StreamSlots
from api.twin_runner import TwinRunner

__all__ = ["API_PREFIX", "create_app"]

API_PREFIX = "/api/v1"
# Who may call what: the role each router is included with (a role includes the ones before).
_ROUTERS: tuple[tuple[APIRouter, Role | None], ...] = (
    (health.probe_router, None),
    *((module.router, Role.viewer)
      for module in (health, assets, tags, readings, aggregates, interpolated, plot, gaps,
                     events, lots, availability, exports, stream, forecasts)),
    (twin.router, Role.operator),
    (keys.router, Role.admin),
)  # fmt: skip

_DESCRIPTION = """Readings of a rare-earth magnet line recorded over OPC UA, and what is known
about them: the asset tree, tags, raw, latest, aggregated, interpolated and plot values,
gaps, events, lots and genealogy, availability, exports and a live stream.

Times are ISO 8601 with a zone (answers are in UTC); ranges are `[start, end)`. Every
reading carries its unit and its OPC UA status (`status_code`, and `status`: good,
uncertain or bad). Every error has the shape of `ErrorBody`.

The twin runs on the same inputs as `python -m twin`: predict and compare either route
with any input overridden, sweep a bounded grid, read the latest scheduled forecast.

Every route but `/health` needs an API key (`python -m api keys create`), sent as
`Authorization: Bearer <key>` or `X-API-Key: <key>`: no key or a bad or revoked one is a
401, a role that may not is a 403. Roles: *viewer* reads; *operator* also runs the twin and
stores forecasts; *admin* also manages keys. A revoked key is refused within
`MAGNETLINE_API_KEY_CACHE_S` seconds (30 by default)."""


def create_app(settings: ApiSettings, dsn: str) -> FastAPI:
    """The API for the database at ``dsn``; it starts even when the database is down."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Answers are in UTC; no parallel workers, which speed one query up but slow many
        # concurrent small ones down on a machine of a few cores; no JIT, whose compiling
        # (~0.5 s here) the planner starts for any query it costs high, such as a plot's
        # per-interval scans, which then run in milliseconds (bench/plot_bad_values.py).
        pool = AsyncConnectionPool(
            dsn,
            min_size=1,
            max_size=settings.pool_max_size,
            open=False,
            kwargs={
                "autocommit": True,
                "options": f"-c statement_timeout={settings.statement_timeout_ms}"
                " -c TimeZone=UTC -c jit=off",
            },
        )
        await pool.open(wait=False)
        app.state.pool = pool
        app.state.settings = settings
        app.state.latest = LatestSnapshot(pool, settings)
        app.state.final_buckets = FinalBuckets(int(settings.aggregate_cache_mb * 1e6))
        app.state.keys = KeyVerifier(pool, settings.key_cache_s)
        app.state.twin = TwinRunner(settings.twin_workers, settings.twin_queue_timeout_s)
        app.state.streams = StreamSlots(
            settings.stream_max_per_key,
            settings.stream_max_total,
            concurrent_polls=max(1, settings.pool_max_size // 2),
        )
        try:
            yield
        finally:
            app.state.twin.close()
            await app.state.latest.close()
            await pool.close()

    app = FastAPI(
        title="Magnet line historian and twin",
        version="1.0.0",
        description=_DESCRIPTION,
        lifespan=lifespan,
        responses={422: ERROR_RESPONSES[422], 503: ERROR_RESPONSES[503]},
    )
    install_error_handlers(app)
    for router, role in _ROUTERS:
        _include(app, router, role)
    _add_middleware(app, settings)
    return app


def _include(app: FastAPI, router: APIRouter, role: Role | None) -> None:
    if role is None:
        app.include_router(router, prefix=API_PREFIX)
        return
    app.include_router(router, prefix=API_PREFIX, dependencies=[Depends(require(role))],
                       responses=AUTH_RESPONSES)  # fmt: skip


def _add_middleware(app: FastAPI, settings: ApiSettings) -> None:
    # Innermost: its 401 and 413 still get CORS headers and an access-log line.
    app.add_middleware(RequestGuard, max_body_bytes=settings.max_body_bytes)
    # Without origins there is no CORS middleware at all: browsers keep other sites out.
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Authorization", "X-API-Key", "Content-Type"],
        )
    # Added last, so outermost: it times and logs everything, CORS answers included.
    app.add_middleware(AccessLog, api_prefix=API_PREFIX)
