"""API errors and the one handler that maps them to HTTP with a stable JSON shape.

ApiError                 {"error": {"code": ..., "message": ..., "detail": ...}}
├── NotFound             404  an unknown tag or resource
├── InvalidRequest       422  a reversed or oversized range, a bad parameter
└── ServiceUnavailable   503  the database cannot be reached
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel

__all__ = [
    "ApiError",
    "ErrorBody",
    "InvalidRequest",
    "NotFound",
    "ServiceUnavailable",
    "install_error_handlers",
]


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

    def __init__(self, message: str, detail: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail


class NotFound(ApiError):
    status_code = 404
    code = "not_found"


class InvalidRequest(ApiError):
    status_code = 422
    code = "invalid_request"


class ServiceUnavailable(ApiError):
    status_code = 503
    code = "service_unavailable"


def _body(code: str, message: str, detail: Any = None) -> dict[str, Any]:
    return ErrorBody(error=ErrorDetail(code=code, message=message, detail=detail)).model_dump()


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(_body(exc.code, exc.message, exc.detail), status_code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {"where": ".".join(str(p) for p in err["loc"]), "problem": err["msg"]}
            for err in exc.errors()
        ]
        return JSONResponse(
            _body("invalid_request", "the request is not valid", problems), status_code=422
        )
