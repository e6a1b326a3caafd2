"""Assets, tags (search and filters) and one tag, against the real database."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.conftest import error_of
from tests.api.seed import TEMP


def test_asset_tree_has_lines_stages_and_equipment(client: TestClient) -> None:
    """The tree nests line / stage / equipment from the browse paths, with tag counts."""
    (line,) = client.get("/api/v1/assets").json()
    assert line["name"] == "Line1" and line["tag_count"] == 4
    stages = {s["name"]: s for s in line["stages"]}
    assert set(stages) == {"Magnetization", "Separation", "Sintering"}
    (furnace,) = stages["Sintering"]["equipment"]
    assert furnace == {"name": "Furnace1", "tag_count": 2, "units": ["°C"]}


def test_tags_search_and_filters_combine(client: TestClient) -> None:
    """Text search, stage, equipment and unit filters each narrow the list."""
    names = lambda **p: [t["browse_path"] for t in client.get("/api/v1/tags", params=p).json()]  # noqa: E731
    assert names(q="temper") == [TEMP]
    assert len(names(stage="Sintering")) == 2
    assert names(equipment="Magnetizer1", unit="T") == ["Line1/Magnetization/Magnetizer1/Field"]
    assert names(unit="°C", stage="Separation") == []
    assert len(names(limit=2)) == 2 and len(names(offset=3)) == 1
    # Search text is literal: % and _ are not wildcards that match every tag.
    assert names(q="%") == [] and names(q="_") == [] and names(q="\\") == []
    assert names(q="Furnace1/Temperature") == [TEMP]


def test_one_tag_by_id_and_unknown_is_404(client: TestClient, tag_ids: dict[str, int]) -> None:
    """A known tag comes with its unit and expected rate; an unknown id is 404 in our shape."""
    tag = client.get(f"/api/v1/tags/{tag_ids[TEMP]}").json()
    assert tag["unit"] == "°C" and tag["expected_interval_s"] == 1.0
    response = client.get("/api/v1/tags/99999")
    assert response.status_code == 404 and error_of(response)["code"] == "not_found"


def test_tag_id_that_is_not_a_number_is_422(client: TestClient) -> None:
    """A path parameter of the wrong type is a 422 with the stable shape, not a 500."""
    response = client.get("/api/v1/tags/abc")
    assert response.status_code == 422 and error_of(response)["code"] == "invalid_request"
