"""Versioned SQL migrations, applied at start-up and recorded in the database.

Migrations are the files ``store/migrations/NNN_name.sql``, applied in order of NNN, each
in its own transaction, under an advisory lock so that the collector and the API starting
together do not race. Applied versions are recorded in ``schema_migration``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from importlib import resources

import psycopg

from store.errors import DatabaseSetupError

__all__ = ["Migration", "apply_migrations", "available_migrations"]

logger = logging.getLogger(__name__)

# Any constant shared by every process of this project; pg_advisory_lock takes a bigint.
_MIGRATION_LOCK_KEY = 0x6D61676E6574


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def available_migrations() -> list[Migration]:
    folder = resources.files("store") / "migrations"
    migrations = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            number, _, rest = entry.name.partition("_")
            migrations.append(Migration(int(number), rest.removesuffix(".sql"), entry.read_text()))
    return sorted(migrations, key=lambda migration: migration.version)


def apply_migrations(dsn: str) -> list[int]:
    """Apply every migration not yet recorded; return the versions applied now."""
    try:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute("SELECT pg_advisory_lock(%s)", (_MIGRATION_LOCK_KEY,))
            try:
                return _apply_pending(conn)
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s)", (_MIGRATION_LOCK_KEY,))
    except psycopg.Error as exc:
        raise DatabaseSetupError(f"cannot migrate the database: {exc}") from exc


def _apply_pending(conn: psycopg.Connection) -> list[int]:
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migration ("
        " version integer PRIMARY KEY, name text NOT NULL,"
        " applied_at timestamptz NOT NULL DEFAULT now())"
    )
    done = {row[0] for row in conn.execute("SELECT version FROM schema_migration")}
    applied = []
    for migration in available_migrations():
        if migration.version in done:
            continue
        with conn.transaction():
            conn.execute(migration.sql)
            conn.execute(
                "INSERT INTO schema_migration (version, name) VALUES (%s, %s)",
                (migration.version, migration.name),
            )
        logger.info("applied migration %03d %s", migration.version, migration.name)
        applied.append(migration.version)
    return applied
