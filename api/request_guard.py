"""What a request must pass before its body is read: a key, and a size limit.

FastAPI reads a route's whole JSON body before it runs the route's dependencies, the key
check included: a 200 MB POST without a key was read into memory before its 401. This ASGI
middleware stands in front of every request that may carry a body (POST, PUT, PATCH):
it checks the key first (401 without reading a byte of the body), then reads the body
itself up to ``max_body_bytes`` and answers 413 as soon as it is over, whether the client
announced the size (Content-Length) or streams it in chunks; memory stays at the limit. The
body it read is handed on to the route unchanged. The role check (403) stays with the route.
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.auth import key_in_headers
from api.errors import ApiError, error_body

__all__ = ["RequestGuard"]

_BODY_METHODS = {"POST", "PUT", "PATCH"}


class BodyTooLarge(ApiError):
    status_code = 413
    code = "body_too_large"


class RequestGuard:
    """Key check and body limit ahead of the routes (see the module docstring)."""

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in _BODY_METHODS:
            await self.app(scope, receive, send)
            return
        try:
            await self._check_key(scope)
            self._check_announced_size(scope)
            body = await self._read_body(receive)
        except ApiError as exc:
            await _answer(send, exc)
            return
        await self.app(scope, _replay(body, receive), send)

    async def _check_key(self, scope: Scope) -> None:
        headers = {
            name.decode("latin-1"): value.decode("latin-1") for name, value in scope["headers"]
        }
        await scope["app"].state.keys.verify(key_in_headers(headers))

    def _check_announced_size(self, scope: Scope) -> None:
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_body_bytes:
            raise self._too_large()

    async def _read_body(self, receive: Receive) -> bytes:
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                raise self._too_large()
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)

    def _too_large(self) -> BodyTooLarge:
        return BodyTooLarge(
            f"the request body is larger than {self.max_body_bytes} bytes",
            {"max_body_bytes": self.max_body_bytes},
        )


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()  # after the body: wait for the disconnect, as ASGI does

    return replayed


async def _answer(send: Send, exc: ApiError) -> None:
    payload = json.dumps(error_body(exc.code, exc.message, exc.detail)).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(payload)).encode()),
    ]
    headers += [(k.lower().encode(), v.encode()) for k, v in (exc.headers or {}).items()]
    # The rest of an oversized body is never read: tell the client this connection ends.
    headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": exc.status_code, "headers": headers})
    await send({"type": "http.response.body", "body": payload})
