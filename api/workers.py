"""Serving the API under uvicorn, in one process or in several worker processes.

One process serves on one core (one event loop). With ``workers`` > 1 uvicorn's
supervisor runs that many processes on the same socket; each builds its app with
:func:`app_from_environment` from the environment's settings (the parent puts the database
there) and keeps its own caches: the latest snapshot, final roll-up buckets and verified
keys. On a 2-core machine that also runs the database a second worker did not help
(BENCHMARKS.md, API); it is for machines with cores to spare.
"""

from __future__ import annotations

import logging
import os

import uvicorn
from fastapi import FastAPI

from api.app import create_app
from api.settings import ApiSettings

__all__ = ["app_from_environment", "serve"]

_DSN_VARIABLE = "MAGNETLINE_API_DSN"  # ApiSettings.dsn
_LOG_LEVEL_VARIABLE = "MAGNETLINE_WORKER_LOG_LEVEL"
_LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def app_from_environment() -> FastAPI:
    """The app of one worker process (a uvicorn factory): settings from the environment."""
    # Worker processes are spawned: the parent's logging set-up is not theirs.
    level = os.environ.get(_LOG_LEVEL_VARIABLE, "INFO")
    logging.basicConfig(level=level, format=_LOG_FORMAT)
    settings = ApiSettings()
    return create_app(settings, settings.dsn)


def serve(settings: ApiSettings, dsn: str, workers: int = 1) -> None:
    """Serve the API at ``settings.host:port`` on the database at ``dsn`` until stopped."""
    # api.access logs every request with its key id; uvicorn's own line would repeat it.
    where = {"host": settings.host, "port": settings.port, "log_level": "info", "access_log": False}
    if settings.ssl_certfile is not None:
        where |= {"ssl_certfile": settings.ssl_certfile, "ssl_keyfile": settings.ssl_keyfile}
    if workers == 1:
        uvicorn.run(create_app(settings, dsn), **where)
        return
    os.environ[_DSN_VARIABLE] = dsn
    os.environ[_LOG_LEVEL_VARIABLE] = logging.getLevelName(logging.getLogger().level)
    uvicorn.run(f"{__name__}:app_from_environment", factory=True, workers=workers, **where)
