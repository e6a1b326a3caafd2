"""NdFeB magnet line simulator: a seeded plant model published over OPC UA.

``python -m simulators serve`` publishes it live; ``python -m simulators run`` writes a
whole run to files. The plant model does not import ``twin`` or ``ingest``.
"""

from simulators.config import SimConfig, load_config
from simulators.errors import ConfigError, SimulatorError
from simulators.profiles import PROFILES, RouteProfile, get_profile
from simulators.simulation import Simulation, StepOutput
from simulators.tags import NAMESPACE_URI, lot_variable_path

__all__ = [
    "NAMESPACE_URI",
    "PROFILES",
    "ConfigError",
    "RouteProfile",
    "SimConfig",
    "Simulation",
    "SimulatorError",
    "StepOutput",
    "get_profile",
    "load_config",
    "lot_variable_path",
]
