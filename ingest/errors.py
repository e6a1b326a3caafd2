"""Errors of the ingest package, one tree so callers can catch at the depth they need.
(The database's own errors are ``store.errors``.)

IngestError
├── ConfigError           a setting or config file is wrong (names the key and the file)
└── OpcUaError            an OPC UA server cannot be reached or browsed
"""

from __future__ import annotations

__all__ = ["ConfigError", "IngestError", "OpcUaError"]


class IngestError(Exception):
    """Base of every error the ingest service raises on purpose."""


class ConfigError(IngestError):
    """A setting, a config file or a command-line argument is wrong."""


class OpcUaError(IngestError):
    """An OPC UA server cannot be reached, browsed or subscribed."""
