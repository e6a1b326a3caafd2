"""Tag ids while the database may be away: the database's, or provisional ones.

Readings carry a tag id, which only the database assigns. A recorder that starts while
the database is down still records: each tag it cannot register gets a provisional
(negative) id, kept with the tag's row in a file beside the spool (fsync'd before any
reading carries the id), and its readings are spooled like any other. Once the database is
up the writer registers those tags, and provisional ids are replaced by the database's as
rows are stored: in memory, or in the staging table of a replayed spool segment. The file
lives as long as the spool may hold such rows; it is cleared when the spool is empty at
start.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import psycopg

from store.readings import TAG_ID, ReadingRow
from store.tags import TagRow, register_tags

__all__ = ["TagIds"]

logger = logging.getLogger(__name__)

_FILE = "provisional-tags.json"


class TagIds:
    """Provisional tag ids of one spool, and the database ids they turned into."""

    def __init__(self, folder: Path, spool_empty: bool) -> None:
        self._path = folder / _FILE
        self._rows: dict[int, TagRow] = {}  # provisional id -> the tag
        self.resolved: dict[int, int] = {}  # provisional id -> database id
        if spool_empty:
            self._path.unlink(missing_ok=True)  # no spooled row can carry one of its ids
        elif self._path.is_file():
            saved = json.loads(self._path.read_text())
            self._rows = {int(i): TagRow(*row) for i, row in saved.items()}

    @property
    def unresolved(self) -> list[int]:
        return [i for i in self._rows if i not in self.resolved]

    def provisional(self, rows: list[TagRow]) -> dict[str, int]:
        """Provisional ids of ``rows`` (all of one endpoint) by tag key, new ones saved."""
        known = {(row.endpoint, row.tag_key): i for i, row in self._rows.items()}
        new = [row for row in rows if (row.endpoint, row.tag_key) not in known]
        next_id = min(self._rows, default=0) - 1
        for row in new:
            self._rows[next_id] = row
            known[(row.endpoint, row.tag_key)] = next_id
            next_id -= 1
        if new:
            self._save()
        return {row.tag_key: known[(row.endpoint, row.tag_key)] for row in rows}

    async def resolve(self, conn: psycopg.AsyncConnection) -> None:
        """Register every tag that has only a provisional id."""
        by_endpoint: dict[str, list[int]] = {}
        for provisional in self.unresolved:
            by_endpoint.setdefault(self._rows[provisional].endpoint, []).append(provisional)
        for endpoint, provisional_ids in by_endpoint.items():
            rows = [self._rows[i] for i in provisional_ids]
            ids = await register_tags(conn, rows)
            self.resolved.update(
                (i, ids[row.tag_key]) for i, row in zip(provisional_ids, rows, strict=True)
            )
            logger.info("%s: %d tags registered now that the database is up", endpoint, len(rows))

    def database_id(self, tag_id: int) -> int:
        return self.resolved.get(tag_id, tag_id)

    def translate(self, rows: list[ReadingRow]) -> list[ReadingRow]:
        """``rows`` with provisional ids replaced (every one must be resolved)."""
        if not self._rows:
            return rows
        resolved = self.resolved
        return [
            (*row[:TAG_ID], resolved[row[TAG_ID]], *row[TAG_ID + 1 :]) if row[TAG_ID] < 0 else row
            for row in rows
        ]

    def _save(self) -> None:
        temporary = self._path.with_suffix(".tmp")
        with temporary.open("w") as handle:
            json.dump({i: list(row) for i, row in self._rows.items()}, handle)
            handle.flush()
            os.fsync(handle.fileno())
        temporary.rename(self._path)
