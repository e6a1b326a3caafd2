"""``python -m store``: the DSN in use, migrations applied once, bad input one error line."""

from __future__ import annotations

import psycopg
import pytest

from store.cli import main


def test_dsn_prints_the_database_in_use(db_dsn: str, monkeypatch, capsys) -> None:
    """With MAGNETLINE_DSN set, ``dsn`` prints it and nothing else."""
    monkeypatch.setenv("MAGNETLINE_DSN", db_dsn)
    assert main(["dsn"]) == 0
    assert capsys.readouterr().out == f"{db_dsn}\n"


def test_migrate_is_idempotent(db_dsn: str, monkeypatch, caplog) -> None:
    """A migrated database takes no migration again; the versions stay recorded once."""
    monkeypatch.setenv("MAGNETLINE_DSN", db_dsn)
    with caplog.at_level("INFO", logger="store"):
        assert main(["migrate"]) == 0
    assert "none (up to date)" in caplog.text
    with psycopg.connect(db_dsn) as conn:
        versions = [v for (v,) in conn.execute("SELECT version FROM schema_migration")]
    assert len(versions) == len(set(versions)) > 0


def test_an_unreachable_database_is_one_error_line(monkeypatch, capsys) -> None:
    """A database that is not there: exit status 2 and one ``error:`` line, no traceback."""
    monkeypatch.setenv("MAGNETLINE_DSN", "postgresql://nobody:x@127.0.0.1:1/none?connect_timeout=1")
    assert main(["migrate"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: cannot migrate the database")


def test_an_unknown_action_is_refused() -> None:
    """argparse refuses what is not start, stop, dsn or migrate."""
    with pytest.raises(SystemExit):
        main(["drop"])
