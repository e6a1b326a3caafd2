"""CSV and Parquet exports of readings, with units, status and zoned times."""

from __future__ import annotations

import csv
import datetime as dt
import io

import polars as pl
from fastapi.testclient import TestClient

from tests.api.conftest import error_of
from tests.api.seed import BAD, FIELD, HOUR, T0, TEMP, window

S = dt.timedelta(seconds=1)


def test_csv_has_header_units_status_and_iso_times(
    client: TestClient, tag_ids: dict[str, int]
) -> None:
    """The CSV has one row per reading with ISO 8601 times, unit and status."""
    params = window(T0 + 49 * S, T0 + 52 * S, tag_id=tag_ids[TEMP])
    response = client.get("/api/v1/export/readings.csv", params=params)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [r["status"] for r in rows] == ["good", "bad", "good"]
    assert rows[1]["status_code"] == str(BAD) and rows[1]["value"] == "9999"  # as sent
    assert rows[0]["unit"] == "°C" and rows[0]["value"] == "1049"
    assert dt.datetime.fromisoformat(rows[0]["time"]) == T0 + 49 * S


def test_parquet_round_trips_through_polars(client: TestClient, tag_ids: dict[str, int]) -> None:
    """The Parquet file holds both tags' readings with a UTC timestamp column."""
    params = window(T0, T0 + 60 * S, tag_id=[tag_ids[TEMP], tag_ids[FIELD]])
    response = client.get("/api/v1/export/readings.parquet", params=params)
    frame = pl.read_parquet(io.BytesIO(response.content))
    assert frame.height == 60 + 6
    assert frame.schema["time"] == pl.Datetime("us", "UTC")
    assert frame["time"][0] == T0 and set(frame["unit"]) == {"°C", "T"}


def test_export_over_the_row_limit_is_422(client: TestClient, tag_ids: dict[str, int]) -> None:
    """More rows than max_export_rows (7,000 here) is refused, not cut silently."""
    params = window(T0, T0 + 3 * HOUR, tag_id=[tag_ids[TEMP], tag_ids[FIELD]])
    for suffix in ("csv", "parquet"):
        response = client.get(f"/api/v1/export/readings.{suffix}", params=params)
        assert response.status_code == 422 and "rows" in error_of(response)["message"]


def test_export_of_an_unknown_tag_is_404(client: TestClient) -> None:
    """An unknown tag is a 404 in the stable JSON shape."""
    response = client.get("/api/v1/export/readings.csv", params=window(T0, T0 + HOUR, tag_id=9999))
    assert response.status_code == 404 and error_of(response)["code"] == "not_found"
