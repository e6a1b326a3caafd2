"""Plot values: few points per interval, and neither the spike nor the dropout is lost."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient

from tests.api.conftest import error_of
from tests.api.seed import BAD, SPIKE_AT, T0, TEMP, window

S = dt.timedelta(seconds=1)


def test_plot_keeps_spike_and_bad_point_in_few_points(
    client: TestClient, tag_ids: dict[str, int]
) -> None:
    """7,200 readings over 20 intervals: at most 5 points each, with the spike and the Bad one."""
    params = window(T0, T0 + 7200 * S, tag_id=tag_ids[TEMP], intervals=20)
    body = client.get("/api/v1/plot", params=params).json()
    points = body["series"][0]["points"]
    assert body["interval_s"] == 360 and len(points) <= 5 * 20
    by_time = {dt.datetime.fromisoformat(p["time"]): p for p in points}
    assert by_time[T0 + SPIKE_AT * S]["value"] == 1500.0
    bad = by_time[T0 + 50 * S]
    assert bad["value"] is None and bad["status_code"] == BAD and bad["status"] == "bad"
    # The Bad reading keeps its value (9999) in the raw data; a plot never draws it.
    assert 9999.0 not in {p["value"] for p in points}
    assert [p["time"] for p in points] == sorted(p["time"] for p in points)


def test_plot_interval_first_last_min_max(client: TestClient, tag_ids: dict[str, int]) -> None:
    """One interval of a sawtooth minute: first 1000 at :00, max 1059, last at :59."""
    params = window(T0 + 120 * S, T0 + 180 * S, tag_id=tag_ids[TEMP], intervals=1)
    points = client.get("/api/v1/plot", params=params).json()["series"][0]["points"]
    assert [p["value"] for p in points] == [1000.0, 1059.0]


def test_plot_rejects_too_many_or_too_fine_intervals(
    client: TestClient, tag_ids: dict[str, int]
) -> None:
    """Over 10,000 intervals, or intervals under 1 ms, are 422."""
    base = window(T0, T0 + S, tag_id=tag_ids[TEMP])
    assert client.get("/api/v1/plot", params={**base, "intervals": 10_001}).status_code == 422
    fine = client.get("/api/v1/plot", params={**base, "intervals": 5000})
    assert fine.status_code == 422 and "1 ms" in error_of(fine)["message"]


def test_plot_where_most_intervals_hold_a_bad_reading(
    client: TestClient, tag_ids: dict[str, int]
) -> None:
    """One of two intervals holds the Bad reading: summed in one pass with statuses, the
    Bad point is there without a value and its kept value (9999) is drawn nowhere."""
    params = window(T0 + 40 * S, T0 + 60 * S, tag_id=tag_ids[TEMP], intervals=2)
    points = client.get("/api/v1/plot", params=params).json()["series"][0]["points"]
    by_time = {dt.datetime.fromisoformat(p["time"]): p for p in points}
    assert by_time[T0 + 50 * S]["value"] is None and by_time[T0 + 50 * S]["status"] == "bad"
    assert 9999.0 not in {p["value"] for p in points}
    assert {p["value"] for p in points} >= {1040.0, 1059.0}  # first and max of the intervals
