"""One simulated run, step by step: plant, sensors and faults, independent of publishing.

``serve`` publishes each ``StepOutput`` over OPC UA; ``run`` writes it to files. Time is
kept in integer microseconds since the Unix epoch, so every step of every tag has its own
exact source timestamp; events get theirs from ``simulators.events.EventStamper``. What
must continue in a later run on the same data dir (lot and event numbers) comes in and goes
out as a ``CarriedState``.

A step's output is what is published, under the run's naming (``cfg.naming``,
``simulators.naming``): values in the order of ``published.signals``, texts, events and lot
records by their published names. Its ``lots`` are the model's own, for the ground truth.
The model itself, its sensors and faults (targets by the model's paths) never see names.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np

from simulators.config import SimConfig
from simulators.events import EventStamper, StampedEvent, offline_source_id
from simulators.fault_engine import FaultEngine
from simulators.faults import FaultSpec
from simulators.naming import get_naming
from simulators.plant.events import PlantEvent
from simulators.plant.lots import Lot
from simulators.plant.magnetization import PartBatch
from simulators.plant.plant import Plant
from simulators.profiles import get_profile
from simulators.published import PublishedPlant
from simulators.sensors import Sensors, flag_out_of_range
from simulators.state import CarriedState

__all__ = ["Simulation", "StepOutput"]


@dataclass
class StepOutput:
    """Everything one step published (values in the order of ``published.signals``), and
    the model's finished lots and parts."""

    t_us: int
    measured: np.ndarray
    status: np.ndarray
    written: np.ndarray
    texts: list[tuple[str, str | bool, int]]  # path, value, source time [µs]
    events: list[StampedEvent]
    lots: list[Lot]
    parts: list[PartBatch]
    fault_records: list[dict] = field(default_factory=list)
    restarts: list[FaultSpec] = field(default_factory=list)


class Simulation:
    """A seeded plant with its instruments and injected faults."""

    def __init__(self, cfg: SimConfig, t0_us: int, carried: CarriedState | None = None) -> None:
        """``carried`` continues an earlier run's numbers; without it they start at 1."""
        self.cfg = cfg
        self.profile = get_profile(cfg.profile, cfg.profile_overrides)
        self.t0_us, self.step_us, self.k = t0_us, round(cfg.step_s * 1e6), 0
        carried = carried or CarriedState(offline_source_id(cfg.seed, t0_us))
        self.stamper = EventStamper(
            carried.source_id, carried.next_event_sequence, carried.last_event_us
        )
        self.plant = Plant(self.profile, cfg.layout, cfg.seed, t0_us / 1e6, carried.lot_counters)
        self.sensors = Sensors(
            self.plant.signals,
            self.profile.noise_scale,
            self.profile.drift_per_day,
            np.random.default_rng([cfg.seed, 1]),
        )
        self.faults = FaultEngine(list(cfg.faults), self.plant)
        self._eu_low = np.array([s.spec.low for s in self.plant.signals])
        self._eu_high = np.array([s.spec.high for s in self.plant.signals])
        self.published = PublishedPlant(self.plant, get_naming(cfg.naming))
        self.text_paths = [t.path for t in self.published.texts]
        self.lot_paths = self.published.lot_paths
        self._last_text: list = [None] * len(self.text_paths)
        self.last_measured = self.sensors.measure(self.plant.truth, 0.0)

    def rebase(self, t0_us: int) -> None:
        """Move the start time before the first step (e.g. to the moment serving begins)."""
        if self.k:
            raise RuntimeError("rebase is only allowed before the first step")
        self.t0_us = t0_us
        self.plant.t_s = t0_us / 1e6

    def carried_state(self) -> CarriedState:
        """The numbers a later run on the same data dir must continue from."""
        s = self.stamper
        return CarriedState(s.source_id, s.next_sequence, s.last_us, self.plant.lot_counters())

    def stamp(self, event: PlantEvent, t_us: int) -> StampedEvent:
        """The published form of an event that happens outside a step (a server restart)."""
        return self.stamper.stamp(self.published.event(event), t_us)

    def initial_output(self) -> StepOutput:
        """Step 0: the state before the first step, every tag and every text variable."""
        n = len(self.last_measured)
        status = np.zeros(n, dtype=np.uint32)
        flag_out_of_range(self.last_measured, status, self._eu_low, self._eu_high)
        texts = [(path, value, self.t_us) for path, value in self._changed_texts()]
        pub = self.published
        return StepOutput(self.t_us, pub.values(self.last_measured), pub.columns(status),
                          pub.columns(np.ones(n, dtype=bool)), texts, [], [], [])  # fmt: skip

    @property
    def t_us(self) -> int:
        """Simulated time of the last step [µs since the epoch]."""
        return self.t0_us + self.k * self.step_us

    def advance(self) -> StepOutput:
        """Step the plant once and return what was measured and what happened."""
        self.k += 1
        t_us, dt_s = self.t_us, self.step_us / 1e6
        elapsed_s = self.k * dt_s
        faults = self.faults.transitions(elapsed_s, t_us / 1e6, self.last_measured)
        events = faults.events + self.plant.step(dt_s)
        measured = self.sensors.measure(self.plant.truth, dt_s)
        status = np.zeros(len(measured), dtype=np.uint32)
        written = np.ones(len(measured), dtype=bool)
        self.faults.act(elapsed_s, measured, status, written)
        flag_out_of_range(measured, status, self._eu_low, self._eu_high)
        self.last_measured = measured
        lots, parts = self._drain()
        texts = [(path, value, t_us) for path, value in self._changed_texts()]
        seen: dict[str, int] = {}
        pub = self.published
        for lot in lots:  # several lots on one variable in one step get distinct times
            path = pub.lot_path(lot.lot_id.split("-", 1)[0], lot.kind)
            seen[path] = seen.get(path, -1) + 1
            texts.append((path, json.dumps(pub.lot_record(lot)), t_us + seen[path]))
        return StepOutput(
            t_us,
            pub.values(measured),
            pub.columns(status),
            pub.columns(written),
            texts,
            [self.stamper.stamp(pub.event(e), t_us) for e in events],
            lots,
            parts,
            faults.records,
            faults.restarts,
        )

    def _changed_texts(self) -> list[tuple[str, str | bool]]:
        changed = []
        for i, value in enumerate(self.plant.text_values()):
            if value != self._last_text[i]:
                self._last_text[i] = value
                changed.append((self.text_paths[i], self.published.text(i, value)))
        return changed

    def _drain(self) -> tuple[list[Lot], list[PartBatch]]:
        lots, parts = [], []
        for line in self.plant.lines:
            lots.extend(line.flow.lots)
            parts.extend(line.flow.parts)
            line.flow.lots, line.flow.parts = [], []
        return lots, parts
