"""The `api_key` table: store, list and revoke keys, and look one up for a request.

Keys are made by the API (``api.keys``); only their id, owner, role and hash come here.
"""

from __future__ import annotations

from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import dict_row

__all__ = ["fetch_key_for_use", "insert_key", "list_keys", "revoke_key"]

_PUBLIC_COLUMNS = "key_id, name, role, created_at, revoked_at, last_used_at"


async def insert_key(
    conn: AsyncConnection, key_id: str, name: str, role: str, key_hash: str
) -> dict[str, Any]:
    """Store a new key; returns its public row (never the hash)."""
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute(
        "INSERT INTO api_key (key_id, name, role, key_hash) VALUES (%s, %s, %s, %s)"
        f" RETURNING {_PUBLIC_COLUMNS}",
        (key_id, name, role, key_hash),
    )
    return await cur.fetchone()


async def list_keys(conn: AsyncConnection) -> list[dict[str, Any]]:
    """Every key, revoked ones too, oldest first, without hashes."""
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute(f"SELECT {_PUBLIC_COLUMNS} FROM api_key ORDER BY created_at, key_id")
    return await cur.fetchall()


async def revoke_key(conn: AsyncConnection, key_id: str) -> dict | None:
    """Revoke a key (a second revoke keeps the first time); None if there is no such key."""
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute(
        "UPDATE api_key SET revoked_at = coalesce(revoked_at, now()) WHERE key_id = %s"
        f" RETURNING {_PUBLIC_COLUMNS}",
        (key_id,),
    )
    return await cur.fetchone()


async def fetch_key_for_use(conn: AsyncConnection, key_id: str) -> dict | None:
    """A key's role, hash and revocation, marking it used (the API does this once per cache
    period, not per request, so ``last_used_at`` is exact to that period)."""
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute(
        "UPDATE api_key SET last_used_at = CASE WHEN revoked_at IS NULL THEN now()"
        " ELSE last_used_at END WHERE key_id = %s"
        " RETURNING key_id, name, role, key_hash, revoked_at",
        (key_id,),
    )
    return await cur.fetchone()
