"""Pure relations of the magnet line (numpy, broadcast over scalars and arrays).

References
----------
All figures from ``domain.md`` ("Sintering", "Magnetic properties"): Js = 1.61 T for
Nd2Fe14B; Br ≈ Js·(1 − f)·(ρ/ρ0)·⟨cos θ⟩; sintered density 7.50-7.65 g/cm³ with
theoretical ≈ 7.58 g/cm³; coercivity falls with ln(grain size²) and with oxygen; saturation
of a virgin magnet needs μ0H ≈ 2·Js. Shapes of the densification and grain-growth laws are
[assumed] and parameterised.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "GRADES",
    "JS_T",
    "THEORETICAL_DENSITY_G_CM3",
    "coercivity_ka_per_m",
    "density_ratio",
    "grade_limits",
    "grain_size_um",
    "remanence_t",
    "saturation_fraction",
]

JS_T = 1.61
THEORETICAL_DENSITY_G_CM3 = 7.58

GRADES = {  # grade: (Br min [T], Hcj min [kA/m])
    "N35": (1.17, 955.0),
    "N38": (1.22, 955.0),
    "N42": (1.28, 955.0),
    "N45": (1.32, 955.0),
    "N48": (1.37, 876.0),
    "N52": (1.42, 876.0),
}


def grade_limits(grade: str) -> tuple[float, float]:
    """Return (Br min [T], Hcj min [kA/m]) of a grade; unknown names list the known ones."""
    if grade not in GRADES:
        raise KeyError(f"unknown grade {grade!r}; known: {', '.join(GRADES)}")
    return GRADES[grade]


def density_ratio(soak_temp_c, soak_h):
    """Sintered density over theoretical [-] after ``soak_h`` hours at ``soak_temp_c`` °C."""
    activation = np.exp(-(np.asarray(soak_temp_c) - 950.0) / 40.0)
    return 1.0 - 0.09 * activation / (1.0 + 0.25 * np.asarray(soak_h))


def grain_size_um(powder_um, soak_temp_c, soak_h):
    """Mean sintered grain size [µm]: the powder size grown by time at temperature.

    Growth speeds up sharply above ~1080 °C (abnormal grain growth).
    """
    rate = 0.08 * np.exp((np.asarray(soak_temp_c) - 1060.0) / 25.0)
    return np.asarray(powder_um) * (1.0 + 0.6 + rate * np.asarray(soak_h))


def coercivity_ka_per_m(grain_um, oxygen_ppm, annealed=True):
    """Coercivity Hcj [kA/m] from grain size and oxygen (Kronmüller-like, ln d² law)."""
    hcj = 1900.0 - 180.0 * np.log(np.asarray(grain_um) ** 2) - 0.08 * np.asarray(oxygen_ppm)
    return hcj * np.where(annealed, 1.0, 0.85)


def saturation_fraction(peak_field_t, js_t=JS_T):
    """Fraction of full remanence reached by a pulse of ``peak_field_t`` [T] on a virgin magnet.

    Saturates at μ0H ≈ 2·Js of the magnet (here Js times the magnetic fraction).
    """
    h_ratio = np.asarray(peak_field_t) / (2.0 * 0.93 * js_t)
    return np.clip(1.0 - 0.35 * np.clip(1.0 - h_ratio, 0.0, None) ** 1.5, 0.0, 1.0)


def remanence_t(nonmagnetic_fraction, density_ratio_, alignment_cos, saturation=1.0):
    """Remanence Br [T] = Js·(1 − f)·(ρ/ρ0)·⟨cos θ⟩·(fraction saturated)."""
    return JS_T * (1.0 - nonmagnetic_fraction) * density_ratio_ * alignment_cos * saturation
