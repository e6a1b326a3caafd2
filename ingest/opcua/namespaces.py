"""Which namespaces of a server are recorded: URIs in the settings, indexes on the wire.

An index is the server's to give and may change when it restarts, so it is looked up at
every connection. By default every namespace but OPC UA's own (index 0) is recorded: a
plant's nodes may sit in several (a vendor's, a companion specification's, the site's own).
"""

from __future__ import annotations

from collections.abc import Sequence

from asyncua import Client

from ingest.errors import OpcUaError

__all__ = ["browsed_namespaces", "namespace_index"]


async def browsed_namespaces(client: Client, endpoint: str, uris: Sequence[str]) -> dict[int, str]:
    """Index and URI of each namespace to browse: ``uris``, or all but index 0 if none."""
    array = await client.get_namespace_array()
    if not uris:
        return {index: uri for index, uri in enumerate(array) if index > 0}
    return {namespace_index(array, endpoint, uri): uri for uri in uris}


def namespace_index(array: Sequence[str], endpoint: str, uri: str) -> int:
    """The index of ``uri`` in the server's namespace array, or an error naming the others."""
    try:
        return list(array).index(uri)
    except ValueError as exc:
        # The server's own namespaces, so that the user can pick the right one (index 0 is
        # OPC UA's, never a plant's).
        offered = ", ".join(repr(other) for other in array[1:]) or "none"
        raise OpcUaError(
            f"{endpoint}: the server has no namespace {uri!r}; it has {offered} "
            "(set namespaces, or leave it out to record them all)"
        ) from exc
