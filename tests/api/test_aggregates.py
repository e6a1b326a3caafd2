"""Aggregates: roll-ups and raw readings agree, and each source is used where it fits."""

from __future__ import annotations

import datetime as dt

import psycopg
import pytest
from fastapi.testclient import TestClient
from numpy.testing import assert_allclose

from api import create_app
from api.settings import ApiSettings
from tests.api.conftest import error_of, keyed
from tests.api.seed import FIELD, HOUR, SPIKE_AT, T0, TEMP, seed, temperature, window

MIN = dt.timedelta(minutes=1)


def _series(client: TestClient, **params: object) -> dict:
    response = client.get("/api/v1/aggregates", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_rollup_and_raw_give_the_same_buckets(client: TestClient, tag_ids: dict[str, int]) -> None:
    """Before the watermark buckets come from reading_1m, after it from raw; both agree."""
    params = window(T0 + 50 * MIN, T0 + 70 * MIN, tag_id=tag_ids[TEMP], bucket="5m")
    body = _series(client, **params)
    assert body["sources"] == ["rollup_1m", "raw"]
    raw = _series(client, **params, functions="avg,min,max,first,last,count")
    assert raw["sources"] == ["raw"]
    mixed, direct = body["series"][0]["buckets"], raw["series"][0]["buckets"]
    for field in ("avg", "min", "max", "last", "count_good", "count_all"):
        assert_allclose([b[field] for b in mixed], [b[field] for b in direct], rtol=1e-12)


def test_good_only_excludes_uncertain_and_bad(client: TestClient, tag_ids: dict[str, int]) -> None:
    """The minute with an Uncertain 5000 and a Bad reading: good-only leaves both out."""
    params = window(T0 + MIN, T0 + 2 * MIN, tag_id=tag_ids[TEMP], bucket="1m")
    (good,) = _series(client, **params)["series"][0]["buckets"]
    (every,) = _series(client, **params, good_only="false")["series"][0]["buckets"]
    values = [temperature(i)[0] for i in range(60, 120)]
    good_values = [v for i, v in zip(range(60, 120), values, strict=True) if i != 100]
    assert_allclose(good["avg"], sum(good_values) / len(good_values), rtol=1e-12)
    assert every["max"] == 5000.0 and good["max"] == 1059.0
    assert good["count_good"] == 59 and good["count_all"] == 60
    params = window(T0, T0 + MIN, tag_id=tag_ids[TEMP], bucket="1m")
    (with_bad,) = _series(client, **params, good_only="false")["series"][0]["buckets"]
    assert with_bad["max"] == 1059.0 and with_bad["count_all"] == 60  # the Bad 9999 left out


def test_first_and_last_of_buckets_not_whole_minutes(
    client: TestClient, tag_ids: dict[str, int]
) -> None:
    """A 90 s bucket does not fit the roll-ups; first and last come from raw readings."""
    params = window(T0 + HOUR, T0 + HOUR + 3 * MIN, tag_id=tag_ids[TEMP], bucket="90s",
                    functions="first,last")  # fmt: skip
    body = _series(client, **params)
    assert body["sources"] == ["raw"] and body["bucket_s"] == 90
    first, second = body["series"][0]["buckets"]
    assert first["first"] == temperature(3600)[0] and first["last"] == temperature(3689)[0]
    assert second["time"].startswith("2026-03-01T01:01:30") and "avg" not in second


def test_several_tags_and_a_spike_survives_max(client: TestClient, tag_ids: dict[str, int]) -> None:
    """Two tags in one request; the one-second spike is the hour's max."""
    params = window(T0 + HOUR, T0 + 2 * HOUR, tag_id=[tag_ids[TEMP], tag_ids[FIELD]], bucket="1h")
    temp, field = _series(client, **params)["series"]
    assert temp["buckets"][0]["max"] == temperature(SPIKE_AT)[0]
    assert field["tag"]["unit"] == "T" and field["buckets"][0]["count_all"] == 360


@pytest.mark.parametrize(
    ("params", "needle"),
    [
        ({"bucket": "fortnight"}, "positive duration"),
        ({"bucket": "0s"}, "positive duration"),
        ({"bucket": "99999999999999d"}, "positive duration"),
        ({"bucket": "1s", "end": "2026-03-31T00:00:00+00:00"}, "buckets; at most"),
        ({"functions": "avg,median"}, "comma list"),
        ({"end": "2026-02-01T00:00:00+00:00"}, "after start"),
        ({"tag_id": "99999"}, "no tag"),
    ],
)
def test_bad_aggregate_requests_are_4xx(
    client: TestClient, tag_ids: dict[str, int], params: dict, needle: str
) -> None:
    """Bad buckets, too many buckets, unknown functions, reversed ranges are 4xx."""
    base = window(T0, T0 + HOUR, tag_id=tag_ids[TEMP], bucket="1m")
    response = client.get("/api/v1/aggregates", params={**base, **params})
    assert response.status_code in (404, 422)
    assert needle in error_of(response)["message"]


def test_cached_rollup_buckets_follow_the_rollup_state(db_dsn: str) -> None:
    """Final buckets are cached until the roll-up job touches rollup_state, then re-read."""
    ids = seed(db_dsn)
    params = window(T0, T0 + HOUR, tag_id=ids[TEMP], bucket="30m")
    with keyed(create_app(ApiSettings(), db_dsn), db_dsn) as client:
        before = _series(client, **params)["series"][0]["buckets"][0]["avg"]
        with psycopg.connect(db_dsn, autocommit=True) as conn:
            conn.execute("UPDATE reading_1m SET avg = avg + 60 WHERE tag_id = %s", (ids[TEMP],))
            assert _series(client, **params)["series"][0]["buckets"][0]["avg"] == before
            conn.execute("UPDATE rollup_state SET updated_at = now()")
        assert_allclose(_series(client, **params)["series"][0]["buckets"][0]["avg"], before + 60)


def test_a_moved_watermark_is_followed_at_once(db_dsn: str) -> None:
    """After the watermark moves, the next answer is cut at the new one, not the one seen."""
    ids = seed(db_dsn)
    params = window(T0, T0 + 2 * HOUR, tag_id=ids[TEMP], bucket="30m")
    with keyed(create_app(ApiSettings(), db_dsn), db_dsn) as client:
        before = [b["avg"] for b in _series(client, **params)["series"][0]["buckets"]]
        with psycopg.connect(db_dsn, autocommit=True) as conn:
            conn.execute("UPDATE reading_1m SET avg = avg + 60 WHERE tag_id = %s", (ids[TEMP],))
            conn.execute(
                "UPDATE rollup_state SET complete_until = %s, updated_at = now()",
                (T0 + 30 * MIN,),
            )
        body = _series(client, **params)
    after = [b["avg"] for b in body["series"][0]["buckets"]]
    assert body["sources"] == ["rollup_1m", "raw"]
    # The first half hour from the (changed) roll-up, the rest from raw readings.
    assert_allclose(after, [before[0] + 60, *before[1:]], rtol=1e-12)


@pytest.mark.parametrize("good_only", ["true", "false"])
def test_unknown_tags_among_known_ones_are_a_404(
    client: TestClient, tag_ids: dict[str, int], good_only: str
) -> None:
    """Tags are looked up with the buckets: an unknown id still gets a 404 that names it."""
    params = window(T0, T0 + HOUR, tag_id=[tag_ids[TEMP], 99998], good_only=good_only)
    response = client.get("/api/v1/aggregates", params=params)
    assert response.status_code == 404
    assert error_of(response)["message"] == "no tag with id 99998"
