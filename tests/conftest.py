"""Fixtures shared by the whole suite: the real database, a fresh database per test.

The README test command starts the embedded TimescaleDB (or uses ``MAGNETLINE_DSN``);
``resolve_dsn`` starts it here too when pytest is run directly. Each test that needs the
database gets a database of its own, made from ``template1`` (which carries the
extension) and migrated, and dropped afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from store.cluster import resolve_dsn
from store.databases import create_database, drop_database


@pytest.fixture(scope="session")
def server_dsn() -> str:
    """DSN of the database server the suite runs against (started if it is ours)."""
    return resolve_dsn()


@pytest.fixture
def db_dsn(server_dsn: str) -> Iterator[str]:
    """A fresh, migrated database for one test."""
    name, dsn = create_database(server_dsn, "magnetline_test")
    yield dsn
    drop_database(server_dsn, name)


@pytest.fixture(scope="module")
def module_db_dsn(server_dsn: str) -> Iterator[str]:
    """A fresh, migrated database shared by the tests of one module."""
    name, dsn = create_database(server_dsn, "magnetline_test")
    yield dsn
    drop_database(server_dsn, name)
