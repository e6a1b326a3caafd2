"""Plant events: trips, repairs, faults and finished lots, as the model reports them."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["SEVERITY", "PlantEvent"]

SEVERITY = {"trip": 800, "fault": 600, "repair": 300, "lot": 100, "restart": 500}
"""OPC UA event severity (1-1000) per event kind."""


@dataclass
class PlantEvent:
    """Something that happened at simulated time ``t_s`` on equipment ``source`` (a path)."""

    t_s: float
    source: str
    kind: str  # trip, repair, fault, lot, restart
    message: str
    fields: dict = field(default_factory=dict)

    @property
    def severity(self) -> int:
        """OPC UA severity of this event."""
        return SEVERITY.get(self.kind, 200)
