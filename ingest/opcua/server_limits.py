"""The server's own operation limits, so that requests are chunked to what it accepts.

A server states in ServerCapabilities/OperationLimits how many nodes one Browse, Read or
CreateMonitoredItems call may carry; 0 or a missing value means it sets no limit, and then
our own default applies (requests of a few hundred nodes keep every round trip short).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from asyncua import Client, ua

__all__ = ["DEFAULT_LIMITS", "ServerLimits", "read_server_limits"]

logger = logging.getLogger(__name__)

_LIMIT_NODES = {
    "nodes_per_browse": ua.ObjectIds.Server_ServerCapabilities_OperationLimits_MaxNodesPerBrowse,
    "nodes_per_read": ua.ObjectIds.Server_ServerCapabilities_OperationLimits_MaxNodesPerRead,
    "monitored_items_per_call": (
        ua.ObjectIds.Server_ServerCapabilities_OperationLimits_MaxMonitoredItemsPerCall
    ),
}


@dataclass(frozen=True)
class ServerLimits:
    nodes_per_browse: int = 500
    nodes_per_read: int = 500
    monitored_items_per_call: int = 1000


DEFAULT_LIMITS = ServerLimits()


async def read_server_limits(client: Client, defaults: ServerLimits) -> ServerLimits:
    """``defaults`` lowered to whatever the server says it accepts."""
    node_ids = [ua.NodeId(identifier) for identifier in _LIMIT_NODES.values()]
    try:
        results = await client.uaclient.read_attributes(node_ids, ua.AttributeIds.Value)
    except ua.UaError as exc:
        logger.info("server publishes no operation limits (%s); using defaults", exc)
        return defaults
    limits = {}
    for name, result in zip(_LIMIT_NODES, results, strict=True):
        ours = getattr(defaults, name)
        theirs = result.Value.Value if result.StatusCode.is_good() and result.Value else 0
        limits[name] = min(ours, int(theirs)) if theirs else ours
    return ServerLimits(**limits)
