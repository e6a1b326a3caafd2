"""Magnetization: a capacitor-discharge magnetizer, one pulse per part.

Each part gets one pulse; its peak field falls as the coil warms (copper resistance), and a
part pulsed below saturation (μ0H < 2·Js) keeps less remanence. Every part's Br is measured
by a flux gauge and judged against the target grade.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from simulators.plant.base import METER_CUTOFF, AnalogSpec, Equipment, TextSpec
from simulators.plant.physics import grade_limits, remanence_t, saturation_fraction
from simulators.plant.sintering import STATE_SPEC, energy_spec, lag
from simulators.profiles import RouteProfile

__all__ = ["Magnetizer", "PartBatch"]

CYCLE_S = 2.0  # handling plus charge time per part
CHARGE_V = 2500.0
COIL_AMBIENT_C = 30.0
COIL_RISE_C_PER_PULSE = 0.05
COIL_FIELD_LOSS_PER_C = 0.003
GAUGE_SIGMA_T = 0.003
PART_SIGMA = 0.006  # part-to-part spread of true Br (relative)
PULSE_KWH = 0.004


@dataclass
class PartBatch:
    """Parts magnetized in one step, all from one lot (arrays, one entry per part)."""

    lot_id: str
    first_number: int  # part number of the first part in the lot (1-based)
    t_s: float
    peak_field_t: np.ndarray
    br_true_t: np.ndarray
    br_measured_t: np.ndarray
    passed: np.ndarray

    def __len__(self) -> int:
        return len(self.passed)

    def part_ids(self) -> list[str]:
        """Ids of the parts, ``<lot>-P<number>``."""
        return [
            f"{self.lot_id}-P{n:05d}"
            for n in range(self.first_number, self.first_number + len(self))
        ]


class Magnetizer(Equipment):
    """Pulse magnetizer with its coil and capacitor bank, working through annealed loads."""

    KIND = "Magnetizer"
    ANALOG = (
        AnalogSpec("CapacitorVoltage", "V", 0, 3000, "Capacitor bank voltage", cutoff=METER_CUTOFF),
        AnalogSpec("PeakField", "T", 0, 5, "Peak field of the last pulse", cutoff=METER_CUTOFF),
        AnalogSpec("PulseCount", "1", 0, 1e12, "Pulses fired", noise=0.0, drifts=False),
        AnalogSpec("CoilTemperature", "°C", 0, 150, "Coil temperature"),
        AnalogSpec(  # the flux gauge's own error is in the part's measured Br already
            "PartBr",
            "T",
            0,
            1.6,
            "Measured remanence Br of the last part",
            noise=0.0,
            drifts=False,
        ),
        energy_spec(),
    )
    TEXTS = (
        STATE_SPEC,
        TextSpec("LotId", "Furnace load being magnetized"),
        TextSpec("PartId", "Id of the last part magnetized"),
        TextSpec("PartPass", "Last part meets the target grade", kind="bool"),
    )

    def __init__(self, path: str, profile: RouteProfile, rng: np.random.Generator) -> None:
        super().__init__(path)
        self.profile = profile
        self.br_min_t, self.hcj_min_ka_per_m = grade_limits(profile.target_grade)
        self.coil_c = COIL_AMBIENT_C
        self.pulses = 0
        self.peak_t = 0.0
        self.since_pulse_s = 10.0
        self.credit = 0.0
        self.energy_kwh = 0.0
        self.job = None  # (load, parts left) set by the line
        self.parts: list[PartBatch] = []

    def step(self, t_s: float, dt_s: float, rng: np.random.Generator) -> None:
        self.parts = []
        self.since_pulse_s += dt_s
        if self.job is not None and not self.is_down:
            self.credit += dt_s / CYCLE_S
            while self.credit >= 1.0 and self.job is not None:
                n = min(int(self.credit), self.job[1])
                self.credit -= n
                self._pulses(n, t_s, rng)
        else:
            self.credit = 0.0
        self.coil_c = lag(self.coil_c, COIL_AMBIENT_C, dt_s, 600.0)
        if not self.is_down:
            self.state = "running" if self.job is not None else "idle"
        volts = CHARGE_V * (1.0 - math.exp(-self.since_pulse_s / 0.4))
        br = float(self.parts[-1].br_measured_t[-1]) if self.parts else self.values[4]
        self.values[:] = (volts, self.peak_t, self.pulses, self.coil_c, br, self.energy_kwh)

    def _pulses(self, n: int, t_s: float, rng: np.random.Generator) -> None:
        """Fire ``n`` pulses, one per part of the current load."""
        load, left = self.job
        coil = self.coil_c + COIL_RISE_C_PER_PULSE * np.arange(n)
        peak = self.profile.magnetizer_field_t * (
            1.0 - COIL_FIELD_LOSS_PER_C * (coil - COIL_AMBIENT_C)
        )
        t = load.true
        br_true = remanence_t(
            t["nonmagnetic_fraction"],
            t["density_ratio"],
            t["alignment_cos"],
            saturation_fraction(peak),
        )
        br_true = br_true * (1.0 + PART_SIGMA * rng.standard_normal(n))
        br_meas = br_true + GAUGE_SIGMA_T * rng.standard_normal(n)
        passed = (br_meas >= self.br_min_t) & (t["hcj_ka_per_m"] >= self.hcj_min_ka_per_m)
        self.parts.append(
            PartBatch(load.lot_id, load.parts - left + 1, t_s, peak, br_true, br_meas, passed)
        )
        self.coil_c += COIL_RISE_C_PER_PULSE * n
        self.pulses += n
        self.peak_t = float(peak[-1])
        self.since_pulse_s = 0.0
        self.energy_kwh += PULSE_KWH * n
        self.texts["PartId"] = f"{load.lot_id}-P{load.parts - left + n:05d}"
        self.texts["PartPass"] = bool(passed[-1])
        self.job = (load, left - n) if left > n else None
