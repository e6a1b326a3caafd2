"""Lot and event numbers continue on one data dir: a restart never reuses an id."""

from __future__ import annotations

import re
from dataclasses import replace
from itertools import pairwise
from pathlib import Path

import pytest

from simulators.config import SimConfig
from simulators.errors import StateFileError
from simulators.simulation import Simulation
from simulators.state import STATE_FILE, read_state, write_state

T0_US = 1_767_225_600_000_000
DAY_US = 86_400_000_000
CFG = SimConfig(step_s=60.0)


def _run_a_day(sim: Simulation) -> tuple[list[str], list]:
    lots, events = [], []
    for _ in range(1440):
        out = sim.advance()
        lots.extend(lot.lot_id for lot in out.lots)
        events.extend(out.events)
    return lots, events


def _numbers(lot_ids: list[str]) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for lot_id in lot_ids:
        prefix, number = re.fullmatch(r"Line1-([A-Z]+)(\d+)", lot_id).groups()
        out.setdefault(prefix, []).append(int(number))
    return out


def test_numbers_continue_across_processes_on_one_data_dir(tmp_path: Path) -> None:
    """A second run on the state the first left numbers lots and events on from there."""
    first = Simulation(CFG, T0_US, read_state(tmp_path))
    lots_a, events_a = _run_a_day(first)
    write_state(tmp_path, first.carried_state())
    second = Simulation(CFG, T0_US + DAY_US, read_state(tmp_path))
    lots_b, events_b = _run_a_day(second)
    assert lots_a and lots_b and not set(lots_a) & set(lots_b)
    before, after = _numbers(lots_a), _numbers(lots_b)
    for prefix, numbers in after.items():
        assert min(numbers) > max(before.get(prefix, [0])), prefix
    ids = [e.event_id for e in events_a + events_b]
    assert len(set(ids)) == len(ids) and {i[:8] for i in ids} == {first.stamper.source_id}
    times = [e.t_us for e in events_a + events_b]
    assert all(b > a for a, b in pairwise(times))


def test_events_of_one_step_get_distinct_rising_times() -> None:
    """The seed stock's two lots finish in step 1: one microsecond apart."""
    sim = Simulation(CFG, T0_US)
    events = sim.advance().events
    assert [e.t_us - T0_US - 60_000_000 for e in events[:2]] == [0, 1]


def test_the_state_file_round_trips_and_a_broken_one_stops_the_start(tmp_path: Path) -> None:
    """What is written is read back; an unreadable file is an error, not a fresh start."""
    state = replace(read_state(tmp_path), next_event_sequence=42,
                    lot_counters={"Line1": {"OX": 7}})  # fmt: skip
    write_state(tmp_path, state)
    assert read_state(tmp_path) == state
    (tmp_path / STATE_FILE).write_text("{not json")
    with pytest.raises(StateFileError, match="remove it only if"):
        read_state(tmp_path)
