"""Response models shared by several routers: tags and readings with unit and status."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from api.params import status_name
from store.readings import ReadingFlag

__all__ = ["Reading", "Status", "Tag", "TagId", "TagRef", "reading_dict", "reading_from_row"]

Status = Literal["good", "uncertain", "bad"]
TagId = Annotated[int, Field(ge=1, le=2**31 - 1)]


class Tag(BaseModel):
    tag_id: int
    tag_key: str
    endpoint: str
    node_id: str
    browse_path: str
    stage: str | None
    equipment: str | None
    name: str
    unit: str | None
    unit_id: int | None
    eu_low: float | None
    eu_high: float | None
    data_type: str
    description: str | None
    expected_interval_s: float | None = None


class TagRef(BaseModel):
    """A tag as named in a result: id, key, name, unit and data type."""

    tag_id: int
    tag_key: str
    name: str
    unit: str | None
    data_type: str


class Reading(BaseModel):
    """One recorded value with its unit and OPC UA status."""

    time: dt.datetime = Field(description="Source time (else server, else receive), UTC")
    tag_id: int
    value: float | None
    value_text: str | None
    unit: str | None
    status_code: int = Field(description="Full 32-bit OPC UA status code")
    status: Status
    server_time: dt.datetime | None = None
    time_source: int | None = Field(None, description="0 source, 1 server, 2 receive time")
    future_time: bool = Field(
        False,
        description="Source time ahead of its receipt beyond the recorder's tolerance (a plant"
        " clock ahead); the reading is kept as sent",
    )


def reading_from_row(row: dict[str, Any], tag: dict[str, Any]) -> Reading:
    """A :class:`Reading` of ``tag`` from a `reading` row."""
    return Reading(
        time=row["time"],
        tag_id=tag["tag_id"],
        value=row["value"],
        value_text=row["value_text"],
        unit=tag["unit"],
        status_code=row["status_code"],
        status=status_name(row["status_code"]),
        server_time=row.get("server_time"),
        time_source=row.get("time_source"),
        future_time=bool(row.get("flags", 0) & ReadingFlag.FUTURE_TIME),
    )


def reading_dict(row: dict[str, Any], tag: dict[str, Any]) -> dict[str, Any]:
    """The fields of a :class:`Reading` of ``tag`` from a `reading` row, as a plain dict."""
    fields = {
        **row,
        "tag_id": tag["tag_id"],
        "unit": tag["unit"],
        "status": status_name(row["status_code"]),
    }
    fields["future_time"] = bool(fields.pop("flags", 0) & ReadingFlag.FUTURE_TIME)
    return fields
