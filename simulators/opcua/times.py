"""OPC UA timestamps from and to integer microseconds since the Unix epoch (exact)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from asyncua import ua

__all__ = ["datetime_from_us", "us_from_datetime"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def datetime_from_us(t_us: int) -> datetime:
    """UTC datetime of integer microseconds since the Unix epoch (exact)."""
    return _EPOCH + timedelta(microseconds=t_us)


def us_from_datetime(dt: datetime | None) -> int | None:
    """Microseconds since the epoch, or ``None`` for an unset OPC UA time."""
    if dt is None or dt <= ua.get_win_epoch().replace(tzinfo=dt.tzinfo):
        return None
    dt = dt if dt.tzinfo else dt.replace(tzinfo=UTC)
    return (dt - _EPOCH) // timedelta(microseconds=1)
