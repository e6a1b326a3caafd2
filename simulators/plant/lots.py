"""Lots and material buffers: genealogy from oxide lot to magnetized lot.

A ``Lot`` records one finished batch with its parents, masses and properties (the measured
ones that are published and the true ones kept for the ground truth). A ``FifoPool`` is a
buffer between stages that remembers which lot each kilogram came from, so a consumer can
name its parents and carry mass-weighted powder properties along.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

__all__ = ["FifoPool", "Lot", "PoolPart", "mass_weighted"]


@dataclass
class Lot:
    """One finished lot (masses in kg, times in simulated seconds since the epoch).

    ``mass_in_kg = mass_out_kg + scrap_kg`` holds for every lot, where scrap includes
    process losses (oxygen removed in reduction, milling loss, rejects).
    """

    lot_id: str
    kind: str  # oxide, alloy, furnace_load, magnetized
    stage: str  # Separation, Sintering, Magnetization
    equipment: str
    parents: list[str]
    start_s: float
    end_s: float
    mass_in_kg: float
    mass_out_kg: float
    scrap_kg: float
    parts: int = 0
    measured: dict[str, float] = field(default_factory=dict)
    true: dict[str, float] = field(default_factory=dict)

    def published(self) -> dict:
        """The record a recorder sees: everything except the hidden true properties."""
        return {
            "lot_id": self.lot_id,
            "kind": self.kind,
            "stage": self.stage,
            "equipment": self.equipment,
            "parents": list(self.parents),
            "start_s": self.start_s,
            "end_s": self.end_s,
            "mass_in_kg": round(self.mass_in_kg, 6),
            "mass_out_kg": round(self.mass_out_kg, 6),
            "scrap_kg": round(self.scrap_kg, 6),
            "parts": self.parts,
            "properties": {k: round(v, 6) for k, v in self.measured.items()},
        }


@dataclass
class PoolPart:
    """A slice of a pool: ``kg`` of material from ``lot_id`` that consumed ``source_kg``."""

    lot_id: str
    kg: float
    source_kg: float
    attrs: dict[str, float] = field(default_factory=dict)


def mass_weighted(parts: list[PoolPart], key: str) -> float:
    """Mass-weighted mean of an intensive attribute over pool slices."""
    total = sum(p.kg for p in parts)
    return sum(p.kg * p.attrs[key] for p in parts) / total if total > 0 else 0.0


class FifoPool:
    """First-in first-out material buffer that keeps lot identity."""

    def __init__(self) -> None:
        self._parts: deque[PoolPart] = deque()
        self.kg = 0.0

    def put(self, part: PoolPart) -> None:
        """Add a slice (merged with the last one when it is the same lot)."""
        if part.kg <= 0:
            return
        last = self._parts[-1] if self._parts else None
        if last is not None and last.lot_id == part.lot_id and last.attrs == part.attrs:
            last.kg += part.kg
            last.source_kg += part.source_kg
        else:
            self._parts.append(part)
        self.kg += part.kg

    def take(self, kg: float) -> list[PoolPart]:
        """Remove up to ``kg`` from the front; slices are split in proportion."""
        taken: list[PoolPart] = []
        need = min(kg, self.kg)
        while need > 1e-12 and self._parts:
            head = self._parts[0]
            if head.kg <= need + 1e-12:
                taken.append(self._parts.popleft())
                need -= head.kg
                continue
            share = need / head.kg
            piece = PoolPart(head.lot_id, need, head.source_kg * share, dict(head.attrs))
            head.kg -= need
            head.source_kg -= piece.source_kg
            taken.append(piece)
            need = 0.0
        self.kg = sum(p.kg for p in self._parts)
        return taken
