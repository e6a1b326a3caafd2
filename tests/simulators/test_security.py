"""Encrypted sessions with a user, with asyncua's own client (not the ingest code)."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import pytest
from asyncua import Client
from asyncua.crypto.cert_gen import setup_self_signed_certificate
from asyncua.ua.uaerrors import BadUserAccessDenied
from cryptography.x509.oid import ExtendedKeyUsageOID

from simulators.tags import NAMESPACE_URI

TIMEOUT_S = 30.0
CLIENT_URI = "urn:magnetline:test:client"


async def _client_cert(folder: Path) -> tuple[Path, Path]:
    key, cert = folder / "client_key.pem", folder / "client_cert.der"
    await setup_self_signed_certificate(
        key, cert, CLIENT_URI, socket.gethostname(), [ExtendedKeyUsageOID.CLIENT_AUTH],
        {"commonName": "simulator test client"},
    )  # fmt: skip
    return cert, key


async def _secure_client(url: str, tmp_path: Path, user: str, password: str) -> Client:
    cert, key = await _client_cert(tmp_path)
    client = Client(url)
    client.application_uri = CLIENT_URI
    client.set_user(user)
    client.set_password(password)
    await client.set_security_string(f"Basic256Sha256,SignAndEncrypt,{cert},{key}")
    return client


async def test_encrypted_session_with_user(start_server, tmp_path: Path) -> None:
    """Basic256Sha256 SignAndEncrypt with a username works; certificates were made."""
    server = start_server("--user", "operator:s3cret")
    assert (server.data_dir / "pki" / "server_cert.der").is_file()
    client = await _secure_client(server.url, tmp_path, "operator", "s3cret")
    async with asyncio.timeout(TIMEOUT_S), client:
        ns = await client.get_namespace_index(NAMESPACE_URI)
        node = client.get_node(f"ns={ns};s=Line1.Separation.Bank1.FeedFlow")
        first = await node.read_data_value()
        await asyncio.sleep(1.5)
        assert (await node.read_data_value()).SourceTimestamp > first.SourceTimestamp
        endpoints = await client.get_endpoints()
    modes = {(e.SecurityPolicyUri.rsplit("#", 1)[-1], e.SecurityMode.name) for e in endpoints}
    assert {("None", "None_"), ("Basic256Sha256", "SignAndEncrypt")} <= modes


async def test_wrong_password_is_refused(start_server, tmp_path: Path) -> None:
    """A wrong password gets no session."""
    server = start_server("--user", "operator:s3cret")
    client = await _secure_client(server.url, tmp_path, "operator", "wrong")
    with pytest.raises(BadUserAccessDenied):
        async with asyncio.timeout(TIMEOUT_S), client:
            pass
