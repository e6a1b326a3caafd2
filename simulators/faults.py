"""Injected faults: sensor faults on values and status codes, equipment trips, restarts.

A fault is given in the config or on the command line (``KIND:TARGET:START_S:DURATION_S
[:MAGNITUDE]``, times in simulated seconds after the start) and every start and end is
written to the ground-truth log. Kinds:

========= ==================================================================
drift     adds ``magnitude`` units per hour of fault to the value
stuck     freezes the value at its last reading
spike     adds ``magnitude`` to one reading at the start
nan       publishes NaN (status Good: the recorder must catch it)
bad       status BadSensorFailure (the server then nulls the value)
uncertain status UncertainSensorNotAccurate on the real reading
dropout   no writes at all for the tag
trip      equipment (TARGET is its path) goes down; an OPC UA event is sent
restart   the OPC UA server stops and comes back after ``duration_s``
========= ==================================================================
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass

import numpy as np

from simulators.errors import ConfigError

__all__ = [
    "FAULT_KINDS",
    "SENSOR_KINDS",
    "STATUS_BAD",
    "STATUS_UNCERTAIN",
    "FaultSpec",
    "parse_fault",
]

SENSOR_KINDS = ("drift", "stuck", "spike", "nan", "bad", "uncertain", "dropout")
FAULT_KINDS = (*SENSOR_KINDS, "trip", "restart")
STATUS_BAD = 0x808C0000  # BadSensorFailure
STATUS_UNCERTAIN = 0x40930000  # UncertainSensorNotAccurate


@dataclass(frozen=True)
class FaultSpec:
    """One fault: what, on which tag or equipment (glob allowed), when and how much."""

    kind: str
    target: str
    start_s: float
    duration_s: float
    magnitude: float = 0.0

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ConfigError(f"unknown fault kind {self.kind!r}; known: {', '.join(FAULT_KINDS)}")
        if self.start_s < 0 or self.duration_s < 0:
            raise ConfigError(
                f"fault {self.kind} on {self.target}: start and duration must be >= 0"
            )

    def active(self, t_s: float) -> bool:
        """True while the fault acts at ``t_s`` seconds after the start."""
        return self.start_s <= t_s < self.start_s + max(self.duration_s, 1e-9)

    def matches(self, paths: list[str]) -> np.ndarray:
        """Indices of ``paths`` this fault's target names."""
        return np.array(
            [i for i, p in enumerate(paths) if fnmatch.fnmatchcase(p, self.target)], dtype=int
        )


def parse_fault(text: str) -> FaultSpec:
    """Parse ``KIND:TARGET:START_S:DURATION_S[:MAGNITUDE]`` from the command line."""
    parts = text.split(":")
    if len(parts) not in (4, 5):
        raise ConfigError(f"fault {text!r}: expected KIND:TARGET:START_S:DURATION_S[:MAGNITUDE]")
    try:
        numbers = [float(x) for x in parts[2:]]
    except ValueError as exc:
        raise ConfigError(f"fault {text!r}: start, duration and magnitude must be numbers") from exc
    return FaultSpec(parts[0], parts[1], *numbers)
