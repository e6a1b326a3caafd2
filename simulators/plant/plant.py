"""The whole plant: one or more lines stepped together on one simulated clock."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulators.plant.base import AnalogSpec, Equipment, TextSpec
from simulators.plant.events import PlantEvent
from simulators.plant.line import Line
from simulators.profiles import RouteProfile

__all__ = ["Plant", "PlantLayout", "SignalRef", "TextRef"]


@dataclass(frozen=True)
class PlantLayout:
    """How much plant to build: lines, banks per line and furnaces per line."""

    lines: int = 1
    banks: int = 4
    furnaces: int = 4


@dataclass(frozen=True)
class SignalRef:
    """A numeric signal: its dotted path (also the OPC UA string node id) and spec."""

    path: str
    equipment: str
    spec: AnalogSpec


@dataclass(frozen=True)
class TextRef:
    """A text or boolean variable of an equipment."""

    path: str
    equipment: str
    spec: TextSpec


class Plant:
    """Seeded plant model: ``step`` advances it, ``truth`` holds the true signal values."""

    def __init__(
        self,
        profile: RouteProfile,
        layout: PlantLayout,
        seed: int,
        t0_s: float,
        lot_counters: dict[str, dict[str, int]] | None = None,
    ) -> None:
        """``lot_counters`` (line name -> lot prefix -> last number) continues lot ids."""
        self.profile, self.layout = profile, layout
        self.rng = np.random.default_rng(seed)
        self.t_s = t0_s
        counters = lot_counters or {}
        self.lines = [
            Line(
                n,
                profile,
                layout.banks,
                layout.furnaces,
                t0_s,
                self.rng,
                counters.get(f"Line{n}", {}),
            )
            for n in range(1, layout.lines + 1)
        ]
        self.equipment: list[Equipment] = [eq for line in self.lines for eq in line.equipment]
        self.signals = [
            SignalRef(f"{eq.path}.{s.name}", eq.path, s) for eq in self.equipment for s in eq.ANALOG
        ]
        self.texts = [
            TextRef(f"{eq.path}.{s.name}", eq.path, s) for eq in self.equipment for s in eq.TEXTS
        ]
        self.truth = np.zeros(len(self.signals))
        self._gather()

    def step(self, dt_s: float) -> list[PlantEvent]:
        """Advance all lines by ``dt_s`` seconds; return the events of the step."""
        self.t_s += dt_s
        events = [e for line in self.lines for e in line.step(self.t_s, dt_s, self.rng)]
        self._gather()
        return events

    def lot_counters(self) -> dict[str, dict[str, int]]:
        """Last lot number handed out, per line and lot prefix."""
        return {line.name: dict(line.flow.counters) for line in self.lines}

    def lots_numbered(self) -> int:
        """How many lot numbers were handed out so far (changes when any lot is numbered)."""
        return sum(n for line in self.lines for n in line.flow.counters.values())

    def _gather(self) -> None:
        self.truth = np.concatenate([eq.values for eq in self.equipment])

    def text_values(self) -> list[str | bool]:
        """Current values of the text variables, in the order of ``texts``."""
        out: list[str | bool] = []
        for eq in self.equipment:
            texts = eq.texts
            texts["State"] = eq.state
            out.extend(texts[s.name] for s in eq.TEXTS)
        return out
