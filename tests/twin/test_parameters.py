"""Parameter sets: plain data, units and sources, a registry that names what exists."""

import numpy as np
import pytest

import twin
from twin import ParameterError, UnknownParameterSetError, get_parameter_set, parameter_set_names
from twin.sampling import draw_values


@pytest.mark.parametrize("name", parameter_set_names())
def test_every_parameter_has_unit_source_and_ordered_range(name):
    """Each entry has a value, unit and source; p10 ≤ value ≤ p90 where uncertain."""
    params = get_parameter_set(name)
    for key in params.names():
        spec = params[key]
        assert spec["unit"] and spec["source"], key
        if "p10" in spec:
            assert spec["p10"] <= spec["value"] <= spec["p90"], key


def test_unknown_set_lists_known_names():
    """An unknown set name raises and says which names exist."""
    with pytest.raises(UnknownParameterSetError, match="domestic"):
        get_parameter_set("atlantis")


def test_unknown_parameter_suggests_close_names(domestic):
    """A misspelt parameter name suggests the right one."""
    with pytest.raises(ParameterError, match="sinter_temp_c"):
        domestic.with_values({"sinter_temp": 1000})


def test_draws_match_stated_percentiles(domestic):
    """Sampled values reproduce each entry's P10/P50/P90."""
    values = draw_values(domestic, 20000, np.random.default_rng(0))
    spec = domestic["sinter_temp_c"]
    p10, p50, p90 = np.percentile(values["sinter_temp_c"], [10, 50, 90])
    np.testing.assert_allclose([p10, p50, p90], [spec["p10"], spec["value"], spec["p90"]], atol=0.5)


def test_override_removes_uncertainty(domestic):
    """A value fixed by override is the same in every sample."""
    fixed = domestic.with_values({"sinter_temp_c": 1070})
    values = draw_values(fixed, 10, np.random.default_rng(0))
    assert np.all(values["sinter_temp_c"] == 1070)


def test_public_api_is_declared():
    """Every name in twin.__all__ exists."""
    for name in twin.__all__:
        assert hasattr(twin, name), name


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("metal_recovery", 1.2),
        ("sinter_yield", 0.0),
        ("conversion_days", -1),
        ("sinter_temp_c", float("nan")),
    ],
)
def test_impossible_overrides_are_refused(name, value, domestic, tolled):
    """Yields above 1 or at 0, negative durations and NaN are refused with the name."""
    params = tolled if name in tolled else domestic
    with pytest.raises(ParameterError, match=name):
        params.with_values({name: value})
