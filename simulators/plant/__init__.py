"""The plant model: a seeded stand-in for a real NdFeB line (no OPC UA, no I/O)."""

from simulators.plant.plant import Plant, PlantLayout, SignalRef, TextRef

__all__ = ["Plant", "PlantLayout", "SignalRef", "TextRef"]
