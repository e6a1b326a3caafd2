"""The asyncua server of the simulator: endpoint, security, address space, events, history.

``SimulatorServer`` can be stopped and started again in the same process (the "server
restart" fault): a new asyncua ``Server`` is built each time, the plant keeps running and
the history survives through its file.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

from asyncua import Server

from simulators.config import SimConfig
from simulators.events import StampedEvent
from simulators.history import History
from simulators.opcua import events, fastencode, fastpath
from simulators.opcua.address_space import build_address_space
from simulators.opcua.history_read import PublisherHistoryStorage
from simulators.opcua.publisher import Publisher
from simulators.opcua.security import APPLICATION_URI, PasswordUserManager, apply_security
from simulators.published import PublishedPlant

__all__ = ["EVENT_TYPE_NAME", "SimulatorServer", "endpoint_url"]

_log = logging.getLogger(__name__)
EVENT_TYPE_NAME = events.EVENT_TYPE_NAME


def endpoint_url(host: str, port: int) -> str:
    """The endpoint URL clients use: ``opc.tcp://HOST:PORT/``."""
    return f"opc.tcp://{host}:{port}/"


class SimulatorServer:
    """One running OPC UA server over a plant as published; ``publisher`` writes into it."""

    def __init__(
        self, cfg: SimConfig, plant: PublishedPlant, history: History, text_paths: list[str]
    ) -> None:
        self.cfg, self.plant, self.history = cfg, plant, history
        self.text_paths = text_paths
        self.server: Server | None = None
        self.publisher: Publisher | None = None
        self.ns = 0
        self._event_template = None

    @property
    def url(self) -> str:
        """Endpoint URL of this server."""
        return endpoint_url(self.cfg.host, self.cfg.port)

    async def start(self, before_bind: Callable[[Publisher], Awaitable[None]]) -> None:
        """Build and start a fresh asyncua server; clients can connect when this returns.

        ``before_bind`` gets the publisher once the address space exists and before the
        port opens, so that no client ever sees a variable without a value.
        """
        for part in (fastpath, fastencode):
            (part.install if self.cfg.fast_path else part.uninstall)()
        server = Server(user_manager=PasswordUserManager(self.cfg.users))
        await server.init()
        server.set_endpoint(self.url)
        server.set_server_name("magnetline line simulator")
        await server.set_application_uri(APPLICATION_URI)
        await apply_security(
            server,
            self.cfg.security,
            self.cfg.users,
            Path(self.cfg.data_dir) / "pki",
            self.cfg.host,
            self.cfg.trusted_clients_dir,
        )
        self.ns = await build_address_space(server, self.plant)
        self._event_template = await events.create_event_template(server, self.ns)
        server.iserver.history_manager.set_storage(
            PublisherHistoryStorage(
                self.history, self.ns, self._event_template, server.iserver.aspace
            )
        )
        self.publisher = Publisher(
            server,
            self.ns,
            self.plant.signal_paths,
            self.text_paths,
            fast=self.cfg.fast_path,
        )
        if self.cfg.fast_path:
            fastpath.settle_heap()  # before the first values: a full collection takes ~1 s
        await before_bind(self.publisher)
        await server.start()
        self.server = server

    async def stop(self) -> None:
        """Stop the server (idempotent)."""
        server, self.server, self.publisher = self.server, None, None
        if server is not None:
            await server.stop()

    @property
    def running(self) -> bool:
        """True while the server accepts clients."""
        return self.server is not None

    async def emit(self, event: StampedEvent) -> None:
        """Send a plant event as an OPC UA event from the Server object.

        ``SourceNode`` and ``SourceName`` name the equipment (or stage) it concerns.
        """
        await events.emit(self.server, self._event_template, event, self.ns)
