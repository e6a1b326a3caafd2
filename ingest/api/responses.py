"""Fast JSON answers: validate plain rows against the response model once, in pydantic-core.

FastAPI's default path builds models, dumps them, validates again and serializes: three
passes over thousands of rows. Routes that answer with many rows build plain dicts and
return :func:`json_response` instead; their ``response_model`` still documents the shape.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from fastapi import Response
from pydantic import TypeAdapter

__all__ = ["json_response"]


@cache
def _adapter(model: Any) -> TypeAdapter:
    return TypeAdapter(model)


def json_response(model: Any, data: Any, headers: dict[str, str] | None = None) -> Response:
    """``data`` checked against ``model`` and serialized as the JSON body of a 200."""
    adapter = _adapter(model)
    body = adapter.dump_json(adapter.validate_python(data))
    return Response(body, media_type="application/json", headers=headers)
