"""``python -m ingest check``: connect to each endpoint and list what would be recorded:
each tag's browse path, unit, range, data type, stage and equipment, and key."""

from __future__ import annotations

import sys
from typing import TextIO

from ingest.errors import OpcUaError, UntrustedCertificateError
from ingest.opcua.connection import SESSION_ERRORS, disconnect_quietly, open_client
from ingest.opcua.selection import resolve_tags
from ingest.opcua.server_limits import DEFAULT_LIMITS, read_server_limits
from ingest.settings import EndpointSettings, IngestSettings

__all__ = ["check_endpoints"]


async def check_endpoints(settings: IngestSettings, out: TextIO = sys.stdout) -> int:
    """Print every tag each endpoint resolves to, with unit and type; 0 if all resolve."""
    failures = 0
    for endpoint in settings.endpoint:
        try:
            await _check(endpoint, out)
        except UntrustedCertificateError:
            raise  # one line and exit status 2, as the service would refuse it
        except (*SESSION_ERRORS, OpcUaError) as exc:
            print(f"{endpoint.label}: FAILED: {exc}", file=out)
            failures += 1
    return 1 if failures else 0


async def _check(endpoint: EndpointSettings, out: TextIO) -> None:
    client = await open_client(endpoint)
    try:
        limits = await read_server_limits(client, DEFAULT_LIMITS)
        tags, unknown = await resolve_tags(client, endpoint, limits)
    finally:
        await disconnect_quietly(client)
    if unknown:
        raise OpcUaError(f"no such node: {', '.join(unknown)}")
    namespaces = ", ".join(sorted({tag.namespace_uri for tag in tags})) or "none"
    print(f"{endpoint.label}: {len(tags)} tags selected (namespaces: {namespaces})", file=out)
    # The browse path first: it is what `include`, `exclude` and `assets` globs match.
    print("  browse path  [unit]  range  type  stage/equipment  key", file=out)
    for tag in tags:
        unit = tag.unit or "-"
        eu_range = f"{tag.eu_low:g}..{tag.eu_high:g}" if tag.eu_high is not None else "-"
        path = "/".join(tag.browse_path)
        place = f"{tag.stage or '-'}/{tag.equipment or '-'}"
        print(f"  {path}  [{unit}]  {eu_range}  {tag.data_type}  {place}  {tag.tag_key}", file=out)
