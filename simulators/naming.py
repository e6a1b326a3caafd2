"""How the plant is named where it is published: the model's own names or a foreign plant's.

The model always runs under its own names (``Line1.Sintering.Furnace1.Zone1Temperature``).
A naming renames what a run publishes, live over OPC UA and in offline runs alike: browse
names (so node ids and paths), state and phase labels, lot kinds and the stage and
equipment a lot record names, the unit of some signals (their values converted), and it
may leave signals out. The plant underneath is the same: one seed gives the same numbers
under every naming. Ground truth (``simulators.groundtruth``: hidden parameters, lots with
their true properties, fault targets) keeps the model's names; the events it logs are the
published ones.

``native`` publishes the model's names. ``foreign`` is another plant's naming, for checking
that a recorder and the twin's tag maps cope with a plant that is not named like the model
(issue 16). Its table, model name → published name:

================================  ============================================
path (dotted node id; "/" in a    ``Line1.Sintering.Furnace1.Zone1Temperature``
recorded line)                    → ``Plant.L1.Sinter.Kiln1.TZ1``
root folder under Objects         (none) → ``Plant``
line ``Line<n>``                  ``L<n>``
stages (lots' ``stage`` too)      ``STAGES`` below (Alloy only in lot records)
equipment ``<stem><n>``           ``EQUIPMENT`` below, number kept
variables per equipment stem      ``VARIABLES`` below
lots folder / lot variable        ``Lots`` / ``LastLot`` → ``Batches`` / ``LastBatch``
state labels (``State``)          ``LABELS["State"]``
phase labels (``Phase``)          ``LABELS["Phase"]``
lot kinds (lot records)           ``LOT_KINDS``
units                             furnace and anneal temperatures and set points in
                                  kelvin (``K``, value + 273.15, EURange converted)
left out                          ``JetMill<n>.OxygenContent`` (the powder's oxygen)
================================  ============================================

Lot ids (``Line1-FL00001``: the model's line name stays in them), lot properties, event
kinds, Boolean values and every other unit are unchanged.
Names never contain ``.`` or ``/``, so a node id maps one to one to a browse path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import cached_property

from simulators.plant.events import PlantEvent
from simulators.tags import LOT_VARIABLE, LOTS_FOLDER

__all__ = ["FOREIGN", "NAMINGS", "NATIVE", "Naming", "get_naming"]

KELVIN_OFFSET = 273.15
CONVERSIONS = {("°C", "K"): (1.0, KELVIN_OFFSET)}
"""(model unit, published unit) → (scale, offset): published = model · scale + offset."""

_LINE = re.compile(r"^Line(\d+)$")
_NUMBERED = re.compile(r"^(\D+)(\d+)$")

# The foreign plant's names. -------------------------------------------------------------

STAGES = {"Separation": "SX", "Sintering": "Sinter", "Magnetization": "Mag", "Alloy": "Cast"}
EQUIPMENT = {
    "Bank": "Settler",
    "JetMill": "Mill",
    "Press": "Compactor",
    "Furnace": "Kiln",
    "Anneal": "Temper",
    "Magnetizer": "Pulser",
}
_TEXTS = {"State": "Status", "Phase": "Step", "LotId": "Batch"}
VARIABLES = {
    "Bank": {
        "FeedFlow": "AqueousFeed",
        "OrganicFlow": "SolventFlow",
        "OARatio": "PhaseRatio",
        "Acidity": "ScrubAcid",
        "Temperature": "MixerTemp",
        "ProductNdPurity": "NdOxidePurity",
        "ProductPrContent": "PrInProduct",
        "RaffinatePrPurity": "PrOxidePurity",
        "RaffinateNdContent": "NdInRaffinate",
        "FeedTankLevel": "FeedTank",
        "ProductTankLevel": "ProductTank",
        "OxideRate": "OxideOutput",
        "Energy": "kWhMeter",
        **_TEXTS,
    },
    "JetMill": {
        "FeedRate": "Throughput",
        "ParticleSize": "D50",
        "MotorPower": "DrivePower",
        "Energy": "kWhMeter",
        **_TEXTS,
    },
    "Press": {
        "AligningField": "OrientField",
        "GreenDensity": "GreenDens",
        "CompactionPressure": "Pressure",
        "PartCount": "Compacts",
        "Energy": "kWhMeter",
        **_TEXTS,
    },
    "Furnace": {
        "Zone1Temperature": "TZ1",
        "Zone2Temperature": "TZ2",
        "Zone3Temperature": "TZ3",
        "Setpoint": "TSP",
        "VacuumPressure": "ChamberVac",
        "HoldTime": "SoakTimer",
        "HeaterPower": "Heating",
        "Energy": "kWhMeter",
        **_TEXTS,
    },
    "Anneal": {
        "Temperature": "TWork",
        "Setpoint": "TSP",
        "HeaterPower": "Heating",
        "HoldTime": "StepTimer",
        "Energy": "kWhMeter",
        **_TEXTS,
    },
    "Magnetizer": {
        "CapacitorVoltage": "CapVolts",
        "PeakField": "PulseField",
        "PulseCount": "Pulses",
        "CoilTemperature": "CoilTemp",
        "PartBr": "Remanence",
        "Energy": "kWhMeter",
        "PartId": "Serial",
        "PartPass": "QCPass",
        **_TEXTS,
    },
}
LABELS = {
    "State": {"running": "RUN", "idle": "IDLE", "down": "STOP", "maintenance": "MAINT"},
    "Phase": {
        "waiting": "WAIT",
        "loading": "LOAD",
        "heat-up": "RAMP",
        "soak": "HOLD",
        "cool-down": "COOL",
        "unloading": "UNLOAD",
        "first-step": "STAGE1",
        "second-step": "STAGE2",
    },
}
LOT_KINDS = {"oxide": "REO", "alloy": "STRIP", "furnace_load": "CHARGE", "magnetized": "MAGNET"}
_KELVIN = {
    "Furnace": ("Zone1Temperature", "Zone2Temperature", "Zone3Temperature", "Setpoint"),
    "Anneal": ("Temperature", "Setpoint"),
}
UNITS = {(stem, name): "K" for stem, names in _KELVIN.items() for name in names}
OMITTED = frozenset({("JetMill", "OxygenContent")})


@dataclass(frozen=True)
class Naming:
    """A plant's names for the model's parts; an empty table keeps the model's names.

    Variables, units and omissions are keyed by equipment stem (``Furnace`` of
    ``Furnace3``) and the model's variable name.
    """

    name: str
    root: tuple[str, ...] = ()
    line_prefix: str = "Line"
    stages: dict[str, str] = field(default_factory=dict)
    equipment: dict[str, str] = field(default_factory=dict)
    variables: dict[str, dict[str, str]] = field(default_factory=dict)
    labels: dict[str, dict[str, str]] = field(default_factory=dict)
    lot_kinds: dict[str, str] = field(default_factory=dict)
    units: dict[tuple[str, str], str] = field(default_factory=dict)
    omitted: frozenset[tuple[str, str]] = frozenset()
    lots_folder: str = LOTS_FOLDER
    lot_variable: str = LOT_VARIABLE

    @cached_property
    def is_native(self) -> bool:
        """True when every published name is the model's own."""
        return self == replace(NATIVE, name=self.name)

    def node(self, path: str) -> str:
        """The published node id of a model path (line, stage, equipment or variable).

        A path outside the plant (``Server``) is returned as it is.
        """
        parts = path.split(".")
        line = _LINE.match(parts[0])
        if line is None or len(parts) > 4:
            return path
        out = [*self.root, f"{self.line_prefix}{line.group(1)}"]
        if len(parts) > 1:
            out.append(self.stages.get(parts[1], parts[1]))
        if len(parts) > 2 and parts[2] == LOTS_FOLDER:
            out.append(self.lots_folder)
            out.extend(self.lot_variable for _ in parts[3:])
        elif len(parts) > 2:
            stem, number = _stem(parts[2])
            out.append(f"{self.equipment.get(stem, stem)}{number}")
            out.extend(self.variables.get(stem, {}).get(name, name) for name in parts[3:])
        return ".".join(out)

    def published(self, equipment: str, name: str) -> bool:
        """Whether the variable ``name`` of the equipment at path ``equipment`` is published."""
        return (_stem(equipment.rsplit(".", 1)[-1])[0], name) not in self.omitted

    def unit(self, equipment: str, name: str, unit: str) -> tuple[str, float, float]:
        """(published unit, scale, offset) of a signal the model measures in ``unit``."""
        new = self.units.get((_stem(equipment.rsplit(".", 1)[-1])[0], name), unit)
        scale, offset = (1.0, 0.0) if new == unit else CONVERSIONS[(unit, new)]
        return new, scale, offset

    def label(self, variable: str, value: str | bool) -> str | bool:
        """The published text of a model value of a text variable (``State``, ``Phase``)."""
        if isinstance(value, bool):
            return value
        return self.labels.get(variable, {}).get(value, value)

    def lot_record(self, record: dict) -> dict:
        """A published lot record (``Lot.published()``) under this naming's names."""
        if self.is_native:
            return record
        out = dict(record)
        out["kind"] = self.lot_kinds.get(record["kind"], record["kind"])
        out["stage"] = self.stages.get(record["stage"], record["stage"])
        out["equipment"] = self.node(record["equipment"]) if record["equipment"] else ""
        return out

    def event(self, event: PlantEvent) -> PlantEvent:
        """A plant event (trip, repair, lot) with its source, message and fields renamed."""
        if self.is_native:
            return event
        source, message = self.node(event.source), event.message
        if message.startswith(f"{event.source} "):  # trips and repairs name their equipment
            message = source + message[len(event.source) :]
        fields = dict(event.fields)
        if event.kind == "lot":
            fields = self.lot_record(fields)
            message = message.replace(f"{event.fields['kind']} lot", f"{fields['kind']} lot", 1)
        if "state" in fields:
            fields["state"] = self.label("State", fields["state"])
        return replace(event, source=source, message=message, fields=fields)


def _stem(name: str) -> tuple[str, str]:
    """(stem, number) of an equipment name: ``("Furnace", "3")`` of ``Furnace3``."""
    numbered = _NUMBERED.match(name)
    return (numbered.group(1), numbered.group(2)) if numbered else (name, "")


NATIVE = Naming("native")
FOREIGN = Naming(
    "foreign",
    root=("Plant",),
    line_prefix="L",
    stages=STAGES,
    equipment=EQUIPMENT,
    variables=VARIABLES,
    labels=LABELS,
    lot_kinds=LOT_KINDS,
    units=UNITS,
    omitted=OMITTED,
    lots_folder="Batches",
    lot_variable="LastBatch",
)
NAMINGS = {n.name: n for n in (NATIVE, FOREIGN)}


def get_naming(name: str) -> Naming:
    """The naming called ``name``; ``KeyError`` naming the known ones otherwise."""
    try:
        return NAMINGS[name]
    except KeyError:
        raise KeyError(f"unknown naming {name!r}; known: {', '.join(sorted(NAMINGS))}") from None
