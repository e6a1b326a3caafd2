"""What the simulated plant really did after the calibration window (validation only).

Reads the simulator's ground truth of a run folder (``lots.jsonl``: lots with their hidden
true properties) so a forecast can be scored. It lives with the benches, not in the twin:
the twin reads only recorded lines (``twin/RECORDED_LINE.md``), which carry no hidden field.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

__all__ = ["Outcome", "outcome_between"]


@dataclass(frozen=True)
class Outcome:
    """The plant's magnets made and good magnets per day, mean Br and grade share."""

    magnets_kg_per_day: float
    good_magnets_kg_per_day: float
    br_t: float
    grade_share: float
    days: float


def outcome_between(folder: str | Path, start: datetime, end: datetime) -> Outcome:
    """Truth over ``[start, end)`` from the magnetized lots finished in it.

    Br is the parts' true remanence (no gauge noise), averaged over parts.
    """
    t0, t1 = start.timestamp(), end.timestamp()
    made = good = parts = passed = 0.0
    br_sum = 0.0
    for line in Path(folder, "lots.jsonl").read_text().splitlines():
        lot = json.loads(line)
        if lot["kind"] != "magnetized" or not t0 <= lot["end_s"] < t1 or lot["parts"] == 0:
            continue
        made += lot["mass_in_kg"]
        good += lot["mass_out_kg"]
        n = lot["parts"]
        parts += n
        passed += lot["properties"]["pass_fraction"] * n
        br_sum += lot["true"]["br_true_mean_t"] * n
    days = (t1 - t0) / 86400.0
    if parts == 0:
        return Outcome(0.0, 0.0, float("nan"), float("nan"), days)
    return Outcome(made / days, good / days, br_sum / parts, passed / parts, days)
