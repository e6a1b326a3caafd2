"""Magnetic properties of sintered NdFeB: Br, Hcj, (BH)max, temperature and magnetizing.

All functions broadcast over NumPy arrays and accept scalars. Fields are given as µ0·H in
tesla unless the name says kA/m.

References
----------
.. [1] J. F. Herbst, Rev. Mod. Phys. 63, 819 (1991): Js, HA of R2Fe14B.
.. [2] H. Kronmüller, K.-D. Durst, M. Sagawa, "Analysis of the magnetic hardening mechanism
   in RE-FeB permanent magnets", J. Magn. Magn. Mater. 74, 291 (1988): Hcj = α·HA − N_eff·Ms.
.. [3] Coercivity falls roughly linearly with ln(grain size²), e.g. K. Hono,
   H. Sepehri-Amin, Scripta Mater. 67, 530 (2012).
.. [4] Br ≈ Js·(1 − f)·(ρ/ρ0)·⟨cos θ⟩ and (BH)max ≈ Br²/(4·µ0·µrec) (``domain.md``).
.. [5] Saturating field ≈ 2·Js for a thermally demagnetized magnet, ≈ 3·Js with a
   magnetization history (NIM 2020, ``domain.md``).
"""

import numpy as np

from twin import constants as c

__all__ = [
    "bh_max_kj_per_m3",
    "coercivity_t",
    "intrinsic_properties",
    "magnetized_fraction",
    "remanence_at_temperature",
    "remanence_t",
    "saturation_field_t",
    "tesla_to_ka_per_m",
]


def tesla_to_ka_per_m(mu0_h_t):
    """Convert µ0·H [T] to H [kA/m]."""
    return np.asarray(mu0_h_t, dtype=float) / c.MU0_T_M_PER_A / 1000.0


def intrinsic_properties(dy_atomic_fraction, tb_atomic_fraction):
    """Saturation polarization and anisotropy field of (Nd,Dy,Tb)2Fe14B [1].

    Linear mixing on the rare-earth site.

    Parameters
    ----------
    dy_atomic_fraction, tb_atomic_fraction : float or array_like
        Dy and Tb shares of the rare-earth atoms in the main phase [-].

    Returns
    -------
    js_t, ha_t : numpy.ndarray
        Js [T] and µ0·HA [T].
    """
    dy = np.asarray(dy_atomic_fraction, dtype=float)
    tb = np.asarray(tb_atomic_fraction, dtype=float)
    light = 1.0 - dy - tb
    js = light * c.JS_ND2FE14B_T + dy * c.JS_DY2FE14B_T + tb * c.JS_TB2FE14B_T
    ha = light * c.HA_ND2FE14B_T + dy * c.HA_DY2FE14B_T + tb * c.HA_TB2FE14B_T
    return js, ha


def remanence_t(js_t, nonmagnetic_fraction, relative_density, alignment_cos):
    """Remanence Br [T] = Js·(1 − f)·(ρ/ρ0)·⟨cos θ⟩ [4]."""
    return (
        np.asarray(js_t)
        * (1.0 - np.asarray(nonmagnetic_fraction))
        * np.asarray(relative_density)
        * np.asarray(alignment_cos)
    )


def coercivity_t(ha_t, js_t, alpha, n_eff):
    """Coercivity µ0·Hcj [T] from the Kronmüller form α·µ0HA − N_eff·Js, floored at 0 [2].

    The microstructural parameter ``alpha`` carries the grain size, oxygen and anneal
    effects (see :func:`twin.quality.kronmuller_alpha`) [3].
    """
    hcj = np.asarray(alpha) * np.asarray(ha_t) - np.asarray(n_eff) * np.asarray(js_t)
    return np.maximum(hcj, 0.0)


def bh_max_kj_per_m3(br_t, hcj_t=None, recoil_permeability=1.05):
    """Maximum energy product (BH)max [kJ/m³].

    Square loop on the recoil line B = Br − µrec·µ0·H: (BH)max = Br²/(4·µ0·µrec) [4]; if the
    loop's knee (at Hcj) comes before the optimum H* = Br/(2·µrec·µ0), the product is taken
    at the knee, (Br − µrec·µ0Hcj)·Hcj.
    """
    br = np.asarray(br_t, dtype=float)
    mu = np.asarray(recoil_permeability, dtype=float)
    full = br * br / (4.0 * c.MU0_T_M_PER_A * mu) / 1000.0
    if hcj_t is None:
        return full
    hcj = np.asarray(hcj_t, dtype=float)
    knee = (br - mu * hcj) * hcj / c.MU0_T_M_PER_A / 1000.0
    return np.where(hcj < br / (2.0 * mu), knee, full)


def remanence_at_temperature(br_20c_t, temp_c, alpha_pct_per_k):
    """Br at ``temp_c`` from its 20 °C value and the reversible coefficient α [%/K]."""
    d_t = np.asarray(temp_c, dtype=float) - 20.0
    return np.asarray(br_20c_t) * (1.0 + np.asarray(alpha_pct_per_k) / 100.0 * d_t)


def saturation_field_t(js_t, remagnetized):
    """Field µ0·H [T] needed to saturate: 2·Js virgin, 3·Js with a magnetization history [5]."""
    factor = np.where(np.asarray(remagnetized, dtype=bool), 3.0, 2.0)
    return factor * np.asarray(js_t, dtype=float)


def magnetized_fraction(applied_field_t, saturation_field_t):
    """Fraction of saturation reached [-]: 1 − (1 − h)² for h = H/H_sat < 1, else 1 [5].

    Below saturation both Br and Hcj fall short (the callers scale them by this fraction).
    """
    h = np.clip(np.asarray(applied_field_t) / np.asarray(saturation_field_t), 0.0, 1.0)
    return 1.0 - (1.0 - h) ** 2
