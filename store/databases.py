"""Throwaway databases on a server: made, migrated, dropped (tests and benchmarks).

New databases are made from ``template1``, which carries the TimescaleDB extension on the
embedded cluster and on the official image.
"""

from __future__ import annotations

import time
import uuid

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from store.migrate import apply_migrations

__all__ = ["create_database", "drop_database"]


def create_database(
    server_dsn: str, prefix: str = "magnetline_scratch", migrate: bool = True
) -> tuple[str, str]:
    """A new database on the server of ``server_dsn``, migrated unless told not to:
    (name, its DSN)."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    params = conninfo_to_dict(server_dsn)
    params["dbname"] = name
    dsn = make_conninfo(**params)
    if migrate:
        apply_migrations(dsn)
    return name, dsn


def drop_database(server_dsn: str, name: str) -> None:
    """Drop database ``name`` even while clients are still connected."""
    # TimescaleDB's per-database job scheduler (a superuser background worker) can be
    # connected for a moment after a test; FORCE may not end it as our role, so retry.
    for attempt in range(20):
        try:
            with psycopg.connect(server_dsn, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            return
        except (psycopg.errors.InsufficientPrivilege, psycopg.errors.ObjectInUse):
            if attempt == 19:
                raise
            time.sleep(0.5)
