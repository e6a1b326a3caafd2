"""``python -m ingest check``: connect to each endpoint and list what would be recorded."""

from __future__ import annotations

import sys

from asyncua import Client, ua

from ingest.discovery import discover_tags
from ingest.errors import OpcUaError
from ingest.settings import IngestSettings

__all__ = ["check_endpoints"]


async def check_endpoints(settings: IngestSettings, out=sys.stdout) -> int:
    """Print every tag each endpoint resolves to, with unit and type; 0 if all resolve."""
    failures = 0
    for endpoint in settings.endpoint:
        client = Client(endpoint.url, timeout=10)
        if endpoint.username:
            client.set_user(endpoint.username)
            client.set_password(endpoint.password or "")
        try:
            async with client:
                tags = await discover_tags(client, endpoint.label, endpoint.namespace_uri)
        except (OSError, TimeoutError, ua.UaError, OpcUaError) as exc:
            print(f"{endpoint.label}: FAILED: {exc}", file=out)
            failures += 1
            continue
        print(f"{endpoint.label}: {len(tags)} tags in {endpoint.namespace_uri}", file=out)
        for tag in tags:
            unit = tag.unit or "-"
            print(f"  {tag.tag_key}  [{unit}]  {tag.data_type}", file=out)
    return 1 if failures else 0
