"""The FastAPI application: ``create_app()`` wires settings, the pool, routes and errors."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from psycopg_pool import AsyncConnectionPool

from ingest.api.bucket_cache import FinalBuckets
from ingest.api.errors import ERROR_RESPONSES, install_error_handlers
from ingest.api.routes import (
    aggregates,
    assets,
    availability,
    events,
    exports,
    gaps,
    health,
    interpolated,
    lots,
    plot,
    readings,
    stream,
    tags,
)
from ingest.api.settings import ApiSettings
from ingest.api.snapshot import LatestSnapshot

__all__ = ["API_PREFIX", "create_app"]

API_PREFIX = "/api/v1"
_ROUTERS = (health, assets, tags, readings, aggregates, interpolated, plot, gaps, events, lots,
            availability, exports, stream)  # fmt: skip

_DESCRIPTION = """Readings of a rare-earth magnet line recorded over OPC UA, and what is known
about them: the asset tree, tags, raw, latest, aggregated, interpolated and plot values,
gaps, events, lots and genealogy, availability, exports and a live stream.

Times are ISO 8601 with a zone (answers are in UTC); ranges are `[start, end)`. Every
reading carries its unit and its OPC UA status (`status_code`, and `status`: good,
uncertain or bad). Every error has the shape of `ErrorBody`."""


def create_app(settings: ApiSettings, dsn: str) -> FastAPI:
    """The API for the database at ``dsn``; it starts even when the database is down."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Answers are in UTC; no parallel workers, which speed one query up but slow many
        # concurrent small ones down on a machine of a few cores.
        pool = AsyncConnectionPool(
            dsn,
            min_size=1,
            max_size=settings.pool_max_size,
            open=False,
            kwargs={
                "autocommit": True,
                "options": f"-c statement_timeout={settings.statement_timeout_ms} -c TimeZone=UTC",
            },
        )
        await pool.open(wait=False)
        app.state.pool = pool
        app.state.settings = settings
        app.state.latest = LatestSnapshot(pool, settings)
        app.state.final_buckets = FinalBuckets(int(settings.aggregate_cache_mb * 1e6))
        try:
            yield
        finally:
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
    for module in _ROUTERS:
        app.include_router(module.router, prefix=API_PREFIX)
    return app
