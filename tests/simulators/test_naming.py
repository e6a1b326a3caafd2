"""A foreign naming publishes the same plant under another plant's names, live and offline."""

from __future__ import annotations

import asyncio
import json

import numpy as np
import pytest
from asyncua import Client
from numpy.testing import assert_allclose

from simulators.config import SimConfig
from simulators.naming import FOREIGN, NATIVE, get_naming
from simulators.plant.plant import Plant, PlantLayout
from simulators.profiles import get_profile
from simulators.published import PublishedPlant
from simulators.simulation import Simulation
from simulators.tags import NAMESPACE_URI
from simulators.units import unece_unit_id
from tests.simulators.test_contract import _browse_tree

TIMEOUT_S = 20.0
T0_US = 1_767_225_600_000_000
LAYOUT = PlantLayout(lines=2, banks=2, furnaces=2)


def _nodes(published: PublishedPlant) -> list[str]:
    return [
        *(f.path for f in published.folders),
        *published.signal_paths,
        *(t.path for t in published.texts),
        *published.lot_paths,
    ]


def test_native_naming_publishes_the_models_names() -> None:
    """Under ``native`` every node id is the model's path and vectors pass through as they are."""
    plant = Plant(get_profile("domestic"), LAYOUT, 1, 0.0)
    published = PublishedPlant(plant, NATIVE)
    assert published.signal_paths == [s.path for s in plant.signals]
    assert [t.path for t in published.texts] == [t.path for t in plant.texts]
    values = np.arange(len(plant.signals), dtype=float)
    assert published.values(values) is values and published.columns(values) is values


def test_foreign_names_are_one_to_one_and_all_differ() -> None:
    """Every foreign node id is distinct, of names without "/" or ".", and no variable keeps
    its model name; only the jet mills' oxygen is left out."""
    plant = Plant(get_profile("domestic"), LAYOUT, 1, 0.0)
    native, foreign = PublishedPlant(plant, NATIVE), PublishedPlant(plant, FOREIGN)
    nodes = _nodes(foreign)
    assert len(set(nodes)) == len(nodes)
    assert all(name and "/" not in name for node in nodes for name in node.split("."))
    assert all(node.startswith("Plant") for node in nodes)
    left_out = set(native.signal_paths) - {
        p for p in native.signal_paths if FOREIGN.node(p) in nodes
    }
    assert left_out == {
        "Line1.Sintering.JetMill1.OxygenContent",
        "Line2.Sintering.JetMill1.OxygenContent",
    }
    for model, published in zip(native.texts, foreign.texts, strict=True):
        assert model.spec.name != published.spec.name
    renamed = {s.path.rsplit(".", 1)[1] for s in foreign.signals}
    assert not renamed & {s.spec.name for s in plant.signals}
    with pytest.raises(KeyError, match="known: foreign, native"):
        get_naming("martian")


def test_the_same_seed_gives_the_same_plant_under_both_namings() -> None:
    """Step for step, foreign values are the native ones (kelvin: + 273.15), statuses and
    texts the same but for their labels, events the same but for their names."""
    runs = [
        Simulation(SimConfig(step_s=30.0, layout=LAYOUT, naming=n), T0_US)
        for n in ("native", "foreign")
    ]
    native, foreign = runs
    column = {FOREIGN.node(p): i for i, p in enumerate(native.published.signal_paths)}
    index = np.array([column[p] for p in foreign.published.signal_paths])
    kelvin = np.array([s.spec.unit == "K" for s in foreign.published.signals])
    for _ in range(600):
        a, b = native.advance(), foreign.advance()
        assert_allclose(b.measured, a.measured[index] + 273.15 * kelvin, atol=1e-9)
        assert np.array_equal(b.status, a.status[index])
        assert [FOREIGN.node(p) for p, _, _ in a.texts] == [p for p, _, _ in b.texts]
        assert [e.kind for e in a.events] == [e.kind for e in b.events]
    labels = {v for _, v, _ in b.texts if isinstance(v, str) and not v.startswith("{")}
    assert not labels & {"running", "idle", "down", "maintenance", "soak"}


async def test_a_foreign_plant_over_opc_ua(start_server) -> None:
    """Browsed over TCP: foreign paths, a furnace temperature in kelvin reading the native
    value + 273.15 at the same seed and time, foreign state labels, the oxygen tag left out."""
    server = start_server("--seed", "42", "--speed", "1", "--naming", "foreign")
    zone = "Plant.L1.Sinter.Kiln1.TZ1"
    async with asyncio.timeout(TIMEOUT_S), Client(server.url) as client:
        ns = await client.get_namespace_index(NAMESPACE_URI)
        tree = await _browse_tree(client, ns)
        assert {"Plant", "Plant.L1", "Plant.L1.SX", "Plant.L1.Sinter", "Plant.L1.Mag"} <= set(tree)
        assert {zone, "Plant.L1.Sinter.Mill1.D50", "Plant.L1.Sinter.Batches.LastBatch"} <= set(tree)
        assert not any(p.startswith("Line") or "Oxygen" in p for p in tree)
        eu = await client.get_node(f"ns={ns};s={zone}.EngineeringUnits").read_value()
        assert (eu.DisplayName.Text, eu.UnitId) == ("K", unece_unit_id("KEL"))
        eurange = await client.get_node(f"ns={ns};s={zone}.EURange").read_value()
        assert_allclose([eurange.Low, eurange.High], [273.15, 1673.15])
        reading = await client.get_node(f"ns={ns};s={zone}").read_data_value(False)
        state = await client.get_node(f"ns={ns};s=Plant.L1.Sinter.Kiln1.Status").read_value()
        assert state in ("RUN", "IDLE", "STOP", "MAINT")
    assert server.stop() == 0
    run = server.data_dir / "runs" / (server.data_dir / "runs" / "latest.txt").read_text()
    meta = json.loads((run / "run.json").read_text())
    assert meta["naming"] == "foreign"
    step_us = round(meta["step_s"] * 1e6)
    t_us = round(reading.SourceTimestamp.timestamp() * 1e6)
    assert (t_us - meta["t0_us"]) % step_us == 0
    same = Simulation(SimConfig(seed=42, naming="native"), meta["t0_us"])
    out = same.initial_output()
    for _ in range((t_us - meta["t0_us"]) // step_us):
        out = same.advance()
    celsius = out.measured[
        same.published.signal_paths.index("Line1.Sintering.Furnace1.Zone1Temperature")
    ]
    assert_allclose(reading.Value.Value, celsius + 273.15, atol=1e-9)
