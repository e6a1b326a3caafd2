"""Availability and downtime per equipment per plant day or shift (Asia/Kolkata)."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from numpy.testing import assert_allclose

from api.periods import periods
from tests.api.conftest import error_of
from tests.api.seed import HOUR, T0, window

IST = dt.timezone(dt.timedelta(hours=5, minutes=30))


def _furnace(rows: list[dict]) -> list[dict]:
    return [row for row in rows if row["equipment"] == "Furnace1"]


def test_plant_day_from_local_midnight(client: TestClient) -> None:
    """The day runs midnight to midnight IST; states hold until the next reading."""
    body = client.get("/api/v1/availability", params=window(T0, T0 + 2 * HOUR)).json()
    assert body["timezone"] == "Asia/Kolkata" and len(body["rows"]) == 2
    (day,) = _furnace(body["rows"])
    assert dt.datetime.fromisoformat(day["period_start"]) == dt.datetime(2026, 3, 1, tzinfo=IST)
    assert day["seconds_by_state"] == {"running": 64500.0, "down": 900.0, "maintenance": 600.0}
    assert day["no_data_s"] == 5.5 * 3600 + 600 and day["downtime_s"] == 900.0
    assert_allclose(day["availability"], 64500 / 66000)


def test_shifts_cut_states_at_shift_changes(client: TestClient) -> None:
    """Shifts start 06:00, 14:00, 22:00 IST; the morning shift holds the whole fault story."""
    params = window(T0, T0 + 2 * HOUR, period="shift", stage="Sintering")
    night, morning = client.get("/api/v1/availability", params=params).json()["rows"]
    assert night["seconds_by_state"] == {"running": 1800.0} and night["no_data_s"] == 27000
    assert morning["seconds_by_state"] == {"running": 2700.0 + 24000.0, "down": 900.0,
                                           "maintenance": 600.0}  # fmt: skip
    assert morning["no_data_s"] == 600.0


def test_no_state_tags_gives_no_rows(client: TestClient) -> None:
    """A filter that matches no equipment gives an empty list, not an error."""
    params = window(T0, T0 + HOUR, equipment="Nothing")
    assert client.get("/api/v1/availability", params=params).json()["rows"] == []


def test_bad_period_or_range_is_422(client: TestClient) -> None:
    """An unknown period kind and a reversed range are 422."""
    bad = client.get("/api/v1/availability", params=window(T0, T0 + HOUR, period="week"))
    assert bad.status_code == 422 and error_of(bad)["code"] == "invalid_request"
    assert client.get("/api/v1/availability", params=window(T0, T0 - HOUR)).status_code == 422


def test_periods_follow_daylight_saving_time() -> None:
    """In Europe/Berlin the day of the spring change is 23 hours long."""
    from zoneinfo import ZoneInfo

    start = dt.datetime(2026, 3, 29, 1, tzinfo=dt.UTC)
    (day,) = periods(start, start + HOUR, "day", ZoneInfo("Europe/Berlin"), [])
    assert day[1] - day[0] == dt.timedelta(hours=23)


def test_stage_totals_sum_their_equipment(client: TestClient) -> None:
    """Each stage and day sums its equipment: Sintering is the furnace, Separation the cascade."""
    body = client.get("/api/v1/availability", params=window(T0, T0 + 2 * HOUR)).json()
    stages = {s["stage"]: s for s in body["stages"]}
    assert set(stages) == {"Sintering", "Separation"}
    assert stages["Sintering"]["equipment"] == 1 and stages["Sintering"]["downtime_s"] == 900.0
    assert_allclose(stages["Sintering"]["availability"], 64500 / 66000)
    assert stages["Separation"]["availability"] == 1.0
