"""The live stream: server-sent events of new readings of chosen tags."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time

import psycopg
from fastapi.testclient import TestClient

from tests.api.conftest import error_of
from tests.api.seed import FIELD, T0, TEMP


def _events(client: TestClient, params: dict, headers: dict | None = None) -> list[tuple]:
    with client.stream("GET", "/api/v1/stream", params=params, headers=headers) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        text = "".join(response.iter_text())
    events = []
    for block in text.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        events.append((fields.get("event"), fields.get("id"), json.loads(fields.get("data", "{}"))))
    return events


def test_stream_sends_new_readings_in_time_order(
    client: TestClient, tag_ids: dict[str, int]
) -> None:
    """After `since`, readings of both tags arrive in time order, each with unit and status."""
    params = {"tag_id": [tag_ids[TEMP], tag_ids[FIELD]], "since": T0.isoformat(),
              "max_events": 12, "duration_s": 5}  # fmt: skip
    events = _events(client, params)
    assert events[0][0] == "start" and events[-1] == ("end", None, {"sent": 12})
    readings = [data for kind, _, data in events if kind == "reading"]
    assert len(readings) == 12 and readings[0]["tag_id"] == tag_ids[TEMP]
    times = [r["time"] for r in readings]
    assert times == sorted(times) and readings[0]["unit"] == "°C" and readings[0]["status"]
    assert dt.datetime.fromisoformat(times[0]) > T0


def test_stream_resumes_after_last_event_id(client: TestClient, tag_ids: dict[str, int]) -> None:
    """Last-Event-ID resumes after that reading."""
    resume = (T0 + dt.timedelta(seconds=10)).isoformat()
    params = {"tag_id": tag_ids[TEMP], "max_events": 1, "duration_s": 5}
    events = _events(client, params, {"Last-Event-ID": resume})
    reading = next(data for kind, _, data in events if kind == "reading")
    assert dt.datetime.fromisoformat(reading["time"]) == T0 + dt.timedelta(seconds=11)


def test_stream_ends_after_its_duration_when_nothing_comes(
    client: TestClient, tag_ids: dict[str, int]
) -> None:
    """With no new data the stream closes at its duration with an `end` event."""
    events = _events(client, {"tag_id": tag_ids[TEMP], "duration_s": 0.3})
    assert [e[0] for e in events] == ["start", "end"]


def test_stream_errors_are_4xx(client: TestClient) -> None:
    """Unknown tags are 404; a bad Last-Event-ID or no tags is 422."""
    unknown = client.get("/api/v1/stream", params={"tag_id": 9999})
    assert unknown.status_code == 404 and error_of(unknown)["code"] == "not_found"
    bad_id = client.get("/api/v1/stream", params={"tag_id": 1},
                        headers={"Last-Event-ID": "yesterday"})  # fmt: skip
    assert bad_id.status_code == 422
    assert client.get("/api/v1/stream").status_code == 422


def test_stream_without_since_sends_only_what_is_recorded_from_now_on(
    client: TestClient, module_db_dsn: str
) -> None:
    """A plant clock an hour ahead has stored readings stamped after now: a stream without
    `since` does not replay them, and sends the next one recorded."""
    ahead = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    with psycopg.connect(module_db_dsn, autocommit=True) as conn:
        tag_id = conn.execute(
            "INSERT INTO tag (tag_key, endpoint, namespace_uri, node_id, browse_path, name,"
            " data_type) VALUES ('nsu=urn:x;s=Ahead', 'e', 'urn:x', 's=Ahead', 'Ahead',"
            " 'Ahead', 'Double') RETURNING tag_id"
        ).fetchone()[0]
        insert = (
            "INSERT INTO reading (time, tag_id, value, status_code, time_source, flags)"
            " VALUES (%s, %s, %s, 0, 0, 1)"
        )
        for i in range(5):
            conn.execute(insert, (ahead + dt.timedelta(seconds=i), tag_id, float(i)))

        def record_next() -> None:
            time.sleep(0.5)
            conn.execute(insert, (ahead + dt.timedelta(seconds=10), tag_id, 10.0))

        recorder = threading.Thread(target=record_next)
        recorder.start()
        events = _events(client, {"tag_id": tag_id, "duration_s": 5, "max_events": 1})
        recorder.join()
    readings = [data for kind, _, data in events if kind == "reading"]
    assert [(r["value"], r["future_time"]) for r in readings] == [(10.0, True)]
