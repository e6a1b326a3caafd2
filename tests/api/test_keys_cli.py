"""``python -m api keys``: a created key works against the API, is listed without its
secret or hash, and is refused once revoked."""

from __future__ import annotations

import json

import psycopg
import pytest
from fastapi.testclient import TestClient

from api import create_app
from api.cli import main
from api.settings import ApiSettings
from tests.api.conftest import bearer


def _keys(capsys: pytest.CaptureFixture[str], dsn: str, *args: str) -> tuple[int, str]:
    status = main(["--log-level", "WARNING", "keys", "--dsn", dsn, *args])
    return status, capsys.readouterr().out


def test_created_key_works_until_revoked(db_dsn: str, capsys: pytest.CaptureFixture[str]) -> None:
    """create prints the key once; list shows it without secret; revoke refuses it."""
    status, out = _keys(capsys, db_dsn, "create", "--name", "mes", "--role", "viewer", "--json")
    created = json.loads(out)
    assert status == 0 and created["role"] == "viewer" and created["key"].startswith("mlk_")
    with psycopg.connect(db_dsn) as conn:
        (stored,) = conn.execute("SELECT key_hash FROM api_key").fetchone()
    assert created["key"] not in stored and created["key"].split("_")[-1] not in stored

    with TestClient(create_app(ApiSettings(key_cache_s=0), db_dsn)) as client:
        assert client.get("/api/v1/tags", headers=bearer(created["key"])).status_code == 200
        status, out = _keys(capsys, db_dsn, "list", "--json")
        (listed,) = json.loads(out)
        assert listed["key_id"] == created["key_id"] and listed["last_used_at"] is not None
        assert "key" not in listed and "key_hash" not in listed
        status, out = _keys(capsys, db_dsn, "revoke", created["key_id"])
        assert status == 0 and "revoked" in out
        assert client.get("/api/v1/tags", headers=bearer(created["key"])).status_code == 401


def test_text_output_and_errors(db_dsn: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Text create says the key is shown once; an unknown id to revoke is exit status 2."""
    status, out = _keys(capsys, db_dsn, "create", "--name", "ops", "--role", "admin")
    assert status == 0 and "not stored" in out and "mlk_" in out
    status, out = _keys(capsys, db_dsn, "list")
    assert status == 0 and "ops" in out and "admin" in out and "mlk_" not in out
    assert _keys(capsys, db_dsn, "revoke", "nosuchkey")[0] == 2
    with pytest.raises(SystemExit):
        main(["keys", "--dsn", db_dsn, "create", "--name", "x", "--role", "root"])
