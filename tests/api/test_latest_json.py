"""Latest values whose JSON PostgreSQL writes: valid, escaped, and alike from the snapshot."""

from __future__ import annotations

import datetime as dt

import psycopg

from api import create_app
from api.settings import ApiSettings
from tests.api.conftest import keyed
from tests.api.seed import FURNACE_STATE, TEMP, seed

AWKWARD_TEXT = 'say "hi" \\ back\nslash, tab\t, ünïcode °C'


def _insert(conn: psycopg.Connection, ids: dict[str, int]) -> None:
    conn.execute(
        "INSERT INTO reading (time, tag_id, value, value_text, status_code, time_source) VALUES"
        " (now() - interval '2 s', %s, 'NaN'::float8, NULL, 0, 0),"
        " (now() - interval '3 s', %s, NULL, %s, 2150891520, 0)",
        (ids[TEMP], ids[FURNACE_STATE], AWKWARD_TEXT),
    )


def test_latest_json_is_valid_with_nan_as_null_and_text_escaped(db_dsn: str) -> None:
    """NaN is null (JSON has no NaN), text comes back exactly, times are UTC with a zone."""
    ids = seed(db_dsn)
    with psycopg.connect(db_dsn, autocommit=True) as conn:
        _insert(conn, ids)
    with keyed(create_app(ApiSettings(), db_dsn), db_dsn) as client:
        response = client.get("/api/v1/latest")
    assert response.status_code == 200
    rows = {row["tag_id"]: row for row in response.json()}
    temp, state = rows[ids[TEMP]], rows[ids[FURNACE_STATE]]
    assert temp["value"] is None and temp["status"] == "good" and temp["unit"] == "°C"
    assert state["value_text"] == AWKWARD_TEXT and state["status"] == "bad"
    assert state["status_code"] == 2150891520 and state["stale"] is False
    when = dt.datetime.fromisoformat(state["time"])
    assert state["time"].endswith("Z") and when.utcoffset() == dt.timedelta(0)
    assert 0 < state["age_s"] < 60


def test_snapshot_and_database_answers_agree(db_dsn: str) -> None:
    """Every tag's latest value is the same from the snapshot and read straight (ages aside)."""
    ids = seed(db_dsn)
    with psycopg.connect(db_dsn, autocommit=True) as conn:
        _insert(conn, ids)
    cached = keyed(create_app(ApiSettings(latest_cache_s=60), db_dsn), db_dsn)
    direct = keyed(create_app(ApiSettings(latest_cache_s=0), db_dsn), db_dsn)
    with cached, direct:
        answers = [client.get("/api/v1/latest").json() for client in (cached, direct)]
        subsets = [
            client.get("/api/v1/latest", params={"stage": "Sintering"}).json()
            for client in (cached, direct)
        ]
    for snapshot, straight in (answers, subsets):
        assert [row.pop("age_s") is None for row in snapshot] == [
            row.pop("age_s") is None for row in straight
        ]
        assert snapshot == straight
    assert len(answers[0]) == len(ids)
