"""HTTPS straight from the API (``--ssl-certfile`` / ``--ssl-keyfile``), for a plant
without a reverse proxy in front of it."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
import urllib.request
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from runtime.ports import free_port
from runtime.processes import Process


def _self_signed(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "magnetline test")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "api.pem", folder / "api.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_path.chmod(0o600)
    return cert_path, key_path


def _status(url: str, context: ssl.SSLContext | None = None) -> int:
    with urllib.request.urlopen(url, timeout=5, context=context) as response:
        return response.status


def test_the_api_serves_https_with_a_given_certificate(tmp_path: Path, db_dsn: str) -> None:
    """With a certificate the API answers HTTPS to a client that trusts it, and plain HTTP
    on that port gets nothing."""
    cert, key = _self_signed(tmp_path)
    port = free_port()
    server = Process(
        tmp_path / "api.log", "api", "--port", str(port), "--dsn", db_dsn,
        "--ssl-certfile", str(cert), "--ssl-keyfile", str(key),
    )  # fmt: skip
    context = ssl.create_default_context(cafile=str(cert))
    health = f"https://127.0.0.1:{port}/api/v1/health"
    try:
        server.wait_until("the API over HTTPS", lambda: _answers(health, context), 60)
        assert _status(health, context) == 200
        with pytest.raises(OSError):
            _status(f"http://127.0.0.1:{port}/api/v1/health")
    finally:
        server.terminate()


def _answers(url: str, context: ssl.SSLContext) -> bool:
    try:
        return _status(url, context) == 200
    except OSError:
        return False
