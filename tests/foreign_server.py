"""Another plant's OPC UA server, for the recorder's tests: shaped as node-opcua serves a
plant, written with asyncua.

node-opcua keeps a server's own nodes in namespace 1 (its application URI) with numeric ids,
and also its per-session diagnostics, under the Server object; this plant adds a second
namespace of its own with string ids. Its objects nest at every depth, from a variable
right under Objects to five levels down; one variable is also organized in a second folder
(it must be recorded once) and one folder points back up the tree (a loop). Values are of
several data types, some with EngineeringUnits and EURange, one NaN and one Bad with a value
(a failed sensor that still reports its last reading)::

    Objects
    ├── Heartbeat                              UInt16
    ├── Boiler1                                (SerialNumber: a property, not a signal)
    │   ├── Temperature                        Double  °C 0..200
    │   ├── Pressure        s=Boiler1.Pressure Float   bar 0..16, NaN
    │   └── Running                            Boolean
    ├── Utilities/Compressor1
    │   ├── OutletPressure                     Double  bar
    │   └── Mode                               String
    ├── Views/Favourites ──Organizes──▶ Boiler1/Temperature
    ├── PlantA                                 (namespace SITE, string ids from here)
    │   ├── Sintering/Furnace2
    │   │   ├── ZoneTemperature                Double  °C 0..1400
    │   │   └── VacuumGauge                    Double  Pa, BadSensorFailure with a value
    │   └── Area1/Unit1/Pump7 ──Organizes──▶ Area1
    │       └── Speed                          Int32   rpm
    └── Server
        └── CurrentSessionCount  (namespace OWN: diagnostics, not plant data)
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
from collections.abc import AsyncIterator
from typing import NamedTuple

from asyncua import Server, ua
from asyncua.common.node import Node

from runtime.ports import free_port
from simulators.units import UNECE_NAMESPACE_URI, unece_unit_id

__all__ = [
    "BAD_VALUE",
    "OWN",
    "SITE",
    "VARIABLES",
    "ForeignPlant",
    "ForeignVariable",
    "running_plant",
]

OWN = "urn:foreign-plant:NodeOPCUA-Server"  # namespace 1: the server's application URI
SITE = "http://example.com/PlantA/"
BAD_VALUE = 3.7  # what the failed vacuum gauge still reports, with BadSensorFailure


class ForeignVariable(NamedTuple):
    """One variable: its browse path under Objects, namespace, id, value and metadata."""

    path: str
    namespace: str
    identifier: int | str
    value: object
    variant: ua.VariantType
    unit: tuple[str, str] | None = None  # (symbol, UNECE code)
    eu_range: tuple[float, float] | None = None
    status: int = ua.StatusCodes.Good

    @property
    def node_key(self) -> str:
        """Its node id by namespace URI, ``nsu=<uri>;i=<n>`` or ``nsu=<uri>;s=<text>``."""
        kind = "i" if isinstance(self.identifier, int) else "s"
        return f"nsu={self.namespace};{kind}={self.identifier}"


VARIABLES = (
    ForeignVariable("Heartbeat", OWN, 1010, 7, ua.VariantType.UInt16),
    ForeignVariable(
        "Boiler1/Temperature", OWN, 1001, 81.5, ua.VariantType.Double, ("°C", "CEL"), (0, 200)
    ),
    ForeignVariable(
        "Boiler1/Pressure",
        OWN,
        "Boiler1.Pressure",
        math.nan,
        ua.VariantType.Float,
        ("bar", "BAR"),
        (0, 16),
    ),
    ForeignVariable("Boiler1/Running", OWN, 1003, True, ua.VariantType.Boolean),
    ForeignVariable(
        "Utilities/Compressor1/OutletPressure",
        OWN,
        1102,
        7.25,
        ua.VariantType.Double,
        ("bar", "BAR"),
    ),
    ForeignVariable("Utilities/Compressor1/Mode", OWN, 1103, "auto", ua.VariantType.String),
    ForeignVariable(
        "PlantA/Sintering/Furnace2/ZoneTemperature",
        SITE,
        "PlantA.Sintering.Furnace2.ZoneTemperature",
        1050.0,
        ua.VariantType.Double,
        ("°C", "CEL"),
        (0, 1400),
    ),
    ForeignVariable(
        "PlantA/Sintering/Furnace2/VacuumGauge",
        SITE,
        "PlantA.Sintering.Furnace2.VacuumGauge",
        BAD_VALUE,
        ua.VariantType.Double,
        ("Pa", "PAL"),
        status=ua.StatusCodes.BadSensorFailure,
    ),
    ForeignVariable(
        "PlantA/Area1/Unit1/Pump7/Speed",
        SITE,
        "PlantA.Area1.Unit1.Pump7.Speed",
        1450,
        ua.VariantType.Int32,
        ("rpm", "RPM"),
    ),
)
_OBJECT_IDS = {"Boiler1": 1000, "Utilities": 1100, "Utilities/Compressor1": 1101}


class ForeignPlant:
    """The server above on ``port``; ``publish`` writes new values into both namespaces."""

    def __init__(self, port: int) -> None:
        self.url = f"opc.tcp://127.0.0.1:{port}/plant"
        self.server = Server()
        self.nodes: dict[str, Node] = {}  # by browse path, objects and variables
        self._last_id = 2000  # properties: numeric ids in the server's own namespace

    async def start(self) -> None:
        await self.server.init()
        self.server.set_endpoint(self.url)
        await self.server.set_application_uri(OWN)
        self.ns = {OWN: 1, SITE: await self.server.register_namespace(SITE)}
        for variable in VARIABLES:
            await self._add(variable)
        await self._add_detours()
        await self.server.start()

    async def stop(self) -> None:
        await self.server.stop()

    async def publish(self, path: str, value: object, status: int = ua.StatusCodes.Good) -> None:
        """Write ``value`` with ``status`` to the variable at ``path``, stamped now."""
        variable = next(v for v in VARIABLES if v.path == path)
        await self._write(self.nodes[path], ua.Variant(value, variable.variant), status)

    async def _add(self, variable: ForeignVariable) -> None:
        parent = await self._parent(variable.path, variable.namespace)
        node_id = ua.NodeId(variable.identifier, self.ns[variable.namespace])
        name = ua.QualifiedName(variable.path.rsplit("/", 1)[-1], node_id.NamespaceIndex)
        value = ua.Variant(variable.value, variable.variant)
        node = await parent.add_variable(node_id, name, value)
        self.nodes[variable.path] = node
        if variable.unit is not None:
            symbol, code = variable.unit
            unit = ua.EUInformation(
                NamespaceUri=UNECE_NAMESPACE_URI,
                UnitId=unece_unit_id(code),
                DisplayName=ua.LocalizedText(symbol),
            )
            await node.add_property(self._next_id(), "EngineeringUnits", unit)
        if variable.eu_range is not None:
            low, high = variable.eu_range
            await node.add_property(self._next_id(), "EURange", ua.Range(Low=low, High=high))
        await self._write(node, value, variable.status)

    async def _parent(self, path: str, namespace: str) -> Node:
        """The object holding ``path``, made (with the objects above it) if new."""
        parent, walked = self.server.nodes.objects, []
        for name in path.split("/")[:-1]:
            walked.append(name)
            key = "/".join(walked)
            if key not in self.nodes:
                if namespace == OWN:
                    node_id = ua.NodeId(_OBJECT_IDS[key], self.ns[OWN])
                else:
                    node_id = ua.NodeId(".".join(walked), self.ns[SITE])
                name_in_ns = ua.QualifiedName(name, node_id.NamespaceIndex)
                self.nodes[key] = await parent.add_object(node_id, name_in_ns)
            parent = self.nodes[key]
        return parent

    async def _add_detours(self) -> None:
        """A second folder for one variable, a loop, a property, and server diagnostics."""
        own = self.ns[OWN]
        views = await self.server.nodes.objects.add_folder(ua.NodeId(1200, own), f"{own}:Views")
        favourites = await views.add_folder(ua.NodeId(1201, own), f"{own}:Favourites")
        await favourites.add_reference(
            self.nodes["Boiler1/Temperature"], ua.ObjectIds.Organizes, bidirectional=False
        )
        await self.nodes["PlantA/Area1/Unit1/Pump7"].add_reference(
            self.nodes["PlantA/Area1"], ua.ObjectIds.Organizes, bidirectional=False
        )
        await self.nodes["Boiler1"].add_property(self._next_id(), "SerialNumber", "B-0042")
        diagnostics = ua.Variant(1, ua.VariantType.UInt32)
        await self.server.nodes.server.add_variable(
            ua.NodeId(5000, own), f"{own}:CurrentSessionCount", diagnostics
        )

    def _next_id(self) -> ua.NodeId:
        self._last_id += 1
        return ua.NodeId(self._last_id, self.ns[OWN])

    async def _write(self, node: Node, value: ua.Variant, status: int) -> None:
        """Set the value as node-opcua does: a Bad status keeps the value beside it. (asyncua's
        own write nulls it, after Part 4 7.7.1; node-opcua sends the value a failed sensor
        still reports, and so do many gateways.)"""
        stamped = ua.DataValue(
            value, ua.StatusCode(status), SourceTimestamp=dt.datetime.now(dt.UTC)
        )
        attribute = self.server.iserver.aspace[node.nodeid].attributes[ua.AttributeIds.Value]
        attribute.value = stamped
        for handle, callback in attribute.datachange_callbacks.items():
            await callback(handle, stamped)


@contextlib.asynccontextmanager
async def running_plant() -> AsyncIterator[ForeignPlant]:
    """The foreign plant on a free port, stopped on the way out."""
    plant = ForeignPlant(free_port())
    await plant.start()
    try:
        yield plant
    finally:
        await plant.stop()
