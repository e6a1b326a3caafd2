"""Calibration against short offline line runs, checked with the simulator's ground truth.

The runs are real (``simulators.offline.run_offline``); their hidden parameters and event
logs are what the estimates are checked against. The full closed loop (40 runs) is
``bench/validate_calibration.py``; here the same loop runs on two short runs.
"""

import json
import math

import numpy as np
import polars as pl
import pytest

from bench.validation import score_case
from simulators.config import SimConfig
from simulators.offline import run_offline
from simulators.plant.flow import METAL_IN_OXIDE, SX_LOSS
from simulators.profiles import get_profile
from twin import cli
from twin.calibration import (
    CalibrationDataError,
    calibrate,
    forecast,
    load_calibration,
    load_recorded_line,
)
from twin.calibration.availability import equipment_states
from twin.calibration.estimates import estimate_line
from twin.grades import parse_grade
from twin.line import Stage, run_line
from twin.quality import magnet_quality
from twin.sampling import nominal_values

DAYS = 8.0
CALIBRATION_DAYS = 4.0


def _run(tmp_path_factory, profile, seed):
    cfg = SimConfig(profile=profile, seed=seed, step_s=30.0).validate()
    return run_offline(cfg, DAYS, tmp_path_factory.mktemp(f"run-{profile}") / "run")


@pytest.fixture(scope="module")
def domestic_run(tmp_path_factory):
    return _run(tmp_path_factory, "domestic", 21)


@pytest.fixture(scope="module")
def tolled_run(tmp_path_factory):
    return _run(tmp_path_factory, "tolled", 22)


@pytest.fixture(scope="module")
def domestic_data(domestic_run):
    return load_recorded_line(domestic_run)


def test_the_loader_reads_only_what_the_plant_published(domestic_data, domestic_run):
    hidden = [
        json.loads(line)["true"] for line in (domestic_run / "lots.jsonl").read_text().splitlines()
    ]
    assert any(hidden), "the ground truth has hidden properties to leave out"
    props = domestic_data.lots["properties"].to_list()
    assert not any("true" in json.loads(p) or "br_true_mean_t" in p for p in props)
    assert domestic_data.days == pytest.approx(DAYS)
    assert set(domestic_data.lots["kind"].unique()) == {
        "oxide",
        "alloy",
        "furnace_load",
        "magnetized",
    }


def test_failures_counted_from_states_match_the_plants_trip_log(domestic_data, domestic_run):
    states = equipment_states(domestic_data)
    events = [json.loads(line) for line in (domestic_run / "events.jsonl").read_text().splitlines()]
    trips = {}
    for e in events:
        if e["kind"] == "trip":
            trips[e["source"]] = trips.get(e["source"], 0) + 1
    counted = dict(zip(states["equipment"], states["failures"], strict=True))
    # a trip while already out of service (maintenance overrun) is not a new failure
    for equipment, n in trips.items():
        assert 0 < counted[equipment] <= n
    assert sum(counted.values()) >= 0.9 * sum(trips.values())


def test_estimates_recover_the_hidden_plant(domestic_data):
    truth = get_profile("domestic")
    est = estimate_line(domestic_data)
    f = est.figures
    assert f["sx_re_recovery"].value == pytest.approx(1 - SX_LOSS, rel=1e-6)
    assert f["metal_per_oxide"].value == pytest.approx(
        METAL_IN_OXIDE * truth.metal_recovery, rel=1e-6
    )
    assert f["re_wt_fraction"].value == pytest.approx(truth.alloy_re_fraction)
    assert f["mill_kg_per_h"].value == pytest.approx(truth.mill_rate_kg_per_h, rel=0.05)
    assert f["part_mass_kg"].value == pytest.approx(truth.part_mass_kg)
    assert f["sinter_time_h"].value == pytest.approx(truth.soak_h)
    assert f["sinter_temp_c"].value == pytest.approx(truth.furnace_setpoint_c, abs=25.0)
    assert est.availability["sintering"].units == 4
    assert 0.5 < est.availability["separation"].availability < 1.0


def test_the_fitted_twin_reproduces_the_measurements(domestic_data):
    cal = calibrate(domestic_data)
    assert cal.grade == get_profile("domestic").target_grade, "inferred from the lots"
    f = cal.estimates["figures"]
    q = magnet_quality(nominal_values(cal.parameters, 1), parse_grade(cal.grade))
    assert q["br_t"][0] == pytest.approx(f["br_t"]["value"], abs=2e-4)
    assert q["hcj_ka_per_m"][0] == pytest.approx(f["hcj_ka_per_m"]["value"], rel=2e-3)
    assert q["grade_share"][0] == pytest.approx(f["pass_fraction"]["value"], abs=0.01)
    assert "sinter_capacity_t_per_yr" in cal.calibrated_names()


def test_a_calibration_file_round_trips_and_bad_files_are_refused(domestic_data, tmp_path):
    cal = calibrate(domestic_data)
    path = tmp_path / "line.json"
    cal.save(path)
    back = load_calibration(path)
    assert back.parameters.to_dict() == cal.parameters.to_dict()
    assert (back.grade, back.feed_t_per_yr, back.backlog_kg) == (
        cal.grade,
        cal.feed_t_per_yr,
        cal.backlog_kg,
    )
    a = forecast(cal, 5, np.random.default_rng(3), 200).to_dict()
    b = forecast(back, 5, np.random.default_rng(3), 200).to_dict()
    assert a == b
    (tmp_path / "bad.json").write_text('{"format": "something else"}')
    with pytest.raises(CalibrationDataError, match="not a calibration file"):
        load_calibration(tmp_path / "bad.json")
    with pytest.raises(CalibrationDataError, match="no calibration file"):
        load_calibration(tmp_path / "missing.json")


def test_too_little_data_is_a_clear_error(domestic_data):
    first_hour, _ = domestic_data.split(1 / 24)
    with pytest.raises(CalibrationDataError, match="furnace loads and magnetized lots"):
        calibrate(first_hour)


@pytest.mark.parametrize("which", ["domestic", "tolled"])
def test_closed_loop_on_short_runs(which, domestic_run, tolled_run):
    folder = {"domestic": domestic_run, "tolled": tolled_run}[which]
    result = score_case(
        folder,
        load_recorded_line(folder),
        CALIBRATION_DAYS,
        case=which,
        profile=which,
        seed=5,
        grade=get_profile(which).target_grade,
        samples=400,
    )
    q = result.forecast["magnets_kg_per_day"]
    assert q["p10"] < q["p50"] < q["p90"]
    assert result.relative_error("magnets_kg_per_day") < 0.35
    # three days of data say little about breakdowns: loose bounds, but a broken
    # calibration (wrong units, a stage missing) misses them by far
    assert result.relative_error("good_magnets_kg_per_day") < 0.35
    assert result.relative_error("br_t") < 0.01
    # the pass share drifts with the furnaces over a week: a broken fit misses it by far more
    assert abs(result.forecast["grade_share"]["p50"] - result.truth["grade_share"]) < 0.1


def test_cli_calibrates_and_forecasts_from_the_file(domestic_run, tmp_path, capsys):
    out, png = tmp_path / "line.json", tmp_path / "line.png"
    argv = ["calibrate", str(domestic_run), "--first-days", "4", "--out", str(out)]
    assert cli.main([*argv, "--plot", str(png), "--samples", "200"]) == 0
    text = capsys.readouterr().out
    assert "Twin parameters from the data" in text and "good_magnets_kg_per_day" in text
    assert png.stat().st_size > 10_000
    assert cli.main(["predict", "--calibrated", str(out), "--horizon-days", "7", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    good = result["metrics"]["good_magnets_kg_per_day"]
    assert good["p10"] <= good["p50"] <= good["p90"] and good["p50"] > 0
    with pytest.raises(SystemExit):
        cli.main(["predict", "--calibrated", str(out), "--set", "sinter_temp_c=1000"])


def test_stock_placed_in_the_line_comes_out_and_keeps_the_mass_balance(rng):
    stages = [Stage("a", 100.0, 0.5), Stage("b", 1000.0, 1.0)]
    kwargs = {"commission": (np.ones(1), np.ones(1)), "schedule": np.ones(30)}
    plain = run_line(stages, np.full(1, 50.0), 30, rng, **kwargs)
    stocked = run_line(stages, np.full(1, 50.0), 30, rng, stock=(5, [0.0, 400.0]), **kwargs)
    assert stocked.finished_kg[0] == pytest.approx(plain.finished_kg[0] + 400.0)
    assert stocked.finished_kg[0] <= 50.0 * 30 * 0.5 + 400.0 + 1e-9
    assert math.isfinite(stocked.lead_time_days[0])


def test_lots_frame_has_genealogy(domestic_data):
    magnetized = domestic_data.lots_of("magnetized")
    assert magnetized["parents"].list.len().min() == 1
    assert magnetized["parents"].explode().str.contains("-FL").all()
    assert isinstance(domestic_data.lots.schema["parents"], pl.List)
