"""The command line's what-if flags: each reaches the twin as :func:`twin.plan` takes it,
is documented in --help, and a bad or idle one is a one-line error; without them the
answers are the twin's own."""

import json

import numpy as np
import pytest

import twin
from twin import WhatIf, plan
from twin.cli import main

FAST = ["--samples", "200", "--horizon-days", "120", "--seed", "5"]


def _json(argv, capsys):
    assert main([*argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_help_documents_each_what_if_flag(capsys):
    """predict, compare and sweep each list the three what-if flags."""
    for command in ("predict", "compare", "sweep"):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        out = capsys.readouterr().out
        for flag in ("--shipping-delay-days", "--added-sintering-t-per-yr", "--export-stop"):
            assert flag in out, (command, flag)


def test_predict_flags_give_the_python_api_answer(capsys):
    """predict with the three flags equals simulate() of twin.plan with that WhatIf."""
    argv = ["predict", "--route", "tolled", *FAST, "--shipping-delay-days", "7",
            "--added-sintering-t-per-yr", "150", "--export-stop", "30:45"]  # fmt: skip
    what_if = WhatIf(shipping_delay_days=7, added_sintering_t_per_yr=150,
                     export_stop_start_day=30, export_stop_days=45)  # fmt: skip
    p = plan(["tolled"], scenario={"horizon_days": 120}, what_if=what_if)
    expected = twin.simulate(p.params[0], p.scenario, np.random.default_rng(5), 200)
    assert _json(argv, capsys) == json.loads(json.dumps(expected.to_dict()))


def test_compare_flags_give_the_python_api_answer(capsys):
    """compare with a furnace added equals compare_routes() of twin.plan's two sets."""
    argv = ["compare", *FAST, "--replications", "2", "--added-sintering-t-per-yr", "300"]
    p = plan(["domestic", "tolled"], scenario={"horizon_days": 120},
             what_if=WhatIf(added_sintering_t_per_yr=300))  # fmt: skip
    expected = twin.compare_routes(*p.params, p.scenario, np.random.default_rng(5), 200,
                                   "finished_t_per_yr", 2)  # fmt: skip
    assert _json(argv, capsys) == json.loads(json.dumps(expected.to_dict()))


def test_compare_without_what_ifs_is_the_routes_own(capsys):
    """compare --json --seed 1 (the defaults) is compare_routes of the two registry sets
    under Scenario(): the assembly adds nothing when nothing is asked."""
    expected = twin.compare_routes(
        twin.route_parameter_set("domestic"),
        twin.route_parameter_set("tolled"),
        twin.Scenario(),
        np.random.default_rng(1),
    )
    assert _json(["compare", "--seed", "1"], capsys) == json.loads(json.dumps(expected.to_dict()))


def test_sweep_with_a_shipping_delay_moves_every_point(capsys):
    """A sweep's base plan carries the what-if: each point's lead time grows."""
    argv = ["sweep", "--route", "tolled", *FAST, "--grid", "sinter_temp_c=1040,1080"]
    base = _json(argv, capsys)
    late = _json([*argv, "--shipping-delay-days", "10"], capsys)
    for a, b in zip(base["points"], late["points"], strict=True):
        assert b["metrics"]["lead_time_days"]["p50"] - a["metrics"]["lead_time_days"]["p50"] > 10


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["predict", "--shipping-delay-days", "5"], "applies to the tolled route only"),
        (["predict", "--export-stop", "100"], "applies to the tolled route only"),
        (["sweep", "--grid", "sinter_temp_c=1040", "--export-stop", "9"], "tolled route only"),
        (["predict", "--route", "tolled", "--shipping-delay-days", "-1"], "must be within"),
        (["predict", "--route", "tolled", "--shipping-delay-days", "400"], "must be within"),
        (["compare", "--added-sintering-t-per-yr", "lots"], "expected a number"),
        (["compare", "--export-stop", "10:5", "--set", "export_stop_days=3"], "set both"),
        (["predict", "--calibrated", "line.json", "--added-sintering-t-per-yr", "5"],
         "--calibrated"),
    ],
)  # fmt: skip
def test_bad_or_idle_what_ifs_exit_2_with_one_line(argv, needle, capsys):
    """A what-if out of range, not a number, set twice or acting on no route simulated:
    exit status 2 and one line that says why."""
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert "error:" in last and needle in last
