"""Nothing lost (issue 14): a short bench/fault_run.py sequence, with every fault in it.

The simulator, the recorder and the database run as real processes; the recorder's
database path goes through a TCP proxy that is cut while the recorder is SIGKILLed and
started again; then the simulator restarts and the recorder is SIGKILLed while running.
Readings, events and lots published in the checked window must each be stored exactly once,
as published. The oracles are the simulator's own (bench/fault_oracles.py).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

# The oracle's HistoryRead client and the bench's polls of the database are the test's own
# sockets, finalized late when a process they talked to was killed; not product code.
pytestmark = pytest.mark.filterwarnings("ignore:unclosed <socket.socket:ResourceWarning")

_SPEC = importlib.util.spec_from_file_location(
    "fault_run", Path(__file__).parents[2] / "bench" / "fault_run.py"
)
fault_run = sys.modules["fault_run"] = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(fault_run)
oracles = fault_run.oracles

# ~45 s of wall time: 2,100 values/s, a lot every ~15 s and a trip every 2 s.
SHORT = fault_run.FaultPlan(
    speed=20, run_s=3, cut_s=6, recorder_down_s=2, trip_every_s=2, catch_up_s=15
)


def test_compare_tells_missing_duplicated_wrong_and_extra() -> None:
    """Each published record is stored right, wrong or missing; extra copies and records
    no oracle knows are counted apart."""
    published = [("a", 1), ("b", 2), ("c", 3), ("d", 4)]
    stored = [("a", 1), ("b", 2), ("b", 2), ("c", 30), ("x", 9)]
    counts = oracles.compare(published, stored)
    assert counts == oracles.Counts(
        published=4, stored=5, missing=1, duplicated=1, wrong=1, extra=1
    )
    assert not counts.lost_nothing


def test_a_short_fault_run_loses_nothing(tmp_path: Path, db_dsn: str) -> None:
    """Through a database cut with a recorder crash in it, a simulator restart and a
    recorder crash: no reading, event or lot of the checked window missing, twice or wrong."""
    run = fault_run.run_fault_sequence(tmp_path, db_dsn, SHORT, log=lambda _: None)
    notes = run.oracle_errors + run.notes
    table = fault_run.table(run) + "".join(f"\n- {note}" for note in notes)
    assert all(run.counts[kind].published > 0 for kind in ("readings", "events", "lots")), table
    assert run.lost_nothing, table
