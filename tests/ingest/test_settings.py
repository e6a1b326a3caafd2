"""Settings: a broken config file gives one clear line per mistake, naming key and file."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from ingest import settings
from ingest.errors import ConfigError
from ingest.service import run_service


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "ingest.toml"
    path.write_text(text)
    return path


def test_valid_file_loads(tmp_path: Path) -> None:
    """A minimal file with one endpoint loads with defaults for the rest."""
    path = _write(tmp_path, '[[endpoint]]\nurl = "opc.tcp://127.0.0.1:4840/"\n')
    loaded = settings.load(path)
    assert loaded.endpoint[0].url == "opc.tcp://127.0.0.1:4840/"
    assert loaded.writer.batch_size == 5000


def test_each_mistake_is_one_line_with_key_and_file(tmp_path: Path) -> None:
    """An unknown key, a bad URL and a negative batch size are three lines naming their keys."""
    path = _write(
        tmp_path,
        '[[endpoint]]\nurl = "http://plant"\ncolour = "red"\n[writer]\nbatch_size = -1\n',
    )
    with pytest.raises(ConfigError) as caught:
        settings.load(path)
    lines = str(caught.value).splitlines()
    assert len(lines) == 3
    assert all(line.startswith(f"{path}: ") for line in lines)
    joined = "\n".join(lines)
    assert "endpoint.0.url" in joined and "opc.tcp://" in joined
    assert "endpoint.0.colour: unknown key" in joined
    assert "writer.batch_size" in joined


def test_missing_and_malformed_files(tmp_path: Path) -> None:
    """A missing file and a file that is not TOML are named in the error."""
    with pytest.raises(ConfigError, match="no such config file"):
        settings.load(tmp_path / "absent.toml")
    with pytest.raises(ConfigError, match="not valid TOML"):
        settings.load(_write(tmp_path, "[[endpoint]\nurl ="))


def test_no_endpoint_is_an_error(tmp_path: Path) -> None:
    """A config that records nothing is refused."""
    with pytest.raises(ConfigError, match="endpoint"):
        settings.load(_write(tmp_path, "[writer]\nbatch_size = 10\n"))


def test_the_example_config_loads() -> None:
    """config/ingest.example.toml, which operators copy, is valid as shipped."""
    example = Path(__file__).resolve().parents[2] / "config" / "ingest.example.toml"
    loaded = settings.load(example)
    assert loaded.endpoint[0].name == "line-1"
    assert loaded.subscription.queue_size == 1000


def test_files_that_are_not_config_are_one_line(tmp_path: Path) -> None:
    """A binary file and a folder are refused with one line naming them, no traceback."""
    binary = tmp_path / "ingest.toml"
    binary.write_bytes(b"\xff\xfe\x00\x81 not text")
    with pytest.raises(ConfigError, match="not a text file"):
        settings.load(binary)
    with pytest.raises(ConfigError, match="a folder, not a config file"):
        settings.load(tmp_path)


def test_duplicate_endpoint_names_are_refused(tmp_path: Path) -> None:
    config = tmp_path / "ingest.toml"
    config.write_text(
        '[[endpoint]]\nurl = "opc.tcp://a:4840/"\nname = "line"\n'
        '[[endpoint]]\nurl = "opc.tcp://b:4840/"\nname = "line"\n'
    )
    with pytest.raises(ConfigError, match="'line' is named twice"):
        settings.load(config)


def test_command_line_overrides_merge_key_by_key(tmp_path: Path) -> None:
    """--spool-dir replaces the file's spool_dir and keeps the rest of its [writer] table."""
    config = tmp_path / "ingest.toml"
    config.write_text('[writer]\nbatch_size = 777\n[[endpoint]]\nurl = "opc.tcp://a:4840/"\n')
    loaded = settings.load(config, {"writer": {"spool_dir": tmp_path / "spool"}})
    assert loaded.writer.batch_size == 777
    assert loaded.writer.spool_dir == tmp_path / "spool"


async def test_a_spool_folder_that_cannot_be_made_is_one_line(tmp_path: Path) -> None:
    """A spool_dir where a file stands is refused before anything starts."""
    occupied = tmp_path / "spool"
    occupied.write_text("a file, not a folder")
    loaded = settings.load(
        _write(
            tmp_path, f'[writer]\nspool_dir = "{occupied}"\n[[endpoint]]\nurl = "opc.tcp://a:1/"\n'
        )
    )
    with pytest.raises(ConfigError, match="cannot keep the spool there"):
        await run_service(loaded, "postgresql://nobody@127.0.0.1:1/none", asyncio.Event())


def test_the_forecasts_tag_map_is_checked_at_load(tmp_path: Path) -> None:
    """A tag map that is neither shipped nor a file is one line naming the key."""
    endpoint = '[[endpoint]]\nurl = "opc.tcp://127.0.0.1:4840/"\n'
    good = settings.load(_write(tmp_path, endpoint + '[forecast]\ntag_map = "foreign"\n'))
    assert good.forecast.tag_map == "foreign"
    with pytest.raises(ConfigError) as caught:
        settings.load(_write(tmp_path, endpoint + '[forecast]\ntag_map = "plant-b"\n'))
    message = str(caught.value)
    assert "\n" not in message and "forecast.tag_map" in message and "plant-b" in message
