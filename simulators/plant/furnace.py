"""Vacuum sintering furnace: one load per cycle of heat-up, soak and cool-down.

Phases: ``waiting`` (empty, no parts to load) → ``loading`` → ``heat-up`` (ramp at
``RAMP_C_PER_MIN`` under vacuum, with an outgassing burst near 500 °C) → ``soak`` (held at
the furnace's true soak temperature, which differs from the set point by a hidden
furnace offset, and per zone by a zone offset) → ``cool-down`` (argon backfill, gas quench)
→ ``unloading``. A trip stops the heaters: soak time only counts near temperature, and the
furnace heats up again after repair. ``domain.md``: 1000-1100 °C, a few hours, 63 kW.
"""

from __future__ import annotations

import math

import numpy as np

from simulators.plant.base import METER_CUTOFF, AnalogSpec, Equipment, TextSpec
from simulators.plant.sintering import AMBIENT_C, STATE_SPEC, energy_spec, lag
from simulators.profiles import RouteProfile

__all__ = ["VacuumFurnace"]

RAMP_C_PER_MIN = 5.0
HANDLING_S = 20 * 60.0
MAX_POWER_KW = 63.0
ZONES = 3


class VacuumFurnace(Equipment):
    """Batch vacuum furnace with three heating zones."""

    KIND = "VacuumFurnace"
    ANALOG = (
        *(
            AnalogSpec(f"Zone{i}Temperature", "°C", 0, 1400, f"Zone {i} thermocouple")
            for i in range(1, ZONES + 1)
        ),
        AnalogSpec("Setpoint", "°C", 0, 1400, "Programme set point", noise=0.0, drifts=False),
        # a combination gauge (Pirani and capacitance) from 1e-3 mbar to atmosphere: its
        # error is a fraction of the reading, 1 % here [assumed]
        AnalogSpec(
            "VacuumPressure", "mbar", 0, 1100, "Chamber pressure", noise=0.01, relative=True
        ),
        AnalogSpec(  # a PLC timer: exact, no noise, no drift
            "HoldTime",
            "min",
            0,
            900,
            "Time at soak temperature in this cycle",
            noise=0.0,
            drifts=False,
        ),
        AnalogSpec("HeaterPower", "kW", 0, 80, "Heater power", cutoff=METER_CUTOFF),
        energy_spec(),
    )
    TEXTS = (
        STATE_SPEC,
        TextSpec("Phase", "Cycle phase: waiting, loading, heat-up, soak, cool-down, unloading"),
        TextSpec("LotId", "Furnace load in the furnace"),
    )

    def __init__(self, path: str, profile: RouteProfile, rng: np.random.Generator) -> None:
        super().__init__(path)
        self.profile = profile
        self.offset_c = rng.normal(0.0, profile.furnace_offset_sigma_c)
        self.zone_offsets_c = rng.normal(0.0, profile.zone_offset_sigma_c, ZONES).tolist()
        self.temps_c = [AMBIENT_C] * ZONES
        self.pressure_mbar = self.base_mbar = 1013.0
        self.phase, self.phase_s, self.hold_s = "waiting", 0.0, 0.0
        self.ramp_c = AMBIENT_C
        self.energy_kwh = 0.0
        self.load = None  # set by the line when parts are loaded
        self.unloaded = None  # the load just taken out, collected by the line
        self.soak_temp_sum = 0.0

    @property
    def soak_temp_c(self) -> float:
        """True soak temperature of this furnace (set point plus its hidden offset)."""
        return self.profile.furnace_setpoint_c + self.offset_c

    def begin_load(self, load) -> None:
        """Put a load in an empty furnace and start a cycle."""
        self.load, self.phase, self.phase_s, self.hold_s = load, "loading", 0.0, 0.0
        self.soak_temp_sum = 0.0
        self.texts["LotId"] = load.lot_id

    def step(self, t_s: float, dt_s: float, rng: np.random.Generator) -> None:
        self.phase_s += dt_s
        setpoint = self._advance(dt_s)
        heating = not self.is_down and self.phase in ("heat-up", "soak")
        tau = 600.0 if heating else (3600.0 if self.phase == "cool-down" else 7200.0)
        self.temps_c = [
            lag(t, self._zone_target(z, heating, setpoint), dt_s, tau)
            for z, t in enumerate(self.temps_c)
        ]
        power = self._power(heating, setpoint)
        self.energy_kwh += power * dt_s / 3600.0
        self.pressure_mbar = self._pressure(dt_s)
        if not self.is_down:
            self.state = "idle" if self.phase == "waiting" else "running"
        self.texts["Phase"] = self.phase
        self.values[:ZONES] = self.temps_c
        self.values[ZONES:] = (
            setpoint,
            self.pressure_mbar,
            self.hold_s / 60.0,
            power,
            self.energy_kwh,
        )

    def _zone_target(self, zone: int, heating: bool, setpoint: float) -> float:
        """Where zone ``zone`` is heading: the set point shifted by the hidden offsets."""
        if not heating:
            return AMBIENT_C
        shift = self.offset_c + self.zone_offsets_c[zone] * setpoint / self.soak_temp_c
        return setpoint + shift

    @property
    def mean_c(self) -> float:
        """Mean of the true zone temperatures [°C]."""
        return sum(self.temps_c) / ZONES

    def _advance(self, dt_s: float) -> float:
        """Move through the cycle; return the programme set point [°C]."""
        mean_c = self.mean_c
        if self.phase == "loading" and self.phase_s >= HANDLING_S:
            self._enter("heat-up")
            self.ramp_c = mean_c
        if self.phase == "heat-up":
            if not self.is_down:
                self.ramp_c = min(
                    self.profile.furnace_setpoint_c, self.ramp_c + RAMP_C_PER_MIN * dt_s / 60.0
                )
            if mean_c >= self.soak_temp_c - 5.0:
                self._enter("soak")
        if self.phase == "soak":
            if mean_c >= self.soak_temp_c - 15.0:
                self.hold_s += dt_s
                self.soak_temp_sum += mean_c * dt_s
            elif self.is_down:
                self.ramp_c = mean_c
            if self.hold_s >= self.profile.soak_h * 3600.0:
                self._enter("cool-down")
        if self.phase == "cool-down" and mean_c < 100.0:
            self._enter("unloading")
        if self.phase == "unloading" and self.phase_s >= HANDLING_S:
            self._finish()
        if self.phase == "heat-up":
            return self.ramp_c
        return self.profile.furnace_setpoint_c if self.phase == "soak" else AMBIENT_C

    def _enter(self, phase: str) -> None:
        self.phase, self.phase_s = phase, 0.0

    def _finish(self) -> None:
        if self.load is not None:
            self.load.true["soak_temp_c"] = self.soak_temp_sum / max(self.hold_s, 1e-9)
            self.load.true["soak_h"] = self.hold_s / 3600.0
        self.unloaded, self.load = self.load, None
        self.texts["LotId"] = ""
        self._enter("waiting")

    def _power(self, heating: bool, setpoint: float) -> float:
        if not heating:
            return 0.0
        mean_c = self.mean_c
        hold = 0.018 * (mean_c - AMBIENT_C)
        return float(min(MAX_POWER_KW, max(0.0, hold + 0.5 * (setpoint - mean_c))))

    def _pressure(self, dt_s: float) -> float:
        if self.phase in ("waiting", "loading", "unloading"):
            return 1013.0
        if self.phase == "cool-down":
            return lag(self.pressure_mbar, 800.0, dt_s, 120.0)
        self.base_mbar = lag(min(self.base_mbar, self.pressure_mbar), 1e-3, dt_s, 300.0)
        outgassing = 0.05 * math.exp(-(((self.mean_c - 500.0) / 80.0) ** 2))
        return float(self.base_mbar + outgassing)
