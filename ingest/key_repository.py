"""SQL for the ``api_key`` table: create, list, revoke, and look a key up for a request."""

from __future__ import annotations

from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import dict_row

from ingest.api_keys import issue_key

__all__ = ["create_key", "fetch_key_for_use", "list_keys", "revoke_key"]

_PUBLIC_COLUMNS = "key_id, name, role, created_at, revoked_at, last_used_at"


async def create_key(conn: AsyncConnection, name: str, role: str) -> tuple[dict, str]:
    """A new key: its public row (never the hash) and its text, which is not kept."""
    key = issue_key()
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute(
        "INSERT INTO api_key (key_id, name, role, key_hash) VALUES (%s, %s, %s, %s)"
        f" RETURNING {_PUBLIC_COLUMNS}",
        (key.key_id, name, role, key.key_hash),
    )
    return await cur.fetchone(), key.token


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
