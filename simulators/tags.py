"""Names shared by the model's outputs and the OPC UA address space."""

from __future__ import annotations

__all__ = [
    "EVENT_TYPE_NAME",
    "LOTS_FOLDER",
    "LOT_STAGE",
    "LOT_VARIABLE",
    "NAMESPACE_URI",
    "lot_variable_path",
]

NAMESPACE_URI = "urn:magnetline:simulator"
EVENT_TYPE_NAME = "MagnetLineEventType"
"""Browse name of the OPC UA event type of every plant event."""
LOTS_FOLDER = "Lots"
LOT_VARIABLE = "LastLot"
LOT_STAGE = {
    "oxide": "Separation",
    "alloy": "Separation",
    "furnace_load": "Sintering",
    "magnetized": "Magnetization",
}
"""Stage whose ``Lots.LastLot`` variable publishes each kind of lot."""


def lot_variable_path(line: str, lot_kind: str) -> str:
    """Path of the variable that publishes finished lots of ``lot_kind`` for ``line``."""
    return f"{line}.{LOT_STAGE[lot_kind]}.{LOTS_FOLDER}.{LOT_VARIABLE}"
