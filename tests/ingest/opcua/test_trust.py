"""The recorder trusts only server certificates in its PKI folder: real sessions over TCP."""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import stat
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from asyncua import Server, ua
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from ingest import settings as ingest_settings
from ingest.cli import main as ingest_main
from ingest.errors import UntrustedCertificateError
from ingest.opcua import connection
from ingest.opcua.connection import connect_with_retry, disconnect_quietly, open_client
from ingest.opcua.trust import Pki
from ingest.settings import EndpointSettings
from runtime.ports import free_port
from tests.certificates import Identity, make_identity

TIMEOUT_S = 20.0
SERVER_URI = "urn:magnetline:test:server"
POLICIES = [
    ua.SecurityPolicyType.NoSecurity,
    ua.SecurityPolicyType.Basic256Sha256_Sign,
    ua.SecurityPolicyType.Basic256Sha256_SignAndEncrypt,
]
# One server for the module: an asyncua server takes seconds to build its address space.
module_loop = pytest.mark.asyncio(loop_scope="module")


@pytest.fixture(scope="module")
def identities(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Identity]:
    """Two server certificates, made once for the module (RSA key generation is slow-ish)."""
    folder = tmp_path_factory.mktemp("server_pki")
    return {
        name: make_identity(folder, name, SERVER_URI, ExtendedKeyUsageOID.SERVER_AUTH)
        for name in ("plant", "impostor")
    }


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def plant_server(identities) -> AsyncIterator[str]:
    """A small asyncua server with the "plant" certificate (None, Sign, SignAndEncrypt); its URL."""
    url = f"opc.tcp://127.0.0.1:{free_port()}/"
    server = Server()
    await server.init()
    server.set_endpoint(url)
    await server.set_application_uri(SERVER_URI)
    await server.load_certificate(str(identities["plant"].cert))
    await server.load_private_key(str(identities["plant"].key))
    server.set_security_policy(POLICIES)
    await server.start()
    yield url
    await server.stop()


def _endpoint(url: str, pki: Path, mode: str = "SignAndEncrypt", **extra) -> EndpointSettings:
    return EndpointSettings(
        url=url, security_policy="Basic256Sha256", security_mode=mode, pki_dir=pki, **extra
    )


async def _read_state(endpoint: EndpointSettings) -> ua.ServerState:
    async with asyncio.timeout(TIMEOUT_S):
        client = await open_client(endpoint)
        try:
            return await client.get_node(ua.ObjectIds.Server_ServerStatus_State).read_value()
        finally:
            await disconnect_quietly(client)


@module_loop
async def test_unknown_certificate_refused_then_trusted(
    plant_server: str, identities, tmp_path: Path, capsys
) -> None:
    """An unknown server certificate is refused with one line naming its thumbprint, where it
    was saved and the command that trusts it; after that command the session opens."""
    pki, thumb = tmp_path / "pki", identities["plant"].thumbprint
    with pytest.raises(UntrustedCertificateError) as refused:
        await _read_state(_endpoint(plant_server, pki))
    message = str(refused.value)
    saved = pki / "rejected" / "certs" / f"{thumb}.der"
    assert "\n" not in message and saved.is_file()
    assert f"thumbprint {thumb}" in message and "O=plant" in message and str(saved) in message
    assert f"python -m ingest trust --pki-dir {pki} {thumb}" in message

    assert ingest_main(["trust", "--list", "--pki-dir", str(pki)]) == 0
    assert f"rejected  {thumb}" in capsys.readouterr().out
    assert ingest_main(["trust", "--pki-dir", str(pki), thumb.lower()[:10]]) == 0
    assert not saved.exists() and (pki / "trusted" / "certs" / f"{thumb}.der").is_file()
    assert await _read_state(_endpoint(plant_server, pki)) == ua.ServerState.Running


@module_loop
async def test_running_recorder_connects_once_trusted(
    plant_server: str, identities, tmp_path: Path, caplog, monkeypatch
) -> None:
    """A refused recorder says so once (one ERROR line over its retries), keeps trying and
    opens its session as soon as the certificate is trusted, without a restart."""
    monkeypatch.setattr(connection, "_MAX_RETRY_S", 0.1)
    pki, thumb, attempts = tmp_path / "pki", identities["plant"].thumbprint, []

    def on_attempt() -> None:
        attempts.append(len(attempts))
        if len(attempts) == 4:
            Pki(pki).trust(thumb)

    async with asyncio.timeout(TIMEOUT_S):
        client = await connect_with_retry(_endpoint(plant_server, pki), asyncio.Event(), on_attempt)
    assert client is not None
    await disconnect_quietly(client)
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(attempts) == 4 and len(errors) == 1 and f"thumbprint {thumb}" in errors[0]


@module_loop
async def test_recorder_key_is_private(plant_server: str, tmp_path: Path) -> None:
    """The key the recorder makes is 0600 in 0700 folders; a None endpoint makes nothing."""
    pki = tmp_path / "pki"
    plain = EndpointSettings(url=plant_server)
    assert await _read_state(plain) == ua.ServerState.Running
    assert not pki.exists()
    with pytest.raises(UntrustedCertificateError):
        await _read_state(_endpoint(plant_server, pki))
    assert stat.S_IMODE((pki / "own" / "ingest_key.pem").stat().st_mode) == 0o600
    assert stat.S_IMODE((pki / "own").stat().st_mode) == 0o700
    assert stat.S_IMODE(pki.stat().st_mode) == 0o700


@module_loop
async def test_sign_and_sign_and_encrypt(plant_server: str, identities, tmp_path: Path) -> None:
    """With the server certificate trusted, Sign and SignAndEncrypt sessions both open."""
    pki = tmp_path / "pki"
    (pki / "trusted" / "certs").mkdir(parents=True)
    shutil.copy(identities["plant"].cert, pki / "trusted" / "certs" / "plant.der")
    for mode in ("Sign", "SignAndEncrypt"):
        assert await _read_state(_endpoint(plant_server, pki, mode)) == ua.ServerState.Running


def test_trust_on_first_use(identities, tmp_path: Path, caplog) -> None:
    """With trust_on_first_use, the first certificate of an endpoint is trusted and said so;
    another certificate on the same endpoint later is refused, and on another endpoint trusted."""
    plant, impostor = (
        x509.load_der_x509_certificate(identities[name].cert.read_bytes())
        for name in ("plant", "impostor")
    )
    pki, url = Pki(tmp_path / "pki"), "opc.tcp://line-1:4840/"
    with caplog.at_level(logging.WARNING, logger="ingest.opcua.trust"):
        pki.admit(plant, url, "line-1", first_use=True)
    thumb = identities["plant"].thumbprint
    assert f"{thumb} (O=plant,CN={SERVER_URI}) on first use" in caplog.text
    pki.admit(plant, url, "line-1", first_use=True)
    with pytest.raises(UntrustedCertificateError) as refused:
        pki.admit(impostor, url, "line-1", first_use=True)
    assert refused.value.thumbprint == identities["impostor"].thumbprint
    assert list(pki.certificates(pki.trusted)) == [thumb]
    pki.admit(impostor, "opc.tcp://line-2:4840/", "line-2", first_use=True)
    assert len(pki.certificates(pki.trusted)) == 2


@module_loop
async def test_check_refuses_unknown_certificate(
    plant_server: str, identities, tmp_path: Path
) -> None:
    """`ingest check` refuses an unknown certificate: exit status 2, the same one line,
    in the PKI folder under the state directory by default."""
    config = tmp_path / "ingest.toml"
    config.write_text(
        f'[[endpoint]]\nurl = "{plant_server}"\n'
        'security_policy = "Basic256Sha256"\nsecurity_mode = "SignAndEncrypt"\n'
    )
    env = {**os.environ, "MAGNETLINE_STATE_DIR": str(tmp_path / "state")}
    check = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "ingest", "--log-level", "WARNING", "check", "--config", str(config),
        env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    async with asyncio.timeout(TIMEOUT_S):
        _out, err = await check.communicate()
    thumb = identities["plant"].thumbprint
    assert check.returncode == 2, err.decode()
    assert err.decode().splitlines() == [
        f"error: {plant_server}: server certificate not trusted, no session opened: "
        f"thumbprint {thumb}, subject O=plant,CN={SERVER_URI}; "
        f"saved to {tmp_path / 'state' / 'pki' / 'rejected' / 'certs' / thumb}.der; "
        f"to trust it: python -m ingest trust {thumb}"
    ]


def test_endpoints_inherit_global_trust_settings(tmp_path: Path) -> None:
    """pki_dir and trust_on_first_use given globally apply to endpoints that do not set them."""
    loaded = ingest_settings.load(
        None,
        {
            "pki_dir": str(tmp_path / "global"),
            "trust_on_first_use": True,
            "endpoint": [
                {"url": "opc.tcp://a:4840/"},
                {"url": "opc.tcp://b:4840/", "pki_dir": str(tmp_path / "own"),
                 "trust_on_first_use": False},
            ],
        },
    )  # fmt: skip
    first, second = loaded.endpoint
    assert (first.pki_dir, first.trust_on_first_use) == (tmp_path / "global", True)
    assert (second.pki_dir, second.trust_on_first_use) == (tmp_path / "own", False)
    assert Pki(tmp_path / "global").trust_command("AB") == (
        f"python -m ingest trust --pki-dir {tmp_path / 'global'} AB"
    )
