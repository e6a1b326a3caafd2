"""The history file: what is saved loads back exactly, columns matched by tag path."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from simulators.events import StampedEvent
from simulators.history import History

STEP_US = 1_000_000
T0_US = 1_767_225_600_000_000
TAGS = ["A.Flow", "A.Power", "B.Temperature", "B.Level"]
TEXTS = ["A.State", "B.Lots.LastLot"]


def _filled(rows: int, window_s: float = 20.0) -> History:
    """A history with ``rows`` steps of varied values, statuses, dropouts, texts and events."""
    rng = np.random.default_rng(3)
    history = History(TAGS, TEXTS, window_s, 1.0)
    for k in range(rows):
        t_us = T0_US + k * STEP_US
        values = rng.normal(size=len(TAGS))
        values[2] = np.nan if k == rows - 3 else values[2]
        status = np.where(rng.random(len(TAGS)) < 0.2, 0x808C0000, 0).astype(np.uint32)
        history.append(t_us, values, status, rng.random(len(TAGS)) > 0.1)
        if k % 3 == 0:
            history.append_text("A.State", t_us, ["running", "idle"][k % 2])
        if k % 4 == 0:
            event_id = bytes(8) + k.to_bytes(8, "big")
            event = StampedEvent(t_us + 1, event_id, "A", "trip", 800, "trip", json.dumps({"k": k}))
            history.append_event(event)
    history.append_text("B.Lots.LastLot", T0_US, '{"lot_id": "Line1-MG00007"}')
    return history


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return np.array_equal(a, b, equal_nan=a.dtype.kind == "f")


def test_a_saved_history_loads_back_exactly(tmp_path: Path) -> None:
    """Times, values (NaN too), statuses, written flags, texts and events round-trip."""
    saved = _filled(40)  # more rows than the ring holds: it has wrapped
    saved.save(tmp_path / "h.npz")
    loaded = History(TAGS, TEXTS, 20.0, 1.0)
    assert loaded.load(tmp_path / "h.npz") == len(saved.times)
    before, after = saved.snapshot(), loaded.snapshot()
    for name in ("times", "values", "status", "written", "columns", "texts", "events"):
        assert _same(before[name], after[name]), name
    assert list(loaded.events) == list(saved.events) and loaded.events
    assert np.isnan(after["values"]).sum() == 1
    for tag in ("A.Flow", "A.Power", "B.Level"):
        assert loaded.numeric(tag, 0, 2**62) == saved.numeric(tag, 0, 2**62)
    assert loaded.last_time_us == saved.last_time_us


def test_columns_follow_the_tags_that_still_exist(tmp_path: Path) -> None:
    """A tag gone is dropped, a new tag has nothing written, the others keep their rows."""
    saved = _filled(12)
    saved.save(tmp_path / "h.npz")
    now = ["B.Level", "C.New", "A.Flow"]
    loaded = History(now, TEXTS[:1], 20.0, 1.0)
    loaded.load(tmp_path / "h.npz")
    for tag in ("B.Level", "A.Flow"):
        assert loaded.numeric(tag, 0, 2**62) == saved.numeric(tag, 0, 2**62)
    assert loaded.numeric("C.New", 0, 2**62) == []
    assert list(loaded.texts) == ["A.State"]


def test_a_smaller_ring_keeps_the_newest_rows(tmp_path: Path) -> None:
    """A file with more rows than the ring (shorter window) keeps its last rows, in order."""
    saved = _filled(20)
    saved.save(tmp_path / "h.npz")
    loaded = History(TAGS, TEXTS, 5.0, 1.0)  # 7 rows
    loaded.load(tmp_path / "h.npz")
    rows = saved.snapshot()
    np.testing.assert_array_equal(loaded.snapshot()["times"], rows["times"][-7:])
    assert _same(loaded.snapshot()["values"], rows["values"][-7:])


def test_latest_is_the_last_written_value_of_each_tag() -> None:
    """What a restarted server republishes: per tag, the last row that wrote it."""
    history = History(TAGS, [], 60.0, 1.0)
    for k in range(4):
        written = np.array([True, k < 2, True, False])
        status = np.array([0, 0, 0x40940000 * (k == 3), 0], dtype=np.uint32)
        history.append(T0_US + k * STEP_US, np.full(4, float(k)), status, written)
    latest = history.latest()
    np.testing.assert_array_equal(latest.has, [True, True, True, False])
    np.testing.assert_array_equal(latest.values[:3], [3.0, 1.0, 3.0])
    np.testing.assert_array_equal(latest.status[:3], [0, 0, 0x40940000])
    groups = latest.groups()
    assert [t for t, _ in groups] == [T0_US + STEP_US, T0_US + 3 * STEP_US]
    np.testing.assert_array_equal(groups[0][1], [False, True, False, False])
