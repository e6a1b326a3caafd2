"""API errors and the one handler that maps them to HTTP with a stable JSON shape.

ApiError                 {"error": {"code": ..., "message": ..., "detail": ...}}
├── Unauthorized         401  no API key, or a bad or revoked one
├── Forbidden            403  the key's role may not do this
├── NotFound             404  an unknown tag or resource
├── InvalidRequest       422  a reversed or oversized range, a bad parameter or cursor
├── TooBusy              429  every twin worker is busy; retry after a while
├── ServiceUnavailable   503  the database cannot be reached
└── QueryTimeout         503  the statement timeout cut a query short
(anything else)          500  a bug, logged; still in the same shape

Database errors raised below the routes are mapped here too: a cancelled statement to
QueryTimeout, a lost connection to ServiceUnavailable, bad data to InvalidRequest.
"""

from __future__ import annotations

import logging
from typing import Any, ClassVar

import psycopg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

__all__ = [
    "AUTH_RESPONSES",
    "BODY_RESPONSES",
    "BUSY_RESPONSES",
    "ERROR_RESPONSES",
    "ApiError",
    "ErrorBody",
    "Forbidden",
    "InvalidRequest",
    "NotFound",
    "QueryTimeout",
    "ServiceUnavailable",
    "TooBusy",
    "Unauthorized",
    "error_body",
    "install_error_handlers",
]

logger = logging.getLogger(__name__)


class ErrorDetail(BaseModel):
    code: str
    message: str
    detail: Any = None


class ErrorBody(BaseModel):
    """The shape of every error response."""

    error: ErrorDetail


class ApiError(Exception):
    status_code = 500
    code = "internal_error"
    headers: ClassVar[dict[str, str] | None] = None

    def __init__(self, message: str, detail: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail


class Unauthorized(ApiError):
    status_code = 401
    code = "unauthorized"
    headers: ClassVar[dict[str, str]] = {"WWW-Authenticate": "Bearer"}


class Forbidden(ApiError):
    status_code = 403
    code = "forbidden"


class NotFound(ApiError):
    status_code = 404
    code = "not_found"


class InvalidRequest(ApiError):
    status_code = 422
    code = "invalid_request"


class TooBusy(ApiError):
    status_code = 429
    code = "too_busy"
    headers: ClassVar[dict[str, str]] = {"Retry-After": "5"}


class ServiceUnavailable(ApiError):
    status_code = 503
    code = "service_unavailable"


class QueryTimeout(ApiError):
    status_code = 503
    code = "query_timeout"


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody, "description": "An unknown tag, lot or other resource"},
    422: {"model": ErrorBody, "description": "A bad parameter, range, bucket, cursor or limit"},
    503: {"model": ErrorBody, "description": "The database is away or the query timed out"},
}
#: Declared on every route that needs a key (at router inclusion).
AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "No API key, or a bad or revoked one"},
    403: {"model": ErrorBody, "description": "The key's role may not do this"},
}
#: Declared on routes that take a JSON body.
BODY_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "A body that cannot be read as JSON"},
}
#: Declared on the twin's runs, which queue for a worker.
BUSY_RESPONSES: dict[int | str, dict[str, Any]] = {
    429: {"model": ErrorBody, "description": "Every twin worker is busy; retry after a while"},
}


_HTTP_CODES = {400: "bad_request", 404: "not_found", 405: "method_not_allowed"}


def error_body(code: str, message: str, detail: Any = None) -> dict[str, Any]:
    body = ErrorBody(error=ErrorDetail(code=code, message=message, detail=detail))
    return body.model_dump(mode="json")


def _from_database(exc: psycopg.Error) -> ApiError:
    if isinstance(exc, psycopg.errors.QueryCanceled):
        return QueryTimeout("the query took longer than the statement timeout; narrow it")
    if isinstance(exc, psycopg.DataError):
        return InvalidRequest("the database refused a parameter", str(exc))
    return ServiceUnavailable("the database cannot answer", str(exc))


def _respond(exc: ApiError) -> JSONResponse:
    body = error_body(exc.code, exc.message, exc.detail)
    return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
        return _respond(exc)

    @app.exception_handler(psycopg.Error)
    async def _database_error(_: Request, exc: psycopg.Error) -> JSONResponse:
        logger.warning("database error: %s", exc)
        return _respond(_from_database(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, "http_error")
        return JSONResponse(
            error_body(code, str(exc.detail)), status_code=exc.status_code, headers=exc.headers
        )

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        logger.exception("unexpected error")
        return _respond(ApiError("an unexpected error; it has been logged"))

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {"where": ".".join(str(p) for p in err["loc"]), "problem": err["msg"]}
            for err in exc.errors()
        ]
        return JSONResponse(
            error_body("invalid_request", "the request is not valid", problems), status_code=422
        )
