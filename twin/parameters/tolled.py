"""Tolled route: oxide shipped to a Japanese or Korean partner, magnets shipped back.

The partner's line is mature (no learning); what the route adds is the time at sea, in
ports and customs, the conversion time, the toll charge and the chance of an export stop.
"""

from twin.parameters import common
from twin.parameters._spec import entry as e

__all__ = ["PARTNERS", "get_parameter_values"]

_FREIGHT = "freight forwarder table, Japan ↔ Chennai [vendor]"


def _partner_line():
    return {
        "toll_capacity_t_per_yr": e(600, "t oxide/yr", "toll allocation [assumed]"),
        "conversion_days": e(
            56, "d", "oxide to finished magnet 6–10 weeks [assumed]", p10=45, p90=68, low=30
        ),
        "partner_mtbf_days": e(60, "d", "[assumed]"),
        "partner_mttr_days": e(1.0, "d", "[assumed]"),
        "metal_recovery": e(
            0.96, "-", "92–97 %, mature [assumed]", p10=0.95, p90=0.97, low=0.85, high=0.99
        ),
        "powder_yield": e(0.985, "-", "[assumed]"),
        "sinter_yield": e(0.975, "-", "[assumed]", p10=0.965, p90=0.985, low=0.8, high=0.995),
        "machining_yield": e(
            0.78, "-", "60–80 %, mature high end [vendor]", p10=0.74, p90=0.8, low=0.5, high=0.9
        ),
        "toll_charge_usd_per_kg": e(
            20, "US$/kg magnet", "10–30 US$/kg, no public figure [assumed]", p10=12, p90=28, low=0
        ),
        "freight_usd_per_kg": e(1.5, "US$/kg per leg", "sea freight and insurance [assumed]"),
        "export_stop_per_yr": e(
            0.03,
            "1/yr",
            "chance of a partner export stop; China "
            "stopped magnet exports Apr 2025 (seed) [assumed]",
        ),
        "export_stop_days": e(90, "d", "stop duration [assumed]", p10=45, p90=180, low=1),
    }


def _process():
    return {
        "particle_size_um": e(
            3.0, "µm", "jet mill ~3 µm [vendor]", p10=2.8, p90=3.3, low=1.5, high=6.0
        ),
        "oxygen_base_ppm": e(
            600, "ppm", "low-oxygen mature process [assumed]", p10=450, p90=800, low=200
        ),
        "oxygen_surface_ppm": e(700, "ppm", "surface pick-up at 3 µm [assumed]"),
        "align_field_t": e(
            1.9, "T", "1.5–2 T [assumed, domain.md]", p10=1.8, p90=2.0, low=0.5, high=2.5
        ),
        "sinter_temp_c": e(1060, "°C", "[vendor]", p10=1055, p90=1065),
        "sinter_time_h": e(4.0, "h", "[vendor]", p10=3.7, p90=4.3, low=1),
        "furnace_temp_sd_c": e(3.0, "°C", "mature furnaces [assumed]", p10=2, p90=5, low=0.5),
        "anneal_temp_c": e(500, "°C", "[vendor]", p10=490, p90=515),
        "re_wt_fraction": e(0.295, "-", "[vendor]", p10=0.29, p90=0.30, low=0.28, high=0.35),
        "dy_wt_fraction": e(0.0, "-", "no Dy for N42 [assumed]", low=0.0, high=0.1),
        "magnetizer_field_t": e(3.3, "T", "≥ 2,400 kA/m [vendor]", p10=3.1, p90=3.5, low=0.1),
        "hcj_cv": e(0.025, "-", "[assumed]"),
    }


#: Logistics of each partner, one way; the route applies them out and back.
PARTNERS = {
    "japan": {
        "sea_days": e(18, "d", f"~18 days port to port [{_FREIGHT}]", p10=17, p90=20),
        "sailing_wait_days": e(
            5, "d", f"3–7 days sailing frequency [{_FREIGHT}]", p10=3.5, p90=6.5, low=0
        ),
        "handling_days": e(
            13, "d", f"10–16 days handling and customs [{_FREIGHT}]", p10=10.5, p90=15.5, low=1
        ),
    },
    "korea": {
        "sea_days": e(17, "d", "14–20 days via transshipment [assumed]", p10=14.5, p90=19.5),
        "sailing_wait_days": e(5, "d", "weekly sailings [assumed]", p10=3.5, p90=6.5, low=0),
        "handling_days": e(13, "d", f"as Japan [{_FREIGHT}]", p10=10.5, p90=15.5, low=1),
    },
}


def get_parameter_values(partner="japan"):
    """Return the tolled route's parameters for ``partner`` as a dict of plain entries."""
    return {**common.get_parameter_values(), **_partner_line(), **_process(), **PARTNERS[partner]}
