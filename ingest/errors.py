"""Errors of the ingest package, one tree so callers can catch at the depth they need.
(The database's own errors are ``store.errors``.)

IngestError
├── ConfigError           a setting or config file is wrong (names the key and the file)
└── OpcUaError            an OPC UA server cannot be reached or browsed
    └── UntrustedCertificateError   its certificate is not in the recorder's trusted list
"""

from __future__ import annotations

__all__ = ["ConfigError", "IngestError", "OpcUaError", "UntrustedCertificateError"]


class IngestError(Exception):
    """Base of every error the ingest service raises on purpose."""


class ConfigError(IngestError):
    """A setting, a config file or a command-line argument is wrong."""


class OpcUaError(IngestError):
    """An OPC UA server cannot be reached, browsed or subscribed."""


class UntrustedCertificateError(OpcUaError):
    """A server offered a certificate the recorder does not trust; no session was opened."""

    def __init__(self, message: str, thumbprint: str) -> None:
        super().__init__(message)
        self.thumbprint = thumbprint
