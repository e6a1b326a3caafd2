"""Server certificates (made on first start), trusted client certificates and users.

The key is written 0600 in a 0700 ``pki`` folder. With a trusted-clients folder, a session
is opened only for a client whose certificate is in it (the very certificate, compared by
SHA-1 thumbprint, read at each new session so a copied file counts at once); a refused one
is saved to ``pki/rejected/certs`` and logged with its thumbprint. A client on the ``None``
endpoint sends no certificate: leave ``None`` out of the security modes to require one.
"""

from __future__ import annotations

import hmac
import logging
import socket
from pathlib import Path

from asyncua import Server, ua
from asyncua.common.utils import ServiceError
from asyncua.crypto.cert_gen import setup_self_signed_certificate
from asyncua.crypto.permission_rules import User, UserRole
from asyncua.crypto.validator import CertificateValidator, CertificateValidatorOptions
from asyncua.server.user_managers import UserManager
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import ExtendedKeyUsageOID

__all__ = ["APPLICATION_URI", "PasswordUserManager", "TrustedClients", "apply_security"]

_log = logging.getLogger(__name__)
APPLICATION_URI = "urn:magnetline:simulator:server"
_POLICIES = {
    "None": ua.SecurityPolicyType.NoSecurity,
    "Basic256Sha256_Sign": ua.SecurityPolicyType.Basic256Sha256_Sign,
    "Basic256Sha256_SignAndEncrypt": ua.SecurityPolicyType.Basic256Sha256_SignAndEncrypt,
}


class PasswordUserManager(UserManager):
    """Accepts the configured users (read-only role); anonymous only when there are none."""

    def __init__(self, users: dict[str, str]) -> None:
        self.users = dict(users)

    def get_user(self, iserver, username=None, password=None, certificate=None):
        """Return the user for valid credentials, else ``None`` (access denied)."""
        if not self.users:
            return User(role=UserRole.User)
        expected = self.users.get(username or "")
        if expected is not None and hmac.compare_digest(expected, password or ""):
            return User(role=UserRole.User, name=username)
        return None


def _thumbprint(cert: x509.Certificate) -> str:
    return cert.fingerprint(hashes.SHA1()).hex().upper()


class TrustedClients:
    """Certificate validator: the certificate is in ``folder`` and valid for its client
    (time range, application URI); else BadCertificateUntrusted / asyncua's own status."""

    def __init__(self, folder: Path, rejected: Path) -> None:
        self.folder, self.rejected = folder, rejected
        self._basic = CertificateValidator(
            CertificateValidatorOptions.BASIC_VALIDATION | CertificateValidatorOptions.PEER_CLIENT
        )

    async def __call__(self, cert: x509.Certificate, client: ua.ApplicationDescription) -> None:
        thumb = _thumbprint(cert)
        if thumb not in self._trusted():
            self.rejected.mkdir(parents=True, exist_ok=True)
            saved = self.rejected / f"{thumb}.der"
            saved.write_bytes(cert.public_bytes(Encoding.DER))
            _log.warning(
                "client %s refused: certificate not trusted: thumbprint %s, subject %s; "
                "saved to %s; copy it into %s to trust it",
                client.ApplicationUri, thumb, cert.subject.rfc4514_string(), saved, self.folder,
            )  # fmt: skip
            raise ServiceError(ua.StatusCodes.BadCertificateUntrusted)
        await self._basic(cert, client)

    def _trusted(self) -> set[str]:
        return {_thumbprint(c) for c in map(_certificate, self.folder.iterdir()) if c is not None}


def _certificate(path: Path) -> x509.Certificate | None:
    """The certificate in ``path`` (DER, or PEM by its suffix); None if it holds none."""
    pem = path.suffix.lower() == ".pem"
    load = x509.load_pem_x509_certificate if pem else x509.load_der_x509_certificate
    try:
        return load(path.read_bytes()) if path.is_file() else None
    except ValueError:
        return None


async def _certificates(server: Server, pki_dir: Path, host: str) -> None:
    pki_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    pki_dir.chmod(0o700)
    key, cert = pki_dir / "server_key.pem", pki_dir / "server_cert.der"
    made = not cert.is_file()
    await setup_self_signed_certificate(
        key,
        cert,
        APPLICATION_URI,
        socket.gethostname(),
        [ExtendedKeyUsageOID.SERVER_AUTH],
        {
            "countryName": "IN",
            "organizationName": "magnetline",
            "commonName": "magnet line simulator",
        },
    )
    key.chmod(0o600)
    if made:
        _log.info("made server certificate %s", cert)
    await server.load_certificate(str(cert))
    await server.load_private_key(str(key))


async def apply_security(
    server: Server,
    modes: tuple[str, ...],
    users: dict[str, str],
    pki_dir: Path,
    host: str,
    trusted_clients: Path | None = None,
) -> None:
    """Set endpoints' security policies, certificates, client trust and identity tokens."""
    policies = [_POLICIES[m] for m in modes]
    if any(p != ua.SecurityPolicyType.NoSecurity for p in policies):
        await _certificates(server, pki_dir, host)
    if trusted_clients is not None:
        server.set_certificate_validator(
            TrustedClients(trusted_clients, pki_dir / "rejected" / "certs")
        )
        if "None" in modes:
            _log.warning("the None endpoint takes clients without a certificate")
    server.set_security_policy(policies)
    server.set_identity_tokens([ua.UserNameIdentityToken] if users else [ua.AnonymousIdentityToken])
