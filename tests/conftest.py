"""Fixtures shared by the whole suite: the real database, a fresh database per test; and
the check that the suite leaves no process behind.

The README test command starts the embedded TimescaleDB (or uses ``MAGNETLINE_DSN``);
``resolve_dsn`` starts it here too when pytest is run directly. Each test that needs the
database gets a database of its own, made from ``template1`` (which carries the
extension) and migrated, and dropped afterwards.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from store.cluster import resolve_dsn
from store.databases import create_database, drop_database

LEFTOVER_GRACE_S = 10.0
SESSION_MARK = "MAGNETLINE_TEST_SESSION"


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


def pytest_sessionstart(session: pytest.Session) -> None:
    """Mark this run in the environment every process it starts inherits."""
    os.environ[SESSION_MARK] = uuid.uuid4().hex


def _leftover_processes() -> list[str]:
    """Processes of this user started under this pytest run (they inherit its mark) still
    alive, but for multiprocessing's resource tracker of this process, which ends when pytest
    does. (The embedded database, run by the postgres user, is meant to stay up.)"""
    mark = f"{SESSION_MARK}={os.environ[SESSION_MARK]}".encode()
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        try:
            if proc.stat().st_uid != os.getuid():
                continue
            environ = (proc / "environ").read_bytes()
            state, parent = (proc / "stat").read_text().rsplit(")", 1)[1].split()[:2]
            command = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:  # ended meanwhile, or not ours to read
            continue
        ours_until_exit = int(parent) == os.getpid() and "resource_tracker" in command
        if mark in environ.split(b"\0") and state != "Z" and not ours_until_exit:
            found.append(f"pid {proc.name}: {command[:160]}")
    return found


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """A green suite leaves no process behind: a server, worker or tracker it started and
    did not stop fails the run (after a grace period for processes still ending)."""
    deadline = time.monotonic() + LEFTOVER_GRACE_S
    while (leftovers := _leftover_processes()) and time.monotonic() < deadline:
        time.sleep(0.2)
    if leftovers:
        print("\nprocesses left behind by the suite:\n  " + "\n  ".join(leftovers))
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
