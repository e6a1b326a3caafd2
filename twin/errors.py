"""Errors raised by the twin.

::

    TwinError
    ├── ParameterError          a parameter set, value or override is wrong
    │   └── UnknownParameterSetError
    └── ScenarioError           a scenario field is out of range
"""

__all__ = ["ParameterError", "ScenarioError", "TwinError", "UnknownParameterSetError"]


class TwinError(Exception):
    """Base class of every error the twin raises on purpose."""


class ParameterError(TwinError, ValueError):
    """A parameter set, a parameter value or an override is not valid."""


class UnknownParameterSetError(ParameterError, KeyError):
    """No parameter set has the requested name; the message lists the known names."""

    def __str__(self):
        return str(self.args[0]) if self.args else ""


class ScenarioError(TwinError, ValueError):
    """A scenario field is missing or out of range."""
