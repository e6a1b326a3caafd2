"""Discovery against another plant's server (tests/foreign_server.py): which namespaces are
browsed, each node once, and what `check` prints of them."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from asyncua import Client

from ingest import settings
from ingest.check import check_endpoints
from ingest.opcua.selection import resolve_tags
from ingest.opcua.server_limits import DEFAULT_LIMITS
from ingest.settings import EndpointSettings
from tests.foreign_server import OWN, SITE, VARIABLES, ForeignPlant, running_plant
from tests.ingest.tiny_plant import settings_for

# One server for the module (an asyncua server takes seconds to start); no test changes it.
pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def plant() -> AsyncIterator[ForeignPlant]:
    async with running_plant() as plant:
        yield plant


async def _paths(endpoint: EndpointSettings) -> dict[str, tuple]:
    """Browse path of each tag the endpoint resolves to: its key, stage, equipment, name."""
    async with Client(endpoint.url) as client:
        tags, unknown = await resolve_tags(client, endpoint, DEFAULT_LIMITS)
    assert not unknown
    paths = ["/".join(tag.browse_path) for tag in tags]
    assert len(paths) == len(set(paths)), paths
    return {
        "/".join(tag.browse_path): (tag.tag_key, tag.stage, tag.equipment, tag.name) for tag in tags
    }


async def test_every_namespace_but_opc_uas_own_by_default(plant: ForeignPlant) -> None:
    """With the URL alone each plant variable of both namespaces is found once, keyed by its
    own namespace's URI; no second path, loop, property or Server diagnostics."""
    found = await _paths(EndpointSettings(url=plant.url))
    assert {path: key for path, (key, *_) in found.items()} == {
        v.path: v.node_key for v in VARIABLES
    }


async def test_namespaces_limit_the_browse(plant: ForeignPlant, tmp_path: Path) -> None:
    """``namespaces`` browses only those; an older file's ``namespace_uri`` means the same."""
    only_site = await _paths(EndpointSettings(url=plant.url, namespaces=[SITE]))
    assert set(only_site) == {v.path for v in VARIABLES if v.namespace == SITE}
    config = tmp_path / "ingest.toml"
    config.write_text(f'[[endpoint]]\nurl = "{plant.url}"\nnamespace_uri = "{OWN}"\n')
    old_file = settings.load(config).endpoint[0]
    assert old_file.namespaces == [OWN]
    assert set(await _paths(old_file)) == {v.path for v in VARIABLES if v.namespace == OWN}


async def test_levels_and_assets_place_the_tags(plant: ForeignPlant) -> None:
    """Four levels read the deep tree; an asset gives the stage a shallower branch lacks."""
    endpoint = EndpointSettings(
        url=plant.url,
        levels=["site", "area", "stage", "equipment"],
        assets=[{"path": "PlantA/Sintering/*", "stage": "Sintering"}],
    )
    found = await _paths(endpoint)
    assert found["PlantA/Area1/Unit1/Pump7/Speed"][1:] == ("Unit1", "Pump7", "Speed")
    gauge = found["PlantA/Sintering/Furnace2/VacuumGauge"]
    assert gauge[1:] == ("Sintering", "Furnace2", "VacuumGauge")
    assert found["Boiler1/Temperature"][1:] == (None, "Boiler1", "Temperature")


async def test_check_prints_namespaces_stage_and_equipment(plant: ForeignPlant) -> None:
    """`check` with the URL alone names the namespaces and each tag's stage/equipment; a
    namespace the server lacks is refused listing those it has."""
    out = io.StringIO()
    assert await check_endpoints(settings_for({"endpoint": [{"url": plant.url}]}), out) == 0
    text = out.getvalue()
    assert f"{len(VARIABLES)} tags selected (namespaces: {SITE}, {OWN})" in text
    assert "  Boiler1/Temperature  [°C]  0..200  Double  -/Boiler1  " in text
    assert (
        "PlantA/Sintering/Furnace2/ZoneTemperature  [°C]  0..1400  Double  Sintering/Furnace2"
        in text
    )
    missing = settings_for({"endpoint": [{"url": plant.url, "namespaces": ["urn:other"]}]})
    out = io.StringIO()
    assert await check_endpoints(missing, out) == 1
    assert f"no namespace 'urn:other'; it has {OWN!r}, {SITE!r}" in out.getvalue()
