"""Gaps, events (with a cursor), lots and their genealogy with yields and mass balance."""

from __future__ import annotations

from fastapi.testclient import TestClient
from numpy.testing import assert_allclose

from tests.api.conftest import error_of
from tests.api.seed import HOUR, T0, TEMP, window


def test_gaps_overlapping_a_range_open_ones_included(
    client: TestClient, tag_ids: dict[str, int]
) -> None:
    """A tag's gaps include its endpoint's; an open gap has no end and no duration."""
    body = client.get("/api/v1/gaps", params=window(T0, T0 + 3 * HOUR)).json()
    closed, open_ = body["gaps"]
    assert closed["tag_id"] == tag_ids[TEMP] and closed["duration_s"] == 1.0
    assert open_["end_time"] is None and open_["duration_s"] is None
    only_open = client.get("/api/v1/gaps", params=window(T0, T0 + 3 * HOUR, open_only=True))
    assert [g["reason"] for g in only_open.json()["gaps"]] == ["connection lost"]
    early = client.get("/api/v1/gaps", params=window(T0, T0 + HOUR, tag_id=tag_ids[TEMP]))
    assert len(early.json()["gaps"]) == 1


def test_events_filtered_and_paged_by_cursor(client: TestClient) -> None:
    """Events filter by severity and source; a page of one leads to the next by cursor."""
    params = window(T0, T0 + HOUR, limit=1)
    first = client.get("/api/v1/events", params=params).json()
    assert first["events"][0]["event_type"] == "Trip" and first["next_cursor"]
    rest = client.get("/api/v1/events", params={**params, "limit": 10,
                                                "cursor": first["next_cursor"]}).json()  # fmt: skip
    assert [e["source"] for e in rest["events"]] == ["Furnace1", "Magnetizer1"]
    assert rest["next_cursor"] is None
    severe = client.get("/api/v1/events", params=window(T0, T0 + HOUR, min_severity=600)).json()
    assert [e["event_type"] for e in severe["events"]] == ["Trip"]
    bad = client.get("/api/v1/events", params={**params, "cursor": "e30"})
    assert bad.status_code == 422 and "cursor" in error_of(bad)["message"]


def test_lots_list_with_yield(client: TestClient) -> None:
    """Lots of a stage come with their masses and yield."""
    lots = client.get("/api/v1/lots", params={"stage": "Sintering"}).json()
    assert sorted(lot["lot_id"] for lot in lots) == ["SL-1", "SL-2"]
    assert_allclose(next(lot for lot in lots if lot["lot_id"] == "SL-1")["yield"], 430 / 450)


def test_genealogy_walks_up_with_mass_balance(client: TestClient) -> None:
    """MG-1's ancestors reach the oxide lot; the unrecorded parent is named; stages total."""
    body = client.get("/api/v1/lots/MG-1/genealogy", params={"direction": "up"}).json()
    assert {lot["lot_id"] for lot in body["lots"]} == {"MG-1", "SL-1", "SL-2", "AL-1", "OX-1"}
    assert body["unrecorded"] == ["SL-9"]
    assert body["mass_balance"] == {"parents_recorded": 2, "parents_out_kg": 850.0,
                                    "mass_in_kg": 850.0, "balance_kg": 0.0}  # fmt: skip
    depth = {e["parent_lot_id"]: e["depth"] for e in body["edges"]}
    assert depth["OX-1"] == 3 and depth["SL-1"] == 1
    sintering = next(s for s in body["stages"] if s["stage"] == "Sintering")
    assert sintering["lots"] == 2
    assert_allclose(sintering["yield"], 850 / 900)


def test_genealogy_walks_down_and_limits_depth(client: TestClient) -> None:
    """Down from the oxide lot, depth 1 stops at the alloy lot; the lot's yield is there."""
    body = client.get("/api/v1/lots/OX-1/genealogy", params={"direction": "down", "depth": 1})
    lots = {lot["lot_id"]: lot for lot in body.json()["lots"]}
    assert set(lots) == {"OX-1", "AL-1"}
    assert_allclose(lots["OX-1"]["yield"], 0.95)


def test_lot_errors_are_4xx(client: TestClient) -> None:
    """An unknown lot is 404; a depth over the limit or a bad direction is 422."""
    assert client.get("/api/v1/lots/NOPE/genealogy").status_code == 404
    assert client.get("/api/v1/lots/MG-1/genealogy", params={"depth": 101}).status_code == 422
    assert client.get("/api/v1/lots/MG-1/genealogy", params={"direction": "x"}).status_code == 422
    reversed_ = client.get("/api/v1/lots", params={"start": "2026-03-02T00:00:00Z",
                                                   "end": "2026-03-01T00:00:00Z"})  # fmt: skip
    assert reversed_.status_code == 422 and error_of(reversed_)["code"] == "invalid_request"


def test_gaps_and_events_reject_reversed_ranges(client: TestClient) -> None:
    """A reversed range is a 422 for gaps and events alike."""
    params = window(T0 + HOUR, T0)
    for path in ("/api/v1/gaps", "/api/v1/events"):
        response = client.get(path, params=params)
        assert response.status_code == 422 and "after start" in error_of(response)["message"]


def test_one_lot_with_parents_children_and_balance(client: TestClient) -> None:
    """A lot's detail names its parents (recorded or not), its children and its balance."""
    body = client.get("/api/v1/lots/AL-1").json()
    assert [p["lot_id"] for p in body["parents"]] == ["OX-1"] and body["children"] == [
        "SL-1",
        "SL-2",
    ]
    assert body["mass_balance"]["balance_kg"] == 0.0
    magnetized = client.get("/api/v1/lots/MG-1").json()
    assert magnetized["unrecorded_parents"] == ["SL-9"] and magnetized["children"] == []
    assert client.get("/api/v1/lots/NOPE").status_code == 404
