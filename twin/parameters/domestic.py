"""Domestic route: metal, alloy, sintering and magnetizing on a young line in India.

Capacities are sized to the incentive scheme's plant ceiling (1,200 t/yr of finished
magnets per plant, Government of India, Nov 2025 [gov]); the line starts below nameplate
and learns (Wright's law on cumulative sintered output).
"""

from twin.parameters import common
from twin.parameters._spec import entry as e

__all__ = ["get_parameter_values"]

_SCHEME = "incentive scheme ≤ 1,200 t/yr finished magnets per plant [gov]"


def _line():
    return {
        "electrolysis_capacity_t_per_yr": e(
            700, "t metal/yr", "600 t oxide with margin for cell outages [derived]"
        ),
        "electrolysis_mtbf_days": e(30, "d", "cell failures [assumed]"),
        "electrolysis_mttr_days": e(1.0, "d", "[assumed]"),
        "electrolysis_days": e(2, "d", "cell run and tapping [assumed]"),
        "metal_recovery": e(
            0.95,
            "-",
            "metal recovery 92–97 % [assumed, domain.md]",
            p10=0.93,
            p90=0.965,
            low=0.85,
            high=0.99,
        ),
        "metal_recovery_initial": e(0.88, "-", "young line [assumed]"),
        "cell_voltage_v": e(9.0, "V", "8–10 V [assumed, domain.md]", p10=8.3, p90=9.7),
        "current_efficiency": e(
            0.80, "-", "75–85 % [assumed, domain.md]", p10=0.76, p90=0.84, low=0.5, high=0.95
        ),
        "powder_capacity_t_per_yr": e(
            1900, "t powder/yr", "strip casting, HD and jet mills at the reference size [assumed]"
        ),
        "powder_yield": e(0.98, "-", "casting + milling losses [assumed]"),
        "powder_yield_initial": e(0.93, "-", "[assumed]"),
        "powder_mtbf_days": e(20, "d", "[assumed]"),
        "powder_mttr_days": e(1.0, "d", "[assumed]"),
        "powder_days": e(2, "d", "[assumed]"),
        "sinter_capacity_t_per_yr": e(1700, "t blocks/yr", f"{_SCHEME} / 0.7 machining [derived]"),
        "sinter_yield": e(
            0.97, "-", "cracks, warping [assumed]", p10=0.95, p90=0.98, low=0.8, high=0.995
        ),
        "sinter_yield_initial": e(0.86, "-", "young line [assumed]"),
        "sinter_mtbf_days": e(15, "d", "vacuum furnace faults [assumed]"),
        "sinter_mttr_days": e(1.0, "d", "[assumed]"),
        "sinter_days": e(2, "d", "sinter + two-step anneal cycle [assumed]"),
        "machining_capacity_t_per_yr": e(1250, "t magnets/yr", _SCHEME),
        "machining_yield": e(
            0.72, "-", "machining yield 60–80 % [vendor]", p10=0.66, p90=0.78, low=0.5, high=0.9
        ),
        "machining_yield_initial": e(0.60, "-", "young line, low end [vendor]"),
        "machining_mtbf_days": e(20, "d", "[assumed]"),
        "machining_mttr_days": e(0.5, "d", "[assumed]"),
        "machining_days": e(3, "d", "slicing, grinding, coating [assumed]"),
        "magnetizing_capacity_t_per_yr": e(1500, "t magnets/yr", "pulse magnetizers [assumed]"),
        "magnetizing_mtbf_days": e(40, "d", "[assumed]"),
        "magnetizing_mttr_days": e(0.5, "d", "[assumed]"),
        "magnetizing_days": e(1, "d", "magnetize and inspect [assumed]"),
        "learning_progress_ratio": e(
            0.8,
            "-",
            "gap to mature cut 20 % per doubling of output (Wright 1936) [assumed]",
            p10=0.72,
            p90=0.88,
            low=0.5,
            high=1.0,
        ),
        "learning_ref_t": e(50, "t blocks", "cumulative output of the first doubling [assumed]"),
        "learning_capacity_initial": e(
            0.6,
            "-",
            "share of nameplate reachable at start [assumed]",
            p10=0.45,
            p90=0.75,
            low=0.1,
            high=1.0,
        ),
        "ramp_start_fraction": e(0.5, "-", "installed share of nameplate at day 0 [assumed]"),
        "ramp_days": e(180, "d", "commissioning of the rest [assumed]"),
        "conversion_cost_usd_per_kg": e(
            25,
            "US$/kg magnet",
            "labour, energy, consumables, upkeep [assumed]",
            p10=18,
            p90=35,
            low=5,
        ),
        "electricity_price_usd_per_kwh": e(0.09, "US$/kWh", "Indian industrial tariff [assumed]"),
    }


def _process():
    return {
        "particle_size_um": e(
            3.5,
            "µm",
            "jet mill d50 2–5 µm [vendor]; young line coarser [assumed]",
            p10=3.1,
            p90=4.0,
            low=1.5,
            high=6.0,
        ),
        "oxygen_base_ppm": e(
            1500, "ppm", "casting, HD, handling pick-up [assumed]", p10=1100, p90=2100, low=300
        ),
        "oxygen_surface_ppm": e(1000, "ppm", "surface pick-up at 3 µm [assumed]"),
        "align_field_t": e(
            1.6,
            "T",
            "aligning field 1.5–2 T [assumed, domain.md]",
            p10=1.45,
            p90=1.8,
            low=0.5,
            high=2.5,
        ),
        "sinter_temp_c": e(1060, "°C", "commercial ~1060 °C [vendor]", p10=1050, p90=1070),
        "sinter_time_h": e(4.0, "h", "a few hours [vendor]", p10=3.5, p90=4.5, low=1),
        "furnace_temp_sd_c": e(
            8.0, "°C", "furnace-to-furnace spread, young line [assumed]", p10=5, p90=12, low=0.5
        ),
        "anneal_temp_c": e(500, "°C", "400–600 °C [vendor]", p10=480, p90=530),
        "re_wt_fraction": e(
            0.295, "-", "total RE 28–35 wt % [vendor]", p10=0.288, p90=0.305, low=0.28, high=0.35
        ),
        "dy_wt_fraction": e(0.0, "-", "no Dy for N42 [assumed]", low=0.0, high=0.1),
        "magnetizer_field_t": e(
            3.0, "T", "≥ 2,400 kA/m (~3 T) [vendor]", p10=2.8, p90=3.2, low=0.1
        ),
        "hcj_cv": e(
            0.04, "-", "part-to-part Hcj spread besides furnace temperature, young line [assumed]"
        ),
    }


def get_parameter_values():
    """Return the domestic route's parameters as a dict of plain entries."""
    return {**common.get_parameter_values(), **_line(), **_process()}
