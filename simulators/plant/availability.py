"""Random breakdowns and repairs of equipment (exponential failure and repair times)."""

from __future__ import annotations

import numpy as np

from simulators.plant.base import Equipment
from simulators.plant.events import PlantEvent

__all__ = ["end_trip", "random_breakdowns", "trip"]


def trip(
    eq: Equipment, t_s: float, duration_s: float, cause: str, state: str = "down"
) -> PlantEvent:
    """Stop ``eq`` until ``t_s + duration_s`` and return the trip event."""
    eq.state = state
    eq.down_until_s = t_s + duration_s
    return PlantEvent(
        t_s,
        eq.path,
        "trip",
        f"{eq.path} tripped: {cause}",
        {"cause": cause, "duration_s": duration_s, "state": state},
    )


def end_trip(eq: Equipment, t_s: float) -> PlantEvent:
    """Return ``eq`` to service and return the repair event."""
    eq.state = "idle"
    eq.down_until_s = -1.0
    return PlantEvent(t_s, eq.path, "repair", f"{eq.path} back in service", {})


def random_breakdowns(
    equipment: list[Equipment],
    t_s: float,
    dt_s: float,
    mtbf_h: float,
    mttr_h: float,
    rng: np.random.Generator,
) -> list[PlantEvent]:
    """Trip equipment at random (rate 1/MTBF) and repair it when its down time is over."""
    events = []
    draws = rng.random(len(equipment))
    p_fail = dt_s / (mtbf_h * 3600.0)
    for eq, draw in zip(equipment, draws, strict=True):
        if eq.is_down:
            if t_s >= eq.down_until_s:
                events.append(end_trip(eq, t_s))
        elif draw < p_fail:
            duration_s = float(rng.exponential(mttr_h * 3600.0))
            events.append(trip(eq, t_s, duration_s, "random breakdown"))
    return events
