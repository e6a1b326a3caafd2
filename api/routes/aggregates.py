"""Aggregates over buckets of any width, from the roll-ups where they fit."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field

from api.aggregation import FUNCTIONS, Summary, summarize
from api.deps import Conn, Settings, Window
from api.errors import ERROR_RESPONSES, InvalidRequest, NotFound
from api.params import parse_duration
from api.responses import json_body, separated
from api.schemas import TagId, TagRef

router = APIRouter(tags=["aggregates"], responses=ERROR_RESPONSES)

_DEFAULT_FUNCTIONS = "avg,min,max,last,count"


class Bucket(BaseModel):
    time: dt.datetime = Field(description="Bucket start")
    avg: float | None = None
    min: float | None = None
    max: float | None = None
    first: float | None = None
    last: float | None = None
    count_good: int | None = Field(None, description="Good readings with a value")
    count_all: int | None = Field(None, description="Every reading, any status")


class Series(BaseModel):
    tag: TagRef
    buckets: list[Bucket] = Field(description="Buckets with at least one reading")


class Aggregates(BaseModel):
    start: dt.datetime
    end: dt.datetime
    bucket_s: float
    good_only: bool
    functions: list[str]
    sources: list[str] = Field(description="Where the buckets came from, in time order")
    series: list[Series]


def _functions(text: str) -> set[str]:
    names = {name.strip() for name in text.split(",") if name.strip()}
    unknown = names - set(FUNCTIONS)
    if unknown or not names:
        raise InvalidRequest(
            f"functions are a comma list of {', '.join(FUNCTIONS)}", {"unknown": sorted(unknown)}
        )
    return names


@router.get("/aggregates", response_model=Aggregates, response_model_exclude_none=False)
async def aggregates(
    request: Request,
    conn: Conn,
    settings: Settings,
    tag_id: Annotated[
        list[TagId], Query(description="Tag ids; repeat the parameter for several tags")
    ],
    window: Window,
    bucket: Annotated[str, Query(description="Width: 30s, 1m, 15min, 1h, 1d or PT1M")] = "1m",
    functions: Annotated[
        str, Query(description=f"Comma list of {', '.join(FUNCTIONS)}; first is from raw")
    ] = _DEFAULT_FUNCTIONS,
    good_only: Annotated[
        bool, Query(description="Good values only (roll-ups fit); false adds Uncertain ones")
    ] = True,
) -> Response:
    """avg, min, max, first, last and counts per bucket (buckets start at `start`)."""
    ids = list(dict.fromkeys(tag_id))
    if len(ids) > settings.max_tags_per_request:
        raise InvalidRequest(f"at most {settings.max_tags_per_request} tags per request")
    width = parse_duration(bucket, "bucket")
    wanted = _functions(functions)
    buckets = -(-window.span // width) * len(ids)
    if buckets > settings.max_points_per_request:
        raise InvalidRequest(
            f"{buckets} buckets; at most {settings.max_points_per_request} per request",
            {"hint": "use a wider bucket, a shorter range or fewer tags"},
        )
    cache = request.app.state.final_buckets
    # The tags are looked up in the same round trip as the buckets (not by the shared Tags
    # dependency, a round trip of its own): a quarter of this route's time under load.
    summary = await summarize(
        conn, ids, (window.start, window.end), width, good_only, wanted, cache
    )
    _check_known(ids, summary.tags)
    head = {
        "start": window.start,
        "end": window.end,
        "bucket_s": width.total_seconds(),
        "good_only": good_only,
        "functions": [f for f in FUNCTIONS if f in wanted],
        "sources": summary.sources,
    }
    return Response(_body(head, ids, summary), media_type="application/json")


def _check_known(ids: list[int], found: dict[int, bytes]) -> None:
    """NotFound for unknown ids, as the shared Tags dependency answers."""
    missing = [i for i in ids if i not in found]
    if missing:
        raise NotFound(f"no tag with id {', '.join(map(str, missing))}", {"tag_id": missing})


def _body(head: dict, ids: list[int], summary: Summary) -> bytes:
    """The answer as one join of its parts: the buckets (hundreds of kB) are copied once."""
    parts = [json_body(head)[:-1], b',"series":[']
    for index, tag_id in enumerate(ids):
        comma = b"," if index else b""
        parts.append(b'%s{"tag":%s,"buckets":[' % (comma, summary.tags[tag_id]))
        parts += separated(summary.buckets[tag_id], b",")
        parts.append(b"]}")
    parts.append(b"]}")
    return b"".join(parts)
