"""The simulator's address space: Line / Stage / Equipment / Signal under Objects.

Names follow the run's naming (``simulators.naming``; under ``foreign`` a ``Plant`` folder
comes first and every name differs); ``simulators.published.PublishedPlant`` lists the
nodes. Node ids are strings equal to the dotted browse path in the simulator's namespace
(``ns=<idx>;s=Line1.Sintering.Furnace1.Zone1Temperature``). Numeric signals are
``AnalogItemType`` variables with ``EngineeringUnits`` and ``EURange`` properties. Nodes are
added in bulk through the server's internal session, which keeps start-up fast at 10,000+
tags.
"""

from __future__ import annotations

from asyncua import Server, ua

from simulators.plant.base import AnalogSpec, TextSpec
from simulators.published import Folder, PublishedPlant
from simulators.tags import NAMESPACE_URI
from simulators.units import UNECE_NAMESPACE_URI, UNITS

__all__ = ["build_address_space"]

_COMPONENT = ua.NodeId(ua.ObjectIds.HasComponent)
_HISTORY_ACCESS = ua.AccessLevel.CurrentRead.mask | ua.AccessLevel.HistoryRead.mask


def _object(ns: int, path: str, parent: ua.NodeId, description: str) -> ua.AddNodesItem:
    item = ua.AddNodesItem()
    item.RequestedNewNodeId = ua.NodeId(path, ns)
    item.BrowseName = ua.QualifiedName(path.rsplit(".", 1)[-1], ns)
    item.NodeClass = ua.NodeClass.Object
    item.ParentNodeId = parent
    item.ReferenceTypeId = ua.NodeId(
        ua.ObjectIds.Organizes if parent.NamespaceIndex == 0 else ua.ObjectIds.HasComponent
    )
    item.TypeDefinition = ua.NodeId(ua.ObjectIds.BaseObjectType)
    attrs = ua.ObjectAttributes()
    attrs.DisplayName = ua.LocalizedText(item.BrowseName.Name)
    attrs.Description = ua.LocalizedText(description)
    attrs.EventNotifier = 1  # SubscribeToEvents: trips and lots are reported on equipment
    item.NodeAttributes = attrs
    return item


def _variable(
    ns: int,
    path: str,
    parent: ua.NodeId,
    value: ua.Variant,
    datatype: int,
    description: str,
    typedef: int,
    is_property: bool = False,
) -> ua.AddNodesItem:
    item = ua.AddNodesItem()
    item.RequestedNewNodeId = ua.NodeId(path, ns)
    item.BrowseName = ua.QualifiedName(path.rsplit(".", 1)[-1], 0 if is_property else ns)
    item.NodeClass = ua.NodeClass.Variable
    item.ParentNodeId = parent
    item.ReferenceTypeId = ua.NodeId(
        ua.ObjectIds.HasProperty if is_property else ua.ObjectIds.HasComponent
    )
    item.TypeDefinition = ua.NodeId(typedef)
    attrs = ua.VariableAttributes()
    attrs.DisplayName = ua.LocalizedText(item.BrowseName.Name)
    attrs.Description = ua.LocalizedText(description)
    attrs.DataType = ua.NodeId(datatype)
    attrs.Value = value
    attrs.ValueRank = ua.ValueRank.Scalar
    access = ua.AccessLevel.CurrentRead.mask if is_property else _HISTORY_ACCESS
    attrs.AccessLevel = attrs.UserAccessLevel = access
    attrs.Historizing = not is_property
    item.NodeAttributes = attrs
    return item


def _analog(ns: int, path: str, parent: ua.NodeId, spec: AnalogSpec) -> list[ua.AddNodesItem]:
    unit = UNITS[spec.unit]
    eu = ua.EUInformation(
        NamespaceUri=UNECE_NAMESPACE_URI,
        UnitId=unit.unit_id,
        DisplayName=ua.LocalizedText(unit.symbol),
        Description=ua.LocalizedText(unit.description),
    )
    node = ua.NodeId(path, ns)
    return [
        _variable(
            ns,
            path,
            parent,
            ua.Variant(0.0, ua.VariantType.Double),
            ua.ObjectIds.Double,
            f"{spec.description} [{unit.symbol}]",
            ua.ObjectIds.AnalogItemType,
        ),
        _variable(
            ns,
            f"{path}.EngineeringUnits",
            node,
            ua.Variant(eu),
            ua.ObjectIds.EUInformation,
            "Engineering unit (UNECE)",
            ua.ObjectIds.PropertyType,
            is_property=True,
        ),
        _variable(
            ns,
            f"{path}.EURange",
            node,
            ua.Variant(ua.Range(spec.low, spec.high)),
            ua.ObjectIds.Range,
            "Instrument range",
            ua.ObjectIds.PropertyType,
            is_property=True,
        ),
    ]


def _text(ns: int, path: str, parent: ua.NodeId, spec: TextSpec) -> ua.AddNodesItem:
    if spec.kind == "bool":
        value, datatype = ua.Variant(False, ua.VariantType.Boolean), ua.ObjectIds.Boolean
    else:
        value, datatype = ua.Variant("", ua.VariantType.String), ua.ObjectIds.String
    return _variable(
        ns, path, parent, value, datatype, spec.description, ua.ObjectIds.BaseDataVariableType
    )


def _folder(ns: int, folder: Folder) -> ua.AddNodesItem:
    parent = ua.NodeId(ua.ObjectIds.ObjectsFolder)
    if folder.parent is not None:
        parent = ua.NodeId(folder.parent, ns)
    return _object(ns, folder.path, parent, folder.description)


async def build_address_space(server: Server, plant: PublishedPlant) -> int:
    """Register the namespace and add every node of ``plant``; return the namespace index."""
    ns = await server.register_namespace(NAMESPACE_URI)
    items = [_folder(ns, folder) for folder in plant.folders]
    for sig in plant.signals:
        items.extend(_analog(ns, sig.path, ua.NodeId(sig.equipment, ns), sig.spec))
    texts = plant.texts + plant.lot_variables
    items.extend(_text(ns, t.path, ua.NodeId(t.equipment, ns), t.spec) for t in texts)
    results = await server.iserver.isession.add_nodes(items)
    for item, result in zip(items, results, strict=True):
        if not result.StatusCode.is_good():
            raise RuntimeError(f"could not add node {item.RequestedNewNodeId}: {result.StatusCode}")
    await _mark_waiting(server, items)
    return ns


async def _mark_waiting(server: Server, items: list[ua.AddNodesItem]) -> None:
    """Until the first step is published, values say so (no fake zero with status Good)."""
    waiting = ua.DataValue(StatusCode=ua.StatusCode(ua.StatusCodes.BadWaitingForInitialData))
    for item in items:
        if item.NodeClass == ua.NodeClass.Variable and item.ReferenceTypeId == _COMPONENT:
            await server.write_attribute_value(item.RequestedNewNodeId, waiting)
