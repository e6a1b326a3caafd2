"""The services refuse, in one line naming the version, an asyncua they were not built for."""

from __future__ import annotations

import tomllib
from importlib import metadata

import pytest

from ingest.cli import main as ingest_main
from runtime.pins import PATCHED_ASYNCUA_VERSIONS, AsyncuaVersionError, check_asyncua_version
from runtime.processes import ROOT
from simulators.cli import main as simulators_main


def test_the_installed_asyncua_is_the_pinned_one() -> None:
    """pyproject's pin and the patched version agree with what is installed."""
    assert check_asyncua_version() == metadata.version("asyncua")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert f"asyncua=={PATCHED_ASYNCUA_VERSIONS[-1]}" in project["dependencies"]


def test_another_version_is_one_clear_error() -> None:
    """The message names the installed version, the patched ones, and the fix."""
    with pytest.raises(AsyncuaVersionError) as caught:
        check_asyncua_version("2.2.0")
    message = str(caught.value)
    assert "asyncua 2.2.0 is installed" in message and "\n" not in message
    assert f"asyncua=={PATCHED_ASYNCUA_VERSIONS[-1]}" in message


@pytest.mark.parametrize(
    "command",
    [
        lambda: ingest_main(["check", "--endpoint", "opc.tcp://127.0.0.1:1/"]),
        lambda: simulators_main(["serve", "--port", "1"]),
    ],
    ids=["ingest", "simulators"],
)
def test_services_stop_at_start_up(command, monkeypatch, capsys) -> None:
    """With another asyncua the recorder and the simulator exit 2 with that one line."""
    monkeypatch.setattr(metadata, "version", lambda name: "9.9.9")
    assert command() == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: asyncua 9.9.9 is installed")
