"""Settings of a simulator run: defaults, a TOML file, then the command line.

File shape (every section and key optional; unknown keys are errors)::

    [simulator]
    host = "127.0.0.1"
    port = 4840
    seed = 42
    speed = 1.0            # simulated seconds per wall second
    catch_up_wall_s = 3600 # wall seconds at `speed` before source time reaches the clock
    profile = "domestic"   # or "tolled"
    naming = "native"      # or "foreign": the same plant under another plant's names
    step_s = 1.0           # model step, simulated seconds
    data_dir = "var/simulator"
    history_window_s = 3600
    fast_path = true       # skip asyncua's per-write deep copy
    security = ["None", "Basic256Sha256_Sign", "Basic256Sha256_SignAndEncrypt"]
    users = { operator = "secret" }   # empty: anonymous only
    trusted_clients_dir = "var/trusted-clients"  # only these client certificates; default: any

    [plant]
    lines = 1
    banks = 4
    furnaces = 4

    [profile_overrides]    # hidden true parameters, see simulators.profiles
    furnace_offset_sigma_c = 10.0

    [[faults]]
    kind = "drift"
    target = "Line1.Sintering.Furnace1.Zone1Temperature"
    start_s = 60
    duration_s = 600
    magnitude = 5.0

Source times are never ahead of the wall clock. At ``speed`` > 1 a live run (``serve``)
starts ``(speed - 1) · catch_up_wall_s`` simulated seconds in the past, runs at ``speed``
for ``catch_up_wall_s`` wall seconds until its source time reaches the clock, then in real
time; on a data dir with saved history it resumes right after that history when that is
later (see ``simulators.serve``). At ``speed`` <= 1 it starts at the clock. Offline runs
(``run``) start at a fixed date and ignore ``catch_up_wall_s``.

``naming`` says how the plant is named where it is published, live and in offline runs
(``simulators.naming`` has the table): ``native`` publishes the model's names
(``Line1/Sintering/Furnace1/Zone1Temperature``, states ``running``...); ``foreign``
publishes the same plant, same numbers, as another plant would name it
(``Plant/L1/Sinter/Kiln1/TZ1`` in kelvin, states ``RUN``..., lots on ``LastBatch``
variables, the jet mill's oxygen left out). Fault targets always use the model's names.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from simulators.errors import ConfigError
from simulators.faults import FaultSpec
from simulators.naming import NAMINGS
from simulators.plant.plant import PlantLayout
from simulators.profiles import PROFILES, get_profile

__all__ = ["SECURITY_MODES", "SimConfig", "load_config"]

SECURITY_MODES = ("None", "Basic256Sha256_Sign", "Basic256Sha256_SignAndEncrypt")
_MAX_CATCH_UP_SPAN_S = 10 * 365 * 86400.0  # a live run starts at most ten years back


@dataclass(frozen=True)
class SimConfig:
    """Validated settings of one simulator process."""

    host: str = "127.0.0.1"
    port: int = 4840
    seed: int = 42
    speed: float = 1.0
    catch_up_wall_s: float = 3600.0
    profile: str = "domestic"
    naming: str = "native"
    step_s: float = 1.0
    data_dir: Path = Path("var/simulator")
    history_window_s: float = 3600.0
    fast_path: bool = True
    security: tuple[str, ...] = SECURITY_MODES
    users: dict[str, str] = field(default_factory=dict)
    trusted_clients_dir: Path | None = None
    layout: PlantLayout = field(default_factory=PlantLayout)
    profile_overrides: dict[str, float] = field(default_factory=dict)
    faults: tuple[FaultSpec, ...] = ()

    @property
    def catch_up_span_s(self) -> float:
        """How far before the wall clock a live run starts [simulated s] (0 at speed <= 1)."""
        return max(0.0, self.speed - 1.0) * self.catch_up_wall_s

    def validate(self) -> SimConfig:
        """Check ranges and names; raise ``ConfigError`` saying what to fix."""
        checks = [
            (0 < self.port < 65536, f"port must be 1-65535, got {self.port}"),
            (self.speed > 0, f"speed must be > 0, got {self.speed}"),
            (self.step_s > 0, f"step_s must be > 0, got {self.step_s}"),
            (
                0 <= self.catch_up_wall_s < math.inf,
                f"catch_up_wall_s must be >= 0 (wall seconds), got {self.catch_up_wall_s}",
            ),
            (
                not self.catch_up_span_s > _MAX_CATCH_UP_SPAN_S,
                f"(speed - 1) x catch_up_wall_s puts the start {self.catch_up_span_s:.3g} "
                "simulated s back, more than ten years; lower catch_up_wall_s",
            ),
            (self.history_window_s >= 0, "history_window_s must be >= 0"),
            (
                self.profile in PROFILES,
                f"unknown profile {self.profile!r}; known: {', '.join(sorted(PROFILES))}",
            ),
            (
                self.naming in NAMINGS,
                f"unknown naming {self.naming!r}; known: {', '.join(sorted(NAMINGS))}",
            ),
            (
                min(self.layout.lines, self.layout.banks, self.layout.furnaces) >= 1,
                "plant lines, banks and furnaces must be >= 1",
            ),
            (
                set(self.security) <= set(SECURITY_MODES) and self.security,
                f"security must be a non-empty list of {', '.join(SECURITY_MODES)}",
            ),
            (
                self.trusted_clients_dir is None or self.trusted_clients_dir.is_dir(),
                f"trusted_clients_dir {self.trusted_clients_dir} is not a folder",
            ),
            (
                self.trusted_clients_dir is None or set(self.security) - {"None"},
                "trusted_clients_dir needs a Basic256Sha256 mode in security",
            ),
        ]
        for ok, message in checks:
            if not ok:
                raise ConfigError(message)
        try:
            get_profile(self.profile, self.profile_overrides)
        except KeyError as exc:
            raise ConfigError(str(exc.args[0])) from exc
        return self


_SIM_KEYS = {f.name for f in fields(SimConfig)} - {"layout", "profile_overrides", "faults"}
_PLANT_KEYS = {f.name for f in fields(PlantLayout)}
_FAULT_KEYS = {f.name for f in fields(FaultSpec)}


def _check_keys(table: dict, allowed: set[str], where: str) -> None:
    unknown = set(table) - allowed
    if unknown:
        raise ConfigError(
            f"{where}: unknown key(s) {', '.join(sorted(unknown))}; "
            f"allowed: {', '.join(sorted(allowed))}"
        )


def _typed(name: str, value, default):
    if name == "trusted_clients_dir":  # the one optional path (default None)
        return Path(value)
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise ConfigError(f"[simulator] {name} must be true or false")
        return value
    try:
        if isinstance(default, Path):
            return Path(value)
        if isinstance(default, tuple):
            return tuple(str(v) for v in value)
        if isinstance(default, dict):
            return {str(k): str(v) for k, v in dict(value).items()}
        return type(default)(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"[simulator] {name}: cannot use {value!r} ({exc})") from exc


def _from_table(data: dict) -> SimConfig:
    _check_keys(data, {"simulator", "plant", "profile_overrides", "faults"}, "config")
    sim, plant = data.get("simulator", {}), data.get("plant", {})
    _check_keys(sim, _SIM_KEYS, "[simulator]")
    _check_keys(plant, _PLANT_KEYS, "[plant]")
    base = SimConfig()
    values = {k: _typed(k, v, getattr(base, k)) for k, v in sim.items()}
    try:
        layout = PlantLayout(**{k: int(v) for k, v in plant.items()})
        overrides = {k: float(v) for k, v in data.get("profile_overrides", {}).items()}
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"[plant] or [profile_overrides]: {exc}") from exc
    faults = []
    for n, table in enumerate(data.get("faults", []), start=1):
        _check_keys(table, _FAULT_KEYS, f"[[faults]] #{n}")
        try:
            faults.append(FaultSpec(**table))
        except TypeError as exc:
            raise ConfigError(f"[[faults]] #{n}: {exc}") from exc
    return replace(base, layout=layout, profile_overrides=overrides, faults=tuple(faults), **values)


def load_config(path: Path | None) -> SimConfig:
    """Read ``path`` (TOML) into a ``SimConfig``; ``None`` gives the defaults."""
    if path is None:
        return SimConfig()
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read config {path}: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config {path} is not valid TOML: {exc}") from exc
    return _from_table(data)
