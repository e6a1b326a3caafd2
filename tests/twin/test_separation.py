"""Separation cascade: Fenske, Kremser, two-section split (domain.md cases)."""

import numpy as np
from numpy.testing import assert_allclose

from twin import separation


def test_fenske_min_stages_matches_domain_case():
    """β 1.5, 99.9 % Nd product, 99 % Pr raffinate needs 28.4 ± 0.2 stages."""
    assert abs(separation.fenske_min_stages(0.999, 0.99, 1.5) - 28.4) <= 0.2


def test_fenske_broadcasts_over_separation_factor():
    """An array of β gives the domain's 34.2 (β 1.4) and 24.5 (β 1.6) at 99.9 %."""
    n = separation.fenske_min_stages(0.999, 0.99, np.array([1.4, 1.6]))
    assert_allclose(n, [34.2, 24.5], atol=0.1)


def test_kremser_matches_domain_case():
    """E = 1.5 and N = 6 leave φ = 0.0311 in the raffinate."""
    assert_allclose(separation.kremser_fraction_unextracted(1.5, 6), 0.0311, atol=5e-5)


def test_kremser_limit_at_unit_extraction_factor():
    """E → 1 gives 1/(N + 1), continuous with nearby E."""
    phi = separation.kremser_fraction_unextracted(np.array([1.0, 1.0 + 1e-6]), 9)
    assert_allclose(phi, 0.1, rtol=1e-4)


def test_cascade_split_conserves_and_separates():
    """The better-extracted element goes to the extract, the other to the raffinate."""
    nd = separation.cascade_split(1.15, 1.15 / 0.87, 45, 45)
    pr = separation.cascade_split(1.15 / 1.5, 1.15 / 1.5 / 0.87, 45, 45)
    assert 0.99 < nd < 1.0
    assert 0.0 < pr < 0.01


def test_fewer_stages_lower_purity():
    """Cutting the stage count lowers the Nd product's purity."""
    stages = np.array([20.0, 30.0, 45.0])
    nd = separation.cascade_split(1.15, 1.15 / 0.87, stages, stages)
    pr = separation.cascade_split(1.15 / 1.5, 1.15 / 1.5 / 0.87, stages, stages)
    purity = separation.product_purity(0.75, nd, pr)
    assert np.all(np.diff(purity) > 0)
