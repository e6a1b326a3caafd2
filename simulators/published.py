"""The plant as a run publishes it: its nodes under a naming, and each step renamed.

``PublishedPlant`` applies a :class:`simulators.naming.Naming` to a ``Plant``. It lists
what the address space holds (folders, numeric signals with their published name, unit and
EURange, text variables, lot variables), in the order the publisher writes them, and turns
the model's per-step output into what is published: the measured vector (signals left out,
units converted), text values (labels), events and lot records (names). Under the native
naming every vector passes through as it is, without a copy.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from simulators.naming import NATIVE, Naming
from simulators.plant.base import AnalogSpec, TextSpec
from simulators.plant.events import PlantEvent
from simulators.plant.line import STAGES
from simulators.plant.lots import Lot
from simulators.plant.plant import Plant
from simulators.tags import LOT_STAGE, LOTS_FOLDER, lot_variable_path

__all__ = ["Folder", "PublishedPlant", "PublishedSignal", "PublishedText", "browse_path"]

LOT_DESCRIPTION = (
    "Last finished lot as JSON: lot_id, kind, stage, equipment, parents, start_s, end_s, "
    "mass_in_kg, mass_out_kg, scrap_kg, parts, properties"
)


def browse_path(node_id: str) -> str:
    """The browse path under Objects (``Line1/Sintering/Furnace1``) of a node id."""
    return node_id.replace(".", "/")


@dataclass(frozen=True)
class Folder:
    """An object node: ``parent`` is the node id above it, None for the Objects folder."""

    path: str
    parent: str | None
    description: str


@dataclass(frozen=True)
class PublishedSignal:
    """A numeric signal as published: ``value = model value · scale + offset``."""

    path: str
    equipment: str
    spec: AnalogSpec
    column: int  # index in the model's signal vector (``plant.signals``)
    scale: float = 1.0
    offset: float = 0.0


@dataclass(frozen=True)
class PublishedText:
    """A text or Boolean variable as published; ``variable`` is the model's name."""

    path: str
    equipment: str
    spec: TextSpec
    variable: str


class PublishedPlant:
    """The published view of ``plant`` under ``naming``."""

    def __init__(self, plant: Plant, naming: Naming = NATIVE) -> None:
        self.naming = naming
        node = naming.node
        self.signals = [
            _signal(naming, i, s.path, s.equipment, s.spec)
            for i, s in enumerate(plant.signals)
            if naming.published(s.equipment, s.spec.name)
        ]
        # every text variable is published, in the order of plant.texts
        self.texts = [_text(naming, t.path, t.equipment, t.spec) for t in plant.texts]
        self._lot_paths = {
            (line.name, kind): node(lot_variable_path(line.name, kind))
            for line in plant.lines
            for kind in LOT_STAGE
        }
        self.lot_paths = sorted(set(self._lot_paths.values()))
        self.folders = _folders(plant, naming)
        columns = np.array([s.column for s in self.signals], dtype=int)
        self._columns = None if np.array_equal(columns, np.arange(len(plant.signals))) else columns
        self._scale = np.array([s.scale for s in self.signals])
        self._offset = np.array([s.offset for s in self.signals])
        self._converts = bool(np.any(self._scale != 1.0) or np.any(self._offset != 0.0))

    @property
    def signal_paths(self) -> list[str]:
        """Node ids of the numeric signals, in the order of the published vectors."""
        return [s.path for s in self.signals]

    @property
    def lot_variables(self) -> list[PublishedText]:
        """The string variables that publish finished lots, one per line and stage."""
        spec = TextSpec(self.naming.lot_variable, LOT_DESCRIPTION)
        return [PublishedText(p, p.rsplit(".", 1)[0], spec, spec.name) for p in self.lot_paths]

    def columns(self, array: np.ndarray) -> np.ndarray:
        """The published signals' entries of a per-signal model array (status, written)."""
        return array if self._columns is None else array[self._columns]

    def values(self, measured: np.ndarray) -> np.ndarray:
        """Published values of a measured model vector (left out, converted)."""
        values = self.columns(measured)
        return values * self._scale + self._offset if self._converts else values

    def text(self, index: int, value: str | bool) -> str | bool:
        """Published value of text variable ``index`` (of ``plant.texts``)."""
        return self.naming.label(self.texts[index].variable, value)

    def lot_path(self, line: str, kind: str) -> str:
        """Node id of the variable that publishes ``line``'s lots of ``kind``."""
        return self._lot_paths[(line, kind)]

    def lot_record(self, lot: Lot) -> dict:
        """The record a recorder sees of a finished lot, under this naming."""
        return self.naming.lot_record(lot.published())

    def event(self, event: PlantEvent) -> PlantEvent:
        """A plant event as published."""
        return self.naming.event(event)


def _signal(naming: Naming, column: int, path: str, equipment: str, spec: AnalogSpec):
    """A model signal as published: name, unit and EURange, and the value conversion."""
    unit, scale, offset = naming.unit(equipment, spec.name, spec.unit)
    node = naming.node(path)
    low, high = spec.low * scale + offset, spec.high * scale + offset
    spec = replace(spec, name=node.rsplit(".", 1)[-1], unit=unit, low=low, high=high)
    return PublishedSignal(node, naming.node(equipment), spec, column, scale, offset)


def _text(naming: Naming, path: str, equipment: str, spec: TextSpec) -> PublishedText:
    """A text variable as published: its name, and the labels its description lists."""
    published = spec
    what, sep, listed = spec.description.partition(": ")
    if sep and spec.name in naming.labels:
        labels = (str(naming.label(spec.name, v)) for v in listed.split(", "))
        published = replace(spec, description=f"{what}: {', '.join(labels)}")
    node = naming.node(path)
    published = replace(published, name=node.rsplit(".", 1)[-1])
    return PublishedText(node, naming.node(equipment), published, spec.name)


def _folders(plant: Plant, naming: Naming) -> list[Folder]:
    """Objects from the root down: root folders, lines, stages with their lots, equipment."""
    node = naming.node
    folders, parent = [], None
    for depth in range(len(naming.root)):
        path = ".".join(naming.root[: depth + 1])
        folders.append(Folder(path, parent, "The plant"))
        parent = path
    for line in plant.lines:
        line_path = node(line.name)
        line_name = line_path.rsplit(".", 1)[-1]
        folders.append(Folder(line_path, parent, f"Production line {line_name}"))
        for stage in STAGES:
            stage_path = node(f"{line.name}.{stage}")
            name = stage_path.rsplit(".", 1)[-1]
            folders.append(Folder(stage_path, line_path, f"{name} stage"))
            lots = node(f"{line.name}.{stage}.{LOTS_FOLDER}")
            folders.append(Folder(lots, stage_path, "Finished lots of this stage"))
    for eq in plant.equipment:
        path = node(eq.path)
        folders.append(Folder(path, path.rsplit(".", 1)[0], f"{eq.KIND} {path}"))
    return folders
