"""Events as the simulator publishes them: each plant event with its exact time and id.

A ``PlantEvent`` says what happened in a step; ``EventStamper`` turns it into a
``StampedEvent``, the one record that is sent live over OPC UA, kept in history, saved with
it and written to the ground truth, so all of them carry the same fields.

Times: an event gets its step's time in integer microseconds, raised to one microsecond
after the previous event when that is not later (several events in one step get ``t_us``,
``t_us + 1``, ...). Event times are therefore unique and rising, which keeps
(source, time, type) unique and lets a HistoryRead continuation point, a timestamp, resume
without losing or repeating an event.

Ids: ``EventId`` is 16 bytes, the 8-byte id of the data dir (random, made once, kept in its
state file) followed by the event's sequence number (8 bytes, big-endian), which continues
across restarts of the process. Ids are unique per data dir and across data dirs.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from simulators.plant.events import PlantEvent

__all__ = ["SOURCE_ID_BYTES", "EventStamper", "StampedEvent", "offline_source_id"]

SOURCE_ID_BYTES = 8
_SEQUENCE_BYTES = 8


@dataclass(frozen=True)
class StampedEvent:
    """One published event; ``details`` is the JSON of its fields exactly as published."""

    t_us: int  # source time [µs since the Unix epoch]
    event_id: bytes
    source: str  # equipment path, stage or "Server"
    kind: str  # trip, repair, fault, lot, restart
    severity: int  # OPC UA severity 1-1000
    message: str
    details: str

    def fields(self) -> dict:
        """The event's own fields (cause, lot record, ...), parsed from ``details``."""
        return json.loads(self.details)

    def to_record(self) -> dict:
        """A JSON-ready dict (the id as hex), read back by ``from_record``."""
        return {
            "t_us": self.t_us,
            "event_id": self.event_id.hex(),
            "source": self.source,
            "kind": self.kind,
            "severity": self.severity,
            "message": self.message,
            "details": self.details,
        }

    @classmethod
    def from_record(cls, record: dict) -> StampedEvent:
        """The event ``to_record`` wrote."""
        return cls(
            int(record["t_us"]),
            bytes.fromhex(record["event_id"]),
            record["source"],
            record["kind"],
            int(record["severity"]),
            record["message"],
            record["details"],
        )


def offline_source_id(seed: int, t0_us: int) -> bytes:
    """Source id of a run without a data dir: derived from its seed and start time."""
    digest = hashlib.blake2b(f"{seed}:{t0_us}".encode(), digest_size=SOURCE_ID_BYTES)
    return digest.digest()


class EventStamper:
    """Gives events rising, distinct microsecond times and ids that are never reused."""

    def __init__(self, source_id: bytes, next_sequence: int = 1, last_us: int = -1) -> None:
        if len(source_id) != SOURCE_ID_BYTES:
            raise ValueError(f"source id must be {SOURCE_ID_BYTES} bytes, got {len(source_id)}")
        self.source_id = source_id
        self.next_sequence = next_sequence
        self.last_us = last_us

    def stamp(self, event: PlantEvent, t_us: int) -> StampedEvent:
        """The published form of ``event`` of the step at ``t_us``."""
        self.last_us = max(t_us, self.last_us + 1)
        event_id = self.source_id + self.next_sequence.to_bytes(_SEQUENCE_BYTES, "big")
        self.next_sequence += 1
        return StampedEvent(
            self.last_us,
            event_id,
            event.source,
            event.kind,
            event.severity,
            event.message,
            json.dumps(event.fields),
        )
