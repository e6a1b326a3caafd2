"""Oxide to metal to alloy: stoichiometry, molten-salt electrolysis and alloy make-up.

All functions broadcast over NumPy arrays and accept scalars.

References
----------
.. [1] CIAAW standard atomic weights (see :mod:`twin.constants`).
.. [2] Faraday's law of electrolysis; Nd³⁺ + 3e⁻ → Nd gives 557 Ah per kg Nd.
.. [3] Vendor composition of sintered NdFeB: total rare earth 28–35 wt %, B 0.8–1.2 wt %,
   Fe balance (``domain.md``, "Oxide → metal → alloy").
"""

import numpy as np

from twin import constants as c

__all__ = [
    "alloy_per_metal",
    "electrolysis_charge_ah_per_kg",
    "electrolysis_energy_kwh_per_kg",
    "metal_fraction_nd2o3",
    "metal_fraction_ndpr_oxide",
    "metal_fraction_pr6o11",
]


def metal_fraction_nd2o3():
    """Mass fraction of Nd in Nd2O3 [-] (0.857) [1]."""
    nd = 2 * c.MOLAR_MASS_ND_G_PER_MOL
    return nd / (nd + 3 * c.MOLAR_MASS_O_G_PER_MOL)


def metal_fraction_pr6o11():
    """Mass fraction of Pr in Pr6O11 [-] (0.828) [1]."""
    pr = 6 * c.MOLAR_MASS_PR_G_PER_MOL
    return pr / (pr + 11 * c.MOLAR_MASS_O_G_PER_MOL)


def metal_fraction_ndpr_oxide(nd_oxide_mass_fraction):
    """Mass fraction of metal in a Nd2O3/Pr6O11 blend [-].

    Parameters
    ----------
    nd_oxide_mass_fraction : float or array_like
        Mass share of Nd2O3 in the oxide blend [-] (0.75 for 75:25 NdPr oxide → 0.850).
    """
    w = np.asarray(nd_oxide_mass_fraction, dtype=float)
    return w * metal_fraction_nd2o3() + (1.0 - w) * metal_fraction_pr6o11()


def electrolysis_charge_ah_per_kg(molar_mass_g_per_mol=c.MOLAR_MASS_ND_G_PER_MOL, valence=3):
    """Faraday charge to reduce one kg of a rare-earth metal [Ah/kg] (557 for Nd) [2]."""
    return valence * c.FARADAY_C_PER_MOL / np.asarray(molar_mass_g_per_mol) * 1000.0 / 3600.0


def electrolysis_energy_kwh_per_kg(cell_voltage_v, current_efficiency):
    """DC energy per kg of NdPr metal [kWh/kg] = charge · V / efficiency.

    Parameters
    ----------
    cell_voltage_v : float or array_like
        Cell voltage [V].
    current_efficiency : float or array_like
        Faradaic (current) efficiency [-].
    """
    charge_kah = electrolysis_charge_ah_per_kg() / 1000.0
    return charge_kah * np.asarray(cell_voltage_v) / np.asarray(current_efficiency)


def alloy_per_metal(re_wt_fraction, hre_wt_fraction):
    """Mass of magnet alloy made per kg of NdPr metal [kg/kg].

    The light rare earth (NdPr from the oxide) makes up ``re_wt_fraction − hre_wt_fraction``
    of the alloy; Dy/Tb come from outside the oxide and Fe, B and additions make the rest [3].

    Parameters
    ----------
    re_wt_fraction : float or array_like
        Total rare-earth content of the alloy, Dy and Tb included [-].
    hre_wt_fraction : float or array_like
        Heavy rare earth (Dy + Tb) content of the alloy [-].
    """
    light = np.asarray(re_wt_fraction, dtype=float) - np.asarray(hre_wt_fraction, dtype=float)
    return 1.0 / light
