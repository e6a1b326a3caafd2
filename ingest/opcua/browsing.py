"""Browse and read many nodes of a server in few round trips.

Browsing goes level by level, every node of a level in one Browse request (as many as the
server accepts), and follows only nodes of the given namespaces; reads of one attribute of
many nodes go in batches too. Each node is taken once, by the first (shortest) path that
reaches it, so a node organized in two folders, or a loop in the tree, is no trap.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from asyncua import Client, ua

__all__ = ["BrowsedNode", "browse", "read_attribute", "read_property"]

logger = logging.getLogger(__name__)

_HAS_PROPERTY = ua.NodeId(ua.ObjectIds.HasProperty)


@dataclass
class BrowsedNode:
    """A node found by browsing: its browse path from where browsing began, and its
    properties (EngineeringUnits, EURange, ...) by browse name."""

    node_id: ua.NodeId
    path: tuple[str, ...]
    is_variable: bool
    properties: dict[str, ua.NodeId]


async def browse(
    client: Client, start: list[BrowsedNode], namespaces: set[int], batch: int, recursive: bool
) -> list[BrowsedNode]:
    """Children of ``start`` in ``namespaces`` (their properties recorded on them), level by
    level; each node once, by the first (shortest) path that reaches it."""
    frontier, found = start, []
    seen = {node.node_id for node in start}
    while frontier:
        next_frontier = []
        for first in range(0, len(frontier), batch):
            parents = frontier[first : first + batch]
            results = await client.uaclient.browse(_browse_parameters(parents))
            for parent, result in zip(parents, results, strict=True):
                next_frontier.extend(_children(parent, result, namespaces, seen))
        found.extend(next_frontier)
        frontier = next_frontier if recursive else []
    return found


def _browse_parameters(parents: list[BrowsedNode]) -> ua.BrowseParameters:
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


def _children(
    parent: BrowsedNode, result: ua.BrowseResult, namespaces: set[int], seen: set[ua.NodeId]
) -> list[BrowsedNode]:
    if not result.StatusCode.is_good():
        logger.warning("browse of %s failed: %s", parent.node_id, result.StatusCode)
        return []
    children = []
    for ref in result.References:
        node_id = ref.NodeId
        if ref.ReferenceTypeId == _HAS_PROPERTY:
            parent.properties[ref.BrowseName.Name] = node_id
        elif node_id.NamespaceIndex in namespaces and node_id not in seen:
            seen.add(node_id)
            is_variable = ref.NodeClass == ua.NodeClass.Variable
            path = (*parent.path, ref.BrowseName.Name)
            children.append(BrowsedNode(node_id, path, is_variable, {}))
    return children


async def read_attribute(
    client: Client, node_ids: list[ua.NodeId], attribute: ua.AttributeIds, batch: int
) -> list:
    """``attribute`` of each node, None where the server refused it, in batches of ``batch``."""
    values: list = []
    for start in range(0, len(node_ids), batch):
        chunk = node_ids[start : start + batch]
        results = await client.uaclient.read_attributes(chunk, attribute)
        values.extend(
            r.Value.Value if r.StatusCode.is_good() and r.Value else None for r in results
        )
    return values


async def read_property(
    client: Client, variables: list[BrowsedNode], name: str, batch: int
) -> list:
    """The value of each variable's property ``name`` (None where it has none)."""
    owners = [i for i, v in enumerate(variables) if name in v.properties]
    property_ids = [variables[i].properties[name] for i in owners]
    values = await read_attribute(client, property_ids, ua.AttributeIds.Value, batch)
    by_owner = dict(zip(owners, values, strict=True))
    return [by_owner.get(i) for i in range(len(variables))]
