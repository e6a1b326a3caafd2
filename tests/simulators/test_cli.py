"""Command-line errors: one clear line and exit status 2, never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "simulators", *args], capture_output=True,
                          text=True, timeout=60)  # fmt: skip


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["serve", "--profile", "bogus"], "unknown profile 'bogus'"),
        (["run", "--naming", "bogus"], "unknown naming 'bogus'; known: foreign, native"),
        (["serve", "--port", "70000"], "port must be 1-65535"),
        (["serve", "--fault", "melt:Line1.*:0:1"], "unknown fault kind 'melt'"),
        (["serve", "--fault", "drift:NoSuchTag:0:1"], "no numeric tag matches"),
        (["serve", "--user", "nopassword"], "expected NAME:PASSWORD"),
        (["serve", "--security", "Basic128"], "security must be"),
        (["serve", "--catch-up", "-1"], "catch_up_wall_s must be >= 0"),
        (["serve", "--speed", "1e9", "--catch-up", "1e9"], "more than ten years"),
        (["run", "--config", "/nonexistent.toml"], "cannot read config"),
    ],
)
def test_bad_arguments_give_one_error_line(args: list[str], message: str) -> None:
    """A bad flag is one ``error:`` line on stderr and exit status 2."""
    result = _run(*args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_config_file_names_the_key(tmp_path: Path) -> None:
    """Unknown keys and broken TOML are reported with what to fix."""
    bad_key = tmp_path / "bad.toml"
    bad_key.write_text('[simulator]\nseed = 1\ncolour = "red"\n')
    result = _run("run", "--config", str(bad_key))
    assert result.returncode == 2 and "[simulator]: unknown key(s) colour" in result.stderr
    broken = tmp_path / "broken.toml"
    broken.write_text("[simulator\n")
    result = _run("run", "--config", str(broken))
    assert result.returncode == 2 and "is not valid TOML" in result.stderr
    assert "Traceback" not in result.stderr


def test_offline_run_from_config_file(tmp_path: Path) -> None:
    """``run`` takes plant size, naming and faults (by the model's names) from a TOML file
    and writes its recorded line and ground truth."""
    config = tmp_path / "sim.toml"
    config.write_text(
        '[simulator]\nseed = 3\nprofile = "tolled"\nnaming = "foreign"\n[plant]\nfurnaces = 2\n'
        '[[faults]]\nkind = "stuck"\ntarget = "Line1.Sintering.Furnace1.*"\n'
        "start_s = 600\nduration_s = 600\n"
    )
    out = tmp_path / "out"
    result = _run("run", "--config", str(config), "--days", "0.5", "--out", str(out))
    assert result.returncode == 0, result.stderr
    line = ("line.json", "readings.parquet", "states.parquet", "lots.parquet", "events.parquet")
    for name in ("run.json", "lots.jsonl", "parts.csv", "faults.jsonl", *line):
        assert (out / name).is_file(), name
    assert '"phase": "start"' in (out / "faults.jsonl").read_text()
    header = json.loads((out / "line.json").read_text())
    assert header["source"] == "simulator run tolled seed 3, naming foreign"
