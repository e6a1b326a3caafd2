"""Engineering units: UNECE Recommendation 20 codes as OPC UA ``EUInformation``.

The OPC UA unit id of a UNECE common code is the code's ASCII bytes packed big-endian
(OPC UA Part 8, 5.6.3), e.g. ``CEL`` (degree Celsius) -> 4408652.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["UNECE_NAMESPACE_URI", "UNITS", "Unit", "unece_unit_id"]

UNECE_NAMESPACE_URI = "http://www.opcfoundation.org/UA/units/un/cefact"


def unece_unit_id(code: str) -> int:
    """Return the OPC UA UnitId of a UNECE common code (up to three characters)."""
    if not 1 <= len(code) <= 3:
        raise ValueError(f"UNECE common code must be 1-3 characters, got {code!r}")
    unit_id = 0
    for char in code:
        unit_id = (unit_id << 8) | ord(char)
    return unit_id


@dataclass(frozen=True)
class Unit:
    """One engineering unit: UNECE common code, display symbol and description."""

    code: str
    symbol: str
    description: str

    @property
    def unit_id(self) -> int:
        """OPC UA UnitId derived from the UNECE code."""
        return unece_unit_id(self.code)


_UNIT_ROWS = [
    ("CEL", "°C", "degree Celsius"),
    ("KEL", "K", "kelvin"),
    ("E93", "kg/h", "kilogram per hour"),
    ("E32", "L/h", "litre per hour"),
    ("D33", "T", "tesla"),
    ("MBR", "mbar", "millibar"),
    ("23", "g/cm³", "gram per cubic centimetre"),
    ("4H", "µm", "micrometre"),
    ("59", "ppm", "part per million"),
    ("P1", "%", "percent"),
    ("C38", "mol/L", "mole per litre"),
    ("C62", "1", "one (dimensionless or count)"),
    ("VLT", "V", "volt"),
    ("KWH", "kWh", "kilowatt hour"),
    ("KWT", "kW", "kilowatt"),
    ("MIN", "min", "minute"),
    ("KGM", "kg", "kilogram"),
    ("MPA", "MPa", "megapascal"),
    ("B24", "kA/m", "kiloampere per metre"),
]

UNITS: dict[str, Unit] = {row[1]: Unit(*row) for row in _UNIT_ROWS}
"""Units by display symbol, the key the signal catalogue uses."""
