"""The publisher's own history: every published value over a retained window, on disk.

Numeric signals live in a ring of rows (one row per step: time, values, status codes,
whether each tag was written); text variables keep their changes. ``save`` and ``load``
persist the ring to one ``.npz`` file so HistoryRead still answers after a server restart.
"""

from __future__ import annotations

import json
import logging
import os
from collections import deque
from pathlib import Path

import numpy as np

__all__ = ["MAX_CELLS", "History"]

_log = logging.getLogger(__name__)
MAX_CELLS = 10_000_000  # about 130 MB of ring; a larger window is cut to fit, with a warning


class History:
    """Ring of the last ``window_s`` seconds of numeric rows plus text changes."""

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
        self.texts: dict[str, deque] = {p: deque(maxlen=100_000) for p in text_paths}

    def append(
        self, t_us: int, values: np.ndarray, status: np.ndarray, written: np.ndarray
    ) -> None:
        """Keep one step of numeric values."""
        row = self.head
        self.times[row], self.values[row] = t_us, values
        self.status[row], self.written[row] = status, written
        self.head = (row + 1) % len(self.times)
        self.count = min(self.count + 1, len(self.times))

    def append_text(self, path: str, t_us: int, value: str | bool) -> None:
        """Keep one change of a text variable."""
        series = self.texts.get(path)
        if series is not None:
            series.append((t_us, value))

    def _ordered_rows(self) -> np.ndarray:
        size = len(self.times)
        return (self.head - self.count + np.arange(self.count)) % size

    def numeric(self, path: str, start_us: int, end_us: int) -> list[tuple[int, float, int]]:
        """(time µs, value, status) of ``path`` written in ``[start_us, end_us]``, oldest first."""
        col = self.columns[path]
        rows = self._ordered_rows()
        t = self.times[rows]
        floor = (t[-1] - self.window_us) if len(t) else 0
        keep = (t >= max(start_us, floor)) & (t <= end_us) & self.written[rows, col]
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
        """(time µs, value) changes of a text variable in ``[start_us, end_us]``."""
        series = self.texts[path]
        floor = (series[-1][0] - self.window_us) if series else 0
        return [(t, v) for t, v in series if max(start_us, floor) <= t <= end_us]

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
        }

    @staticmethod
    def write(snapshot: dict[str, np.ndarray], path: Path) -> None:
        """Write a snapshot to ``path`` atomically (temp file, then rename)."""
        tmp = path.with_name(path.stem + ".tmp.npz")
        np.savez(tmp, **snapshot)
        os.replace(tmp, path)

    def save(self, path: Path) -> None:
        """Write the ring and the text changes to ``path``."""
        self.write(self.snapshot(), path)

    def load(self, path: Path) -> int:
        """Read rows saved by ``save`` for the tags that still exist; return rows loaded."""
        if not path.is_file():
            return 0
        with np.load(path) as data:
            old_cols = {str(p): i for i, p in enumerate(data["columns"])}
            shared = [(new, old_cols[p]) for p, new in self.columns.items() if p in old_cols]
            new_idx = np.array([a for a, _ in shared], dtype=int)
            old_idx = np.array([b for _, b in shared], dtype=int)
            for i in range(len(data["times"])):
                values = np.zeros(self.values.shape[1])
                status = np.zeros(self.values.shape[1], dtype=np.uint32)
                written = np.zeros(self.values.shape[1], dtype=bool)
                values[new_idx] = data["values"][i, old_idx]
                status[new_idx] = data["status"][i, old_idx]
                written[new_idx] = data["written"][i, old_idx]
                self.append(int(data["times"][i]), values, status, written)
            for p, series in json.loads(str(data["texts"])).items():
                if p in self.texts:
                    self.texts[p].extend((int(t), v) for t, v in series)
            return len(data["times"])
