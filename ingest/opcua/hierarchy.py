"""Where a signal sits in the plant: its stage, equipment and name, read from its browse path.

The rule, for users in ingest.settings: ``levels`` names the browse-path elements under
Objects from the top (default line, stage, equipment). A variable at least as deep as the
levels takes them in order, and the rest of its path is its name::

    Line1/Sintering/Furnace1/Zone1Temperature    stage Sintering, equipment Furnace1
    Line1/Sintering/Furnace1/Zone1/Temperature   ... name Zone1.Temperature

A shallower variable's parent takes the last level, and the elements above its parent the
levels from the top; its name is its own browse name::

    Boiler1/Temperature           equipment Boiler1, no stage
    PlantA/Boiler1/Temperature    (line PlantA,) equipment Boiler1, no stage

so that the object holding a signal is never taken for a stage because the tree is short.
Then the first ``assets`` entry whose glob matches the path sets stage and/or equipment.
The rule reads one path alone: a tag's place never changes because other nodes appear.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import NamedTuple

from ingest.settings import LEVELS, AssetSettings, EndpointSettings

__all__ = ["Hierarchy", "Place", "path_matches"]


class Place(NamedTuple):
    """A signal's stage and equipment (None where neither tree nor config says) and name."""

    stage: str | None
    equipment: str | None
    name: str


def path_matches(path: tuple[str, ...], patterns: Iterable[str]) -> bool:
    """Whether the browse path joined with ``/`` matches one of the shell globs; ``*``
    crosses ``/`` (``Line1/Sintering/*`` is the whole stage)."""
    joined = "/".join(path)
    return any(fnmatchcase(joined, pattern) for pattern in patterns)


@dataclass(frozen=True)
class Hierarchy:
    """An endpoint's reading of its tree: its levels and its assets by glob."""

    levels: tuple[str, ...] = LEVELS
    assets: tuple[AssetSettings, ...] = ()

    @classmethod
    def of(cls, endpoint: EndpointSettings) -> Hierarchy:
        return cls(tuple(endpoint.levels), tuple(endpoint.assets))

    def place(self, path: tuple[str, ...]) -> Place:
        """Stage, equipment and name of the variable at browse ``path`` (under Objects)."""
        named, name = _named_levels(self.levels, path)
        place = Place(named.get("stage"), named.get("equipment"), name)
        for asset in self.assets:
            if path_matches(path, [asset.path]):
                return Place(
                    _given(asset.stage, place.stage), _given(asset.equipment, place.equipment), name
                )
        return place


def _named_levels(levels: tuple[str, ...], path: tuple[str, ...]) -> tuple[dict[str, str], str]:
    """Each level's path element, and the name: what is left of the path."""
    containers = path[:-1]
    if len(containers) >= len(levels):
        return dict(zip(levels, containers, strict=False)), ".".join(path[len(levels) :])
    if not containers:
        return {}, path[-1]
    named = dict(zip(levels[:-1], containers[:-1], strict=False))
    named[levels[-1]] = containers[-1]
    return named, path[-1]


def _given(setting: str | None, from_tree: str | None) -> str | None:
    """The asset's value ("" for none), or the tree's where the asset leaves it out."""
    return from_tree if setting is None else setting or None
