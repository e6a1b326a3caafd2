"""Self-signed OPC UA application certificates for the tests, made synchronously so a
module- or session-scoped fixture can make them once (RSA key generation is slow-ish)."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import NamedTuple

from asyncua.crypto import cert_gen
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding


class Identity(NamedTuple):
    """An application's certificate (DER file), private key (PEM file) and SHA-1 thumbprint
    (upper-case hex, as UA tools show it)."""

    cert: Path
    key: Path
    thumbprint: str


def make_identity(
    folder: Path, name: str, application_uri: str, usage: x509.ObjectIdentifier
) -> Identity:
    """A certificate for ``application_uri`` with organization ``name``, used for ``usage``
    (ExtendedKeyUsageOID.CLIENT_AUTH or SERVER_AUTH); files ``<name>_cert.der``, ``_key.pem``."""
    key = cert_gen.generate_private_key()
    cert = cert_gen.generate_self_signed_app_certificate(
        key, application_uri, {"organizationName": name},
        [x509.UniformResourceIdentifier(application_uri), x509.DNSName(socket.gethostname())],
        [usage],
    )  # fmt: skip
    cert_path, key_path = folder / f"{name}_cert.der", folder / f"{name}_key.pem"
    cert_path.write_bytes(cert.public_bytes(Encoding.DER))
    key_path.write_bytes(cert_gen.dump_private_key_as_pem(key))
    return Identity(cert_path, key_path, cert.fingerprint(hashes.SHA1()).hex().upper())
