"""From powder and furnace settings to the magnet's properties and its grade share.

Wires :mod:`twin.sintering`, :mod:`twin.magnetics` and :mod:`twin.grades` for arrays of
per-sample parameters (a mapping of name → array, as drawn by :mod:`twin.sampling`).

References
----------
.. [1] H. Kronmüller et al., J. Magn. Magn. Mater. 74, 291 (1988) (microstructural α).
.. [2] Grain size, oxygen and post-sinter anneal effects on coercivity: K. Hono,
   H. Sepehri-Amin, Scripta Mater. 67, 530 (2012); W. F. Li et al., Acta Mater. 57, 1337
   (2009) (optimum low-temperature anneal near 500 °C).
"""

import numpy as np

from twin import constants as c
from twin import magnetics, sintering
from twin.grades import grade_pass_share

__all__ = ["anneal_factor", "hre_atomic_fractions", "kronmuller_alpha", "magnet_quality"]


def kronmuller_alpha(
    alpha_ref,
    grain_um,
    grain_ref_um,
    grain_slope,
    oxygen_ppm,
    oxygen_ref_ppm,
    oxygen_slope_per_1000ppm,
):
    """Microstructural factor α [-]: linear in ln(d²) and in oxygen content [1], [2]."""
    grain_term = np.asarray(grain_slope) * np.log((np.asarray(grain_um) / grain_ref_um) ** 2)
    oxygen_term = np.asarray(oxygen_slope_per_1000ppm) * (
        (np.asarray(oxygen_ppm) - np.asarray(oxygen_ref_ppm)) / 1000.0
    )
    return np.asarray(alpha_ref) - grain_term - oxygen_term


def anneal_factor(anneal_temp_c, optimum_c, width_c, gain):
    """Coercivity gain of the low-temperature anneal [-]: 1 + g·exp(−((T − T_opt)/w)²) [2]."""
    z = (np.asarray(anneal_temp_c, dtype=float) - np.asarray(optimum_c)) / np.asarray(width_c)
    return 1.0 + np.asarray(gain) * np.exp(-z * z)


def hre_atomic_fractions(re_wt, dy_wt, tb_wt):
    """Dy and Tb shares of the rare-earth atoms, from mass fractions of the alloy [-]."""
    light = (np.asarray(re_wt) - dy_wt - tb_wt) / c.MOLAR_MASS_ND_G_PER_MOL
    dy = np.asarray(dy_wt) / c.MOLAR_MASS_DY_G_PER_MOL
    tb = np.asarray(tb_wt) / c.MOLAR_MASS_TB_G_PER_MOL
    total = light + dy + tb
    return dy / total, tb / total


def _sintered(p, temp_c, oxygen_ppm):
    """Relative density, effective grain size [µm] and abnormal fraction at ``temp_c``."""
    ref = p["sinter_ref_temp_c"]
    k_dens = (
        p["densification_rate_per_h"]
        * sintering.arrhenius_factor(temp_c, p["densification_activation_kj_per_mol"], ref)
        * np.exp(-(oxygen_ppm - p["oxygen_ref_ppm"]) / p["densification_oxygen_scale_ppm"])
    )
    rho = sintering.relative_density(
        p["green_density"], p["max_density"], k_dens, p["sinter_time_h"]
    )
    k_grain = p["grain_growth_um2_per_h"] * sintering.arrhenius_factor(
        temp_c, p["grain_growth_activation_kj_per_mol"], ref
    )
    d0 = p["grain_initial_ratio"] * p["particle_size_um"]
    grain = sintering.grain_size_um(d0, k_grain, p["sinter_time_h"])
    abnormal = sintering.abnormal_grain_fraction(
        k_grain, p["sinter_time_h"], p["abnormal_critical_dose_um2"], p["abnormal_width"]
    )
    grain_eff = grain * (1.0 + abnormal * (p["abnormal_grain_ratio"] - 1.0))
    return rho, grain_eff, abnormal


def _properties(p, temp_c, oxygen_ppm, js, ha, nonmag):
    """Fully magnetized Br [T] and µ0·Hcj [T] at sintering temperature ``temp_c``."""
    rho, grain, abnormal = _sintered(p, temp_c, oxygen_ppm)
    cos = sintering.alignment_cos(p["align_field_t"], p["align_cos_max"], p["align_field_scale_t"])
    br = magnetics.remanence_t(js, nonmag, rho, cos)
    alpha = kronmuller_alpha(
        p["alpha_ref"],
        grain,
        p["grain_ref_um"],
        p["alpha_grain_slope"],
        oxygen_ppm,
        p["oxygen_ref_ppm"],
        p["alpha_oxygen_slope"],
    ) * anneal_factor(
        p["anneal_temp_c"], p["anneal_optimum_c"], p["anneal_width_c"], p["anneal_gain"]
    )
    hcj = magnetics.coercivity_t(ha, js, alpha, p["n_eff"])
    return br, hcj, rho, grain, abnormal


def _composition(p, oxygen):
    """Js and µ0·HA of the main phase [T] and the non-magnetic volume share [-]."""
    dy_at, tb_at = hre_atomic_fractions(
        p["re_wt_fraction"], p["dy_wt_fraction"], p["tb_wt_fraction"]
    )
    js, ha = magnetics.intrinsic_properties(dy_at, tb_at)
    excess_re = np.maximum(p["re_wt_fraction"] - c.RE_STOICHIOMETRIC_WT_FRACTION, 0.0)
    nonmag = p["nonmagnetic_base"] + excess_re / 0.9 + c.ND2O3_PER_O * oxygen * 1e-6
    return js, ha, nonmag


def _part_spread(p, oxygen, js, ha, nonmag, br, hcj):
    """Part-to-part standard deviations of Br and µ0·Hcj [T]: furnace temperature spread
    (central difference over ±1 σ) combined with the other causes (``br_cv``, ``hcj_cv``)."""
    temp = p["sinter_temp_c"]
    step = np.maximum(p["furnace_temp_sd_c"], 1e-6)
    br_hi, hcj_hi = _properties(p, temp + step, oxygen, js, ha, nonmag)[:2]
    br_lo, hcj_lo = _properties(p, temp - step, oxygen, js, ha, nonmag)[:2]
    br_sd = np.hypot((br_hi - br_lo) / 2.0, p["br_cv"] * br)
    hcj_sd = np.hypot((hcj_hi - hcj_lo) / 2.0, p["hcj_cv"] * hcj)
    return br_sd, hcj_sd


def _magnetized(p, js_magnet, br, br_sd, hcj, hcj_sd, grade):
    """Mean fraction of saturation reached and share of parts meeting ``grade``.

    Virgin parts need 2·Js, re-magnetized ones (``remagnetized_share``) 3·Js; below
    saturation Br scales with the fraction m reached and Hcj with m².
    """
    to_ka = magnetics.tesla_to_ka_per_m
    remag = p["remagnetized_share"]
    fractions, shares = [], []
    for history in (False, True):
        m = magnetics.magnetized_fraction(
            p["magnetizer_field_t"], magnetics.saturation_field_t(js_magnet, history)
        )
        fractions.append(m)
        shares.append(
            grade_pass_share(br * m, br_sd * m, to_ka(hcj * m * m), to_ka(hcj_sd * m * m), grade)
        )
    mix = np.array([1.0 - remag, remag])
    return mix[0] * fractions[0] + mix[1] * fractions[1], mix[0] * shares[0] + mix[1] * shares[1]


def magnet_quality(p, grade):
    """Properties of the finished, magnetized magnets and the share meeting ``grade``.

    Parameters
    ----------
    p : Mapping[str, numpy.ndarray]
        Per-sample parameters (names as in :mod:`twin.parameters`).
    grade : twin.grades.Grade
        Target grade.

    Returns
    -------
    dict of numpy.ndarray
        ``oxygen_ppm``, ``density_g_cm3``, ``grain_size_um``, ``abnormal_fraction``,
        ``br_t``, ``br_part_sd_t`` (part-to-part spread of Br), ``hcj_ka_per_m``,
        ``hcj_part_sd_ka_per_m``, ``bh_max_kj_per_m3``, ``magnetized_fraction``,
        ``grade_share`` (share of parts meeting the grade) and ``mill_rate_factor``.
    """
    oxygen = sintering.powder_oxygen_ppm(
        p["oxygen_base_ppm"],
        p["oxygen_surface_ppm"],
        p["particle_size_um"],
        p["particle_size_ref_um"],
    )
    js, ha, nonmag = _composition(p, oxygen)
    br, hcj, rho, grain, abnormal = _properties(p, p["sinter_temp_c"], oxygen, js, ha, nonmag)
    br_sd, hcj_sd = _part_spread(p, oxygen, js, ha, nonmag, br, hcj)
    m, share = _magnetized(p, js * (1.0 - nonmag) * rho, br, br_sd, hcj, hcj_sd, grade)
    br_final, hcj_final = br * m, hcj * m * m
    return {
        "oxygen_ppm": oxygen,
        "density_g_cm3": rho * p["theoretical_density_g_cm3"],
        "grain_size_um": grain,
        "abnormal_fraction": abnormal,
        "br_t": br_final,
        "br_part_sd_t": br_sd * m,
        "hcj_ka_per_m": magnetics.tesla_to_ka_per_m(hcj_final),
        "hcj_part_sd_ka_per_m": magnetics.tesla_to_ka_per_m(hcj_sd * m * m),
        "bh_max_kj_per_m3": magnetics.bh_max_kj_per_m3(
            br_final, hcj_final, p["recoil_permeability"]
        ),
        "magnetized_fraction": m,
        "grade_share": share,
        "mill_rate_factor": sintering.jet_mill_rate_factor(
            p["particle_size_um"], p["particle_size_ref_um"], p["mill_rate_exponent"]
        ),
    }
