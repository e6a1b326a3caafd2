"""The publisher's own history: every published value and event over a retained window.

Numeric signals live in a ring of rows (one row per step: time, values, status codes,
whether each tag was written); text variables keep their changes; events are kept in time
order. ``save`` and ``load`` persist all of it to one ``.npz`` file so HistoryRead still
answers after a server restart. Rows and events older than the window before the newest
row or event are left out of reads; a text variable's window counts back from its own last
change.
"""

from __future__ import annotations

import json
import logging
import os
from collections import deque
from pathlib import Path
from typing import NamedTuple

import numpy as np

from simulators.events import StampedEvent

__all__ = ["MAX_CELLS", "History", "LatestValues"]

_log = logging.getLogger(__name__)
MAX_CELLS = 10_000_000  # about 130 MB of ring; a larger window is cut to fit, with a warning
MAX_CHANGES = 100_000  # per text variable, and events: bounds memory whatever the window


class LatestValues(NamedTuple):
    """The last written value of each numeric tag (``has`` False where none is kept)."""

    times: np.ndarray  # [µs since the epoch]
    values: np.ndarray
    status: np.ndarray
    has: np.ndarray

    def groups(self) -> list[tuple[int, np.ndarray]]:
        """(time µs, mask of the tags last written then), oldest first."""
        return [(int(t), self.has & (self.times == t)) for t in np.unique(self.times[self.has])]


class History:
    """Ring of the last ``window_s`` seconds of numeric rows, text changes and events."""

    def __init__(
        self, numeric_paths: list[str], text_paths: list[str], window_s: float, step_s: float
    ) -> None:
        n = max(1, len(numeric_paths))
        rows = int(window_s / step_s) + 2
        if rows * n > MAX_CELLS:
            _log.warning(
                "history window cut from %d to %d rows to fit memory", rows, MAX_CELLS // n
            )
            rows = max(2, MAX_CELLS // n)
        self.window_us = round(window_s * 1e6)
        self.columns = {p: i for i, p in enumerate(numeric_paths)}
        self.times = np.zeros(rows, dtype=np.int64)
        self.values = np.zeros((rows, n))
        self.status = np.zeros((rows, n), dtype=np.uint32)
        self.written = np.zeros((rows, n), dtype=bool)
        self.head = self.count = 0
        self.texts: dict[str, deque] = {p: deque(maxlen=MAX_CHANGES) for p in text_paths}
        self.events: deque[StampedEvent] = deque(maxlen=MAX_CHANGES)

    def append(
        self, t_us: int, values: np.ndarray, status: np.ndarray, written: np.ndarray
    ) -> None:
        """Keep one step of numeric values."""
        row = self.head
        self.times[row], self.values[row] = t_us, values
        self.status[row], self.written[row] = status, written
        self.head = (row + 1) % len(self.times)
        self.count = min(self.count + 1, len(self.times))

    def append_rows(
        self, times: np.ndarray, values: np.ndarray, status: np.ndarray, written: np.ndarray
    ) -> None:
        """Keep many steps at once (as ``append`` row by row, in one copy per array)."""
        size = len(self.times)
        keep = min(len(times), size)  # older rows would be overwritten in the ring anyway
        at = (self.head + np.arange(keep)) % size
        self.times[at], self.values[at] = times[-keep:], values[-keep:]
        self.status[at], self.written[at] = status[-keep:], written[-keep:]
        self.head = (self.head + keep) % size
        self.count = min(self.count + keep, size)

    def append_text(self, path: str, t_us: int, value: str | bool) -> None:
        """Keep one change of a text variable."""
        series = self.texts.get(path)
        if series is not None:
            series.append((t_us, value))

    def append_event(self, event: StampedEvent) -> None:
        """Keep one event (events come in rising time order) and forget expired ones."""
        self.events.append(event)
        while self.events[0].t_us < event.t_us - self.window_us:
            self.events.popleft()

    def _ordered_rows(self) -> np.ndarray:
        size = len(self.times)
        return (self.head - self.count + np.arange(self.count)) % size

    @property
    def last_time_us(self) -> int:
        """Time of the newest row or event kept [µs], 0 when empty."""
        row = int(self.times[(self.head - 1) % len(self.times)]) if self.count else 0
        return max(row, self.events[-1].t_us if self.events else 0)

    def _floor_us(self) -> int:
        """Oldest time still inside the window."""
        return (self.last_time_us - self.window_us) if (self.count or self.events) else 0

    def numeric(self, path: str, start_us: int, end_us: int) -> list[tuple[int, float, int]]:
        """(time µs, value, status) of ``path`` written in ``[start_us, end_us]``, oldest first."""
        col = self.columns[path]
        rows = self._ordered_rows()
        t = self.times[rows]
        keep = (t >= max(start_us, self._floor_us())) & (t <= end_us) & self.written[rows, col]
        rows = rows[keep]
        return list(
            zip(
                self.times[rows].tolist(),
                self.values[rows, col].tolist(),
                self.status[rows, col].tolist(),
                strict=True,
            )
        )

    def text(self, path: str, start_us: int, end_us: int) -> list[tuple[int, str | bool]]:
        """(time µs, value) changes of a text variable in ``[start_us, end_us]``.

        The window counts back from the variable's own last change: a state that has not
        changed for longer than the window still answers with that change.
        """
        series = self.texts[path]
        lo = max(start_us, (series[-1][0] - self.window_us) if series else 0)
        return [(t, v) for t, v in series if lo <= t <= end_us]

    def events_between(self, start_us: int, end_us: int) -> list[StampedEvent]:
        """Events with times in ``[start_us, end_us]``, oldest first."""
        lo = max(start_us, self._floor_us())
        return [e for e in self.events if lo <= e.t_us <= end_us]

    def latest(self) -> LatestValues:
        """The last written value of every numeric tag inside the window, time and status."""
        rows = self._ordered_rows()
        rows = rows[self.times[rows] >= self._floor_us()]
        n = self.values.shape[1]
        if not len(rows):
            return LatestValues(np.zeros(n, np.int64), np.zeros(n), np.zeros(n, np.uint32),
                                np.zeros(n, bool))  # fmt: skip
        written = self.written[rows]
        last = rows[len(rows) - 1 - np.argmax(written[::-1], axis=0)]  # per tag
        cols = np.arange(n)
        return LatestValues(self.times[last], self.values[last, cols],
                            self.status[last, cols], written.any(axis=0))  # fmt: skip

    def latest_texts(self) -> dict[str, tuple[int, str | bool]]:
        """The last change kept of each text variable (time µs, value)."""
        return {p: s[-1] for p, s in self.texts.items() if s}

    def snapshot(self) -> dict[str, np.ndarray]:
        """A copy of the retained history, oldest row first, ready for ``write``."""
        rows = self._ordered_rows()
        texts = {p: [[t, v] for t, v in s] for p, s in self.texts.items()}
        return {
            "times": self.times[rows],
            "values": self.values[rows],
            "status": self.status[rows],
            "written": self.written[rows],
            "columns": np.array(list(self.columns), dtype=str),
            "texts": np.array(json.dumps(texts)),
            "events": np.array(json.dumps([e.to_record() for e in self.events])),
        }

    @staticmethod
    def write(snapshot: dict[str, np.ndarray], path: Path) -> None:
        """Write a snapshot to ``path`` atomically (temp file, then rename)."""
        tmp = path.with_name(path.stem + ".tmp.npz")
        np.savez(tmp, **snapshot)
        os.replace(tmp, path)

    def save(self, path: Path) -> None:
        """Write the ring, the text changes and the events to ``path``."""
        self.write(self.snapshot(), path)

    def load(self, path: Path) -> int:
        """Read what ``save`` wrote, for the tags that still exist; return rows loaded.

        Each array is read from the file once and placed in the ring in one copy, columns
        matched by tag path (tags gone are dropped, new tags have nothing written).
        """
        if not path.is_file():
            return 0
        with np.load(path) as data:
            rows = self._load_rows(data)
            for p, series in json.loads(str(data["texts"])).items():
                if p in self.texts:
                    self.texts[p].extend((int(t), v) for t, v in series)
            if "events" in data.files:
                for record in json.loads(str(data["events"])):
                    self.append_event(StampedEvent.from_record(record))
        return rows

    def _load_rows(self, data) -> int:
        times = data["times"]
        keep = min(len(times), len(self.times))
        old = [str(p) for p in data["columns"]]
        if old == list(self.columns):
            arrays = [data[name][len(times) - keep :] for name in ("values", "status", "written")]
        else:
            arrays = self._remapped(data, old, len(times) - keep)
        self.append_rows(times[len(times) - keep :], *arrays)
        return len(times)

    def _remapped(self, data, old: list[str], first: int) -> list[np.ndarray]:
        """Rows from ``first`` on, their columns moved to this ring's order of tags."""
        old_index = {p: i for i, p in enumerate(old)}
        shared = [(new, old_index[p]) for p, new in self.columns.items() if p in old_index]
        new_cols = np.array([a for a, _ in shared], dtype=int)
        old_cols = np.array([b for _, b in shared], dtype=int)
        out = []
        for name, dtype in (("values", float), ("status", np.uint32), ("written", bool)):
            source = data[name][first:]
            block = np.zeros((len(source), self.values.shape[1]), dtype=dtype)
            block[:, new_cols] = source[:, old_cols]
            out.append(block)
        return out
