"""docker-compose.yml is valid and every command it runs exists in the project.

There is no Docker engine here, so Debian's docker-compose validates the file (it needs no
engine for `config`), and each service's command is run with --help to prove it exists.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"


def _services() -> dict[str, dict]:
    return yaml.safe_load(COMPOSE.read_text())["services"]


def test_compose_file_is_valid() -> None:
    """`docker-compose config` accepts the file."""
    result = subprocess.run(
        ["docker-compose", "-f", str(COMPOSE), "config", "-q"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_compose_runs_the_official_timescaledb_image_with_healthchecks() -> None:
    """The database is the official TimescaleDB image and every service has a healthcheck."""
    services = _services()
    assert services["timescaledb"]["image"].startswith("timescale/timescaledb:")
    assert set(services) == {"timescaledb", "simulator", "ingest", "api"}
    assert all("healthcheck" in service for service in services.values())


@pytest.mark.parametrize("service", ["simulator", "ingest", "api"])
def test_compose_commands_exist_in_the_project(service: str) -> None:
    """Each service's `python -m PACKAGE [SUBCOMMAND]` answers --help in this checkout."""
    command = _services()[service]["command"]
    assert command[:2] == ["python", "-m"]
    package = command[2]
    subcommand = [arg for arg in command[3:4] if not arg.startswith("-")]
    assert (ROOT / package / "__main__.py").exists()
    result = subprocess.run(
        [sys.executable, "-m", package, *subcommand, "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    for option in (arg for arg in command[3:] if arg.startswith("--")):
        assert option in result.stdout, f"{service}: {option} is not an option of {command[2:4]}"
