"""Sintering stage equipment: jet mill, aligning press and the anneal furnace.

The mill and the press run continuously while alloy is waiting; the line moves the
material between them (``simulators.plant.line``). Vacuum furnaces are in ``furnace``.
"""

from __future__ import annotations

import math

import numpy as np

from simulators.plant.base import METER_CUTOFF, AnalogSpec, Equipment, TextSpec
from simulators.profiles import RouteProfile

__all__ = ["STATE_SPEC", "AnnealFurnace", "JetMill", "Press", "lag"]

STATE_SPEC = TextSpec("State", "Equipment state: running, idle, down, maintenance")
AMBIENT_C = 25.0


def lag(value: float, target: float, dt_s: float, tau_s: float) -> float:
    """First-order lag of ``value`` toward ``target`` over ``dt_s`` with time constant ``tau_s``."""
    return target + (value - target) * math.exp(-dt_s / tau_s)


def energy_spec(description: str = "Energy meter") -> AnalogSpec:
    """Energy counter signal (no noise, no drift)."""
    return AnalogSpec("Energy", "kWh", 0, 1e9, description, noise=0.0, drifts=False)


class JetMill(Equipment):
    """Jet mill: hydrogen-decrepitated alloy to ~3 µm powder."""

    KIND = "JetMill"
    ANALOG = (
        AnalogSpec(
            "FeedRate", "kg/h", 0, 250, "Alloy feed rate into the mill", cutoff=METER_CUTOFF
        ),
        AnalogSpec("ParticleSize", "µm", 0, 10, "Laser diffraction median particle size d50"),
        AnalogSpec("OxygenContent", "ppm", 0, 6000, "Oxygen in the powder"),
        AnalogSpec("MotorPower", "kW", 0, 200, "Classifier and compressor power"),
        energy_spec(),
    )
    TEXTS = (STATE_SPEC,)

    def __init__(self, path: str, profile: RouteProfile, rng: np.random.Generator) -> None:
        super().__init__(path)
        self.profile = profile
        self.d50_um = profile.particle_size_um
        self.oxygen_ppm = profile.mill_oxygen_ppm
        self.available_kg = 0.0
        self.blocked = False
        self.milled_kg = 0.0
        self.energy_kwh = 0.0

    def step(self, t_s: float, dt_s: float, rng: np.random.Generator) -> None:
        p = self.profile
        self.d50_um = lag(self.d50_um, p.particle_size_um * (1 + 0.05 * rng.normal()), dt_s, 7200)
        self.oxygen_ppm = lag(
            self.oxygen_ppm, p.mill_oxygen_ppm * (1 + 0.1 * rng.normal()), dt_s, 7200
        )
        capacity = p.mill_rate_kg_per_h * dt_s / 3600.0
        can_run = not self.is_down and not self.blocked
        self.milled_kg = min(capacity, self.available_kg) if can_run else 0.0
        if not self.is_down:
            self.state = "running" if self.milled_kg > 0 else "idle"
        rate = self.milled_kg * 3600.0 / dt_s
        power = 20.0 + 0.8 * rate if rate > 0 else 3.0
        self.energy_kwh += power * dt_s / 3600.0
        self.values[:] = (rate, self.d50_um, self.oxygen_ppm, power, self.energy_kwh)


class Press(Equipment):
    """Aligning press: powder compacted in a magnetic field into green parts."""

    KIND = "Press"
    ANALOG = (
        AnalogSpec("AligningField", "T", 0, 3, "Aligning field during compaction"),
        AnalogSpec("GreenDensity", "g/cm³", 3, 6, "Green density of the last compact"),
        AnalogSpec("CompactionPressure", "MPa", 0, 300, "Compaction pressure", cutoff=METER_CUTOFF),
        AnalogSpec("PartCount", "1", 0, 1e12, "Green parts pressed", noise=0.0, drifts=False),
        energy_spec(),
    )
    TEXTS = (STATE_SPEC,)

    def __init__(self, path: str, profile: RouteProfile, rng: np.random.Generator) -> None:
        super().__init__(path)
        self.profile = profile
        self.field_t = profile.aligning_field_t
        self.parts = 0.0
        self.energy_kwh = 0.0
        self.pressed_kg = 0.0

    def alignment_cos(self) -> float:
        """⟨cos θ⟩ reached at the present aligning field (saturates near 2 T)."""
        return self.profile.alignment_cos * (1.0 - 0.04 * max(0.0, 1.8 - self.field_t))

    def step(self, t_s: float, dt_s: float, rng: np.random.Generator) -> None:
        self.field_t = lag(
            self.field_t, self.profile.aligning_field_t * (1 + 0.01 * rng.normal()), dt_s, 600
        )
        if not self.is_down:
            self.state = "running" if self.pressed_kg > 0 else "idle"
        self.parts += self.pressed_kg / self.profile.part_mass_kg
        green = 4.5 + 0.3 * rng.normal() * 0.1
        pressure = 120.0 if self.pressed_kg > 0 else 0.0
        self.energy_kwh += (15.0 if pressure else 1.0) * dt_s / 3600.0
        self.values[:] = (self.field_t, green, pressure, math.floor(self.parts), self.energy_kwh)


ANNEAL_STEPS = (  # phase, set point [°C], hold [h]
    ("first-step", 900.0, 2.0),
    ("second-step", 500.0, 2.0),
)


class AnnealFurnace(Equipment):
    """Two-step post-sinter anneal of a batch of furnace loads (~900 °C, then ~500 °C)."""

    KIND = "AnnealFurnace"
    ANALOG = (
        AnalogSpec("Temperature", "°C", 0, 1200, "Work-zone temperature"),
        AnalogSpec("Setpoint", "°C", 0, 1200, "Temperature set point", noise=0.0, drifts=False),
        # ranged above the 80 kW the heaters can give, as a power transducer is
        AnalogSpec("HeaterPower", "kW", 0, 100, "Heater power", cutoff=METER_CUTOFF),
        AnalogSpec(  # a PLC timer: exact, no noise, no drift
            "HoldTime", "min", 0, 600, "Time held in the present step", noise=0.0, drifts=False
        ),
        energy_spec(),
    )
    TEXTS = (
        STATE_SPEC,
        TextSpec("Phase", "Cycle phase: waiting, first-step, second-step, cool-down"),
        TextSpec("LotId", "Furnace loads in the anneal batch, comma separated"),
    )

    def __init__(self, path: str, profile: RouteProfile, rng: np.random.Generator) -> None:
        super().__init__(path)
        self.temp_c = AMBIENT_C
        self.phase = "waiting"
        self.step_index = 0
        self.hold_s = 0.0
        self.energy_kwh = 0.0
        self.batch: list = []
        self.finished: list = []

    def start(self, batch: list, load_ids: list[str]) -> None:
        """Start a cycle with the given furnace loads."""
        self.batch, self.phase, self.step_index, self.hold_s = batch, "first-step", 0, 0.0
        self.texts["LotId"] = ",".join(load_ids)

    def step(self, t_s: float, dt_s: float, rng: np.random.Generator) -> None:
        setpoint = self._advance(dt_s)
        heating = not self.is_down and setpoint > AMBIENT_C
        target = setpoint if heating else AMBIENT_C
        self.temp_c = lag(self.temp_c, target, dt_s, 1800.0)
        power = min(80.0, max(0.0, 0.04 * (self.temp_c - AMBIENT_C) + 0.5 * (target - self.temp_c)))
        power = power if heating else 0.0
        self.energy_kwh += power * dt_s / 3600.0
        if not self.is_down:
            self.state = "idle" if self.phase == "waiting" else "running"
        self.texts["Phase"] = self.phase
        self.values[:] = (self.temp_c, setpoint, power, self.hold_s / 60.0, self.energy_kwh)

    def _advance(self, dt_s: float) -> float:
        if self.phase == "waiting":
            return AMBIENT_C
        if self.phase == "cool-down":
            if self.temp_c < 100.0:
                self.finished, self.batch, self.phase = self.batch, [], "waiting"
                self.texts["LotId"] = ""
            return AMBIENT_C
        name, setpoint, hold_h = ANNEAL_STEPS[self.step_index]
        if abs(self.temp_c - setpoint) < 15.0 and not self.is_down:
            self.hold_s += dt_s
        if self.hold_s >= hold_h * 3600.0:
            self.step_index += 1
            self.hold_s = 0.0
            if self.step_index == len(ANNEAL_STEPS):
                self.phase = "cool-down"
                return AMBIENT_C
            name, setpoint, _ = ANNEAL_STEPS[self.step_index]
        self.phase = name
        return setpoint
