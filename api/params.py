"""Parsing and checking of query parameters: durations, ranges, cursors, status classes."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import re
from typing import Any

from api.errors import InvalidRequest

__all__ = [
    "BAD",
    "UNCERTAIN",
    "check_range",
    "decode_cursor",
    "encode_cursor",
    "parse_duration",
    "status_name",
]

UNCERTAIN = 0x40000000
BAD = 0x80000000

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|min|h|d)\s*$")
_ISO_DURATION = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0, "d": 86400.0}


def status_name(code: int) -> str:
    """The OPC UA severity of a status code: ``good``, ``uncertain`` or ``bad``."""
    if code >= BAD:
        return "bad"
    return "uncertain" if code >= UNCERTAIN else "good"


def parse_duration(text: str, name: str) -> dt.timedelta:
    """``30s``, ``1m``, ``15min``, ``1h``, ``1d`` or ISO 8601 ``PT1M`` as a positive timedelta."""
    seconds = _seconds(text)
    try:
        width = dt.timedelta(seconds=seconds or 0)
    except OverflowError:
        width = dt.timedelta(0)
    if width <= dt.timedelta(0):
        raise InvalidRequest(
            f"{name} must be a positive duration like 30s, 1m, 15min, 1h, 1d or PT1M",
            {"parameter": name, "value": text},
        )
    return width


def _seconds(text: str) -> float | None:
    if match := _DURATION.match(text):
        return float(match[1]) * _UNIT_SECONDS[match[2]]
    match = _ISO_DURATION.match(text.strip().upper())
    if match and any(match.groups()):
        days, hours, minutes, seconds = (float(g or 0) for g in match.groups())
        return days * 86400 + hours * 3600 + minutes * 60 + seconds
    return None


def check_range(start: dt.datetime, end: dt.datetime, max_days: float) -> None:
    """Refuse a reversed, empty or oversized time range."""
    if end <= start:
        raise InvalidRequest("end must be after start", {"start": start, "end": end})
    if end - start > dt.timedelta(days=max_days):
        raise InvalidRequest(
            f"the range is at most {max_days:g} days", {"start": start, "end": end}
        )


def encode_cursor(payload: dict[str, Any]) -> str:
    """An opaque cursor string carrying ``payload``."""
    raw = json.dumps(payload, separators=(",", ":"), default=_iso).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, keys: tuple[str, ...]) -> dict[str, Any]:
    """The payload of a cursor made by :func:`encode_cursor`, with ``keys``; else 422."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        payload = json.loads(raw)
        if not isinstance(payload, dict) or set(payload) != set(keys):
            raise ValueError("unexpected keys")
        if "time" in payload:
            payload["time"] = dt.datetime.fromisoformat(payload["time"])
            if payload["time"].tzinfo is None:
                raise ValueError("time without zone")
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError) as exc:
        raise InvalidRequest("the cursor is not valid", {"cursor": cursor}) from exc
    return payload


def _iso(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    raise TypeError(f"cannot encode {type(value).__name__}")
