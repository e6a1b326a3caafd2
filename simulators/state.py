"""What a data dir carries from one simulator process to the next (``state.json``).

Lot numbers and event sequence numbers continue where the last process stopped, so that no
lot id and no event id is ever used twice by one data dir. The file is small and rewritten
atomically (temporary file, fsync, rename) whenever a step finished a lot or produced an
event, before that step is published: a crash can lose history, but never makes the next
process hand out a number a client has already seen.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from simulators.errors import StateFileError
from simulators.events import SOURCE_ID_BYTES

__all__ = ["STATE_FILE", "CarriedState", "read_state", "write_state"]

STATE_FILE = "state.json"
_FORMAT = "magnetline-simulator-state/1"


@dataclass
class CarriedState:
    """Counters that must continue across processes on one data dir."""

    source_id: bytes  # 8 bytes, first half of every EventId
    next_event_sequence: int = 1
    last_event_us: int = -1  # time of the last event handed out [µs since the epoch]
    lot_counters: dict[str, dict[str, int]] = field(default_factory=dict)  # line -> prefix -> n

    def to_json(self) -> str:
        """The file's text."""
        return json.dumps(
            {
                "format": _FORMAT,
                "source_id": self.source_id.hex(),
                "next_event_sequence": self.next_event_sequence,
                "last_event_us": self.last_event_us,
                "lot_counters": self.lot_counters,
            },
            indent=1,
        )

    @classmethod
    def from_json(cls, text: str) -> CarriedState:
        """Parse the file's text; ``ValueError`` or ``KeyError`` when it is not one."""
        data = json.loads(text)
        if data.get("format") != _FORMAT:
            raise ValueError(f"format is {data.get('format')!r}, expected {_FORMAT!r}")
        return cls(
            bytes.fromhex(data["source_id"]),
            int(data["next_event_sequence"]),
            int(data["last_event_us"]),
            {line: {k: int(n) for k, n in c.items()} for line, c in data["lot_counters"].items()},
        )


def read_state(data_dir: Path) -> CarriedState:
    """The data dir's state; a new one (fresh random source id) when there is none yet.

    An unreadable file is an error, not a fresh start: starting over would reuse lot ids.
    """
    path = Path(data_dir) / STATE_FILE
    if not path.exists():
        return CarriedState(os.urandom(SOURCE_ID_BYTES))
    try:
        return CarriedState.from_json(path.read_text(encoding="utf-8"))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise StateFileError(
            f"cannot read {path} ({exc}); it keeps lot and event numbers from reuse: "
            "restore it, or remove it only if this data dir's ids may start again"
        ) from exc


def write_state(data_dir: Path, state: CarriedState) -> None:
    """Replace the data dir's state file atomically."""
    path = Path(data_dir) / STATE_FILE
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(state.to_json())
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
