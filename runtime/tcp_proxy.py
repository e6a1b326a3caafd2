"""A TCP relay on loopback that can be cut and restored: a network path to break on purpose.

``TcpProxy`` listens on 127.0.0.1 and relays every connection to a target (the database,
for the fault bench). Its event loop runs in a background thread, so a synchronous bench or
test drives it with plain calls::

    with TcpProxy("127.0.0.1", 5432) as proxy:   # relay 127.0.0.1:proxy.port -> :5432
        proxy.cut()          # reset every relayed connection, refuse new ones
        proxy.restore()      # accept and relay again, on the same port

A cut resets (RST) every relayed connection, as a failed link or firewall does: each side
learns at its next read or write that the connection is gone. Then either

- ``"refuse"``: the port stops listening, so a new connection is refused at once; or
- ``"blackhole"``: new connections are accepted but nothing is relayed and nothing comes
  back, as behind a dead route; a client learns only from its own timeouts. They are reset
  when the path is restored.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import threading
from typing import Literal

__all__ = ["CutMode", "TcpProxy"]

CutMode = Literal["refuse", "blackhole"]
_CHUNK_BYTES = 64 * 1024
_CALL_TIMEOUT_S = 10.0
_RESET = struct.pack("ii", 1, 0)  # SO_LINGER on, 0 s: close() sends RST, not FIN


class TcpProxy:
    """Relay 127.0.0.1:``port`` to ``target_host``:``target_port`` until cut."""

    def __init__(self, target_host: str, target_port: int, listen_port: int = 0) -> None:
        self.target = (target_host, target_port)
        self.port = listen_port  # 0 until started: then the port the kernel chose
        self.mode: CutMode | None = None  # None while relaying
        self.connections_relayed = 0
        self.connections_reset = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="tcp-proxy", daemon=True
        )
        self._server: asyncio.Server | None = None
        self._open: set[asyncio.StreamWriter] = set()  # relayed and black-holed, both sides
        self._handlers: set[asyncio.Task] = set()  # one per accepted connection

    def start(self) -> TcpProxy:
        """Listen and relay; returns self once the port accepts connections."""
        self._thread.start()
        self._call(self._listen())
        return self

    def cut(self, mode: CutMode = "refuse") -> int:
        """Break the path: reset every open connection; returns how many were reset."""
        if mode not in ("refuse", "blackhole"):
            raise ValueError(f"cut mode {mode!r}: expected 'refuse' or 'blackhole'")
        return self._call(self._cut(mode))

    def restore(self) -> None:
        """Relay new connections again (black-holed ones are reset: no one knows them)."""
        self._call(self._restore())

    def stop(self) -> None:
        """Close every connection and the port, and end the thread (idempotent)."""
        if self._thread.is_alive():
            self._call(self._shutdown())
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(_CALL_TIMEOUT_S)
        if not self._loop.is_closed() and not self._thread.is_alive():
            self._loop.close()

    def __enter__(self) -> TcpProxy:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _call(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(_CALL_TIMEOUT_S)

    async def _listen(self) -> None:
        if self._server is None:
            self._server = await asyncio.start_server(
                self._accept, "127.0.0.1", self.port, reuse_address=True
            )
            self.port = self._server.sockets[0].getsockname()[1]

    async def _cut(self, mode: CutMode) -> int:
        self.mode = mode
        if mode == "refuse":
            await self._close_listener()
        else:
            await self._listen()
        return self._reset_all()

    async def _restore(self) -> None:
        self.mode = None
        self._reset_all()
        await self._listen()

    async def _shutdown(self) -> None:
        await self._close_listener()
        self._reset_all()
        # Let each handler see its reset and end, so none is pending when the loop closes.
        if self._handlers:
            _, pending = await asyncio.wait(self._handlers, timeout=_CALL_TIMEOUT_S / 2)
            for task in pending:
                task.cancel()

    async def _close_listener(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
            # Python 3.11's wait_closed returns once the listening socket is closed.
            await server.wait_closed()

    def _reset_all(self) -> int:
        writers, self._open = self._open, set()
        for writer in writers:
            _reset(writer)
        self.connections_reset += len(writers)
        return len(writers)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        self._handlers.add(task)
        try:
            await self._handle(reader, writer)
        finally:
            self._handlers.discard(task)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._open.add(writer)
        if self.mode == "blackhole":
            await _drain_forever(reader)
            return
        try:
            upstream_reader, upstream = await asyncio.open_connection(*self.target)
        except OSError:
            self._forget_and_reset(writer)
            return
        if writer not in self._open:  # cut while the upstream connection was being made
            _reset(upstream)
            return
        self._open.add(upstream)
        self.connections_relayed += 1
        await asyncio.gather(
            self._pump(reader, upstream, writer), self._pump(upstream_reader, writer, upstream)
        )

    async def _pump(
        self,
        source: asyncio.StreamReader,
        sink: asyncio.StreamWriter,
        source_side: asyncio.StreamWriter,
    ) -> None:
        """Copy ``source`` to ``sink`` until either end goes; then close both sides."""
        with contextlib.suppress(OSError, asyncio.IncompleteReadError):
            while chunk := await source.read(_CHUNK_BYTES):
                sink.write(chunk)
                await sink.drain()
        for side in (sink, source_side):
            if side in self._open:
                self._open.discard(side)
                side.close()

    def _forget_and_reset(self, writer: asyncio.StreamWriter) -> None:
        self._open.discard(writer)
        _reset(writer)


async def _drain_forever(reader: asyncio.StreamReader) -> None:
    """Read and discard until the connection ends (a black hole answers nothing)."""
    with contextlib.suppress(OSError):
        while await reader.read(_CHUNK_BYTES):
            pass


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with RST at once: unsent data is dropped and the peer sees a reset."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _RESET)
    writer.transport.abort()
