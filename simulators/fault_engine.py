"""Applies ``FaultSpec`` s to each step's measured values, status codes and equipment."""

from __future__ import annotations

import fnmatch

import numpy as np

from simulators.errors import ConfigError
from simulators.faults import SENSOR_KINDS, STATUS_BAD, STATUS_UNCERTAIN, FaultSpec
from simulators.plant.availability import trip
from simulators.plant.events import PlantEvent
from simulators.plant.plant import Plant

__all__ = ["FaultEngine", "StepFaults"]


class StepFaults:
    """What the faults did in one step: log records, events, restarts that begin."""

    def __init__(self) -> None:
        self.records: list[dict] = []
        self.events: list[PlantEvent] = []
        self.restarts: list[FaultSpec] = []


class FaultEngine:
    """Resolves fault targets once, then applies active faults step by step."""

    def __init__(self, specs: list[FaultSpec], plant: Plant) -> None:
        self.specs = list(specs)
        self.plant = plant
        paths = [s.path for s in plant.signals]
        self.targets: list = []
        for spec in self.specs:
            self.targets.append(self._resolve(spec, paths))
        self.phase = ["pending"] * len(self.specs)
        self.frozen: dict[int, np.ndarray] = {}

    def _resolve(self, spec: FaultSpec, paths: list[str]):
        if spec.kind in SENSOR_KINDS:
            idx = spec.matches(paths)
            if len(idx) == 0:
                raise ConfigError(
                    f"fault {spec.kind}: no numeric tag matches {spec.target!r} "
                    f"(example tag: {paths[0]})"
                )
            return idx
        if spec.kind == "trip":
            eqs = [eq for eq in self.plant.equipment if fnmatch.fnmatchcase(eq.path, spec.target)]
            if not eqs:
                raise ConfigError(
                    f"fault trip: no equipment matches {spec.target!r} "
                    f"(example: {self.plant.equipment[0].path})"
                )
            return eqs
        return None

    def transitions(self, elapsed_s: float, t_s: float, last: np.ndarray) -> StepFaults:
        """Start and end faults due at ``elapsed_s`` (before the plant steps).

        ``last`` is the previous step's measured vector (a stuck sensor keeps it).
        """
        out = StepFaults()
        for i, spec in enumerate(self.specs):
            if self.phase[i] == "pending" and elapsed_s >= spec.start_s:
                self.phase[i] = "starting"
                self._start(i, spec, t_s, last, out)
            elif self.phase[i] == "active" and elapsed_s >= spec.start_s + spec.duration_s:
                self.phase[i] = "done"
                out.records.append(self._record(spec, t_s, "end"))
        return out

    def act(
        self, elapsed_s: float, measured: np.ndarray, status: np.ndarray, written: np.ndarray
    ) -> None:
        """Apply the active sensor faults to this step's arrays, in place."""
        for i, spec in enumerate(self.specs):
            if self.phase[i] == "starting":
                self.phase[i] = "active"
                if spec.kind == "spike":
                    measured[self.targets[i]] += spec.magnitude
            if self.phase[i] == "active":
                self._act(i, spec, elapsed_s, measured, status, written)

    def _record(self, spec: FaultSpec, t_s: float, phase: str) -> dict:
        return {
            "t_s": t_s,
            "phase": phase,
            "kind": spec.kind,
            "target": spec.target,
            "start_s": spec.start_s,
            "duration_s": spec.duration_s,
            "magnitude": spec.magnitude,
        }

    def _start(
        self, i: int, spec: FaultSpec, t_s: float, last: np.ndarray, out: StepFaults
    ) -> None:
        out.records.append(self._record(spec, t_s, "start"))
        if spec.kind == "stuck":
            self.frozen[i] = last[self.targets[i]].copy()
        elif spec.kind == "trip":
            for eq in self.targets[i]:
                out.events.append(trip(eq, t_s, spec.duration_s, "injected fault"))
        elif spec.kind == "restart":
            out.restarts.append(spec)

    def _act(
        self,
        i: int,
        spec: FaultSpec,
        elapsed_s: float,
        measured: np.ndarray,
        status: np.ndarray,
        written: np.ndarray,
    ) -> None:
        idx = self.targets[i]
        if spec.kind == "drift":
            measured[idx] += spec.magnitude * (elapsed_s - spec.start_s) / 3600.0
        elif spec.kind == "stuck":
            measured[idx] = self.frozen[i]
        elif spec.kind == "nan":
            measured[idx] = np.nan
        elif spec.kind == "bad":
            status[idx] = STATUS_BAD
        elif spec.kind == "uncertain":
            status[idx] = STATUS_UNCERTAIN
        elif spec.kind == "dropout":
            written[idx] = False
