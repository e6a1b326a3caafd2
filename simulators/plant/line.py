"""One production line: equipment of the three stages wired by material flow and lots.

Material moves oxide → alloy (reduction and strip casting are not modelled as equipment:
an alloy lot is made as soon as an oxide lot is full) → jet mill → press → vacuum furnace
load → anneal → magnetizer, one pulse per part. Every move keeps lot identity, so each
finished lot names its parents and closes its mass balance.
"""

from __future__ import annotations

import numpy as np

from simulators.plant.availability import planned_maintenance, random_breakdowns
from simulators.plant.base import Equipment
from simulators.plant.events import PlantEvent
from simulators.plant.flow import MaterialFlow
from simulators.plant.furnace import VacuumFurnace
from simulators.plant.magnetization import Magnetizer
from simulators.plant.separation import MixerSettlerBank
from simulators.plant.sintering import AnnealFurnace, JetMill, Press
from simulators.profiles import RouteProfile

__all__ = ["STAGES", "Line"]

STAGES = ("Separation", "Sintering", "Magnetization")


class Line:
    """A line ``Line<n>`` with its banks, mill, press, furnaces, anneal and magnetizer."""

    def __init__(
        self,
        number: int,
        profile: RouteProfile,
        banks: int,
        furnaces: int,
        t0_s: float,
        rng: np.random.Generator,
        lot_counters: dict[str, int] | None = None,
    ) -> None:
        self.name = f"Line{number}"
        self.profile = profile
        sep, sin, mag = (f"{self.name}.{stage}" for stage in STAGES)
        self.banks = [MixerSettlerBank(f"{sep}.Bank{i}", profile, rng) for i in range(1, banks + 1)]
        self.mill = JetMill(f"{sin}.JetMill1", profile, rng)
        self.press = Press(f"{sin}.Press1", profile, rng)
        self.furnaces = [
            VacuumFurnace(f"{sin}.Furnace{i}", profile, rng) for i in range(1, furnaces + 1)
        ]
        self.anneal = AnnealFurnace(f"{sin}.Anneal1", profile, rng)
        self.magnetizer = Magnetizer(f"{mag}.Magnetizer1", profile, rng)
        self.equipment: list[Equipment] = [
            *self.banks,
            self.mill,
            self.press,
            *self.furnaces,
            self.anneal,
            self.magnetizer,
        ]
        self.flow = MaterialFlow(self, t0_s, rng, lot_counters)

    def step(self, t_s: float, dt_s: float, rng: np.random.Generator) -> list[PlantEvent]:
        """Advance every equipment and the material between them; return what happened."""
        p = self.profile
        events = random_breakdowns(self.equipment, t_s, dt_s, p.mtbf_h, p.mttr_h, rng)
        events += planned_maintenance(self.equipment, t_s, dt_s)
        for bank in self.banks:
            bank.step(t_s, dt_s, rng)
        self.flow.separation(t_s)
        self.flow.mill_and_press(t_s, dt_s, rng)
        for furnace in self.furnaces:
            self.flow.load_furnace(furnace, t_s, rng)
            furnace.step(t_s, dt_s, rng)
            self.flow.unload_furnace(furnace, t_s, rng)
        self.flow.feed_anneal()
        self.anneal.step(t_s, dt_s, rng)
        self.flow.feed_magnetizer(t_s)
        self.magnetizer.step(t_s, dt_s, rng)
        self.flow.collect_parts(t_s)
        events.extend(self.flow.drain_events())
        return events
