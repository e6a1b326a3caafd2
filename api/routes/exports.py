"""Exports of raw readings for a time range: CSV and Parquet files."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Response

from api.deps import Conn, Settings, Tags, TimeWindow, Window
from api.errors import ERROR_RESPONSES, InvalidRequest
from api.export import CSV_COLUMNS, csv_to_parquet
from store import queries

router = APIRouter(tags=["exports"], responses=ERROR_RESPONSES)

_CSV_DOC = {200: {"content": {"text/csv": {}}, "description": ", ".join(CSV_COLUMNS)}}
_PARQUET_DOC = {
    200: {"content": {"application/vnd.apache.parquet": {}}, "description": "Same columns"}
}


async def _csv(conn: Conn, settings: Settings, tags: list[dict], window: TimeWindow) -> bytes:
    limit = settings.max_export_rows
    data, rows = await queries.export_csv(conn, tags, (window.start, window.end), limit + 1)
    if rows > limit:
        raise InvalidRequest(f"more than {limit} rows; export a shorter range or fewer tags")
    return data


def _filename(window: TimeWindow, suffix: str) -> str:
    stamp = window.start.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    return f'attachment; filename="readings_{stamp}.{suffix}"'


@router.get("/export/readings.csv", response_class=Response, responses=_CSV_DOC)
async def export_csv(conn: Conn, settings: Settings, tags: Tags, window: Window) -> Response:
    """Readings of the tags in [start, end) as CSV: ISO 8601 times, unit and status."""
    data = await _csv(conn, settings, tags, window)
    headers = {"Content-Disposition": _filename(window, "csv")}
    return Response(data, media_type="text/csv; charset=utf-8", headers=headers)


@router.get("/export/readings.parquet", response_class=Response, responses=_PARQUET_DOC)
async def export_parquet(conn: Conn, settings: Settings, tags: Tags, window: Window) -> Response:
    """The same readings as a Parquet file (time as a UTC timestamp)."""
    data = csv_to_parquet(await _csv(conn, settings, tags, window))
    headers = {"Content-Disposition": _filename(window, "parquet")}
    return Response(data, media_type="application/vnd.apache.parquet", headers=headers)
