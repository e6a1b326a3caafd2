"""Raw readings with cursor pagination, several tags per request, and latest values."""

from __future__ import annotations

import datetime as dt

import psycopg
import pytest
from fastapi.testclient import TestClient

from api import create_app
from api.params import encode_cursor
from api.settings import ApiSettings
from tests.api.conftest import error_of, keyed
from tests.api.seed import BAD, FIELD, FURNACE_STATE, T0, TEMP, seed, window

S = dt.timedelta(seconds=1)
FOREIGN_CURSOR = encode_cursor({"tag_id": 99, "time": T0})


def test_cursor_pages_cover_the_range_once(client: TestClient, tag_ids: dict[str, int]) -> None:
    """Following next_cursor yields every reading of the range exactly once, in order."""
    url, params = f"/api/v1/tags/{tag_ids[TEMP]}/readings", window(T0, T0 + 250 * S, limit=100)
    times, pages = [], 0
    while True:
        body = client.get(url, params=params).json()
        times += [r["time"] for r in body["readings"]]
        pages += 1
        if body["next_cursor"] is None:
            break
        params["cursor"] = body["next_cursor"]
    assert pages == 3 and len(times) == 250 and len(set(times)) == 250 and times == sorted(times)


def test_every_reading_has_unit_status_and_zoned_time(
    client: TestClient, tag_ids: dict[str, int]
) -> None:
    """Readings carry unit, status code and class, and ISO 8601 times with a zone."""
    body = client.get(
        f"/api/v1/tags/{tag_ids[TEMP]}/readings", params=window(T0 + 50 * S, T0 + 52 * S)
    ).json()
    bad, good = body["readings"]
    assert bad["status_code"] == BAD and bad["status"] == "bad"
    assert bad["value"] == 9999.0  # the value the server sent, kept beside its status
    assert good["unit"] == "°C" and good["status"] == "good" and good["value"] == 1051.0
    assert dt.datetime.fromisoformat(good["time"]).utcoffset() == dt.timedelta(0)


def test_several_tags_in_one_request_page_by_tag(
    client: TestClient, tag_ids: dict[str, int]
) -> None:
    """Several tags page in request order, then time; the cursor crosses from tag to tag."""
    ids = [tag_ids[FIELD], tag_ids[TEMP]]
    params = window(T0, T0 + 60 * S, tag_id=ids, limit=8)
    first = client.get("/api/v1/readings", params=params).json()
    assert [r["tag_id"] for r in first["readings"]] == [ids[0]] * 6 + [ids[1]] * 2
    assert [t["unit"] for t in first["tags"]] == ["T", "°C"]
    second = client.get("/api/v1/readings", params={**params, "cursor": first["next_cursor"]})
    readings = second.json()["readings"]
    assert readings[0]["tag_id"] == ids[1] and readings[0]["time"] > first["readings"][-1]["time"]


def test_text_values_come_with_their_text(client: TestClient, tag_ids: dict[str, int]) -> None:
    """State tags return their string value in value_text."""
    params = window(T0, T0 + dt.timedelta(hours=1), tag_id=tag_ids[FURNACE_STATE])
    texts = [
        r["value_text"] for r in client.get("/api/v1/readings", params=params).json()["readings"]
    ]
    assert texts == ["running", "down", "running"]


def test_latest_values_with_status_and_staleness(
    client: TestClient, tag_ids: dict[str, int]
) -> None:
    """Latest gives each tag's newest reading; readings of March are stale by now."""
    params = {"tag_id": [tag_ids[TEMP], tag_ids[FIELD]]}
    # The seeded data lies in the past, beyond the look-back window: no reading, stale.
    latest = client.get("/api/v1/latest", params=params).json()
    assert [row["tag_id"] for row in latest] == params["tag_id"]
    assert all(row["stale"] for row in latest)


def test_latest_of_all_tags_filtered_by_stage(client: TestClient) -> None:
    """Without tag ids latest covers every tag, narrowed by stage."""
    rows = client.get("/api/v1/latest", params={"stage": "Sintering"}).json()
    assert {row["name"] for row in rows} == {"Temperature", "State"}


@pytest.mark.parametrize(
    ("path", "params", "status", "needle"),
    [
        ("/api/v1/readings", {"tag_id": 99999}, 404, "no tag"),
        ("/api/v1/readings", {"tag_id": "x"}, 422, "not valid"),
        ("/api/v1/readings", {"limit": 5001}, 422, "at most"),
        ("/api/v1/readings", {"cursor": "not-a-cursor"}, 422, "cursor"),
        ("/api/v1/readings", {"tag_id": list(range(1, 102))}, 422, "at most 100 tags"),
        ("/api/v1/latest", {"tag_id": 99999}, 404, "no tag"),
        ("/api/v1/tags/1/readings", {"cursor": FOREIGN_CURSOR}, 422, "another request"),
    ],
)  # fmt: skip
def test_bad_reading_requests_are_4xx(
    client: TestClient, tag_ids: dict[str, int], path: str, params: dict, status: int, needle: str
) -> None:
    """Unknown tags, bad ids, oversized pages, garbage or foreign cursors are 4xx."""
    base = window(T0, T0 + 60 * S, tag_id=tag_ids[TEMP])
    response = client.get(path, params={**base, **params})
    assert response.status_code == status
    assert needle in error_of(response)["message"]


def test_fresh_readings_are_not_stale_and_old_ones_are(db_dsn: str) -> None:
    """Age is measured against the expected interval: 0.5 s old is fresh, 100 s old is stale."""
    ids = seed(db_dsn)
    with psycopg.connect(db_dsn) as conn:
        conn.execute(
            "INSERT INTO reading (time, tag_id, value, status_code, time_source) VALUES"
            " (now() - interval '0.5 s', %s, 1.0, 0, 0), (now() - interval '100 s', %s, 2.0,"
            " 1083310080, 0)",
            (ids[TEMP], ids[FIELD]),
        )
    with keyed(create_app(ApiSettings(), db_dsn), db_dsn) as client:
        rows = client.get("/api/v1/latest", params={"tag_id": [ids[TEMP], ids[FIELD]]}).json()
    temp, field = rows
    assert temp["value"] == 1.0 and temp["stale"] is False and 0 < temp["age_s"] < 30
    assert field["stale"] is True and field["status"] == "uncertain" and field["unit"] == "T"


def test_latest_snapshot_is_reused_within_its_age(db_dsn: str) -> None:
    """Within latest_cache_s the snapshot answers; with the cache off a new value shows."""
    ids = seed(db_dsn)
    insert = (
        "INSERT INTO reading (time, tag_id, value, status_code, time_source)"
        " VALUES (now() - interval '1 s' * %s, %s, %s, 0, 0)"
    )
    with psycopg.connect(db_dsn, autocommit=True) as conn:
        conn.execute(insert, (10, ids[TEMP], 1.0))
        cached = keyed(create_app(ApiSettings(latest_cache_s=60), db_dsn), db_dsn)
        direct = keyed(create_app(ApiSettings(latest_cache_s=0), db_dsn), db_dsn)
        with cached, direct:
            params = {"tag_id": ids[TEMP]}
            assert cached.get("/api/v1/latest", params=params).json()[0]["value"] == 1.0
            conn.execute(insert, (5, ids[TEMP], 2.0))
            assert cached.get("/api/v1/latest", params=params).json()[0]["value"] == 1.0
            assert direct.get("/api/v1/latest", params=params).json()[0]["value"] == 2.0
