"""Physics functions take scalars or arrays and broadcast over a leading sample axis."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from twin import magnetics, metallurgy, separation, sintering

CASES = [
    (separation.fenske_min_stages, (0.999, 0.99, 1.5)),
    (separation.kremser_fraction_unextracted, (1.5, 6.0)),
    (separation.cascade_split, (1.15, 1.3, 45.0, 45.0)),
    (metallurgy.electrolysis_energy_kwh_per_kg, (9.0, 0.8)),
    (metallurgy.alloy_per_metal, (0.30, 0.01)),
    (sintering.arrhenius_factor, (1080.0, 300.0, 1060.0)),
    (sintering.jet_mill_rate_factor, (3.5, 3.0, 1.5)),
    (sintering.powder_oxygen_ppm, (1500.0, 1000.0, 3.5, 3.0)),
    (sintering.alignment_cos, (1.6, 0.97, 0.5)),
    (sintering.relative_density, (0.55, 0.997, 1.1, 4.0)),
    (sintering.grain_size_um, (4.5, 2.3, 4.0)),
    (sintering.abnormal_grain_fraction, (2.3, 4.0, 40.0, 0.3)),
    (magnetics.remanence_t, (1.6, 0.06, 0.985, 0.95)),
    (magnetics.coercivity_t, (7.3, 1.61, 0.4, 1.0)),
    (magnetics.bh_max_kj_per_m3, (1.35, 1.4)),
    (magnetics.remanence_at_temperature, (1.2, 120.0, -0.1)),
    (magnetics.magnetized_fraction, (2.5, 2.8)),
]


@pytest.mark.parametrize(("func", "args"), CASES, ids=[f.__name__ for f, _ in CASES])
def test_scalar_and_array_agree(func, args):
    """Each argument as a 3-sample array gives three copies of the scalar result."""
    scalar = np.asarray(func(*args))
    assert scalar.shape == ()
    arrays = [np.full(3, a) for a in args]
    assert_allclose(func(*arrays), np.full(3, scalar))
    mixed = [np.full(3, args[0]), *args[1:]]
    assert_allclose(func(*mixed), np.full(3, scalar))
