"""Opening OPC UA sessions for an endpoint: security, credentials, retries with backoff.

With a security policy, the server's certificate is read from its endpoint list (over an
unsecured channel that opens no session) and must be in the PKI folder's trusted list
(``ingest.opcua.trust``) before a secure channel is opened; an unknown one is saved to
rejected/ and refused. Without a certificate of its own, the service makes a self-signed
client certificate once and keeps it in ``<pki>/own`` (it must be trusted on the server,
as for any OPC UA client).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import socket
from collections.abc import Callable

from asyncua import Client, ua
from asyncua.crypto import security_policies, uacrypto
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from ingest.errors import UntrustedCertificateError
from ingest.opcua.trust import Pki, default_pki_dir
from ingest.settings import EndpointSettings

__all__ = ["SESSION_ERRORS", "connect_with_retry", "disconnect_quietly", "open_client"]

logger = logging.getLogger(__name__)

SESSION_ERRORS = (OSError, TimeoutError, ConnectionError, ua.UaError)
_REQUEST_TIMEOUT_S = 10
# asyncua probes the server this often and gives the probe as long to answer; its default
# (1 s) declares a busy server (a long HistoryRead, a burst) lost and drops the session.
_WATCHDOG_S = 10.0
# A lost session is never resumed (the collector opens a new one), so a long timeout only
# leaves orphans on the server after a crash; asyncua asks for an hour, which servers cut
# (asyncua's own to 10 min) with a warning at every connection.
_SESSION_TIMEOUT_MS = 60_000
_FIRST_RETRY_S = 0.5
_MAX_RETRY_S = 10.0


async def open_client(endpoint: EndpointSettings) -> Client:
    """A connected client for ``endpoint`` (raises one of SESSION_ERRORS, or
    UntrustedCertificateError for a server certificate not trusted)."""
    client = Client(endpoint.url, timeout=_REQUEST_TIMEOUT_S, watchdog_intervall=_WATCHDOG_S)
    client.application_uri = "urn:magnetline:ingest"
    client.session_timeout = _SESSION_TIMEOUT_MS
    if endpoint.username:
        client.set_user(endpoint.username)
        client.set_password(endpoint.password or "")
    if endpoint.security_policy != "None":
        await _set_security(client, endpoint)
    await client.connect()
    return client


async def _set_security(client: Client, endpoint: EndpointSettings) -> None:
    """Own certificate, then the server's, checked against the trusted list (raises
    UntrustedCertificateError before any secure channel is opened)."""
    pki = Pki(endpoint.pki_dir or default_pki_dir())
    certificate, private_key = endpoint.certificate, endpoint.private_key
    if certificate is None or private_key is None:
        certificate, private_key = await pki.own_certificate(
            client.application_uri, socket.gethostname()
        )
    policy = getattr(security_policies, f"SecurityPolicy{endpoint.security_policy}")
    mode = getattr(ua.MessageSecurityMode, endpoint.security_mode)
    server_certificate = await _server_certificate(client, policy.URI, mode)
    pki.admit(server_certificate, endpoint.url, endpoint.label, endpoint.trust_on_first_use)
    await client.set_security(
        policy,
        str(certificate),
        str(private_key),
        server_certificate=server_certificate.public_bytes(Encoding.DER),
        mode=mode,
    )


async def _server_certificate(
    client: Client, policy_uri: str, mode: ua.MessageSecurityMode
) -> x509.Certificate:
    """The certificate of the server's endpoint with this policy and mode."""
    endpoints = await client.connect_and_get_server_endpoints()
    found = Client.find_endpoint(endpoints, mode, policy_uri)
    certificate = uacrypto.x509_from_der(found.ServerCertificate)
    if certificate is None:
        raise ua.UaError(f"the server's {mode.name} endpoint offers no certificate")
    return certificate


async def connect_with_retry(
    endpoint: EndpointSettings, stop: asyncio.Event, on_attempt: Callable[[], None]
) -> Client | None:
    """A connected client, retrying with jittered backoff until it works or ``stop`` is set."""
    delay_s = _FIRST_RETRY_S
    refused = ""
    while not stop.is_set():
        on_attempt()
        try:
            return await open_client(endpoint)
        except UntrustedCertificateError as exc:
            # Said once per certificate; it is accepted as soon as someone trusts it.
            logger.log(logging.DEBUG if exc.thumbprint == refused else logging.ERROR, "%s", exc)
            refused, delay_s = exc.thumbprint, _MAX_RETRY_S
        except SESSION_ERRORS as exc:
            logger.warning(
                "%s: cannot connect (%r); retrying in %.1f s", endpoint.label, exc, delay_s
            )
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), delay_s)
        # Jitter keeps many recorders from hammering a server that just came back at once.
        delay_s = min(delay_s * 2, _MAX_RETRY_S) * random.uniform(0.8, 1.2)
    return None


async def disconnect_quietly(client: Client) -> None:
    """Close a session that may already be dead without waiting the full request timeout."""
    try:
        await asyncio.wait_for(client.disconnect(), 3)
    except SESSION_ERRORS:
        client.disconnect_socket()
