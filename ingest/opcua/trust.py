"""The recorder's PKI folder: its own certificate, and the server certificates it trusts.

Laid out as OPC UA stacks keep it::

    <pki>/own/ingest_cert.der, ingest_key.pem   the recorder's own (key 0600, folders 0700)
    <pki>/trusted/certs/                        server certificates the recorder accepts
    <pki>/rejected/certs/                       certificates it refused, kept for `trust`
    <pki>/first_use.json                        endpoint URL -> thumbprint trusted on first use

A server certificate is trusted when a file in ``trusted/certs`` (DER or PEM, any name)
holds that very certificate, compared by its SHA-1 thumbprint as UA tools show it
(40 upper-case hex digits). Issuer chains are not followed: each server is trusted on its own.
"""

from __future__ import annotations

import json
import logging
import os
import shlex
from dataclasses import dataclass
from pathlib import Path

from asyncua.crypto.cert_gen import setup_self_signed_certificate
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import ExtendedKeyUsageOID

from ingest.errors import ConfigError, UntrustedCertificateError
from runtime.state import default_state_dir

__all__ = ["Pki", "default_pki_dir", "subject", "thumbprint"]

logger = logging.getLogger(__name__)

_PRIVATE_DIR = 0o700
_PRIVATE_FILE = 0o600


def default_pki_dir() -> Path:
    """``$MAGNETLINE_STATE_DIR/pki``."""
    return default_state_dir() / "pki"


def thumbprint(cert: x509.Certificate) -> str:
    """SHA-1 of the DER certificate, upper-case hex, as UA tools show it."""
    return cert.fingerprint(hashes.SHA1()).hex().upper()


def subject(cert: x509.Certificate) -> str:
    """The certificate's subject, ``CN=...,O=...``."""
    return cert.subject.rfc4514_string()


def _private_dir(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True, mode=_PRIVATE_DIR)
    path.chmod(_PRIVATE_DIR)


def _load(path: Path) -> x509.Certificate | None:
    data = path.read_bytes()
    try:
        if path.suffix.lower() == ".pem":
            return x509.load_pem_x509_certificate(data)
        return x509.load_der_x509_certificate(data)
    except ValueError:
        logger.warning("%s is not a certificate; ignored", path)
        return None


@dataclass(frozen=True)
class Pki:
    """One PKI folder (``root``); made on first use."""

    root: Path

    @property
    def own(self) -> Path:
        return self.root / "own"

    @property
    def trusted(self) -> Path:
        return self.root / "trusted" / "certs"

    @property
    def rejected(self) -> Path:
        return self.root / "rejected" / "certs"

    async def own_certificate(self, application_uri: str, host_name: str) -> tuple[Path, Path]:
        """(certificate, private key) of the recorder, made self-signed when missing."""
        _private_dir(self.root)
        _private_dir(self.own)
        cert, key = self.own / "ingest_cert.der", self.own / "ingest_key.pem"
        self._adopt_legacy(cert, key)
        await setup_self_signed_certificate(
            key, cert, application_uri, host_name, [ExtendedKeyUsageOID.CLIENT_AUTH],
            {"organizationName": "magnetline"},
        )  # fmt: skip
        key.chmod(_PRIVATE_FILE)
        return cert, key

    def _adopt_legacy(self, cert: Path, key: Path) -> None:
        """Move the pair older versions kept in ``<pki>/`` (servers already trust it)."""
        old_cert, old_key = self.root / cert.name, self.root / key.name
        if old_cert.is_file() and old_key.is_file() and not key.exists():
            old_key.chmod(_PRIVATE_FILE)
            old_key.rename(key)
            old_cert.rename(cert)
            logger.info("moved the recorder's certificate and key to %s", self.own)

    def certificates(self, folder: Path) -> dict[str, tuple[x509.Certificate, Path]]:
        """Thumbprint -> (certificate, file) of every certificate in ``folder``."""
        found = {}
        for path in sorted(folder.glob("*")) if folder.is_dir() else []:
            if path.suffix.lower() in (".der", ".pem", ".crt", ".cer"):
                cert = _load(path)
                if cert is not None:
                    found[thumbprint(cert)] = (cert, path)
        return found

    def admit(self, cert: x509.Certificate, url: str, label: str, first_use: bool) -> None:
        """Return if ``cert`` is trusted (or trusted now on first use), else raise
        UntrustedCertificateError with the line that says how to trust it."""
        thumb = thumbprint(cert)
        if thumb in self.certificates(self.trusted):
            return
        if first_use and url not in self._first_use():
            path = self._save(self.trusted, cert)
            self._record_first_use(url, thumb)
            logger.warning(
                "%s: trusted the server certificate %s (%s) on first use; saved to %s",
                label, thumb, subject(cert), path,
            )  # fmt: skip
            return
        path = self._save(self.rejected, cert)
        raise UntrustedCertificateError(
            f"{label}: server certificate not trusted, no session opened: thumbprint {thumb}, "
            f"subject {subject(cert)}; saved to {path}; to trust it: {self.trust_command(thumb)}",
            thumb,
        )

    def trust_command(self, thumb: str) -> str:
        """The command line that trusts the rejected certificate ``thumb``."""
        default = self.root == default_pki_dir()
        where = "" if default else f" --pki-dir {shlex.quote(str(self.root))}"
        return f"python -m ingest trust{where} {thumb}"

    def trust(self, wanted: str) -> Path:
        """Move the rejected certificate whose thumbprint is (or starts with) ``wanted``
        to trusted/; its new path. ConfigError if none or several match."""
        wanted = wanted.replace(":", "").upper()
        trusted = [p for t, (_, p) in self.certificates(self.trusted).items() if t == wanted]
        if trusted:
            return trusted[0]
        matches = [(t, c, p) for t, (c, p) in self.certificates(self.rejected).items()
                   if t.startswith(wanted)]  # fmt: skip
        if len(matches) != 1:
            how = "no" if not matches else "more than one"
            raise ConfigError(
                f"{how} rejected certificate with thumbprint {wanted} in {self.rejected}; "
                "see python -m ingest trust --list"
            )
        thumb, cert, path = matches[0]
        saved = self._save(self.trusted, cert)
        path.unlink()
        logger.debug("trusted %s (%s): %s", thumb, subject(cert), saved)
        return saved

    def _save(self, folder: Path, cert: x509.Certificate) -> Path:
        for part in (self.root, folder.parent, folder):
            _private_dir(part)
        path = folder / f"{thumbprint(cert)}.der"
        path.write_bytes(cert.public_bytes(Encoding.DER))
        return path

    def _first_use(self) -> dict[str, str]:
        path = self.root / "first_use.json"
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}

    def _record_first_use(self, url: str, thumb: str) -> None:
        path = self.root / "first_use.json"
        record = {**self._first_use(), url: thumb}
        partial = path.with_suffix(".partial")
        partial.write_text(json.dumps(record, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(partial, path)
