"""What calibration reads from a line, and what it cannot estimate without each part.

The estimates (:mod:`twin.calibration.estimates`, :mod:`~twin.calibration.availability`)
find signals, text variables and lots by the twin's names: the simulator's dotted browse
paths (``Line1.Sintering.Furnace1.Zone1Temperature``), the states ``running``, ``idle``,
``down``, ``maintenance``, the furnace phase ``soak`` and four lot kinds. :data:`NEEDS`
lists each with the figures it feeds and the parameters that keep their prior without it,
so that a tag map that leaves one out can say what the calibration then lacks.
"""

from __future__ import annotations

import re
from typing import NamedTuple

__all__ = ["LOT_KINDS", "NEEDS", "PHASES", "STATES", "Need", "unit_of"]

#: Equipment states the twin knows; ``down`` and ``maintenance`` are out of service.
STATES = ("running", "idle", "down", "maintenance")
#: Phases of the furnaces and anneals; calibration reads temperatures during ``soak``.
PHASES = (
    "waiting",
    "loading",
    "heat-up",
    "soak",
    "cool-down",
    "unloading",
    "first-step",
    "second-step",
)
#: Lot kinds the estimates read.
LOT_KINDS = ("oxide", "alloy", "furnace_load", "magnetized")


class Need(NamedTuple):
    """One thing calibration reads.

    ``kind`` is ``signal``, ``text`` or ``lot``; ``name`` is how the twin names it
    (``<n>`` any number); ``pattern`` a regex on the twin's tag (on the lot kind for
    lots); ``unit`` the unit the twin reads a signal in; ``estimates`` the figures
    (``availability[stage]`` for a stage's availability) and ``parameters`` the twin
    parameters it feeds.
    """

    kind: str
    name: str
    pattern: str
    unit: str | None
    estimates: tuple[str, ...]
    parameters: tuple[str, ...]


def _state(equipment, stage, key, estimates=(), parameters=()):
    return Need(
        "text",
        f"Line<n>.{equipment}<n>.State",
        rf"\.{re.escape(equipment)}\d+\.State$",
        None,
        (f"availability[{stage}]", *estimates),
        (f"{key}_mtbf_days", f"{key}_mttr_days", *parameters),
    )


def _signal(name, pattern, unit, estimates, parameters):
    return Need("signal", f"Line<n>.{name}", pattern, unit, estimates, parameters)


NEEDS: tuple[Need, ...] = (
    _state(
        "Separation.Bank",
        "separation",
        "sx",
        ("banks", "oxide_kg_per_h_per_bank"),
        ("sx_capacity_t_per_yr",),
    ),
    _state(
        "Sintering.JetMill",
        "alloy & powder",
        "powder",
        ("mill_kg_per_h", "particle_size_um", "oxygen_ppm"),
        ("powder_capacity_t_per_yr", "particle_size_um", "oxygen_base_ppm"),
    ),
    _state("Sintering.Press", "alloy & powder", "powder", ("align_field_t",), ("align_field_t",)),
    _state("Sintering.Furnace", "sintering", "sinter"),
    _state("Sintering.Anneal", "anneal", "machining"),
    _state(
        "Magnetization.Magnetizer",
        "magnetizing",
        "magnetizing",
        ("magnetizer_field_t", "pulses_per_h"),
        ("magnetizer_field_t", "magnetizing_capacity_t_per_yr"),
    ),
    Need(
        "text",
        "Line<n>.Sintering.Furnace<n>.Phase",
        r"\.Furnace\d+\.Phase$",
        None,
        ("sinter_temp_c", "furnace_temp_sd_c"),
        ("sinter_temp_c",),
    ),
    Need(
        "text",
        "Line<n>.Sintering.Anneal<n>.LotId",
        r"\.Anneal\d+\.LotId$",
        None,
        ("anneal_kg_per_h",),
        ("machining_capacity_t_per_yr",),
    ),
    _signal(
        "Separation.Bank<n>.OxideRate",
        r"\.Separation\.Bank\d+\.OxideRate$",
        "kg/h",
        ("oxide_kg_per_h_per_bank",),
        ("sx_capacity_t_per_yr",),
    ),
    _signal(
        "Sintering.JetMill<n>.FeedRate",
        r"\.JetMill\d+\.FeedRate$",
        "kg/h",
        ("mill_kg_per_h",),
        ("powder_capacity_t_per_yr",),
    ),
    _signal(
        "Sintering.JetMill<n>.ParticleSize",
        r"\.JetMill\d+\.ParticleSize$",
        "µm",
        ("particle_size_um",),
        ("particle_size_um",),
    ),
    _signal(
        "Sintering.JetMill<n>.OxygenContent",
        r"\.JetMill\d+\.OxygenContent$",
        "ppm",
        ("oxygen_ppm",),
        ("oxygen_base_ppm",),
    ),
    _signal(
        "Sintering.Press<n>.AligningField",
        r"\.Press\d+\.AligningField$",
        "T",
        ("align_field_t",),
        ("align_field_t",),
    ),
    _signal(
        "Sintering.Furnace<n>.Zone<n>Temperature",
        r"\.Furnace\d+\.[^.]*Temperature$",
        "°C",
        ("sinter_temp_c", "furnace_temp_sd_c"),
        ("sinter_temp_c",),
    ),
    _signal(
        "Magnetization.Magnetizer<n>.PeakField",
        r"\.Magnetizer\d+\.PeakField$",
        "T",
        ("magnetizer_field_t",),
        ("magnetizer_field_t",),
    ),
    _signal(
        "Magnetization.Magnetizer<n>.PulseCount",
        r"\.Magnetizer\d+\.PulseCount$",
        "1",
        ("pulses_per_h",),
        ("magnetizing_capacity_t_per_yr",),
    ),
    Need(
        "lot",
        "oxide lots",
        "^oxide$",
        None,
        ("oxide_kg_per_h_per_bank", "sx_re_recovery", "nd_purity", "nd_purity_drift_per_day"),
        ("sx_re_recovery", "sx_separation_factor"),
    ),
    Need(
        "lot",
        "alloy lots",
        "^alloy$",
        None,
        ("metal_per_oxide", "re_wt_fraction"),
        ("metal_recovery", "re_wt_fraction"),
    ),
    Need(
        "lot",
        "furnace_load lots",
        "^furnace_load$",
        None,
        ("sinter_capacity_kg_per_h", "sinter_cycle_h", "alloy_to_blocks_yield", "mill_kg_per_h"),
        ("sinter_capacity_t_per_yr", "sinter_yield", "sinter_time_h", "alpha_ref"),
    ),
    Need(
        "lot",
        "magnetized lots",
        "^magnetized$",
        None,
        ("br_t", "br_part_sd_t", "pass_fraction", "part_mass_kg", "good_magnets_kg_per_day"),
        ("nonmagnetic_base", "br_cv", "hcj_cv", "magnetizing_capacity_t_per_yr"),
    ),
)


def unit_of(twin_tag: str) -> str | None:
    """The unit the twin reads the signal ``twin_tag`` in; None for signals it does not read."""
    for need in NEEDS:
        if need.kind == "signal" and re.search(need.pattern, twin_tag):
            return need.unit
    return None
