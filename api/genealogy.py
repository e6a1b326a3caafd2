"""Lot genealogy: the graph around a lot, each lot's yield and mass balance, stage totals.

A lot's yield is ``mass_out / mass_in``. Its balance compares what its parents put out with
what it took in: ``parents_out_kg - mass_in_kg`` (positive when the parents' output went
partly elsewhere, or was lost between stages; negative when an input is not recorded).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

__all__ = ["lot_yield", "mass_balance", "stage_totals"]


def lot_yield(lot: dict[str, Any]) -> float | None:
    mass_in, mass_out = lot.get("mass_in_kg"), lot.get("mass_out_kg")
    if not mass_in or mass_out is None:
        return None
    return mass_out / mass_in


def mass_balance(
    lot: dict[str, Any], parents: list[dict[str, Any]]
) -> dict[str, float | int | None]:
    """Parents' output against this lot's input, with the parents that are recorded."""
    outs = [p["mass_out_kg"] for p in parents if p.get("mass_out_kg") is not None]
    parents_out = sum(outs) if outs else None
    mass_in = lot.get("mass_in_kg")
    return {
        "parents_recorded": len(parents),
        "parents_out_kg": parents_out,
        "mass_in_kg": mass_in,
        "balance_kg": None if parents_out is None or mass_in is None else parents_out - mass_in,
    }


def stage_totals(lots: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per stage of the lineage: lot count, mass in and out, and the stage yield."""
    totals: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"lots": 0, "mass_in_kg": 0.0, "mass_out_kg": 0.0}
    )
    for lot in lots:
        entry = totals[lot["stage"]]
        entry["lots"] += 1
        if lot.get("mass_in_kg") is not None and lot.get("mass_out_kg") is not None:
            entry["mass_in_kg"] += lot["mass_in_kg"]
            entry["mass_out_kg"] += lot["mass_out_kg"]
    return [{"stage": stage, **entry, "yield": lot_yield(entry)} for stage, entry in totals.items()]
