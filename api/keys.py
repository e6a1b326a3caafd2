"""API keys: their text form, how they are hashed, the roles they carry, and making one.

A key reads ``mlk_<key id>_<secret>``: the id (12 hex digits) is stored in clear so that
a request's key is found by one primary-key lookup and logged without the secret; the
secret (32 random bytes, URL-safe base64) is stored only as its SHA-256. A slow password
hash (bcrypt, scrypt) protects guessable passwords; a secret of 256 random bits cannot be
guessed, so one fast hash is as safe and keeps checking a key in the microseconds.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from psycopg import AsyncConnection

from store import keys as key_table

__all__ = [
    "IssuedKey",
    "Role",
    "create_key",
    "create_key_at",
    "issue_key",
    "parse_key",
    "secret_hash",
    "secret_matches",
]

_PREFIX = "mlk_"
_KEY_PATTERN = re.compile(r"mlk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})")
_HASH_SCHEME = "sha256$"


class Role(StrEnum):
    """What a key may do; each role may also do everything of the roles before it."""

    viewer = "viewer"  # read recorded data and forecasts
    operator = "operator"  # also run the twin and store forecasts
    admin = "admin"  # also create, list and revoke keys

    def allows(self, needed: Role) -> bool:
        order = list(Role)
        return order.index(self) >= order.index(needed)


@dataclass(frozen=True)
class IssuedKey:
    """A new key: ``token`` is shown once to its owner; only ``key_hash`` is stored."""

    key_id: str
    token: str
    key_hash: str


def secret_hash(secret: str) -> str:
    return _HASH_SCHEME + hashlib.sha256(secret.encode()).hexdigest()


def issue_key() -> IssuedKey:
    """A fresh key id and secret."""
    key_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    return IssuedKey(key_id, f"{_PREFIX}{key_id}_{secret}", secret_hash(secret))


def parse_key(token: str) -> tuple[str, str] | None:
    """``(key id, secret)`` of a well-formed key, else None."""
    match = _KEY_PATTERN.fullmatch(token)
    return (match[1], match[2]) if match else None


def secret_matches(secret: str, key_hash: str) -> bool:
    """Whether ``secret`` hashes to ``key_hash``, compared in constant time."""
    return hmac.compare_digest(secret_hash(secret), key_hash)


async def create_key(conn: AsyncConnection, name: str, role: str) -> tuple[dict[str, Any], str]:
    """A new key stored for ``name`` with ``role``: its public row (never the hash) and its
    text, which is not kept."""
    key = issue_key()
    row = await key_table.insert_key(conn, key.key_id, name, role, key.key_hash)
    return row, key.token


def create_key_at(dsn: str, name: str, role: str) -> tuple[dict[str, Any], str]:
    """:func:`create_key` on a connection of its own to ``dsn`` (scripts, tests, benches)."""

    async def create() -> tuple[dict[str, Any], str]:
        async with await AsyncConnection.connect(dsn, autocommit=True) as conn:
            return await create_key(conn, name, role)

    return asyncio.run(create())
