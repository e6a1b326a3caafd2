"""Oxide → metal → alloy stoichiometry and electrolysis."""

import numpy as np
from numpy.testing import assert_allclose

from twin import metallurgy


def test_metal_content_of_oxides_matches_domain_case():
    """Nd2O3 / Pr6O11 / 75:25 NdPr oxide hold 0.857 / 0.828 / 0.850 metal."""
    assert_allclose(metallurgy.metal_fraction_nd2o3(), 0.857, atol=5e-4)
    assert_allclose(metallurgy.metal_fraction_pr6o11(), 0.828, atol=5e-4)
    assert_allclose(metallurgy.metal_fraction_ndpr_oxide(0.75), 0.850, atol=5e-4)


def test_metal_fraction_broadcasts():
    """An array of blend shares gives an array, ends equal to the pure oxides."""
    out = metallurgy.metal_fraction_ndpr_oxide(np.array([0.0, 1.0]))
    assert_allclose(out, [metallurgy.metal_fraction_pr6o11(), metallurgy.metal_fraction_nd2o3()])


def test_electrolysis_charge_and_energy():
    """557 Ah/kg Nd; 8–10 V at 75–85 % efficiency is 5–7 kWh/kg."""
    assert_allclose(metallurgy.electrolysis_charge_ah_per_kg(), 557, atol=1)
    low = metallurgy.electrolysis_energy_kwh_per_kg(8.0, 0.85)
    high = metallurgy.electrolysis_energy_kwh_per_kg(10.0, 0.75)
    assert 5.0 <= low < high <= 7.5


def test_more_heavy_rare_earth_more_alloy_per_metal():
    """Dy from outside the oxide stretches the NdPr metal over more alloy."""
    assert metallurgy.alloy_per_metal(0.30, 0.03) > metallurgy.alloy_per_metal(0.30, 0.0)
