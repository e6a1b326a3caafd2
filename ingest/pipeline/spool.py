"""A durable local spool for readings the database cannot take right now.

Rows go to numbered segment files in PostgreSQL's COPY text format: written to a temporary
name, fsync'd, renamed into place and the folder fsync'd, so a segment is either whole on
disk or absent, and segments replay in the order they were written. Replay COPYs a segment
into a staging table and inserts with ``ON CONFLICT DO NOTHING``, commits, and only then
deletes the file: a crash between commit and delete replays it again without doubling a
row. The spool is bounded; when it is full it refuses rows and says so (the caller keeps
them in memory and raises the alarm), it never drops what it already holds.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Iterable
from pathlib import Path

import psycopg

from store.readings import ReadingRow, upsert_copy_text

__all__ = ["Spool", "encode_rows"]

logger = logging.getLogger(__name__)

_SUFFIX = ".copy"
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _field(value: object) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value)  # nan, inf and -inf are valid float8 input
    if isinstance(value, str):
        return value.translate(_ESCAPES)
    return str(value)


def encode_rows(rows: Iterable[ReadingRow]) -> bytes:
    """Rows as COPY text, one line each, in `reading`'s column order."""
    return "".join("\t".join(map(_field, row)) + "\n" for row in rows).encode()


class Spool:
    """Ordered, durable, bounded segments of readings under ``folder``."""

    def __init__(self, folder: Path, max_bytes: int) -> None:
        self.folder = folder
        self.max_bytes = max_bytes
        folder.mkdir(parents=True, exist_ok=True)
        for leftover in folder.glob("*.tmp"):
            leftover.unlink()  # a write cut short by a crash: its rows were never acknowledged
        self._next = max((int(p.stem) for p in self.segments()), default=0) + 1
        self.bytes_used = sum(p.stat().st_size for p in self.segments())

    def segments(self) -> list[Path]:
        return sorted(self.folder.glob(f"*{_SUFFIX}"))

    def __len__(self) -> int:
        return len(self.segments())

    def append(self, rows: list[ReadingRow]) -> bool:
        """Write ``rows`` durably as the newest segment; False (nothing written) if full."""
        data = encode_rows(rows)
        if self.bytes_used + len(data) > self.max_bytes:
            return False
        final = self.folder / f"{self._next:020d}{_SUFFIX}"
        temporary = final.with_suffix(".tmp")
        with temporary.open("wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        temporary.rename(final)
        self._fsync_folder()
        self._next += 1
        self.bytes_used += len(data)
        return True

    async def replay_oldest(self, conn: psycopg.AsyncConnection) -> int:
        """Store the oldest segment, then delete it; return the rows new to the database."""
        segment = self.segments()[0]
        data = segment.read_bytes()
        stored = await upsert_copy_text(conn, data)
        segment.unlink()
        self._fsync_folder()
        self.bytes_used -= len(data)
        return stored

    def _fsync_folder(self) -> None:
        descriptor = os.open(self.folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
