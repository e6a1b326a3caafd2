"""Names shared by the model's outputs and the OPC UA address space."""

from __future__ import annotations

__all__ = ["LOT_STAGE", "LOT_VARIABLE", "NAMESPACE_URI", "lot_variable_path"]

NAMESPACE_URI = "urn:magnetline:simulator"
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
    return f"{line}.{LOT_STAGE[lot_kind]}.Lots.{LOT_VARIABLE}"
