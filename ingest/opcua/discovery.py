"""Find the signals of a plant by browsing its OPC UA address space.

The tree is read as Line / Stage / Equipment / Signal: the first path element under
Objects is the line, the second the stage, the third the equipment, the rest the signal.
Only nodes in the configured namespace are followed, and they are identified by that
namespace's URI, never by its index. Browsing and attribute reads go in batches so a
10,000-tag server is discovered in a few round trips, not tens of thousands.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from asyncua import Client, ua

from ingest.errors import OpcUaError
from ingest.opcua.server_limits import DEFAULT_LIMITS, ServerLimits
from store.tags import TagRow

__all__ = ["TagInfo", "describe_nodes", "discover_tags"]

logger = logging.getLogger(__name__)

_OBJECTS_FOLDER = ua.NodeId(ua.ObjectIds.ObjectsFolder)
_HAS_PROPERTY = ua.NodeId(ua.ObjectIds.HasProperty)


@dataclass(frozen=True)
class TagInfo:
    """One recorded signal, as the plant describes it."""

    tag_key: str
    endpoint: str
    namespace_uri: str
    node_id: ua.NodeId
    browse_path: tuple[str, ...]
    data_type: str
    description: str | None = None
    unit: str | None = None
    unit_id: int | None = None
    eu_low: float | None = None
    eu_high: float | None = None
    history_readable: bool = True  # its AccessLevel allows HistoryRead (what recovery reads)

    @property
    def identifier(self) -> str:
        """The node id without its namespace index, e.g. ``s=Line1.Sintering.Press1.Field``."""
        return _identifier(self.node_id)

    @property
    def stage(self) -> str | None:
        return self.browse_path[1] if len(self.browse_path) > 2 else None

    @property
    def equipment(self) -> str | None:
        return self.browse_path[2] if len(self.browse_path) > 3 else None

    @property
    def name(self) -> str:
        return ".".join(self.browse_path[3:]) or self.browse_path[-1]

    def row(self) -> TagRow:
        """The `tag` row the historian keeps of this signal."""
        return TagRow(
            tag_key=self.tag_key,
            endpoint=self.endpoint,
            namespace_uri=self.namespace_uri,
            node_id=self.identifier,
            browse_path="/".join(self.browse_path),
            stage=self.stage,
            equipment=self.equipment,
            name=self.name,
            unit=self.unit,
            unit_id=self.unit_id,
            eu_low=self.eu_low,
            eu_high=self.eu_high,
            data_type=self.data_type,
            description=self.description,
        )


@dataclass
class _Found:
    node_id: ua.NodeId
    path: tuple[str, ...]
    is_variable: bool
    properties: dict[str, ua.NodeId]


async def discover_tags(
    client: Client, endpoint: str, namespace_uri: str, limits: ServerLimits = DEFAULT_LIMITS
) -> list[TagInfo]:
    """Every variable of ``namespace_uri`` under Objects, with unit, range and data type."""
    namespace_index = await _namespace_index(client, endpoint, namespace_uri)
    found = await _browse(
        client,
        [_Found(_OBJECTS_FOLDER, (), False, {})],
        namespace_index,
        limits.nodes_per_browse,
        recursive=True,
    )
    variables = [node for node in found if node.is_variable]
    tags = await _describe(client, variables, endpoint, namespace_uri, limits.nodes_per_read)
    logger.info("%s: discovered %d tags in %s", endpoint, len(tags), namespace_uri)
    return tags


async def describe_nodes(
    client: Client, endpoint: str, node_keys: list[str], limits: ServerLimits = DEFAULT_LIMITS
) -> tuple[list[TagInfo], list[str]]:
    """Tags for explicit ``nsu=<uri>;s=<id>`` node ids, wherever they are in the tree, and
    the ids the server does not know (a namespace it lacks makes all its ids unknown)."""
    tags, unknown = [], []
    for uri, keys in _group_by_namespace(node_keys).items():
        try:
            index = await _namespace_index(client, endpoint, uri)
        except OpcUaError:
            unknown.extend(keys)
            continue
        ids = [ua.NodeId(_parse(key).Identifier, index, _parse(key).NodeIdType) for key in keys]
        names = await _read(client, ids, ua.AttributeIds.BrowseName, limits.nodes_per_read)
        unknown.extend(key for key, name in zip(keys, names, strict=True) if name is None)
        found = [_Found(i, (n.Name,), True, {}) for i, n in zip(ids, names, strict=True) if n]
        await _browse(client, found, index, limits.nodes_per_browse, recursive=False)
        tags.extend(await _describe(client, found, endpoint, uri, limits.nodes_per_read))
    return tags, unknown


def _parse(key: str) -> ua.ExpandedNodeId:
    return ua.NodeId.from_string(key)


def _group_by_namespace(node_keys: list[str]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for key in node_keys:
        grouped.setdefault(_parse(key).NamespaceUri, []).append(key)
    return grouped


async def _namespace_index(client: Client, endpoint: str, namespace_uri: str) -> int:
    namespaces = await client.get_namespace_array()
    try:
        return namespaces.index(namespace_uri)
    except ValueError as exc:
        # The server's own namespaces, so that the user can pick the right one (index 0 is
        # OPC UA's, never a plant's).
        offered = ", ".join(repr(uri) for uri in namespaces[1:]) or "none"
        raise OpcUaError(
            f"{endpoint}: the server has no namespace {namespace_uri!r}; it has {offered} "
            "(set namespace_uri)"
        ) from exc


async def _browse(
    client: Client, start: list[_Found], namespace_index: int, batch: int, recursive: bool
) -> list[_Found]:
    """Children of ``start`` (their properties recorded on them), level by level."""
    frontier, found = start, []
    while frontier:
        next_frontier = []
        for first in range(0, len(frontier), batch):
            parents = frontier[first : first + batch]
            results = await client.uaclient.browse(_browse_parameters(parents))
            for parent, result in zip(parents, results, strict=True):
                next_frontier.extend(_children(parent, result, namespace_index))
        found.extend(next_frontier)
        frontier = next_frontier if recursive else []
    return found


def _browse_parameters(parents: list[_Found]) -> ua.BrowseParameters:
    parameters = ua.BrowseParameters()
    parameters.View = ua.ViewDescription()
    parameters.RequestedMaxReferencesPerNode = 0
    for parent in parents:
        description = ua.BrowseDescription()
        description.NodeId = parent.node_id
        description.BrowseDirection = ua.BrowseDirection.Forward
        description.ReferenceTypeId = ua.NodeId(ua.ObjectIds.HierarchicalReferences)
        description.IncludeSubtypes = True
        description.NodeClassMask = ua.NodeClass.Object | ua.NodeClass.Variable
        description.ResultMask = ua.BrowseResultMask.All
        parameters.NodesToBrowse.append(description)
    return parameters


def _children(parent: _Found, result: ua.BrowseResult, namespace_index: int) -> list[_Found]:
    if not result.StatusCode.is_good():
        logger.warning("browse of %s failed: %s", parent.node_id, result.StatusCode)
        return []
    children = []
    for ref in result.References:
        node_id = ref.NodeId
        if ref.ReferenceTypeId == _HAS_PROPERTY:
            parent.properties[ref.BrowseName.Name] = node_id
        elif node_id.NamespaceIndex == namespace_index:
            is_variable = ref.NodeClass == ua.NodeClass.Variable
            path = (*parent.path, ref.BrowseName.Name)
            children.append(_Found(node_id, path, is_variable, {}))
    return children


async def _describe(
    client: Client, variables: list[_Found], endpoint: str, namespace_uri: str, batch: int
) -> list[TagInfo]:
    ids = [v.node_id for v in variables]
    data_types = await _read(client, ids, ua.AttributeIds.DataType, batch)
    descriptions = await _read(client, ids, ua.AttributeIds.Description, batch)
    access_levels = await _read(client, ids, ua.AttributeIds.AccessLevel, batch)
    units = await _read_property(client, variables, "EngineeringUnits", batch)
    ranges = await _read_property(client, variables, "EURange", batch)
    tags = []
    for variable, data_type, description, unit, eu_range, access_level in zip(
        variables, data_types, descriptions, units, ranges, access_levels, strict=True
    ):
        tags.append(
            TagInfo(
                tag_key=f"nsu={namespace_uri};{_identifier(variable.node_id)}",
                endpoint=endpoint,
                namespace_uri=namespace_uri,
                node_id=variable.node_id,
                browse_path=variable.path,
                data_type=_data_type_name(data_type),
                description=description.Text if description is not None else None,
                unit=unit.DisplayName.Text if unit is not None else None,
                unit_id=unit.UnitId if unit is not None else None,
                eu_low=eu_range.Low if eu_range is not None else None,
                eu_high=eu_range.High if eu_range is not None else None,
                history_readable=access_level is None or bool(access_level & _HISTORY_READ),
            )
        )
    return tags


async def _read(
    client: Client, node_ids: list[ua.NodeId], attribute: ua.AttributeIds, batch: int
) -> list:
    values: list = []
    for start in range(0, len(node_ids), batch):
        chunk = node_ids[start : start + batch]
        results = await client.uaclient.read_attributes(chunk, attribute)
        values.extend(
            r.Value.Value if r.StatusCode.is_good() and r.Value else None for r in results
        )
    return values


async def _read_property(client: Client, variables: list[_Found], name: str, batch: int) -> list:
    owners = [i for i, v in enumerate(variables) if name in v.properties]
    property_ids = [variables[i].properties[name] for i in owners]
    values = await _read(client, property_ids, ua.AttributeIds.Value, batch)
    by_owner = dict(zip(owners, values, strict=True))
    return [by_owner.get(i) for i in range(len(variables))]


_HISTORY_READ = ua.AccessLevel.HistoryRead.mask


def _identifier(node_id: ua.NodeId) -> str:
    prefix = {
        ua.NodeIdType.String: "s",
        ua.NodeIdType.Guid: "g",
        ua.NodeIdType.ByteString: "b",
    }.get(node_id.NodeIdType, "i")
    return f"{prefix}={node_id.Identifier}"


def _data_type_name(data_type: ua.NodeId | None) -> str:
    if data_type is None:
        return "Unknown"
    if data_type.NamespaceIndex == 0 and isinstance(data_type.Identifier, int):
        return ua.ObjectIdNames.get(data_type.Identifier, str(data_type.Identifier))
    return data_type.to_string()
