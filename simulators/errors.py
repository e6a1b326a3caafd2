"""Errors of the simulator package.

::

    SimulatorError
    ├── ConfigError      bad command line or config file (reported in one line, exit 2)
    └── StateFileError   the data dir cannot be continued: its state file cannot be read, or
                         its saved history lies ahead of the clock (one line, exit 2)
"""

from __future__ import annotations

__all__ = ["ConfigError", "SimulatorError", "StateFileError"]


class SimulatorError(Exception):
    """Base class of the simulator's own errors."""


class ConfigError(SimulatorError):
    """A setting is missing, unknown or out of range; the message says which and how to fix."""


class StateFileError(SimulatorError):
    """The data dir cannot be continued (``state.json`` unreadable, or history saved ahead of
    the clock); the message says what to do."""
