"""Magnetic relations: (BH)max, temperature, magnetizing (domain.md cases)."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from twin import magnetics
from twin.grades import GRADES, grade_pass_share, parse_grade


@pytest.mark.parametrize("grade", sorted(GRADES))
def test_bh_max_from_br_inside_grade_band(grade):
    """(BH)max ≈ Br²/(4µ0µrec) lands in each grade's band within 5 %."""
    br_lo, br_hi, _, bh_lo, bh_hi = GRADES[grade]
    bh = magnetics.bh_max_kj_per_m3(np.array([br_lo, br_hi]))
    assert bh[0] >= 0.95 * bh_lo
    assert bh[1] <= 1.05 * bh_hi


def test_br_at_120c():
    """1.20 T at 20 °C with α = −0.10 %/K is 1.08 T at 120 °C."""
    assert_allclose(magnetics.remanence_at_temperature(1.20, 120.0, -0.10), 1.08, atol=1e-9)


def test_saturating_field_virgin_magnet():
    """A virgin magnet of Js 1.40 T saturates at ≈ 2.8 T (±10 %), one with history at 3·Js."""
    assert_allclose(magnetics.saturation_field_t(1.40, False), 2.8, rtol=0.10)
    assert_allclose(magnetics.saturation_field_t(1.40, True), 4.2, rtol=1e-9)


def test_weaker_field_magnetizes_less():
    """Below saturation the fraction reached falls with the field; at or above it is 1."""
    m = magnetics.magnetized_fraction(np.array([1.5, 2.2, 2.8, 3.5]), 2.8)
    assert np.all(np.diff(m[:3]) > 0)
    assert_allclose(m[2:], 1.0)


def test_knee_limits_bh_when_coercivity_is_low():
    """A loop whose knee comes early gives less (BH)max than the square-loop value."""
    full = magnetics.bh_max_kj_per_m3(1.3, 2.0)
    knee = magnetics.bh_max_kj_per_m3(1.3, 0.4)
    assert knee < full


def test_grade_parse_and_pass_share():
    """Suffixes raise the Hcj floor; a part well inside a grade passes, one below fails."""
    assert parse_grade("n42sh").hcj_min_ka_per_m == 1592
    grade = parse_grade("N42")
    share = grade_pass_share(np.array([1.35, 1.25]), 0.01, 1200.0, 30.0, grade)
    assert share[0] > 0.99
    assert share[1] < 0.01
