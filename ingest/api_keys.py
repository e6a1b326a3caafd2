"""API keys: their text form, how they are hashed, and the roles they carry.

A key reads ``mlk_<key id>_<secret>``: the id (12 hex digits) is stored in clear so that
a request's key is found by one primary-key lookup and logged without the secret; the
secret (32 random bytes, URL-safe base64) is stored only as its SHA-256. A slow password
hash (bcrypt, scrypt) protects guessable passwords; a secret of 256 random bits cannot be
guessed, so one fast hash is as safe and keeps checking a key in the microseconds.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from enum import StrEnum

__all__ = ["IssuedKey", "Role", "issue_key", "parse_key", "secret_hash", "secret_matches"]

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
