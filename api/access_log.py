"""One log line per request: key id, method, route, status and duration.

A pure ASGI middleware (Starlette's ``BaseHTTPMiddleware`` adds a task and a stream per
request). The route is the matched path template (``/api/v1/tags/{tag_id}``), so query
strings, which may carry anything a client typed, never reach the log; the key id is set by
the auth dependency, and the key itself is never logged.
"""

from __future__ import annotations

import logging
import time

from fastapi.routing import APIRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["AccessLog"]

logger = logging.getLogger("api.access")


class AccessLog:
    def __init__(self, app: ASGIApp, api_prefix: str) -> None:
        self.app = app
        self.api_prefix = api_prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        began = time.perf_counter()
        status = 500  # what the client gets if the app raises before answering

        async def send_noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_noting_status)
        finally:
            self._log(scope, status, (time.perf_counter() - began) * 1000.0)

    def _route(self, scope: Scope) -> str:
        route = scope.get("route")
        if isinstance(route, APIRoute):
            # FastAPI names the route as its router declared it, without the prefix the
            # router was included under (every API router is included under api_prefix).
            return self.api_prefix + route.path
        return getattr(route, "path", None) or "(no route)"

    def _log(self, scope: Scope, status: int, elapsed_ms: float) -> None:
        route = self._route(scope)
        key_id = scope.get("state", {}).get("key_id", "-")
        logger.info("key=%s %s %s %d %.1fms", key_id, scope["method"], route, status, elapsed_ms)
