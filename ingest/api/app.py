"""The FastAPI application: ``create_app()`` wires settings, the pool, routes and errors."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from psycopg_pool import AsyncConnectionPool

from ingest.api.errors import ErrorBody, install_error_handlers
from ingest.api.routes import health, tags
from ingest.api.settings import ApiSettings

__all__ = ["create_app"]

API_PREFIX = "/api/v1"


def create_app(settings: ApiSettings, dsn: str) -> FastAPI:
    """The API for the database at ``dsn``; it starts even when the database is down."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        pool = AsyncConnectionPool(
            dsn,
            min_size=1,
            max_size=settings.pool_max_size,
            open=False,
            kwargs={"options": f"-c statement_timeout={settings.statement_timeout_ms}"},
        )
        await pool.open(wait=False)
        app.state.pool = pool
        app.state.settings = settings
        try:
            yield
        finally:
            await pool.close()

    app = FastAPI(
        title="Magnet line historian and twin",
        version="0.1.0",
        description="Readings of a rare-earth magnet line recorded over OPC UA, and the twin's "
        "predictions. Every error has the shape of `ErrorBody`.",
        lifespan=lifespan,
        responses={422: {"model": ErrorBody}, 503: {"model": ErrorBody}},
    )
    install_error_handlers(app)
    app.include_router(health.router, prefix=API_PREFIX)
    app.include_router(tags.router, prefix=API_PREFIX)
    return app
