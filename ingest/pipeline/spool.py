"""A durable local spool: what the database cannot take right now, on disk until it can.

Items go to numbered segment files: written to a temporary name that carries the segment's
size, fsync'd, renamed into place and the folder fsync'd, so a segment is either whole on
disk or absent, and segments replay in the order they were written. A crash between fsync
and rename leaves a temporary file of the announced size: it is whole and is put in place
at the next start (a shorter one was cut short before its fsync and is dropped; its items
were never acknowledged). Replay stores a segment idempotently, commits, and only then
deletes the file: a crash between commit and delete replays it again without doubling an
item. The spool is bounded; when it is full it refuses items and says so (the caller keeps
them in memory and raises the alarm), it never drops what it already holds.

The readings spool keeps rows in PostgreSQL's COPY text format (``encode_rows``); the
record writer keeps events and lots in one of its own (ingest.pipeline.record_writer).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import Any

import psycopg

from store.readings import ReadingRow

__all__ = ["Spool", "encode_rows"]

logger = logging.getLogger(__name__)

_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})

Store = Callable[[psycopg.AsyncConnection, bytes], Awaitable[int]]


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
    """Ordered, durable, bounded segments under ``folder``, encoded by ``encode``."""

    def __init__(
        self,
        folder: Path,
        max_bytes: int,
        encode: Callable[[Any], bytes] = encode_rows,
        suffix: str = ".copy",
    ) -> None:
        self.folder = folder
        self.max_bytes = max_bytes
        self._encode = encode
        self._suffix = suffix
        folder.mkdir(parents=True, exist_ok=True)
        self._settle_temporaries()
        self._next = max((int(p.stem) for p in self.segments()), default=0) + 1
        self.bytes_used = sum(p.stat().st_size for p in self.segments())

    def segments(self) -> list[Path]:
        return sorted(self.folder.glob(f"*{self._suffix}"))

    def __len__(self) -> int:
        return len(self.segments())

    def append(self, items: Any) -> bool:
        """Write ``items`` durably as the newest segment; False (nothing written) if full."""
        data = self._encode(items)
        if self.bytes_used + len(data) > self.max_bytes:
            return False
        final = self.folder / f"{self._next:020d}{self._suffix}"
        temporary = self.folder / f"{self._next:020d}.{len(data)}{self._suffix}.tmp"
        with temporary.open("wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        temporary.rename(final)
        self._fsync_folder()
        self._next += 1
        self.bytes_used += len(data)
        return True

    def oldest(self) -> tuple[Path, bytes]:
        """The oldest segment and its content."""
        segment = self.segments()[0]
        return segment, segment.read_bytes()

    def remove(self, segment: Path, size: int) -> None:
        """Delete a segment once its content is committed."""
        segment.unlink()
        self._fsync_folder()
        self.bytes_used -= size

    async def replay_oldest(self, conn: psycopg.AsyncConnection, store: Store) -> int:
        """Store the oldest segment with ``store``, then delete it; return what ``store``
        counted (the items new to the database)."""
        segment, data = self.oldest()
        stored = await store(conn, data)
        self.remove(segment, len(data))
        return stored

    def _settle_temporaries(self) -> None:
        for temporary in self.folder.glob(f"*{self._suffix}.tmp"):
            number, _, announced = temporary.name.removesuffix(f"{self._suffix}.tmp").partition(".")
            if announced.isdigit() and temporary.stat().st_size == int(announced):
                logger.info("spool segment %s was whole when a crash stopped it: kept", number)
                temporary.rename(self.folder / f"{number}{self._suffix}")
            else:
                temporary.unlink()  # cut short before its fsync: never acknowledged
        self._fsync_folder()

    def _fsync_folder(self) -> None:
        descriptor = os.open(self.folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
