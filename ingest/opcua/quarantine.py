"""Quarantine: nodes that failed, set aside and tried again on a schedule.

Two kinds fail: explicit node ids the server does not know (yet), and items the server
refused to monitor (BadNodeIdUnknown, BadNotReadable, ...). Neither may stop the rest of
the endpoint from being recorded; both are listed in the health record and retried every
``retry_s`` seconds, and a node that works again simply joins the subscription.
"""

from __future__ import annotations

import logging
import time

from asyncua import Client

from ingest.opcua.discovery import TagInfo, describe_nodes
from ingest.opcua.hierarchy import Hierarchy
from ingest.opcua.server_limits import ServerLimits

__all__ = ["Quarantine"]

logger = logging.getLogger(__name__)


class Quarantine:
    """The failed nodes of one endpoint."""

    def __init__(self, endpoint: str, retry_s: float, hierarchy: Hierarchy) -> None:
        self._endpoint = endpoint
        self._retry_s = retry_s
        self._hierarchy = hierarchy  # stage and equipment of nodes found on a retry
        self._unknown: set[str] = set()
        self._refused: dict[str, TagInfo] = {}
        self._last_try = time.monotonic()

    @property
    def keys(self) -> set[str]:
        return self._unknown | set(self._refused)

    @property
    def refused_count(self) -> int:
        return len(self._refused)

    def add_unknown(self, keys: list[str]) -> None:
        for key in keys:
            logger.warning("%s: quarantined %s: the server does not know it", self._endpoint, key)
        self._unknown.update(keys)

    def add_refused(self, tags: list[TagInfo]) -> None:
        for tag in tags:
            logger.warning(
                "%s: quarantined %s: the server refused to monitor it", self._endpoint, tag.tag_key
            )
            self._refused[tag.tag_key] = tag

    def due(self) -> bool:
        return bool(self.keys) and time.monotonic() - self._last_try >= self._retry_s

    async def release(self, client: Client, limits: ServerLimits) -> list[TagInfo]:
        """Tags to try again: the refused ones and the unknown ids the server now knows."""
        self._last_try = time.monotonic()
        tags, self._refused = list(self._refused.values()), {}
        if self._unknown:
            found, unknown = await describe_nodes(
                client, self._endpoint, sorted(self._unknown), limits, self._hierarchy
            )
            self._unknown = set(unknown)
            tags += found
        return tags
