"""Fixtures shared by the whole suite: the real database, free ports.

The README test command starts the embedded TimescaleDB (or uses ``MAGNETLINE_DSN``);
``resolve_dsn`` starts it here too when pytest is run directly. Each test that needs the
database gets a database of its own, made from ``template1`` (which carries the
extension) and migrated, and dropped afterwards.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from ingest.embedded_db import free_port as free_tcp_port  # noqa: F401 (tests import it from here)
from ingest.embedded_db import resolve_dsn
from ingest.migrate import apply_migrations


@pytest.fixture(scope="session")
def server_dsn() -> str:
    """DSN of the database server the suite runs against (started if it is ours)."""
    return resolve_dsn()


def _create_database(server_dsn: str) -> tuple[str, str]:
    name = f"magnetline_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    params = conninfo_to_dict(server_dsn)
    params["dbname"] = name
    return name, make_conninfo(**params)


def _drop_database(server_dsn: str, name: str) -> None:
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


@pytest.fixture
def db_dsn(server_dsn: str) -> Iterator[str]:
    """A fresh, migrated database for one test."""
    name, dsn = _create_database(server_dsn)
    apply_migrations(dsn)
    yield dsn
    _drop_database(server_dsn, name)


@pytest.fixture(scope="module")
def module_db_dsn(server_dsn: str) -> Iterator[str]:
    """A fresh, migrated database shared by the tests of one module."""
    name, dsn = _create_database(server_dsn)
    apply_migrations(dsn)
    yield dsn
    _drop_database(server_dsn, name)
