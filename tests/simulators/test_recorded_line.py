"""An offline run's folder is a recorded line the twin's reader takes (twin/RECORDED_LINE.md)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import polars as pl
import pytest
from numpy.testing import assert_allclose

from simulators import recorded_line as simulator_format
from simulators.config import SimConfig
from simulators.offline import OFFLINE_START, run_offline
from simulators.plant.plant import PlantLayout
from twin import recorded_line as twin_format
from twin.recorded_line import RecordedLine, read_recorded_line

DAYS = 0.2  # the seed stock's oxide and alloy lots, trips and furnace phases
SMALL = PlantLayout(lines=1, banks=2, furnaces=2)


def _run(tmp_path_factory, naming: str) -> Path:
    cfg = SimConfig(seed=11, step_s=30.0, layout=SMALL, naming=naming).validate()
    return run_offline(cfg, DAYS, tmp_path_factory.mktemp(f"run-{naming}") / "run")


@pytest.fixture(scope="module")
def native_run(tmp_path_factory) -> Path:
    return _run(tmp_path_factory, "native")


@pytest.fixture(scope="module")
def foreign_run(tmp_path_factory) -> Path:
    return _run(tmp_path_factory, "foreign")


@pytest.fixture(scope="module")
def native(native_run: Path) -> RecordedLine:
    return read_recorded_line(native_run)


@pytest.fixture(scope="module")
def foreign(foreign_run: Path) -> RecordedLine:
    return read_recorded_line(foreign_run)


def test_the_simulator_writes_the_schemas_the_twin_reads(native_run: Path) -> None:
    """The simulator's copy of the format is the twin's, file for file and column for column."""
    assert simulator_format.FORMAT == twin_format.FORMAT
    assert simulator_format.SCHEMAS == twin_format.SCHEMAS
    for name, schema in twin_format.SCHEMAS.items():
        assert dict(pl.read_parquet_schema(native_run / f"{name}.parquet")) == schema, name


def test_header_says_the_run_and_its_window(native: RecordedLine) -> None:
    """line.json: the run's start, start + days, and which run it was."""
    assert native.start == OFFLINE_START
    assert native.end == OFFLINE_START + timedelta(days=DAYS)
    assert native.source == "simulator run domestic seed 11"


def test_readings_carry_path_unit_value_and_status(native: RecordedLine) -> None:
    """Readings cover [start, end) by time then path, every numeric tag with its unit."""
    readings = native.readings
    assert readings["time"].min() == native.start and readings["time"].max() < native.end
    assert readings.equals(readings.sort("time", "path"))
    assert readings["unit"].null_count() == 0
    units = dict(readings.select("path", "unit").unique().iter_rows())
    assert units["Line1/Sintering/Furnace1/Zone1Temperature"] == "°C"
    assert units["Line1/Sintering/JetMill1/OxygenContent"] == "ppm"
    assert len(units) == 2 * 13 + 5 + 5 + 2 * 8 + 5 + 6  # banks, mill, press, furnaces, ...
    steps = round(DAYS * 86400 / 30)
    assert readings.height == steps * len(units)  # step 0 to the last step before the end


def test_states_start_with_every_variable_then_change(native: RecordedLine) -> None:
    """Every text variable (lot variables too) has its value at the start, then changes."""
    states = native.states
    at_start = states.filter(pl.col("time") == native.start)
    assert at_start["path"].n_unique() == states["path"].n_unique() == at_start.height
    assert "Line1/Sintering/Lots/LastLot" in at_start["path"].to_list()
    furnace = states.filter(pl.col("path") == "Line1/Sintering/Furnace1/State")["value"]
    assert set(furnace) <= {"running", "idle", "down", "maintenance"}
    assert set(states.filter(pl.col("path").str.ends_with("/PartPass"))["value"]) <= {
        "True",
        "False",
    }


def test_lots_are_the_published_records_with_parents(native: RecordedLine, native_run) -> None:
    """Lots come from the published records: parents sorted, no hidden true properties."""
    lots = native.lots
    assert set(lots["kind"]) >= {"oxide", "alloy"}
    alloy = lots.filter(pl.col("kind") == "alloy")
    assert alloy["parents"].list.len().min() == 1
    assert all(p == sorted(p) for p in lots["parents"].to_list())
    truth = [json.loads(line) for line in (native_run / "lots.jsonl").read_text().splitlines()]
    hidden = {key for lot in truth for key in lot["true"]}
    assert hidden, "the ground truth has hidden properties to leave out"
    for properties in lots["properties"]:
        assert not hidden & set(json.loads(properties)) and "true" not in json.loads(properties)


def test_events_are_as_a_recorder_stores_them(native: RecordedLine, native_run) -> None:
    """Every event of the run's log before the end, with its kind and details as attributes."""
    logged = [json.loads(line) for line in (native_run / "events.jsonl").read_text().splitlines()]
    end_us = native.end.timestamp() * 1e6
    assert native.events.height == sum(e["t_us"] < end_us for e in logged) > 0
    first = native.events.row(0, named=True)
    attributes = json.loads(first["attributes"])
    assert first["event_type"] == "MagnetLineEventType"
    assert attributes["Kind"] == logged[0]["kind"] and attributes["Equipment"] == first["source"]
    assert attributes["Details"] == json.loads(logged[0]["details"])


def test_foreign_naming_renames_the_recorded_line(foreign: RecordedLine, native) -> None:
    """Same plant, foreign names: paths, units in kelvin, labels, lot kinds, one tag gone."""
    paths = set(foreign.readings["path"])
    assert all(p.startswith("Plant/L1/") for p in paths | set(foreign.states["path"]))
    assert len(paths) == native.readings["path"].n_unique() - 1
    assert not any("Oxygen" in p for p in paths)
    units = dict(foreign.readings.select("path", "unit").unique().iter_rows())
    assert (
        units["Plant/L1/Sinter/Kiln1/TZ1"] == "K" and units["Plant/L1/Sinter/Temper1/TWork"] == "K"
    )
    kelvin = foreign.readings.filter(pl.col("path") == "Plant/L1/Sinter/Kiln2/TZ3")["value"]
    celsius = native.readings.filter(pl.col("path") == "Line1/Sintering/Furnace2/Zone3Temperature")
    assert_allclose(kelvin.to_numpy(), celsius["value"].to_numpy() + 273.15, atol=1e-9)
    states = foreign.states.filter(pl.col("path").str.ends_with("/Status"))["value"]
    assert set(states) <= {"RUN", "IDLE", "STOP", "MAINT"} and "IDLE" in set(states)
    phases = foreign.states.filter(pl.col("path") == "Plant/L1/Sinter/Kiln1/Step")["value"]
    assert {"LOAD", "RAMP", "HOLD"} <= set(phases)
    assert set(foreign.lots["kind"]) >= {"REO", "STRIP"}
    assert set(foreign.lots["stage"]) >= {"SX", "Cast"}
    assert foreign.lots.drop("kind", "stage", "equipment").equals(
        native.lots.drop("kind", "stage", "equipment")
    )
    assert foreign.events.height == native.events.height
    folders = {p.rsplit("/", i)[0].replace("/", ".") for p in paths for i in (1, 2, 3)}
    assert set(foreign.events["source"]) <= folders  # equipment, stage or line
