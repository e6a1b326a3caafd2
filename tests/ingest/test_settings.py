"""Settings: a broken config file gives one clear line per mistake, naming key and file."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest import settings
from ingest.errors import ConfigError


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
