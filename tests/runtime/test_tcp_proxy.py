"""The TCP proxy relays both ways, and a cut breaks the path as a failed network does."""

from __future__ import annotations

import socket
import socketserver
import threading
from collections.abc import Iterator

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from runtime.tcp_proxy import TcpProxy

TIMEOUT_S = 5.0
SILENCE_S = 0.5  # long enough for a loopback echo to come back, were it relayed


class _Echo(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        while data := self.request.recv(4096):
            self.request.sendall(data)


@pytest.fixture
def proxy() -> Iterator[TcpProxy]:
    """A proxy in front of an echo server on loopback."""
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Echo)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    with TcpProxy("127.0.0.1", server.server_address[1]) as relay:
        yield relay
    server.shutdown()
    server.server_close()
    thread.join(TIMEOUT_S)


def _connect(port: int) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT_S)


def _echoes(sock: socket.socket, payload: bytes = b"ping") -> bool:
    sock.sendall(payload)
    received = b""
    while len(received) < len(payload) and (chunk := sock.recv(len(payload) - len(received))):
        received += chunk
    return received == payload


def _was_reset(sock: socket.socket) -> bool:
    """The connection is gone: the next read ends (reset, or end of stream)."""
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True


def test_bytes_are_relayed_both_ways(proxy: TcpProxy) -> None:
    """What goes in through the proxy's port reaches the target, and its answer comes back."""
    with _connect(proxy.port) as sock:
        assert _echoes(sock) and _echoes(sock, b"x" * 200_000)
    assert proxy.connections_relayed == 1


def test_a_refusing_cut_resets_open_connections_and_refuses_new_ones(proxy: TcpProxy) -> None:
    """After cut('refuse') an open connection is reset and a new one refused; restore
    relays again on the same port."""
    with _connect(proxy.port) as sock:
        assert _echoes(sock)
        assert proxy.cut("refuse") == 2  # the client's side and the target's side
        assert _was_reset(sock)
    with pytest.raises(ConnectionRefusedError):
        _connect(proxy.port)
    proxy.restore()
    with _connect(proxy.port) as sock:
        assert _echoes(sock)


def test_a_blackhole_cut_accepts_but_never_answers(proxy: TcpProxy) -> None:
    """After cut('blackhole') a new connection opens but nothing comes back; restore resets
    it and relays new ones."""
    proxy.cut("blackhole")
    with _connect(proxy.port) as sock:
        sock.settimeout(SILENCE_S)
        sock.sendall(b"ping")
        with pytest.raises(TimeoutError):
            sock.recv(4)
        sock.settimeout(TIMEOUT_S)
        proxy.restore()
        assert _was_reset(sock)
    with _connect(proxy.port) as sock:
        assert _echoes(sock)


def test_an_unknown_cut_mode_is_refused(proxy: TcpProxy) -> None:
    """A misspelt mode is an error, not a silent no-op."""
    with pytest.raises(ValueError, match="expected 'refuse' or 'blackhole'"):
        proxy.cut("drop")  # type: ignore[arg-type]


def test_a_database_session_fails_through_a_cut_and_a_new_one_works_after(
    server_dsn: str,
) -> None:
    """A PostgreSQL session through the proxy fails when cut; after restore a new one works."""
    params = conninfo_to_dict(server_dsn)
    with TcpProxy(params.get("host") or "127.0.0.1", int(params.get("port") or 5432)) as proxy:
        dsn = make_conninfo(**{**params, "host": "127.0.0.1", "port": str(proxy.port)})
        with psycopg.connect(dsn, connect_timeout=5) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
            proxy.cut()
            with pytest.raises(psycopg.OperationalError):
                conn.execute("SELECT 1")
        with pytest.raises(psycopg.OperationalError):
            psycopg.connect(dsn, connect_timeout=5)
        proxy.restore()
        with psycopg.connect(dsn, connect_timeout=5) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
