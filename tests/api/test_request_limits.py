"""Requests are vetted before their body is read: a key first, then a size limit, enforced
on bodies of announced size and on chunked ones alike, with the server's memory flat."""

from __future__ import annotations

import http.client
import select
import socket
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import pytest

from api.keys import Role
from tests.api.conftest import bearer, issue_key, start_api

_MB = 1_000_000
_CHUNK = b"x" * (64 * 1024)


def _rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def _post_chunked(url: str, path: str, key: str | None, total_bytes: int) -> tuple[int, int]:
    """POST ``total_bytes`` in chunks (no Content-Length) until the server answers;
    returns the status and how many body bytes were sent by then."""
    parts = urlparse(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        head = f"POST {path} HTTP/1.1\r\nHost: {parts.netloc}\r\nContent-Type: application/json\r\n"
        head += f"Authorization: Bearer {key}\r\n" if key else ""
        sock.sendall((head + "Transfer-Encoding: chunked\r\n\r\n").encode())
        sent = 0
        while sent < total_bytes:
            if select.select([sock], [], [], 0)[0]:
                break  # the server has answered
            try:
                sock.sendall(b"%x\r\n%s\r\n" % (len(_CHUNK), _CHUNK))
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(_CHUNK)
        answer = sock.recv(4096)
    return int(answer.split()[1]), sent


@pytest.fixture(scope="module")
def api_process(tmp_path_factory: pytest.TempPathFactory, module_db_dsn: str):
    log = tmp_path_factory.mktemp("api") / "api.log"
    server, url = start_api(log, module_db_dsn)
    yield server, url, issue_key(module_db_dsn, Role.operator)
    server.terminate()


def test_a_chunked_200_mb_body_is_refused_before_it_is_read(api_process) -> None:
    """413 after at most the limit (1 MB) of a 200 MB chunked body; the server's memory
    grows by less than 20 MB."""
    server, url, key = api_process
    before = _rss_bytes(server.pid)
    status, sent = _post_chunked(url, "/api/v1/twin/predict", key, 200 * _MB)
    grown = _rss_bytes(server.pid) - before
    assert status == 413
    assert sent < 20 * _MB
    assert grown < 20 * _MB, f"RSS grew by {grown / _MB:.1f} MB"


def test_no_key_is_refused_before_the_body_is_read(api_process) -> None:
    """A body without a key is answered 401 at once, whatever its size."""
    server, url, _ = api_process
    before = _rss_bytes(server.pid)
    began = time.monotonic()
    status, sent = _post_chunked(url, "/api/v1/twin/predict", None, 200 * _MB)
    assert status == 401
    assert sent < 20 * _MB and time.monotonic() - began < 10
    assert _rss_bytes(server.pid) - before < 20 * _MB


def _open_stream(url: str, key: str, tag_id: int) -> tuple[int, http.client.HTTPConnection]:
    """A live stream's status, and its connection (left open: the stream goes on)."""
    parts = urlparse(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    connection.request("GET", f"/api/v1/stream?tag_id={tag_id}", headers=bearer(key))
    return connection.getresponse().status, connection


def _refused(url: str, key: str, tag_id: int) -> int:
    """The status of a stream expected to be refused (its connection closed)."""
    status, connection = _open_stream(url, key, tag_id)
    connection.close()
    return status


def test_streams_are_capped_per_key_and_in_all_and_the_rest_answers(
    tmp_path: Path, module_db_dsn: str, tag_ids: dict[str, int]
) -> None:
    """Two streams per key, three in all: a key's third is 429, the server's fourth 503;
    other routes answer meanwhile; a closed stream gives its slot back."""
    env = {
        "MAGNETLINE_API_STREAM_MAX_PER_KEY": "2",
        "MAGNETLINE_API_STREAM_MAX_TOTAL": "3",
        "MAGNETLINE_API_STREAM_POLL_S": "0.1",
        "MAGNETLINE_API_POOL_MAX_SIZE": "2",
    }
    server, url = start_api(tmp_path / "api.log", module_db_dsn, env=env)
    first, second = issue_key(module_db_dsn, Role.viewer), issue_key(module_db_dsn, Role.viewer)
    tag_id = next(iter(tag_ids.values()))
    opened = []
    try:
        for key in (first, first, second):
            status, connection = _open_stream(url, key, tag_id)
            opened.append(connection)
            assert status == 200
        assert _refused(url, first, tag_id) == 429
        assert _refused(url, second, tag_id) == 503
        began = time.monotonic()
        request = urllib.request.Request(f"{url}/api/v1/tags", headers=bearer(first))
        with urllib.request.urlopen(request, timeout=10) as tags:
            assert tags.status == 200 and time.monotonic() - began < 2
        opened.pop().close()
        deadline = time.monotonic() + 10
        while _refused(url, second, tag_id) != 200:
            assert time.monotonic() < deadline, "the closed stream's slot never came back"
            time.sleep(0.2)
    finally:
        for connection in opened:
            connection.close()
        server.terminate()
