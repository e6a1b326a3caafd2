"""Physical constants and intrinsic properties used by the twin.

Values that are textbook constants live here; everything a plant could change lives in a
parameter set (:mod:`twin.parameters`).

References
----------
.. [1] CIAAW, "Standard atomic weights", IUPAC 2021.
.. [2] CODATA 2018 recommended values (Faraday constant, vacuum permeability).
.. [3] J. F. Herbst, "R2Fe14B materials: intrinsic properties and technological aspects",
   Rev. Mod. Phys. 63, 819 (1991).
"""

import math

#: Molar masses [g/mol] [1].
MOLAR_MASS_ND_G_PER_MOL = 144.242
MOLAR_MASS_PR_G_PER_MOL = 140.908
MOLAR_MASS_DY_G_PER_MOL = 162.500
MOLAR_MASS_TB_G_PER_MOL = 158.925
MOLAR_MASS_O_G_PER_MOL = 15.999

#: Faraday constant [C/mol] [2].
FARADAY_C_PER_MOL = 96485.332
#: Vacuum permeability [T·m/A] [2].
MU0_T_M_PER_A = 4e-7 * math.pi

#: Saturation polarization of Nd2Fe14B at room temperature [T] [3].
JS_ND2FE14B_T = 1.61
#: Anisotropy field µ0·HA of Nd2Fe14B [T] [3].
HA_ND2FE14B_T = 7.3
#: Anisotropy field of Dy2Fe14B and Tb2Fe14B [T] [3].
HA_DY2FE14B_T = 15.0
HA_TB2FE14B_T = 22.0
#: Saturation polarization of Dy2Fe14B and Tb2Fe14B [T] (ferrimagnetic, low) [3].
JS_DY2FE14B_T = 0.71
JS_TB2FE14B_T = 0.70
#: Mass ratio of Nd2O3 to the oxygen it holds [-] (grain-boundary oxide per kg of O).
ND2O3_PER_O = (2 * MOLAR_MASS_ND_G_PER_MOL + 3 * MOLAR_MASS_O_G_PER_MOL) / (
    3 * MOLAR_MASS_O_G_PER_MOL
)
#: Rare-earth mass fraction of stoichiometric Nd2Fe14B [-] (26.7 wt %).
RE_STOICHIOMETRIC_WT_FRACTION = 0.267
