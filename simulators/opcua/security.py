"""Server certificates (made on first start) and username/password users."""

from __future__ import annotations

import hmac
import logging
import socket
from pathlib import Path

from asyncua import Server, ua
from asyncua.crypto.cert_gen import setup_self_signed_certificate
from asyncua.crypto.permission_rules import User, UserRole
from asyncua.server.user_managers import UserManager
from cryptography.x509.oid import ExtendedKeyUsageOID

__all__ = ["APPLICATION_URI", "PasswordUserManager", "apply_security"]

_log = logging.getLogger(__name__)
APPLICATION_URI = "urn:magnetline:simulator:server"
_POLICIES = {
    "None": ua.SecurityPolicyType.NoSecurity,
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


async def _certificates(server: Server, pki_dir: Path, host: str) -> None:
    pki_dir.mkdir(parents=True, exist_ok=True)
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
    if made:
        _log.info("made server certificate %s", cert)
    await server.load_certificate(str(cert))
    await server.load_private_key(str(key))


async def apply_security(
    server: Server, modes: tuple[str, ...], users: dict[str, str], pki_dir: Path, host: str
) -> None:
    """Set endpoints' security policies, certificates and the identity tokens."""
    policies = [_POLICIES[m] for m in modes]
    if any(p != ua.SecurityPolicyType.NoSecurity for p in policies):
        await _certificates(server, pki_dir, host)
    server.set_security_policy(policies)
    server.set_identity_tokens([ua.UserNameIdentityToken] if users else [ua.AnonymousIdentityToken])
