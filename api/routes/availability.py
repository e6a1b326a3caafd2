"""Availability and downtime per stage and equipment, per plant day or shift.

From the equipment state tags (string values such as running, idle, down, maintenance):
each state reading holds until the next one; Bad readings and time before the first
reading count as no data. Availability is running time over the time with data.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from api.deps import Conn, Settings, Window
from api.errors import ERROR_RESPONSES, InvalidRequest
from api.periods import periods
from store import queries

router = APIRouter(tags=["availability"], responses=ERROR_RESPONSES)

_MAX_PERIODS = 2_000


class PeriodAvailability(BaseModel):
    stage: str | None
    equipment: str | None
    tag_id: int = Field(description="The equipment's state tag")
    period_start: dt.datetime
    period_end: dt.datetime
    seconds_by_state: dict[str, float]
    no_data_s: float = Field(description="Time with no or Bad state readings (or in future)")
    running_s: float
    downtime_s: float = Field(description="Time in the down states (setting down_states)")
    availability: float | None = Field(description="running / time with data; None if none")


class StageAvailability(BaseModel):
    stage: str | None
    period_start: dt.datetime
    period_end: dt.datetime
    equipment: int = Field(description="Equipment (state tags) summed")
    running_s: float
    downtime_s: float
    no_data_s: float
    availability: float | None = Field(description="Σ running / Σ time with data")


class Availability(BaseModel):
    period: Literal["day", "shift"]
    timezone: str
    rows: list[PeriodAvailability] = Field(description="Per equipment and period")
    stages: list[StageAvailability] = Field(description="Per stage and period")


def _stages(rows: list[PeriodAvailability]) -> list[StageAvailability]:
    groups: dict[tuple[str | None, dt.datetime], list[PeriodAvailability]] = {}
    for row in rows:
        groups.setdefault((row.stage, row.period_start), []).append(row)
    out = []
    for (stage, start), members in groups.items():
        running = sum(m.running_s for m in members)
        with_data = sum(sum(m.seconds_by_state.values()) for m in members)
        out.append(StageAvailability(
            stage=stage, period_start=start, period_end=members[0].period_end,
            equipment=len(members), running_s=running,
            downtime_s=sum(m.downtime_s for m in members),
            no_data_s=sum(m.no_data_s for m in members),
            availability=running / with_data if with_data > 0 else None,
        ))  # fmt: skip
    return out


def _row(tag: dict, bounds: tuple[dt.datetime, dt.datetime], states: dict[str, float],
         settings: Settings) -> PeriodAvailability:  # fmt: skip
    known = {k: v for k, v in states.items() if k}
    span = (bounds[1] - bounds[0]).total_seconds()
    with_data = sum(known.values())
    running = sum(v for k, v in known.items() if k in settings.running_states)
    return PeriodAvailability(
        stage=tag["stage"], equipment=tag["equipment"], tag_id=tag["tag_id"],
        period_start=bounds[0], period_end=bounds[1], seconds_by_state=known,
        no_data_s=max(span - with_data, 0.0), running_s=running,
        downtime_s=sum(v for k, v in known.items() if k in settings.down_states),
        availability=running / with_data if with_data > 0 else None,
    )  # fmt: skip


@router.get("/availability", response_model=Availability)
async def availability(
    conn: Conn,
    settings: Settings,
    window: Window,
    period: Literal["day", "shift"] = "day",
    stage: str | None = None,
    equipment: Annotated[str | None, Query(description="One equipment's state tag")] = None,
) -> Availability:
    """Seconds per state, running, downtime and availability of each equipment per period."""
    spans = periods(window.start, window.end, period, settings.zone, settings.shift_starts)
    tags = await queries.state_tags(conn, settings.state_tag_name, stage, equipment)
    if len(spans) > _MAX_PERIODS:
        raise InvalidRequest(f"at most {_MAX_PERIODS} periods; narrow the range")
    if not tags:
        return Availability(period=period, timezone=settings.plant_timezone, rows=[], stages=[])
    stop = min(spans[-1][1], dt.datetime.now(dt.UTC))
    hold = dt.timedelta(days=settings.hold_days)
    seconds = await queries.state_seconds(conn, [t["tag_id"] for t in tags], spans, stop, hold)
    table: dict[tuple[int, dt.datetime], dict[str, float]] = defaultdict(dict)
    for row in seconds:
        table[(row["tag_id"], row["p0"])][row["state"] or ""] = row["seconds"]
    rows = [_row(tag, span, table[(tag["tag_id"], span[0])], settings)
            for tag in tags for span in spans]  # fmt: skip
    return Availability(
        period=period, timezone=settings.plant_timezone, rows=rows, stages=_stages(rows)
    )
