"""Parameters shared by both routes: IREL's separation, material physics and prices.

Every entry has a value, a unit and a source; uncertain ones carry P10 and P90.
"""

from twin.parameters._spec import entry as e

__all__ = ["get_parameter_values"]

_DOMAIN = "domain.md"


def get_parameter_values():
    """Return the shared parameters as a dict of plain entries."""
    return {
        # --- feed and separation (IREL, India, both routes) ---
        "feed_nd_fraction": e(0.75, "-", f"Nd2O3 share of NdPr oxide, 75:25 [{_DOMAIN}]"),
        "sx_separation_factor": e(
            1.5,
            "-",
            "β(Nd/Pr) for P507/PC88A, bounded 1.3–1.7 "
            "[assumed]; 1.58 D2EHPA (RSC Adv. 2015) [paper]",
            p10=1.4,
            p90=1.6,
            low=1.3,
            high=1.7,
        ),
        "sx_extraction_stages": e(
            50,
            "stages",
            "half of a 100-stage extraction+scrub cascade (Nguyen et al. 2022) [paper]",
        ),
        "sx_scrub_stages": e(50, "stages", "Nguyen et al. 2022 [paper]"),
        "sx_murphree_efficiency": e(
            0.9,
            "-",
            "mixer-settler stage efficiency 0.85–0.95 [assumed]",
            p10=0.86,
            p90=0.94,
            low=0.7,
            high=1.0,
        ),
        "sx_extraction_factor_nd": e(1.15, "-", "E = D_Nd·O/A in the extraction section [assumed]"),
        "sx_scrub_flow_fraction": e(
            0.87,
            "-",
            "scrub aqueous flow / extraction-section aqueous flow (sets reflux) [assumed]",
        ),
        "sx_re_recovery": e(
            0.985,
            "-",
            "rare earth recovered past entrainment and crud [assumed]",
            p10=0.975,
            p90=0.992,
            low=0.9,
            high=1.0,
        ),
        "sx_capacity_t_per_yr": e(
            600, "t oxide/yr", "IREL 400–500 t/yr, with margin (Reuters 2025) [news]"
        ),
        "sx_mtbf_days": e(90, "d", "cascade upsets [assumed]"),
        "sx_mttr_days": e(2, "d", "[assumed]"),
        "sx_residence_days": e(3, "d", "100 stages × (3–6 + 10–30) min, settling [derived]"),
        "sx_purity_spec": e(0.995, "-", f"Nd2O3/TREO ≥ 99.5 % [{_DOMAIN}]"),
        # --- material physics (both routes) ---
        "particle_size_ref_um": e(3.0, "µm", f"typical jet-mill d50 ~3 µm [{_DOMAIN}]"),
        "mill_rate_exponent": e(1.5, "-", "mill rate ∝ d^1.5, finer is slower [assumed]"),
        "oxygen_ref_ppm": e(1500, "ppm", "reference oxygen for α and densification [assumed]"),
        "align_cos_max": e(0.97, "-", "⟨cos θ⟩ > 0.95 commercial [paper], ceiling [assumed]"),
        "align_field_scale_t": e(0.5, "T", "alignment saturation scale [assumed]"),
        "green_density": e(0.55, "-", f"green density 50–70 % [{_DOMAIN}]"),
        "max_density": e(0.997, "-", "residual porosity floor [assumed]"),
        "theoretical_density_g_cm3": e(7.60, "g/cm3", f"Nd2Fe14B 7.55–7.60 [{_DOMAIN}]"),
        "sinter_ref_temp_c": e(1060, "°C", f"commercial sintering ~1060 °C [{_DOMAIN}]"),
        "densification_rate_per_h": e(
            1.1, "1/h", "at 1060 °C [assumed], gives ρ/ρ0 ≈ 0.99 after 4 h"
        ),
        "densification_activation_kj_per_mol": e(300, "kJ/mol", "liquid-phase sintering [assumed]"),
        "densification_oxygen_scale_ppm": e(6000, "ppm", "oxygen slows densification [assumed]"),
        "grain_initial_ratio": e(1.3, "-", "as-pressed grain / powder d50 [assumed]"),
        "grain_growth_um2_per_h": e(2.3, "µm²/h", "parabolic growth constant at 1060 °C [assumed]"),
        "grain_growth_activation_kj_per_mol": e(450, "kJ/mol", "[assumed]"),
        "abnormal_critical_dose_um2": e(
            40,
            "µm²",
            "K·t at which half the structure grows abnormally (~1105 °C for 4 h) [assumed]",
        ),
        "abnormal_width": e(0.3, "-", "logistic width in ln(K·t) [assumed]"),
        "abnormal_grain_ratio": e(10, "-", "abnormal / normal grain size [assumed]"),
        "grain_ref_um": e(5.0, "µm", "reference grain size for α [assumed]"),
        "alpha_ref": e(
            0.40, "-", "Kronmüller α at reference state (Kronmüller 1988: 0.3–0.5) [paper]"
        ),
        "alpha_grain_slope": e(0.02, "-", "dα/d ln(d²) (Hono 2012) [paper], value [assumed]"),
        "alpha_oxygen_slope": e(0.02, "-", "α lost per 1000 ppm O [assumed]"),
        "n_eff": e(1.0, "-", "effective demagnetizing factor (Kronmüller 1988) [paper]"),
        "anneal_optimum_c": e(500, "°C", f"second anneal 400–600 °C [{_DOMAIN}]"),
        "anneal_width_c": e(80, "°C", "[assumed]"),
        "anneal_gain": e(0.12, "-", "Hcj gain of an optimal anneal [assumed]"),
        "nonmagnetic_base": e(0.01, "-", "boride and other phases [assumed]"),
        "recoil_permeability": e(1.05, "-", f"µrec ≈ 1.05 [{_DOMAIN}]"),
        "br_cv": e(0.006, "-", "part-to-part Br spread besides furnace temperature [assumed]"),
        "tb_wt_fraction": e(0.0, "-", "Tb in alloy (none for N-grades) [assumed]"),
        "remagnetized_share": e(0.03, "-", "parts magnetized with a history (rework) [assumed]"),
        # --- prices ---
        "oxide_price_usd_per_kg": e(
            52,
            "US$/kg",
            "NdPr oxide 48–56 US$/kg (Lynas 2024) [news]",
            p10=48,
            p90=56,
            low=20,
            high=200,
        ),
        "dy_price_usd_per_kg": e(300, "US$/kg", "Dy metal [assumed]"),
    }
