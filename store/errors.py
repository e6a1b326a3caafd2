"""Errors of the store package, one tree so callers can catch at the depth they need.

StoreError
└── DatabaseSetupError    the database cannot be installed, started, reached or migrated
"""

from __future__ import annotations

__all__ = ["DatabaseSetupError", "StoreError"]


class StoreError(Exception):
    """Base of every error the store raises on purpose."""


class DatabaseSetupError(StoreError):
    """The database cannot be installed, started, reached or migrated."""
