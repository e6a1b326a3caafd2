"""The tag map: which recorded tags are which of the twin's signals (format in TAG_MAP.md).

A plant names its tags, states and lots in its own way; calibration reads the twin's
names (:mod:`twin.calibration.needs`). A tag map is a TOML file that says which is which:
``[[signal]]`` and ``[[text]]`` rules from recorded paths to twin names, with ``{n}``
captures and ``*`` globs, units to convert from, and tables of state labels, phase labels
and lot kinds. :func:`load_tag_map` reads and checks one (a :class:`TagMapError` of one
line naming the file and the key), :func:`get_tag_map` finds a shipped one by name
(``simulator``: the simulator's own names) or a file; :mod:`twin.calibration.mapping`
applies it to a recorded line.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from types import MappingProxyType
from typing import NamedTuple

from twin.calibration.needs import LOT_KINDS, NEEDS, PHASES, STATES
from twin.calibration.units import UnitError, canonical_unit
from twin.errors import TwinError

__all__ = [
    "DEFAULT_TAG_MAP",
    "FORMAT",
    "Rule",
    "TagMap",
    "TagMapError",
    "get_tag_map",
    "load_tag_map",
    "shipped_tag_maps",
]

FORMAT = "magnetline-tag-map/1"
DEFAULT_TAG_MAP = "simulator"
_MAPS = files("twin.calibration") / "maps"
_TOP = ("format", "name", "description", "signal", "text", "states", "phases", "lot_kinds")
_RULE_KEYS = {
    "signal": ("path", "twin", "unit", "recorded_unit"),
    "text": ("path", "twin", "labels"),
}
_TOKEN = re.compile(r"(\{[^{}]*\}|\*\*|\*)")
_PLACEHOLDER = re.compile(r"\{([A-Za-z_]\w*)(\*\*)?\}")


class TagMapError(TwinError, ValueError):
    """A tag map that cannot be read or applied; the one-line message names file and key."""


class _Invalid(Exception):
    """A problem at one key of the map; :func:`load_tag_map` adds the file."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}")


class Rule(NamedTuple):
    """One ``[[signal]]`` or ``[[text]]`` entry: recorded paths → a twin name."""

    key: str
    path: str
    twin: str
    regex: re.Pattern[str]
    unit: str | None = None
    recorded_unit: str | None = None
    labels: MappingProxyType | None = None

    def twin_name(self, path: str) -> str | None:
        """The twin's name for the recorded ``path``; None when the rule does not match."""
        match = self.regex.fullmatch(path)
        if match is None:
            return None
        captured = {k: v.replace("/", ".") for k, v in match.groupdict().items()}
        return _PLACEHOLDER.sub(lambda m: captured[m.group(1)], self.twin)


@dataclass(frozen=True)
class TagMap:
    """A checked tag map; ``source`` is its file or shipped name."""

    source: str
    signals: tuple[Rule, ...]
    texts: tuple[Rule, ...]
    states: MappingProxyType
    phases: MappingProxyType
    lot_kinds: MappingProxyType

    def labels_for(self, rule: Rule, twin: str) -> MappingProxyType:
        """How the values of a text variable translate: its rule's own ``labels``, else
        the ``[states]`` of a ``State`` and the ``[phases]`` of a ``Phase``."""
        if rule.labels is not None:
            return rule.labels
        last = twin.rsplit(".", 1)[-1]
        return {"State": self.states, "Phase": self.phases}.get(last, MappingProxyType({}))


def shipped_tag_maps() -> list[str]:
    """Names of the tag maps that ship with the twin."""
    return sorted(p.name.removesuffix(".toml") for p in _MAPS.iterdir() if p.name.endswith(".toml"))


def get_tag_map(name_or_path: str | Path) -> TagMap:
    """A shipped tag map by name (:func:`shipped_tag_maps`) or one read from a file."""
    if str(name_or_path) in shipped_tag_maps():
        return load_tag_map(_MAPS / f"{name_or_path}.toml", str(name_or_path))
    path = Path(name_or_path)
    if path.suffix != ".toml" and not path.exists():
        raise TagMapError(
            f"no tag map {str(name_or_path)!r}: give a .toml file or one of "
            f"{', '.join(shipped_tag_maps())}"
        )
    return load_tag_map(path)


def load_tag_map(path, source: str | None = None) -> TagMap:
    """Read and check the tag map in ``path``; :class:`TagMapError` if it is not one."""
    source = source or str(path)
    path = Path(path) if isinstance(path, str) else path
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TagMapError(f"{source}: no such tag map file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise TagMapError(f"{source}: cannot read it ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise TagMapError(f"{source}: not TOML ({exc})") from None
    try:
        return _parse(raw, source)
    except _Invalid as exc:
        raise TagMapError(f"{source}: {exc}") from None


def _parse(raw: dict, source: str) -> TagMap:
    _known_keys(raw, _TOP, "the map")
    if raw.get("format", FORMAT) != FORMAT:
        raise _Invalid("format", f"{raw['format']!r}, this twin reads {FORMAT!r}")
    return TagMap(
        source,
        _rules(raw, "signal"),
        _rules(raw, "text"),
        _labels(raw.get("states", {}), "states", STATES),
        _labels(raw.get("phases", {}), "phases", PHASES),
        _labels(raw.get("lot_kinds", {}), "lot_kinds", LOT_KINDS),
    )


def _known_keys(table: dict, known: tuple[str, ...], where: str) -> None:
    for key in table:
        if key not in known:
            raise _Invalid(key if where == "the map" else f"{where}.{key}",
                           f"unknown key (known: {', '.join(known)})")  # fmt: skip


def _rules(raw: dict, kind: str) -> tuple[Rule, ...]:
    entries = raw.get(kind, [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise _Invalid(kind, f"must be [[{kind}]] tables")
    return tuple(_rule(entry, f"{kind}[{i}]", kind) for i, entry in enumerate(entries, 1))


def _rule(entry: dict, key: str, kind: str) -> Rule:
    _known_keys(entry, _RULE_KEYS[kind], key)
    for name in ("path", "twin"):
        if name not in entry:
            raise _Invalid(key, f'missing {name} = "..."')
    path, twin = (_text(entry, name, key) for name in ("path", "twin"))
    regex, captured = _pattern(path, f"{key}.path")
    _check_twin(twin, captured, f"{key}.twin", path)
    if kind == "text":
        labels = entry.get("labels")
        allowed = {"State": STATES, "Phase": PHASES}.get(twin.rsplit(".", 1)[-1])
        table = None if labels is None else _labels(labels, f"{key}.labels", allowed)
        return Rule(key, path, twin, regex, labels=table)
    unit = _unit(entry, "unit", key)
    needed = _needed_unit(twin)
    if unit is not None and needed is not None and canonical_unit(unit) != canonical_unit(needed):
        raise _Invalid(
            f"{key}.unit",
            f"the twin reads {twin} in {needed}, not {unit} (the plant's unit comes with "
            "the readings or goes in recorded_unit)",
        )
    return Rule(key, path, twin, regex, unit or needed, _unit(entry, "recorded_unit", key))


def _text(entry: dict, name: str, key: str) -> str:
    value = entry[name]
    if not isinstance(value, str) or not value.strip():
        raise _Invalid(f"{key}.{name}", "must be a non-empty string")
    return value


def _unit(entry: dict, name: str, key: str) -> str | None:
    if name not in entry:
        return None
    try:
        canonical_unit(_text(entry, name, key))
    except UnitError as exc:
        raise _Invalid(f"{key}.{name}", str(exc)) from None
    return entry[name]


def _pattern(path: str, key: str) -> tuple[re.Pattern[str], set[str]]:
    """The regex of a recorded path pattern and the names it captures.

    ``{n}`` captures within one path element, ``{n**}`` one or more whole elements, ``*``
    matches within one element, ``**`` across elements; a name used twice must match the
    same text twice.
    """
    parts, captured = [], set()
    for token in _TOKEN.split(path):
        if token in ("*", "**"):
            parts.append("[^/]*" if token == "*" else ".*")
        elif token.startswith("{"):
            match = _PLACEHOLDER.fullmatch(token)
            if match is None:
                raise _Invalid(key, f"bad placeholder {token} (write {{name}} or {{name**}})")
            name, deep = match.groups()
            parts.append(
                f"(?P={name})" if name in captured else f"(?P<{name}>{'.+' if deep else '[^/]+'})"
            )
            captured.add(name)
        elif "{" in token or "}" in token:
            raise _Invalid(key, f"unbalanced brace in {path!r}")
        else:
            parts.append(re.escape(token))
    return re.compile("".join(parts)), captured


def _check_twin(twin: str, captured: set[str], key: str, path: str) -> None:
    if any(c in twin for c in "/*") or twin.startswith(".") or twin.endswith("."):
        raise _Invalid(key, f"{twin!r} is not a twin name (dotted, no '/' or '*')")
    for token in _TOKEN.split(twin):
        if token.startswith("{"):
            match = _PLACEHOLDER.fullmatch(token)
            if match is None or match.group(2):
                raise _Invalid(key, f"bad placeholder {token} (write {{name}})")
            if match.group(1) not in captured:
                raise _Invalid(key, f"{token} is not captured by path {path!r}")
        elif "{" in token or "}" in token:
            raise _Invalid(key, f"unbalanced brace in {twin!r}")


def _needed_unit(twin: str) -> str | None:
    """The unit the twin reads a signal in, for a twin name with placeholders."""
    example = _PLACEHOLDER.sub("1", twin)
    return next(
        (n.unit for n in NEEDS if n.kind == "signal" and re.search(n.pattern, example)), None
    )


def _labels(table, key: str, allowed: tuple[str, ...] | None) -> MappingProxyType:
    """A table of plant label = twin label, each twin label one of ``allowed``."""
    if not isinstance(table, dict):
        raise _Invalid(key, 'must be a table of "plant label" = "twin label"')
    for label, value in table.items():
        if not isinstance(value, str):
            raise _Invalid(f"{key}.{label}", "must be a string")
        if allowed is not None and value not in allowed:
            raise _Invalid(f"{key}.{label}", f"{value!r} is none of {', '.join(allowed)}")
    return MappingProxyType(dict(table))
