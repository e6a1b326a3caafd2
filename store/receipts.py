"""`tag_receipt`: when the recorder last received each tag with a timestamp it trusts."""

from __future__ import annotations

import datetime as dt

import psycopg

__all__ = ["write_receipts"]

_UPSERT = (
    "INSERT INTO tag_receipt (tag_id, received_at)"
    " SELECT * FROM unnest(%s::int[], %s::timestamptz[])"
    " ON CONFLICT (tag_id) DO UPDATE"
    " SET received_at = greatest(tag_receipt.received_at, excluded.received_at)"
)


async def write_receipts(conn: psycopg.AsyncConnection, receipts: dict[int, dt.datetime]) -> None:
    """Move each tag's receive time forward to the one in ``receipts`` (never back)."""
    await conn.execute(_UPSERT, (list(receipts), list(receipts.values())))
