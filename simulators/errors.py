"""Errors of the simulator package.

::

    SimulatorError
    ├── ConfigError      bad command line or config file (reported in one line, exit 2)
    └── StateFileError   the data dir's state file cannot be read (one line, exit 2)
"""

from __future__ import annotations

__all__ = ["ConfigError", "SimulatorError", "StateFileError"]


class SimulatorError(Exception):
    """Base class of the simulator's own errors."""


class ConfigError(SimulatorError):
    """A setting is missing, unknown or out of range; the message says which and how to fix."""


class StateFileError(SimulatorError):
    """The data dir's ``state.json`` exists but is not readable; the message says what to do."""
