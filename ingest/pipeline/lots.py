"""Lot records published by the plant, as `lot` and `lot_parent` rows.

A plant publishes each finished lot as a JSON object in a string variable (the simulator
uses ``<Line>.<Stage>.Lots.LastLot``; the variable's browse name is a setting). Fields:

    lot_id        required, unique
    parents       list of parent lot ids (genealogy: oxide -> alloy -> furnace load -> magnets)
    stage, equipment
    start_s, end_s           Unix seconds, or started_at, finished_at as ISO 8601
    mass_in_kg, mass_out_kg  non-negative
    properties    measured properties (object); any other field is kept in properties too

A record that is not valid is logged and counted, never written half; the raw string is
still stored as a reading of its variable.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
from typing import Any

from store.records import LotRecord

__all__ = ["LotRecordError", "parse_lot_record"]

logger = logging.getLogger(__name__)

_COLUMNS = {
    "lot_id",
    "parents",
    "stage",
    "equipment",
    "start_s",
    "end_s",
    "started_at",
    "finished_at",
    "mass_in_kg",
    "mass_out_kg",
    "properties",
}


class LotRecordError(ValueError):
    """A published lot record that cannot be stored."""


def parse_lot_record(text: str, default_stage: str | None) -> LotRecord:
    """The lot in ``text`` (JSON); ``default_stage`` where the record names none."""
    try:
        raw = json.loads(text)
    except ValueError as exc:
        raise LotRecordError(f"not JSON: {exc}") from exc
    if not isinstance(raw, dict) or not isinstance(raw.get("lot_id"), str) or not raw["lot_id"]:
        raise LotRecordError("a lot record is a JSON object with a non-empty string lot_id")
    parents = raw.get("parents") or []
    if not isinstance(parents, list) or not all(isinstance(p, str) for p in parents):
        raise LotRecordError(f"{raw['lot_id']}: parents must be a list of lot ids")
    properties = raw.get("properties") or {}
    if not isinstance(properties, dict):
        raise LotRecordError(f"{raw['lot_id']}: properties must be an object")
    extra = {key: value for key, value in raw.items() if key not in _COLUMNS}
    return LotRecord(
        lot_id=raw["lot_id"],
        stage=str(raw.get("stage") or default_stage or "unknown"),
        equipment=raw.get("equipment"),
        started_at=_moment(raw, "start_s", "started_at"),
        finished_at=_moment(raw, "end_s", "finished_at"),
        mass_in_kg=_mass(raw, "mass_in_kg"),
        mass_out_kg=_mass(raw, "mass_out_kg"),
        parents=tuple(parents),
        properties={**extra, **properties},
    )


def _moment(raw: dict[str, Any], seconds_key: str, iso_key: str) -> dt.datetime | None:
    if raw.get(seconds_key) is not None:
        seconds = raw[seconds_key]
        if not isinstance(seconds, int | float) or not math.isfinite(seconds):
            raise LotRecordError(f"{raw['lot_id']}: {seconds_key} must be a number of seconds")
        return dt.datetime.fromtimestamp(seconds, dt.UTC)
    if raw.get(iso_key) is not None:
        try:
            moment = dt.datetime.fromisoformat(str(raw[iso_key]))
        except ValueError as exc:
            raise LotRecordError(f"{raw['lot_id']}: {iso_key} is not ISO 8601") from exc
        if moment.tzinfo is None:
            raise LotRecordError(f"{raw['lot_id']}: {iso_key} needs a time zone")
        return moment
    return None


def _mass(raw: dict[str, Any], key: str) -> float | None:
    value = raw.get(key)
    if value is None:
        return None
    if not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
        raise LotRecordError(f"{raw['lot_id']}: {key} must be a non-negative number")
    return float(value)
