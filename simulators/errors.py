"""Errors of the simulator package.

::

    SimulatorError
    └── ConfigError      bad command line or config file (reported in one line, exit 2)
"""

from __future__ import annotations

__all__ = ["ConfigError", "SimulatorError"]


class SimulatorError(Exception):
    """Base class of the simulator's own errors."""


class ConfigError(SimulatorError):
    """A setting is missing, unknown or out of range; the message says which and how to fix."""
