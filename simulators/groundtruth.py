"""Ground truth of a run, in files the tests and the twin can read.

One folder per run::

    run.json       seed, profile, layout, start time and the hidden true parameters
    lots.jsonl     every finished lot: parents, masses, measured and true properties
    parts.csv      every magnetized part: id, lot, time, peak field, true and measured Br, pass
    events.jsonl   every event published over OPC UA (trips, repairs, lots, restarts), one
                   line each: t_us (exact source time, µs since the epoch), event_id (hex),
                   t_s, kind, source, severity, message, details (the published JSON) and
                   the details' fields spread out
    faults.jsonl   every injected fault's start and end
    summary.json   written at the end: totals and the mass and pulse balances
"""

from __future__ import annotations

import csv
import json
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from simulators.events import StampedEvent
from simulators.plant.plant import Plant
from simulators.simulation import StepOutput

__all__ = ["GroundTruth", "hidden_parameters", "run_folder"]


def run_folder(data_dir: Path, t0_us: int, seed: int, kind: str) -> Path:
    """Folder of one run's ground truth, named by start time (UTC), kind and seed."""
    stamp = datetime.fromtimestamp(t0_us // 1_000_000, UTC).strftime("%Y%m%dT%H%M%S")
    return Path(data_dir) / "runs" / f"{stamp}-{kind}-seed{seed}"


def hidden_parameters(plant: Plant) -> dict:
    """True per-equipment parameters the published data does not state."""
    out: dict = {"profile": asdict(plant.profile), "furnaces": {}, "banks": {}}
    for line in plant.lines:
        for f in line.furnaces:
            out["furnaces"][f.path] = {
                "offset_c": f.offset_c,
                "soak_temp_c": f.soak_temp_c,
                "zone_offsets_c": f.zone_offsets_c,
            }
        for b in line.banks:
            out["banks"][b.path] = {"beta_nd_pr_start": b.beta}
    return out


class GroundTruth:
    """Appends a run's lots, parts, events and faults to files in ``folder``."""

    def __init__(self, folder: Path, meta: dict) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        (folder / "run.json").write_text(json.dumps(meta, indent=2, default=str))
        self._lots = open(folder / "lots.jsonl", "a", encoding="utf-8")  # noqa: SIM115
        self._events = open(folder / "events.jsonl", "a", encoding="utf-8")  # noqa: SIM115
        self._faults = open(folder / "faults.jsonl", "a", encoding="utf-8")  # noqa: SIM115
        self._parts_file = open(folder / "parts.csv", "a", newline="", encoding="utf-8")  # noqa: SIM115
        self._parts = csv.writer(self._parts_file)
        self._parts.writerow(
            ["part_id", "lot_id", "t_s", "peak_field_t", "br_true_t", "br_measured_t", "passed"]
        )
        self.totals: dict[str, float] = {"lots": 0, "parts": 0, "events": 0, "faults": 0}

    def write_step(self, out: StepOutput) -> None:
        """Append what one step produced."""
        for lot in out.lots:
            self._lots.write(json.dumps({**lot.published(), "true": lot.true}) + "\n")
        for b in out.parts:
            n = len(b)
            rows = zip(b.part_ids(), [b.lot_id] * n, [b.t_s] * n,
                       b.peak_field_t.round(5).tolist(), b.br_true_t.round(6).tolist(),
                       b.br_measured_t.round(6).tolist(), b.passed.astype(int).tolist(),
                       strict=True)  # fmt: skip
            self._parts.writerows(rows)
        for event in out.events:
            self.log_event(event)
        for record in out.fault_records:
            self._faults.write(json.dumps(record) + "\n")
        self.totals["lots"] += len(out.lots)
        self.totals["parts"] += sum(len(b) for b in out.parts)
        self.totals["faults"] += len(out.fault_records)

    def log_event(self, event: StampedEvent) -> None:
        """Append one published event to ``events.jsonl``.

        The event's own fields come first, so that a field of the same name (a lot record's
        ``kind``) never hides the event's.
        """
        line = {
            **event.fields(),
            "t_s": event.t_us / 1e6,
            "t_us": event.t_us,
            "event_id": event.event_id.hex(),
            "kind": event.kind,
            "source": event.source,
            "severity": event.severity,
            "message": event.message,
            "details": event.details,
        }
        self._events.write(json.dumps(line) + "\n")
        self.totals["events"] += 1

    def flush(self) -> None:
        """Flush every file (the serve loop calls this now and then)."""
        for f in (self._lots, self._events, self._faults, self._parts_file):
            f.flush()

    def close(self, plant: Plant) -> dict:
        """Write ``summary.json`` (balances per line) and close the files."""
        summary = {"totals": self.totals, "lines": {}}
        for line in plant.lines:
            summary["lines"][line.name] = {
                "magnetizer_pulses": line.magnetizer.pulses,
                "alloy_in_stock_kg": line.flow.alloy.kg,
                "green_in_stock_kg": line.flow.green.kg,
            }
        (self.folder / "summary.json").write_text(json.dumps(summary, indent=2))
        for f in (self._lots, self._events, self._faults, self._parts_file):
            f.close()
        return summary
