"""Which nodes of an endpoint are recorded: browsed variables (of its namespaces, by
default all but OPC UA's own) filtered by browse-path globs, plus explicit ``nsu=`` node
ids, the way Telegraf's OPC UA input selects nodes; each with the stage and equipment its
``levels`` and ``assets`` give (ingest.opcua.hierarchy).

Globs match the browse path joined with ``/`` (``Line1/Sintering/Furnace1/Zone1Temperature``)
with shell rules; ``*`` also crosses ``/``, so ``Line1/Sintering/*`` is the whole stage.
"""

from __future__ import annotations

from asyncua import Client

from ingest.opcua.discovery import TagInfo, describe_nodes, discover_tags
from ingest.opcua.hierarchy import Hierarchy, path_matches
from ingest.opcua.server_limits import ServerLimits
from ingest.settings import EndpointSettings

__all__ = ["resolve_tags", "selected"]


def selected(tag: TagInfo, include: list[str], exclude: list[str]) -> bool:
    path = tag.browse_path
    return path_matches(path, include) and not path_matches(path, exclude)


async def resolve_tags(
    client: Client, endpoint: EndpointSettings, limits: ServerLimits
) -> tuple[list[TagInfo], list[str]]:
    """Every tag the endpoint's settings select, browsed ones first, each once; and the
    explicit node ids the server does not know."""
    tags: list[TagInfo] = []
    hierarchy = Hierarchy.of(endpoint)
    if endpoint.browse:
        browsed = await discover_tags(
            client, endpoint.label, endpoint.namespaces, limits, hierarchy
        )
        tags = [tag for tag in browsed if selected(tag, endpoint.include, endpoint.exclude)]
    known = {tag.tag_key for tag in tags}
    explicit = [key for key in endpoint.nodes if key not in known]  # same nsu= form as tag keys
    if not explicit:
        return tags, []
    described, unknown = await describe_nodes(client, endpoint.label, explicit, limits, hierarchy)
    return tags + described, unknown
