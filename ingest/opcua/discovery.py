"""Find the signals of a plant by browsing its OPC UA address space.

Every variable under Objects is found, following only nodes of the browsed namespaces
(ingest.opcua.namespaces: by default all but OPC UA's own, so the Server object and what a
server keeps under it are never entered), each once, by its shortest path. A variable is
identified by its own namespace's URI, never by its index; its stage and equipment come from
its browse path (ingest.opcua.hierarchy). Browsing and attribute reads go in batches
(ingest.opcua.browsing), so a 10,000-tag server is discovered in a few round trips, not
tens of thousands.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from asyncua import Client, ua

from ingest.errors import OpcUaError
from ingest.opcua.browsing import BrowsedNode, browse, read_attribute, read_property
from ingest.opcua.hierarchy import Hierarchy, Place
from ingest.opcua.namespaces import browsed_namespaces, namespace_index
from ingest.opcua.server_limits import DEFAULT_LIMITS, ServerLimits
from store.tags import TagRow

__all__ = ["TagInfo", "describe_nodes", "discover_tags"]

logger = logging.getLogger(__name__)

_OBJECTS_FOLDER = ua.NodeId(ua.ObjectIds.ObjectsFolder)
_DEFAULT_HIERARCHY = Hierarchy()


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
    place: Place | None = None  # default: the default levels' reading of browse_path

    @property
    def identifier(self) -> str:
        """The node id without its namespace index, e.g. ``s=Line1.Sintering.Press1.Field``."""
        return _identifier(self.node_id)

    @property
    def stage(self) -> str | None:
        return self._place.stage

    @property
    def equipment(self) -> str | None:
        return self._place.equipment

    @property
    def name(self) -> str:
        return self._place.name

    @property
    def _place(self) -> Place:
        return self.place or _DEFAULT_HIERARCHY.place(self.browse_path)

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


async def discover_tags(
    client: Client,
    endpoint: str,
    namespaces: Sequence[str] = (),
    limits: ServerLimits = DEFAULT_LIMITS,
    hierarchy: Hierarchy = _DEFAULT_HIERARCHY,
) -> list[TagInfo]:
    """Every variable under Objects in ``namespaces`` (default: all but OPC UA's own), with
    unit, range, data type, stage and equipment."""
    browsed = await browsed_namespaces(client, endpoint, namespaces)
    found = await browse(
        client,
        [BrowsedNode(_OBJECTS_FOLDER, (), False, {})],
        set(browsed),
        limits.nodes_per_browse,
        recursive=True,
    )
    variables = [node for node in found if node.is_variable]
    batch = limits.nodes_per_read
    tags = await _describe(client, variables, endpoint, browsed, batch, hierarchy)
    logger.info("%s: discovered %d tags in %s", endpoint, len(tags), ", ".join(browsed.values()))
    return tags


async def describe_nodes(
    client: Client,
    endpoint: str,
    node_keys: list[str],
    limits: ServerLimits = DEFAULT_LIMITS,
    hierarchy: Hierarchy = _DEFAULT_HIERARCHY,
) -> tuple[list[TagInfo], list[str]]:
    """Tags for explicit ``nsu=<uri>;s=<id>`` node ids, wherever they are in the tree (their
    path is their browse name), and the ids the server does not know (a namespace it lacks
    makes all its ids unknown)."""
    tags, unknown = [], []
    uris = await client.get_namespace_array()
    for uri, keys in _group_by_namespace(node_keys).items():
        try:
            index = namespace_index(uris, endpoint, uri)
        except OpcUaError:
            unknown.extend(keys)
            continue
        ids = [ua.NodeId(_parse(key).Identifier, index, _parse(key).NodeIdType) for key in keys]
        names = await read_attribute(client, ids, ua.AttributeIds.BrowseName, limits.nodes_per_read)
        unknown.extend(key for key, name in zip(keys, names, strict=True) if name is None)
        found = [BrowsedNode(i, (n.Name,), True, {}) for i, n in zip(ids, names, strict=True) if n]
        await browse(client, found, {index}, limits.nodes_per_browse, recursive=False)
        batch = limits.nodes_per_read
        tags.extend(await _describe(client, found, endpoint, {index: uri}, batch, hierarchy))
    return tags, unknown


def _parse(key: str) -> ua.ExpandedNodeId:
    return ua.NodeId.from_string(key)


def _group_by_namespace(node_keys: list[str]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for key in node_keys:
        grouped.setdefault(_parse(key).NamespaceUri, []).append(key)
    return grouped


async def _describe(
    client: Client,
    variables: list[BrowsedNode],
    endpoint: str,
    uris: Mapping[int, str],
    batch: int,
    hierarchy: Hierarchy,
) -> list[TagInfo]:
    ids = [v.node_id for v in variables]
    data_types = await read_attribute(client, ids, ua.AttributeIds.DataType, batch)
    descriptions = await read_attribute(client, ids, ua.AttributeIds.Description, batch)
    access_levels = await read_attribute(client, ids, ua.AttributeIds.AccessLevel, batch)
    units = await read_property(client, variables, "EngineeringUnits", batch)
    ranges = await read_property(client, variables, "EURange", batch)
    tags = []
    for variable, data_type, description, unit, eu_range, access_level in zip(
        variables, data_types, descriptions, units, ranges, access_levels, strict=True
    ):
        uri = uris[variable.node_id.NamespaceIndex]
        tags.append(
            TagInfo(
                tag_key=f"nsu={uri};{_identifier(variable.node_id)}",
                endpoint=endpoint,
                namespace_uri=uri,
                node_id=variable.node_id,
                browse_path=variable.path,
                data_type=_data_type_name(data_type),
                description=description.Text if description is not None else None,
                unit=unit.DisplayName.Text if unit is not None else None,
                unit_id=unit.UnitId if unit is not None else None,
                eu_low=eu_range.Low if eu_range is not None else None,
                eu_high=eu_range.High if eu_range is not None else None,
                history_readable=access_level is None or bool(access_level & _HISTORY_READ),
                place=hierarchy.place(variable.path),
            )
        )
    return tags


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
