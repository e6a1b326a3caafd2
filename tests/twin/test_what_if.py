"""What-ifs and the one assembly of a run: each what-if moves what it says and nothing
else, a what-if on no route simulated is refused, and a plan travels to other processes."""

import pickle

import numpy as np
import pytest
from numpy.testing import assert_allclose

import twin
from twin import Plan, Scenario, ScenarioError, TwinError, WhatIf, plan


def test_no_what_if_and_no_override_is_the_registry_and_the_default_scenario():
    """A plan of nothing asked is the routes' own parameter sets and Scenario()."""
    p = plan(["domestic", "tolled"], partner="korea")
    assert [s.name for s in p.params] == ["domestic", "tolled-korea"]
    for got, route in zip(p.params, ["domestic", "tolled"], strict=True):
        assert got.to_dict() == twin.route_parameter_set(route, "korea").to_dict()
    assert p.scenario == Scenario()


def test_shipping_delay_moves_handling_days_with_its_band():
    """Each leg's handling and customs grows by the delay: value, P10, P90 and bounds."""
    base = twin.route_parameter_set("tolled")["handling_days"]
    moved = plan(["tolled"], what_if=WhatIf(shipping_delay_days=10)).params[0]["handling_days"]
    for key in ("value", "p10", "p90", "low"):
        assert_allclose(moved[key], base[key] + 10)
    assert moved["unit"] == base["unit"]


def test_added_furnace_enlarges_the_sintering_stage_of_each_route():
    """The domestic line's sintering and the partner's conversion grow by the tonnage."""
    domestic, tolled = plan(["domestic", "tolled"],
                            what_if=WhatIf(added_sintering_t_per_yr=300)).params  # fmt: skip
    for params, name in ((domestic, "sinter_capacity_t_per_yr"),
                         (tolled, "toll_capacity_t_per_yr")):  # fmt: skip
        expected = twin.route_parameter_set(params.route)[name]["value"] + 300
        assert_allclose(params[name]["value"], expected)


def test_a_what_if_leaves_the_other_route_alone():
    """In a comparison, a shipping delay moves the tolled route only."""
    domestic, tolled = plan(["domestic", "tolled"], what_if=WhatIf(shipping_delay_days=5)).params
    assert domestic.to_dict() == twin.route_parameter_set("domestic").to_dict()
    assert tolled["handling_days"] != twin.route_parameter_set("tolled")["handling_days"]


def test_export_stop_sets_the_scenario_fields():
    """An export stop what-if is the scenario's forced stop, the other fields kept."""
    what_if = WhatIf(export_stop_start_day=60, export_stop_days=120)
    p = plan(["tolled"], scenario={"horizon_days": 200}, what_if=what_if)
    assert p.scenario == Scenario(horizon_days=200, export_stop_start_day=60,
                                  export_stop_days=120)  # fmt: skip


def test_overrides_apply_first_then_the_what_if():
    """A fixed handling time is then lengthened by the delay; a scenario override wins
    over the scenario fields given."""
    p = plan(["tolled"], scenario={"horizon_days": 200},
             overrides={"handling_days": "5", "horizon_days": 90},
             what_if=WhatIf(shipping_delay_days=10))  # fmt: skip
    assert p.params[0]["handling_days"]["value"] == 15 and "p10" not in p.params[0]["handling_days"]
    assert p.scenario.horizon_days == 90


def test_a_shipping_delay_lengthens_the_simulated_lead_time():
    """The delay reaches the simulation: out and back, the lead time grows by over 10 d."""
    runs = [plan(["tolled"], scenario={"horizon_days": 120}, what_if=WhatIf(shipping_delay_days=d))
            for d in (0, 10)]  # fmt: skip
    lead = [twin.simulate(p.params[0], p.scenario, np.random.default_rng(3), 200)
            .summary()["lead_time_days"]["p50"] for p in runs]  # fmt: skip
    assert lead[1] - lead[0] > 10


@pytest.mark.parametrize(
    ("routes", "what_if", "needle"),
    [
        (["domestic"], WhatIf(shipping_delay_days=5), "shipping_delay_days applies to the tolled"),
        (["domestic"], WhatIf(export_stop_start_day=10), "export_stop applies to the tolled"),
    ],
)
def test_a_what_if_on_no_route_simulated_is_refused(routes, what_if, needle):
    """It would change nothing, so it is an error that names it."""
    with pytest.raises(ScenarioError, match=needle):
        plan(routes, what_if=what_if)


def test_an_export_stop_set_twice_is_refused():
    """An override and the what-if may not both set the export stop."""
    with pytest.raises(ScenarioError, match="export_stop_days is set both"):
        plan(["tolled"], overrides=[("export_stop_days", "3")],
             what_if=WhatIf(export_stop_start_day=10, export_stop_days=5))  # fmt: skip


@pytest.mark.parametrize(
    ("fields", "needle"),
    [
        ({"shipping_delay_days": -1}, r"shipping_delay_days must be within \[0, 365\]"),
        ({"shipping_delay_days": 366}, "shipping_delay_days must be within"),
        ({"shipping_delay_days": float("nan")}, "shipping_delay_days must be within"),
        ({"shipping_delay_days": "soon"}, "shipping_delay_days must be a number"),
        ({"shipping_delay_days": True}, "shipping_delay_days must be within"),
        ({"added_sintering_t_per_yr": -5}, "added_sintering_t_per_yr must be within"),
        ({"added_sintering_t_per_yr": 1e6}, "added_sintering_t_per_yr must be within"),
        ({"export_stop_start_day": -1}, "export_stop_start_day must be within"),
        ({"export_stop_start_day": 4000}, "export_stop_start_day must be within"),
        ({"export_stop_start_day": 1.5}, "export_stop_start_day must be a whole number"),
        ({"export_stop_start_day": 1, "export_stop_days": -2}, "export_stop_days must be within"),
        ({"export_stop_days": 30}, "export_stop_days needs export_stop_start_day"),
    ],
)
def test_what_if_values_out_of_range_are_one_line_errors(fields, needle):
    """Each bad value raises a ScenarioError of one line naming the field."""
    with pytest.raises(ScenarioError, match=needle) as exc:
        WhatIf(**fields)
    assert "\n" not in str(exc.value)


def test_what_if_values_are_kept_as_numbers():
    """Text and whole floats given are kept as the numbers they are."""
    what_if = WhatIf(shipping_delay_days="2.5", export_stop_start_day=10.0, export_stop_days="30")
    assert (what_if.shipping_delay_days, what_if.export_stop_start_day,
            what_if.export_stop_days) == (2.5, 10, 30)  # fmt: skip
    assert what_if.routes() == ("tolled",) and WhatIf().routes() == ()
    assert WhatIf(added_sintering_t_per_yr=1).routes() == ("domestic", "tolled")


def test_a_plan_pickles():
    """A plan goes to worker processes: it comes back equal, parameter sets included."""
    p = plan(["domestic", "tolled"], what_if=WhatIf(added_sintering_t_per_yr=100))
    back = pickle.loads(pickle.dumps(p))
    assert isinstance(back, Plan) and back.scenario == p.scenario
    assert [s.to_dict() for s in back.params] == [s.to_dict() for s in p.params]
    assert [(s.name, s.route) for s in back.params] == [(s.name, s.route) for s in p.params]


def test_a_sweep_grid_is_checked_and_converted_against_the_plan():
    """Scenario fields become their type, parameters floats; bad names and values refused."""
    p = plan(["domestic"])
    grid = p.checked_grid({"horizon_days": [60.0, "120"], "sinter_temp_c": ["1040"]})
    assert grid == {"horizon_days": [60, 120], "sinter_temp_c": [1040.0]}
    assert isinstance(grid["horizon_days"][0], int)
    for bad in ({"horizon_days": [0]}, {"sinter_tmp_c": [1]}, {"sinter_yield": [2]}):
        with pytest.raises(TwinError):
            p.checked_grid(bad)
