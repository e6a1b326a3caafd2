"""Signed and encrypted sessions, users and trusted client certificates, with asyncua's own
client (not the ingest code)."""

from __future__ import annotations

import asyncio
import shutil
import stat
from pathlib import Path

import pytest
from asyncua import Client
from asyncua.ua.uaerrors import BadCertificateUntrusted, BadUserAccessDenied
from cryptography.x509.oid import ExtendedKeyUsageOID

from simulators.config import SimConfig, load_config
from simulators.errors import ConfigError
from simulators.tags import NAMESPACE_URI
from tests.certificates import Identity, make_identity

TIMEOUT_S = 30.0
CLIENT_URI = "urn:magnetline:test:client"


@pytest.fixture(scope="module")
def identities(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Identity]:
    """Two client certificates, made once for the module (RSA key generation is slow-ish)."""
    folder = tmp_path_factory.mktemp("client_pki")
    return {
        name: make_identity(folder, name, CLIENT_URI, ExtendedKeyUsageOID.CLIENT_AUTH)
        for name in ("operator", "stranger")
    }


async def _secure_client(
    url: str, identity: Identity, user: str, password: str, mode: str = "SignAndEncrypt"
) -> Client:
    client = Client(url)
    client.application_uri = CLIENT_URI
    client.set_user(user)
    client.set_password(password)
    await client.set_security_string(f"Basic256Sha256,{mode},{identity.cert},{identity.key}")
    return client


async def test_encrypted_session_with_user(start_server, identities) -> None:
    """Basic256Sha256 SignAndEncrypt with a username works; None, Sign and SignAndEncrypt
    endpoints are offered; the certificate was made, its key 0600 in a 0700 folder."""
    server = start_server("--user", "operator:s3cret")
    pki = server.data_dir / "pki"
    assert (pki / "server_cert.der").is_file()
    assert stat.S_IMODE((pki / "server_key.pem").stat().st_mode) == 0o600
    assert stat.S_IMODE(pki.stat().st_mode) == 0o700
    client = await _secure_client(server.url, identities["operator"], "operator", "s3cret")
    async with asyncio.timeout(TIMEOUT_S), client:
        ns = await client.get_namespace_index(NAMESPACE_URI)
        node = client.get_node(f"ns={ns};s=Line1.Separation.Bank1.FeedFlow")
        first = await node.read_data_value()
        await asyncio.sleep(1.5)
        assert (await node.read_data_value()).SourceTimestamp > first.SourceTimestamp
        endpoints = await client.get_endpoints()
    modes = {(e.SecurityPolicyUri.rsplit("#", 1)[-1], e.SecurityMode.name) for e in endpoints}
    assert {
        ("None", "None_"),
        ("Basic256Sha256", "Sign"),
        ("Basic256Sha256", "SignAndEncrypt"),
    } <= modes


async def test_wrong_password_is_refused(start_server, identities) -> None:
    """A wrong password gets no session."""
    server = start_server("--user", "operator:s3cret")
    client = await _secure_client(server.url, identities["operator"], "operator", "wrong")
    with pytest.raises(BadUserAccessDenied):
        async with asyncio.timeout(TIMEOUT_S), client:
            pass


async def test_only_trusted_client_certificates(start_server, identities, tmp_path: Path) -> None:
    """With --trust-dir, a client certificate in that folder gets Sign and SignAndEncrypt
    sessions; another is refused (BadCertificateUntrusted), logged and saved to rejected/."""
    trusted = tmp_path / "trusted-clients"
    trusted.mkdir()
    shutil.copy(identities["operator"].cert, trusted / "operator.der")
    server = start_server(
        "--user", "operator:s3cret", "--trust-dir", str(trusted),
        "--security", "Basic256Sha256_Sign,Basic256Sha256_SignAndEncrypt",
    )  # fmt: skip
    for mode in ("Sign", "SignAndEncrypt"):
        client = await _secure_client(
            server.url, identities["operator"], "operator", "s3cret", mode
        )
        async with asyncio.timeout(TIMEOUT_S), client:
            assert await client.get_namespace_index(NAMESPACE_URI) > 0
    stranger = await _secure_client(server.url, identities["stranger"], "operator", "s3cret")
    with pytest.raises(BadCertificateUntrusted):
        async with asyncio.timeout(TIMEOUT_S), stranger:
            pass
    thumb = identities["stranger"].thumbprint
    line = server.wait_for(f"certificate not trusted: thumbprint {thumb}", 5.0)
    assert f"copy it into {trusted} to trust it" in line
    assert (server.data_dir / "pki" / "rejected" / "certs" / f"{thumb}.der").is_file()


def test_trusted_clients_dir_is_checked(tmp_path: Path) -> None:
    """trusted_clients_dir is read from the file, must be a folder and needs a signed mode."""
    config = tmp_path / "sim.toml"
    config.write_text(f'[simulator]\ntrusted_clients_dir = "{tmp_path}"\n')
    assert load_config(config).validate().trusted_clients_dir == tmp_path
    with pytest.raises(ConfigError, match="is not a folder"):
        SimConfig(trusted_clients_dir=tmp_path / "missing").validate()
    with pytest.raises(ConfigError, match="needs a Basic256Sha256 mode"):
        SimConfig(trusted_clients_dir=tmp_path, security=("None",)).validate()
