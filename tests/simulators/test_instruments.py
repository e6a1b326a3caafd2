"""Published values are physically possible: every Good value lies inside its EURange."""

from __future__ import annotations

import numpy as np
from asyncua import Server, ua

from simulators.config import SimConfig
from simulators.faults import FaultSpec
from simulators.opcua.address_space import build_address_space
from simulators.plant.base import METER_CUTOFF, AnalogSpec
from simulators.plant.plant import Plant, SignalRef
from simulators.published import PublishedPlant
from simulators.sensors import STATUS_EU_EXCEEDED, Sensors
from simulators.simulation import Simulation

T0_US = 1_767_225_600_000_000
DRIFTED = "Line1.Separation.Bank1.Acidity"
SPIKED = "Line1.Separation.Bank2.RaffinatePrPurity"


async def _eu_ranges(plant: Plant) -> tuple[np.ndarray, np.ndarray]:
    """(low, high) of every numeric signal, read from the address space's EURange."""
    server = Server()
    await server.init()
    ns = await build_address_space(server, PublishedPlant(plant))
    ranges = [
        await server.get_node(ua.NodeId(f"{s.path}.EURange", ns)).read_value()
        for s in plant.signals
    ]
    return np.array([r.Low for r in ranges]), np.array([r.High for r in ranges])


async def test_every_good_value_of_a_run_lies_in_its_eu_range() -> None:
    """A day with drift and spike faults: no Good value outside its EURange; the
    readings that leave it (the faults among them) are Uncertain, EU exceeded."""
    faults = (FaultSpec("drift", DRIFTED, 3600, 7200, 5.0), FaultSpec("spike", SPIKED, 600, 0, 50))
    sim = Simulation(SimConfig(step_s=30.0, faults=faults), T0_US)
    low, high = await _eu_ranges(sim.plant)
    flagged = np.zeros(len(low), dtype=int)
    for _ in range(2880):
        out = sim.advance()
        outside = (out.measured < low) | (out.measured > high)
        assert not np.any(outside & (out.status == 0))
        flagged += out.status == STATUS_EU_EXCEEDED
    paths = [s.path for s in sim.plant.signals]
    assert flagged[paths.index(DRIFTED)] > 100 and flagged[paths.index(SPIKED)] == 1
    assert flagged.sum() < 0.01 * 2880 * len(paths)  # noise alone rarely leaves the range


def test_meters_read_zero_at_standstill_and_gauges_stay_positive() -> None:
    """A cut-off meter reads exactly zero at zero flow; a relative gauge never reads <= 0."""
    meter = AnalogSpec("Flow", "L/h", 0, 200, "flow", cutoff=METER_CUTOFF)
    gauge = AnalogSpec("Vacuum", "mbar", 0, 1100, "vacuum", noise=0.05, relative=True)
    signals = [SignalRef(f"X.{s.name}", "X", s) for s in (meter, gauge)]
    sensors = Sensors(signals, 1.5, 0.004, np.random.default_rng(1))  # domestic's noise
    truth = np.array([0.0, 1e-3])
    readings = np.array([sensors.measure(truth, 30.0) for _ in range(2000)])
    assert np.all((readings[:, 0] == 0.0) | (readings[:, 0] >= METER_CUTOFF * 200))
    assert np.mean(readings[:, 0] == 0.0) > 0.9
    assert np.all(readings[:, 1] > 0)
    np.testing.assert_allclose(np.median(readings[:, 1]), 1e-3, rtol=0.5)
