"""Route profiles: the hidden true parameters of a line.

``domestic`` is a young Indian line still learning (wider furnace-to-furnace spread, more
scrap, more breakdowns, noisier sensors); ``tolled`` is the partner's mature line in Japan
or Korea. Figures follow ``domain.md``; the ones marked [assumed] there are parameters here.
The twin never sees these values: it has to learn them from the published data.

Lot-to-lot scatter
------------------
Each alloy lot (one melt, one powder batch) gets its own nonmagnetic fraction (rare-earth
and boron content), coercivity factor (grain-boundary additions, oxygen pick-up) and
alignment deviation (powder flow and lubricant in the aligning press); each furnace load
its own density deviation (position in the furnace, green density). Through
Br ≈ Js·(1 − f)·(ρ/ρ0)·⟨cos θ⟩ they give a lot-to-lot 1σ of Br of about 0.013 T on the
domestic line and 0.008 T on the tolled one, and of Hcj of about 2.6 % and 2.2 % (was
0.0004 T and 1.4 % / 0.9 % with measurement noise and furnace offsets alone).

References
----------
- Grade bands of sintered NdFeB are 0.04-0.05 T wide in Br (N45: 1.32-1.37 T; domain.md,
  "Magnetic properties", and vendor tables such as en.shanghaimagnet.com "NdFeB
  Performance Parameter Table"), because no two lots come out alike and the industry
  accepts a range per grade: a lot 1σ of ~0.01 T keeps ±2σ inside one band [derived].
- Manufacturers generally hold ±5 % on Br and ±8 % on coercive force (MMPA Standard 0100
  and Permanent Magnet Guidelines, as summarised in Emetor's glossary, "Permanent magnet
  tolerances", https://www.emetor.com/glossary/permanent-magnet-tolerances/): at
  1.33 T, ±5 % = ±0.067 T ≈ ±3σ for σ ≈ 0.02 T, an upper bound; ±8 % Hcj ≈ ±3σ for σ ≈
  2.7 % [derived].
- How the scatter splits between composition, density and alignment is [assumed].
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

__all__ = ["PROFILES", "RouteProfile", "get_profile"]


@dataclass(frozen=True)
class RouteProfile:
    """Hidden true parameters of one line (units in the names)."""

    name: str
    # separation (solvent extraction Nd/Pr)
    beta_nd_pr: float  # separation factor, P507/PC88A ~1.5 (1.3-1.7)
    cascade_stages: int  # extraction + scrub stages per bank
    murphree_efficiency: float  # 0.85-0.95
    feed_flow_l_per_h: float  # aqueous feed per bank
    feed_reo_g_per_l: float  # rare-earth oxide in the feed
    beta_walk_per_day: float  # slow drift of the effective separation factor (1 sigma)
    # oxide -> metal -> alloy
    metal_recovery: float  # electrolysis metal recovery, 0.92-0.97
    alloy_re_fraction: float  # total rare earth in the alloy, 0.28-0.35
    oxide_lot_kg: float
    # sintering
    particle_size_um: float  # jet-mill median size, ~3 µm
    mill_oxygen_ppm: float
    mill_rate_kg_per_h: float
    mill_loss_fraction: float
    aligning_field_t: float  # 1.5-2 T
    alignment_cos: float  # <cos θ>, > 0.95 commercial
    press_reject_fraction: float
    furnace_setpoint_c: float  # ~1060 °C
    furnace_offset_sigma_c: float  # furnace-to-furnace difference of the true soak temperature
    zone_offset_sigma_c: float  # zone-to-zone difference inside one furnace
    soak_h: float
    load_kg: float
    sinter_reject_fraction: float
    # magnetization
    magnetizer_field_t: float  # peak field; saturation needs ~2-3 Js
    part_mass_kg: float
    nonmagnetic_fraction: float
    target_grade: str
    # lot-to-lot scatter (see the module docstring)
    alloy_nonmagnetic_sigma: float  # nonmagnetic fraction between alloy lots (1 sigma) [-]
    alloy_hcj_sigma: float  # Hcj between alloy lots, relative (1 sigma) [-]
    alignment_sigma: float  # <cos θ> between powder batches (1 sigma) [-]
    load_density_sigma: float  # sintered density between furnace loads, relative [-]
    # availability and instruments
    mtbf_h: float  # mean time between random breakdowns, per equipment
    mttr_h: float  # mean time to repair
    noise_scale: float  # multiplies every sensor's noise
    drift_per_day: float  # sensor drift random walk, fraction of range per sqrt(day)


PROFILES: dict[str, RouteProfile] = {
    "domestic": RouteProfile(
        name="domestic",
        beta_nd_pr=1.45,
        cascade_stages=60,
        murphree_efficiency=0.85,
        feed_flow_l_per_h=100.0,
        feed_reo_g_per_l=130.0,
        beta_walk_per_day=0.01,
        metal_recovery=0.93,
        alloy_re_fraction=0.31,
        oxide_lot_kg=500.0,
        particle_size_um=3.6,
        mill_oxygen_ppm=2600.0,
        mill_rate_kg_per_h=150.0,
        mill_loss_fraction=0.03,
        aligning_field_t=1.6,
        alignment_cos=0.92,
        press_reject_fraction=0.05,
        furnace_setpoint_c=1060.0,
        furnace_offset_sigma_c=8.0,
        zone_offset_sigma_c=4.0,
        soak_h=4.0,
        load_kg=400.0,
        sinter_reject_fraction=0.06,
        magnetizer_field_t=3.0,
        part_mass_kg=0.1,
        nonmagnetic_fraction=0.08,
        target_grade="N45",
        alloy_nonmagnetic_sigma=0.006,
        alloy_hcj_sigma=0.025,
        alignment_sigma=0.005,
        load_density_sigma=0.003,
        mtbf_h=60.0,
        mttr_h=6.0,
        noise_scale=1.5,
        drift_per_day=0.004,
    ),
    "tolled": RouteProfile(
        name="tolled",
        beta_nd_pr=1.5,
        cascade_stages=70,
        murphree_efficiency=0.92,
        feed_flow_l_per_h=100.0,
        feed_reo_g_per_l=130.0,
        beta_walk_per_day=0.004,
        metal_recovery=0.96,
        alloy_re_fraction=0.31,
        oxide_lot_kg=500.0,
        particle_size_um=3.0,
        mill_oxygen_ppm=1500.0,
        mill_rate_kg_per_h=160.0,
        mill_loss_fraction=0.015,
        aligning_field_t=1.9,
        alignment_cos=0.96,
        press_reject_fraction=0.02,
        furnace_setpoint_c=1060.0,
        furnace_offset_sigma_c=3.0,
        zone_offset_sigma_c=1.5,
        soak_h=4.0,
        load_kg=400.0,
        sinter_reject_fraction=0.02,
        magnetizer_field_t=3.3,
        part_mass_kg=0.1,
        nonmagnetic_fraction=0.06,
        target_grade="N48",
        alloy_nonmagnetic_sigma=0.0045,
        alloy_hcj_sigma=0.02,
        alignment_sigma=0.0035,
        load_density_sigma=0.002,
        mtbf_h=200.0,
        mttr_h=3.0,
        noise_scale=1.0,
        drift_per_day=0.001,
    ),
}

PROFILE_FIELDS = frozenset(f.name for f in fields(RouteProfile)) - {"name"}


def get_profile(name: str, overrides: dict[str, float] | None = None) -> RouteProfile:
    """Return the named profile, optionally with some parameters overridden.

    Raises ``KeyError`` naming the known profiles or parameters on an unknown name.
    """
    if name not in PROFILES:
        raise KeyError(f"unknown profile {name!r}; known: {', '.join(sorted(PROFILES))}")
    unknown = set(overrides or {}) - PROFILE_FIELDS
    if unknown:
        raise KeyError(
            f"unknown profile parameter(s) {', '.join(sorted(unknown))}; "
            f"known: {', '.join(sorted(PROFILE_FIELDS))}"
        )
    return replace(PROFILES[name], **(overrides or {}))
