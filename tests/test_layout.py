"""The parts import each other in the directions design.md draws, and all reach the image.

Every module's imports are read with ``ast`` (static imports only: the project uses no
dynamic ones, and this test would not see them). Lazy imports inside functions count.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PARTS = ("runtime", "store", "simulators", "ingest", "api", "twin")
FORBIDDEN = {
    "twin": {"store", "ingest", "api", "simulators", "runtime", "psycopg", "psycopg_pool"},
    "store": {"ingest", "api", "simulators", "twin"},
    "simulators": {"store", "ingest", "api", "twin"},
    "ingest": {"api"},
    "runtime": {"store", "ingest", "api", "simulators", "twin"},
}
# Imports a part may make although its direction forbids them, each with its reason; none
# today (the twin's database reader went when the twin began reading recorded lines).
KNOWN_EXCEPTIONS: set[tuple[str, str]] = set()


def imported_modules(path: Path) -> set[str]:
    """Top-level names of every absolute import in the module at ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
        elif isinstance(node, ast.Call) and getattr(node.func, "id", None) == "__import__":
            raise AssertionError(f"{path}: __import__ hides an import from this test")
    return names


def violations(part: str) -> list[tuple[str, str]]:
    found = []
    for path in sorted((ROOT / part).rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        for name in sorted(imported_modules(path) & FORBIDDEN[part]):
            if (relative, name) not in KNOWN_EXCEPTIONS:
                found.append((relative, name))
    return found


@pytest.mark.parametrize("part", sorted(FORBIDDEN))
def test_imports_follow_the_parts_directions(part: str) -> None:
    """No module of ``part`` imports a part it must not know."""
    assert violations(part) == []


def test_known_exceptions_are_still_needed() -> None:
    """Each listed exception still exists, so the list shrinks when the code does."""
    for relative, name in KNOWN_EXCEPTIONS:
        assert name in imported_modules(ROOT / relative), f"{relative} no longer imports {name}"


def test_the_check_sees_a_forbidden_import(tmp_path: Path) -> None:
    """The parser finds imports at module level, in functions, and dotted ones."""
    module = tmp_path / "m.py"
    module.write_text("import ingest.opcua\ndef f():\n    from api.keys import Role\n")
    assert {"ingest", "api"} <= imported_modules(module)


def test_every_top_level_package_reaches_the_image() -> None:
    """The Dockerfile copies every package of the project, and pyproject installs it."""
    packages = {p.parent.name for p in ROOT.glob("*/__init__.py")} - {"tests"}
    assert packages == set(PARTS)
    copied = set(re.findall(r"^COPY (\w+) \./\1$", (ROOT / "Dockerfile").read_text(), re.M))
    assert copied == packages
    included = re.search(r"include = \[(.*)\]", (ROOT / "pyproject.toml").read_text())
    assert included is not None
    assert set(re.findall(r'"(\w+)\*"', included.group(1))) == packages
