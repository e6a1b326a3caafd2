"""Publishing the plant over OPC UA with asyncua."""

from simulators.opcua.server import SimulatorServer, endpoint_url

__all__ = ["SimulatorServer", "endpoint_url"]
