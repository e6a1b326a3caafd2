"""Fast JSON answers for routes that answer with many rows.

FastAPI's default path builds models, dumps them, validates again and serializes: three
passes over thousands of rows. These routes build plain dicts of exactly the fields of
their ``response_model`` (which still documents the shape, and which the tests check the
answers against) and serialize them once, in pydantic-core; or they put together JSON that
PostgreSQL wrote (``repository/json_sql.py``) with one join.
"""

from __future__ import annotations

from typing import Any

from fastapi import Response
from pydantic import BaseModel
from pydantic_core import to_json

__all__ = ["json_array", "json_body", "json_response", "pick", "separated"]


def pick(row: dict[str, Any], model: type[BaseModel]) -> dict[str, Any]:
    """The fields of ``model`` from ``row`` (which may hold more)."""
    return {name: row[name] for name in model.model_fields if name in row}


def json_body(data: Any) -> bytes:
    """``data`` (dicts, lists, datetimes, numbers) as JSON; times in ISO 8601 with zone."""
    return to_json(data)


def json_response(data: Any) -> Response:
    """``data`` as the JSON body of a 200."""
    return Response(json_body(data), media_type="application/json")


def separated(parts: list[bytes], separator: bytes) -> list[bytes]:
    """``parts`` with ``separator`` between each two, for one ``b"".join`` of a whole body."""
    out = [separator] * (2 * len(parts) - 1) if parts else []
    out[0::2] = parts
    return out


def json_array(items: list[bytes]) -> bytes:
    """JSON texts of the items as one JSON array."""
    return b"".join([b"[", *separated(items, b","), b"]"])
