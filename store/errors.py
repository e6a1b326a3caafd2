"""Errors of the store package, one tree so callers can catch at the depth they need.

StoreError
├── DatabaseSetupError    the database cannot be installed, started, reached or migrated
└── LineExportError       nothing to export for the window or endpoint asked
"""

from __future__ import annotations

__all__ = ["DatabaseSetupError", "LineExportError", "StoreError"]


class StoreError(Exception):
    """Base of every error the store raises on purpose."""


class DatabaseSetupError(StoreError):
    """The database cannot be installed, started, reached or migrated."""


class LineExportError(StoreError):
    """The historian holds nothing to export for what was asked; the message says why."""
