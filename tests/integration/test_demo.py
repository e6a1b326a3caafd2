"""The README's main job (scripts/demo.py) calls the project's command lines as they are."""

from __future__ import annotations

import importlib.util
import os
from types import ModuleType

import psycopg

from runtime.processes import ROOT


def _demo() -> ModuleType:
    spec = importlib.util.spec_from_file_location("demo", ROOT / "scripts" / "demo.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_demo_makes_its_key_with_the_keys_command(db_dsn: str) -> None:
    """create_key runs `python -m api keys create`: an operator key, stored as a hash."""
    key = _demo().create_key({**os.environ, "MAGNETLINE_DSN": db_dsn})
    assert key["role"] == "operator" and key["key"].startswith(f"mlk_{key['key_id']}_")
    with psycopg.connect(db_dsn) as conn:
        (stored,) = conn.execute("SELECT key_hash FROM api_key").fetchone()
    assert key["key"] not in stored
