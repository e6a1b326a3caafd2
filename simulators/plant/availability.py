"""Equipment out of service: random breakdowns (exponential failure and repair times),
planned maintenance, and injected trips."""

from __future__ import annotations

import numpy as np

from simulators.plant.base import Equipment
from simulators.plant.events import PlantEvent

__all__ = ["end_trip", "planned_maintenance", "random_breakdowns", "trip"]


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


MAINTENANCE_EVERY_S = 7 * 86400.0
MAINTENANCE_S = 4 * 3600.0


def planned_maintenance(equipment: list[Equipment], t_s: float, dt_s: float) -> list[PlantEvent]:
    """Take each equipment out for ``MAINTENANCE_S`` once every ``MAINTENANCE_EVERY_S``.

    The slots are staggered over the week so that no two pieces stop at once.
    """
    events = []
    for i, eq in enumerate(equipment):
        offset_s = MAINTENANCE_EVERY_S * (i + 0.5) / len(equipment)
        phase_s = (t_s - offset_s) % MAINTENANCE_EVERY_S
        if phase_s < dt_s and not eq.is_down:
            events.append(trip(eq, t_s, MAINTENANCE_S, "planned maintenance", "maintenance"))
    return events
