"""The magnet quality model moves the right way for each process input."""

import numpy as np
import pytest

from twin import parse_grade
from twin.quality import magnet_quality
from twin.sampling import nominal_values


def _quality(params, **changes):
    values = nominal_values(params, 3)
    for name, seq in changes.items():
        values[name] = np.asarray(seq, dtype=float)
    return magnet_quality(values, parse_grade("N42"))


def test_hotter_sintering_densifies_until_grain_growth(domestic):
    """Hotter: denser and higher Br; past ~1100 °C abnormal grains collapse Hcj."""
    q = _quality(domestic, sinter_temp_c=[1030, 1060, 1120])
    assert q["density_g_cm3"][0] < q["density_g_cm3"][1] < q["density_g_cm3"][2]
    assert q["br_t"][0] < q["br_t"][1]
    assert q["hcj_ka_per_m"][2] < 0.8 * q["hcj_ka_per_m"][1]
    assert q["grain_size_um"][2] > q["grain_size_um"][1]


def test_longer_sintering_densifies_until_grain_growth(domestic):
    """Longer: denser; far too long collapses Hcj through abnormal grain growth."""
    q = _quality(domestic, sinter_time_h=[2, 4, 30])
    assert q["density_g_cm3"][0] < q["density_g_cm3"][1] < q["density_g_cm3"][2]
    assert q["hcj_ka_per_m"][2] < 0.8 * q["hcj_ka_per_m"][1]


def test_finer_powder_more_coercivity_more_oxygen_slower_mill(domestic):
    """Finer powder: higher Hcj at equal oxygen, more oxygen, slower mill."""
    q = _quality(domestic, particle_size_um=[2.5, 3.5, 4.5], oxygen_surface_ppm=[0, 0, 0])
    assert np.all(np.diff(q["hcj_ka_per_m"]) < 0)
    q = _quality(domestic, particle_size_um=[2.5, 3.5, 4.5])
    assert np.all(np.diff(q["oxygen_ppm"]) < 0)
    assert np.all(np.diff(q["mill_rate_factor"]) > 0)


def test_more_oxygen_less_coercivity_and_remanence(domestic):
    """More oxygen lowers both Hcj and Br."""
    q = _quality(domestic, oxygen_base_ppm=[500, 1500, 3500])
    assert np.all(np.diff(q["hcj_ka_per_m"]) < 0)
    assert np.all(np.diff(q["br_t"]) < 0)


def test_more_dy_more_coercivity_small_br_cost(domestic):
    """Dy raises Hcj strongly and costs a little Br."""
    q = _quality(domestic, dy_wt_fraction=[0.0, 0.02, 0.04])
    assert np.all(np.diff(q["hcj_ka_per_m"]) > 100)
    assert np.all(np.diff(q["br_t"]) < 0)
    assert q["br_t"][0] - q["br_t"][2] < 0.1


def test_weaker_magnetizing_field_lowers_br_hcj_and_grade_share(domestic):
    """A magnetizer below the saturating field gives less Br, Hcj and grade share."""
    q = _quality(domestic, magnetizer_field_t=[1.8, 2.4, 3.2])
    for key in ("br_t", "hcj_ka_per_m", "grade_share"):
        assert np.all(np.diff(q[key]) >= 0)
    assert q["br_t"][0] < q["br_t"][2]


@pytest.mark.parametrize("name", ["domestic", "tolled"])
def test_nominal_magnets_are_plausible(name, request):
    """Nominal settings give sintered NdFeB within public ranges."""
    q = _quality(request.getfixturevalue(name))
    assert np.all((7.40 < q["density_g_cm3"]) & (q["density_g_cm3"] < 7.65))
    assert np.all((1.25 < q["br_t"]) & (q["br_t"] < 1.48))
    assert np.all((900 < q["hcj_ka_per_m"]) & (q["hcj_ka_per_m"] < 1600))
