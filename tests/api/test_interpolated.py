"""Interpolated values aligned across tags: linear for analog, step for discrete tags."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from numpy.testing import assert_allclose

from api.interpolation import BAD_NO_DATA
from tests.api.conftest import error_of
from tests.api.seed import BAD, FIELD, FURNACE_STATE, T0, TEMP, window

S = dt.timedelta(seconds=1)


def _get(client: TestClient, **params: object) -> dict:
    response = client.get("/api/v1/interpolated", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_linear_between_readings_and_bad_next_to_a_bad_one(
    client: TestClient, tag_ids: dict[str, int]
) -> None:
    """Half-way between readings gives the mean; next to the Bad reading the point is Bad."""
    body = _get(client, **window(T0 + 47.5 * S, T0 + 50.5 * S, tag_id=tag_ids[TEMP],
                                 interval="1s"))  # fmt: skip
    (series,) = body["series"]
    assert series["method"] == "linear" and len(body["times"]) == 3
    assert_allclose(series["values"][:2], [1047.5, 1048.5])
    assert series["values"][2] is None and series["status_codes"][2] == BAD
    assert series["statuses"] == ["good", "good", "bad"]


def test_tags_are_aligned_on_one_time_axis(client: TestClient, tag_ids: dict[str, int]) -> None:
    """Analog and discrete tags share the same times; the state tag steps, never blends."""
    ids = [tag_ids[FIELD], tag_ids[FURNACE_STATE]]
    body = _get(client, **window(T0 + 25 * 60 * S, T0 + 50 * 60 * S, tag_id=ids, interval="5m"))
    field, state = body["series"]
    assert len(body["times"]) == 5 == len(field["values"]) == len(state["texts"])
    assert state["method"] == "step"
    assert state["texts"] == ["running", "down", "down", "down", "running"]
    assert_allclose(field["values"][0], 2.0 + 1500 / 1000)


def test_before_the_first_reading_there_is_no_data(
    client: TestClient, tag_ids: dict[str, int]
) -> None:
    """Times before any reading are BadNoData with no value."""
    body = _get(client, **window(T0 - 60 * S, T0 + 1 * S, tag_id=tag_ids[TEMP], interval="30s"))
    (series,) = body["series"]
    assert series["values"][:2] == [None, None] and series["status_codes"][0] == BAD_NO_DATA
    assert series["values"][2] == 1000.0


def test_too_many_points_or_a_bad_interval_is_422(
    client: TestClient, tag_ids: dict[str, int]
) -> None:
    """More points than the limit, or an interval that is not a duration, are refused."""
    base = window(T0, T0 + dt.timedelta(days=30), tag_id=tag_ids[TEMP])
    too_many = client.get("/api/v1/interpolated", params={**base, "interval": "1s"})
    assert too_many.status_code == 422 and "points" in error_of(too_many)["message"]
    bad = client.get("/api/v1/interpolated", params={**base, "interval": "-1m"})
    assert bad.status_code == 422 and "interval" in error_of(bad)["message"]
    missing = client.get("/api/v1/interpolated", params=base)
    assert missing.status_code == 422
