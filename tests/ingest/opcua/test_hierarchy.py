"""Stage, equipment and name from a browse path: the levels rule, assets by glob, and the
settings that carry them."""

from __future__ import annotations

from pathlib import Path

import pytest
from asyncua import ua

from ingest import settings
from ingest.errors import ConfigError
from ingest.opcua.discovery import TagInfo
from ingest.opcua.hierarchy import Hierarchy, Place
from ingest.settings import AssetSettings, EndpointSettings

URL = "opc.tcp://127.0.0.1:4840/"
DEFAULT = Hierarchy()


def _place(path: str, hierarchy: Hierarchy = DEFAULT) -> Place:
    return hierarchy.place(tuple(path.split("/")))


@pytest.mark.parametrize(
    ("path", "place"),
    [
        (
            "Line1/Sintering/Furnace1/Zone1Temperature",
            ("Sintering", "Furnace1", "Zone1Temperature"),
        ),
        ("Line1/Sintering/Lots/LastLot", ("Sintering", "Lots", "LastLot")),
        (
            "Line1/Sintering/Furnace1/Zone1/Temperature",
            ("Sintering", "Furnace1", "Zone1.Temperature"),
        ),
        ("PlantA/Boiler1/Temperature", (None, "Boiler1", "Temperature")),
        ("Boiler1/Temperature", (None, "Boiler1", "Temperature")),
        ("Heartbeat", (None, None, "Heartbeat")),
    ],
)
def test_default_levels(path: str, place: tuple) -> None:
    """Line/Stage/Equipment as the simulator has it; a shallower variable's parent is its
    equipment, never its stage; deeper elements join the name."""
    assert _place(path) == place


def test_levels_name_a_deeper_tree() -> None:
    """Four levels take the first four elements; shallower paths still end in equipment."""
    isa95 = Hierarchy(levels=("site", "area", "stage", "equipment"))
    assert _place("PlantA/Area1/Unit1/Pump7/Speed", isa95) == ("Unit1", "Pump7", "Speed")
    assert _place("PlantA/Area1/Pump7/Speed", isa95) == (None, "Pump7", "Speed")
    assert _place("A/B/C", Hierarchy(levels=())) == (None, None, "A.B.C")


def test_assets_set_stage_and_equipment_by_glob() -> None:
    """The first matching asset wins; a key it leaves out keeps the tree's, "" clears it."""
    hierarchy = Hierarchy(
        assets=(
            AssetSettings(path="Press*/*", stage="Pressing"),
            AssetSettings(path="PlantA/*", stage="Sintering", equipment=""),
            AssetSettings(path="*", stage="never reached for PlantA"),
        )
    )
    assert _place("Press2/Force", hierarchy) == ("Pressing", "Press2", "Force")
    assert _place("PlantA/Area1/Unit1/Pump7/Speed", hierarchy) == (
        "Sintering",
        None,
        "Pump7.Speed",
    )


def test_a_tag_without_a_place_reads_its_path_with_the_default_levels() -> None:
    """TagInfo made without a place (as in tests) still has stage, equipment and name."""
    path = ("Line1", "Sintering", "Press1", "Force")
    tag = TagInfo("key", URL, "urn:x", ua.NodeId("Line1.Sintering.Press1.Force", 2), path, "Double")
    assert (tag.stage, tag.equipment, tag.name) == ("Sintering", "Press1", "Force")
    assert tag.row().stage == "Sintering"


def test_endpoint_settings_carry_levels_and_assets(tmp_path: Path) -> None:
    """`levels` and `[[endpoint.assets]]` load from TOML into the endpoint's hierarchy."""
    path = tmp_path / "ingest.toml"
    path.write_text(
        f'[[endpoint]]\nurl = "{URL}"\nlevels = ["area", "equipment"]\n'
        '[[endpoint.assets]]\npath = "Area1/*"\nstage = "Sintering"\n'
    )
    endpoint = settings.load(path).endpoint[0]
    assert endpoint.namespaces == []
    hierarchy = Hierarchy.of(endpoint)
    assert _place("Area1/Furnace1/Temperature", hierarchy) == (
        "Sintering",
        "Furnace1",
        "Temperature",
    )


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"namespace_uri": "urn:a", "namespaces": ["urn:b"]}, "keep namespaces"),
        ({"namespace_uri": ["urn:a", "urn:b"]}, "list several in namespaces"),
        ({"namespaces": ["urn:a", "urn:a"]}, "'urn:a' is listed twice"),
        ({"levels": ["stage", "stage"]}, "'stage' is listed twice"),
        ({"levels": ["line", ""]}, "an empty name"),
        ({"assets": [{"path": "A/*"}]}, "give stage, equipment or both"),
    ],
)
def test_mistakes_in_namespaces_levels_and_assets(raw: dict, message: str) -> None:
    """Each mistake is refused with a line that says what to change."""
    with pytest.raises(ConfigError, match=message):
        settings.load(None, {"endpoint": [{"url": URL, **raw}]})


def test_namespace_uri_of_older_files_is_one_namespace() -> None:
    """``namespace_uri = "<uri>"`` (configs before ``namespaces``) browses that namespace."""
    endpoint = EndpointSettings.model_validate({"url": URL, "namespace_uri": "urn:plant"})
    assert endpoint.namespaces == ["urn:plant"]
