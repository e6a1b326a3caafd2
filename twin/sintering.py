"""Powder, pressing and sintering: mill rate, oxygen, alignment, density and grain size.

Thermally activated steps use an Arrhenius factor referred to a reference temperature, so
that each rate constant is stated at a plant-like condition (1060 °C) and stays readable.
All functions broadcast over NumPy arrays and accept scalars.

References
----------
.. [1] Sintered NdFeB process route: strip casting, hydrogen decrepitation, jet milling to
   2–5 µm, pressing in an aligning field, vacuum sintering 1000–1100 °C for a few hours,
   two-step anneal (``domain.md``, "Sintering"; vendor and review literature, e.g.
   J. M. D. Coey, "Perspective and prospects for rare earth permanent magnets",
   Engineering 6, 119 (2020)).
.. [2] R. M. German, "Sintering Theory and Practice", Wiley (1996): densification and
   parabolic grain growth, d² − d0² = K·t with Arrhenius K.
.. [3] Abnormal grain growth in over-sintered NdFeB collapses coercivity
   (``domain.md``: "Too hot or too long: abnormal grain growth").
"""

import numpy as np

__all__ = [
    "abnormal_grain_fraction",
    "alignment_cos",
    "arrhenius_factor",
    "grain_size_um",
    "jet_mill_rate_factor",
    "powder_oxygen_ppm",
    "relative_density",
]

_R_J_PER_MOL_K = 8.314462618


def arrhenius_factor(temp_c, activation_kj_per_mol, ref_temp_c):
    """exp(−Q/R·(1/T − 1/T_ref)) [-]: a rate at ``temp_c`` relative to ``ref_temp_c``."""
    t_k = np.asarray(temp_c, dtype=float) + 273.15
    ref_k = np.asarray(ref_temp_c, dtype=float) + 273.15
    q = np.asarray(activation_kj_per_mol, dtype=float) * 1000.0
    return np.exp(-q / _R_J_PER_MOL_K * (1.0 / t_k - 1.0 / ref_k))


def jet_mill_rate_factor(particle_size_um, ref_particle_size_um, exponent):
    """Jet-mill throughput relative to its rate at the reference size [-].

    Finer powder mills slower: rate ∝ (d / d_ref)^exponent [1].
    """
    d = np.asarray(particle_size_um, dtype=float)
    return (d / np.asarray(ref_particle_size_um, dtype=float)) ** np.asarray(exponent)


def powder_oxygen_ppm(base_ppm, surface_ppm_at_ref, particle_size_um, ref_particle_size_um):
    """Oxygen content of the sintered magnet [ppm by mass].

    A fixed pick-up from casting and handling plus a part that scales with the powder's
    specific surface (∝ 1/d): finer powder, more oxygen [1].
    """
    d = np.asarray(particle_size_um, dtype=float)
    return np.asarray(base_ppm) + np.asarray(surface_ppm_at_ref) * (ref_particle_size_um / d)


def alignment_cos(align_field_t, cos_max, field_scale_t):
    """Mean ⟨cos θ⟩ of grain easy axes after pressing in an aligning field [-].

    Saturating from 0.5 (random, a hemisphere average) towards ``cos_max`` with field scale
    ``field_scale_t`` [T]: ⟨cos θ⟩ = c_max − (c_max − 0.5)·exp(−B/B_c).
    """
    b = np.asarray(align_field_t, dtype=float)
    c_max = np.asarray(cos_max, dtype=float)
    return c_max - (c_max - 0.5) * np.exp(-b / np.asarray(field_scale_t))


def relative_density(green_density, max_density, rate_per_h, sinter_time_h):
    """Relative density ρ/ρ0 after sintering [-].

    First-order approach of the pore fraction to its floor:
    ρ = ρ_max − (ρ_max − ρ_green)·exp(−k·t) [2].

    Parameters
    ----------
    green_density : float or array_like
        Relative density after pressing [-] (0.5–0.7).
    max_density : float or array_like
        Relative density reached at long times [-].
    rate_per_h : float or array_like
        Densification rate k at the sintering temperature [1/h].
    sinter_time_h : float or array_like
        Time at temperature [h].
    """
    rho_max = np.asarray(max_density, dtype=float)
    gap = rho_max - np.asarray(green_density, dtype=float)
    return rho_max - gap * np.exp(-np.asarray(rate_per_h) * np.asarray(sinter_time_h))


def grain_size_um(initial_um, growth_um2_per_h, sinter_time_h):
    """Mean (normal) grain size after sintering [µm]: d = sqrt(d0² + K·t) [2]."""
    d0 = np.asarray(initial_um, dtype=float)
    return np.sqrt(d0 * d0 + np.asarray(growth_um2_per_h) * np.asarray(sinter_time_h))


def abnormal_grain_fraction(growth_um2_per_h, sinter_time_h, critical_dose_um2, width):
    """Fraction of the microstructure taken by abnormally grown grains [-].

    A logistic function of the thermal dose ln(K·t) around ``critical_dose_um2``: both too hot
    (larger K) and too long (larger t) trigger it [3].
    """
    dose = np.asarray(growth_um2_per_h) * np.asarray(sinter_time_h)
    z = (np.log(dose) - np.log(np.asarray(critical_dose_um2))) / np.asarray(width)
    return 1.0 / (1.0 + np.exp(-z))
