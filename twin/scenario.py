"""Operating conditions of a run: what the planner asks, not how the plant behaves."""

import dataclasses
from dataclasses import dataclass

from twin.errors import ScenarioError
from twin.grades import parse_grade

__all__ = ["Scenario"]

MAX_HORIZON_DAYS = 3650


@dataclass(frozen=True)
class Scenario:
    """A what-if for :func:`twin.simulate`.

    Attributes
    ----------
    horizon_days : int
        Simulated days, 1 to 3650 (the incentive scheme runs 7 years, 2555 days).
    oxide_t_per_yr : float
        NdPr oxide fed to separation [t/yr] (IREL: 400–500).
    target_grade : str
        Grade the finished magnets are sold as, e.g. ``"N42"`` or ``"N42SH"``.
    export_stop_start_day : int or None
        Forced export stop at the tolling partner from this day (what-if); None for none.
    export_stop_days : int
        Length of the forced stop [d].
    capacity_ramp : tuple of (int, float)
        Extra capacity schedule as (day, multiplier of nameplate) points, linearly
        interpolated and held after the last point; empty means 1.0 throughout.
    mature : bool
        Start the domestic line at its mature yields and capacity (no learning gap).
    """

    horizon_days: int = 365
    oxide_t_per_yr: float = 500.0
    target_grade: str = "N42"
    export_stop_start_day: int | None = None
    export_stop_days: int = 0
    capacity_ramp: tuple = ()
    mature: bool = False

    def __post_init__(self):
        if not 1 <= int(self.horizon_days) <= MAX_HORIZON_DAYS:
            raise ScenarioError(
                f"horizon_days must be 1 to {MAX_HORIZON_DAYS}, got {self.horizon_days}"
            )
        if not 0.0 < float(self.oxide_t_per_yr) <= 100_000.0:
            raise ScenarioError(f"oxide_t_per_yr must be in (0, 100000], got {self.oxide_t_per_yr}")
        if self.export_stop_days < 0:
            raise ScenarioError("export_stop_days must be ≥ 0")
        if self.export_stop_start_day is not None and self.export_stop_start_day < 0:
            raise ScenarioError("export_stop_start_day must be ≥ 0")
        for point in self.capacity_ramp:
            if len(point) != 2 or point[1] < 0:
                raise ScenarioError(
                    f"capacity_ramp points are (day, multiplier ≥ 0), got {point!r}"
                )
        parse_grade(self.target_grade)

    @property
    def grade(self):
        """The target :class:`twin.grades.Grade`."""
        return parse_grade(self.target_grade)

    def replace(self, **changes):
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)

    def to_dict(self):
        """JSON-ready fields."""
        data = dataclasses.asdict(self)
        data["capacity_ramp"] = [list(p) for p in self.capacity_ramp]
        return data
