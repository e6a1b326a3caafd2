"""Errors of the ingest package, one tree so callers can catch at the depth they need.

IngestError
├── ConfigError           a setting or config file is wrong (names the key and the file)
├── DatabaseSetupError    the database cannot be installed, started or migrated
└── OpcUaError            an OPC UA server cannot be reached or browsed
"""

from __future__ import annotations

__all__ = ["ConfigError", "DatabaseSetupError", "IngestError", "OpcUaError"]


class IngestError(Exception):
    """Base of every error the ingest service raises on purpose."""


class ConfigError(IngestError):
    """A setting, a config file or a command-line argument is wrong."""


class DatabaseSetupError(IngestError):
    """The database cannot be installed, started, reached or migrated."""


class OpcUaError(IngestError):
    """An OPC UA server cannot be reached, browsed or subscribed."""
