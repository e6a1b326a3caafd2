"""Issue 16's acceptance: a plant that names everything its own way (other paths and state
labels, kiln temperatures in kelvin, no oxygen analyser) is recorded through OPC UA and
calibrated through its tag map; it gives the native calibration of the same seed, and the
missing signal is reported."""

from __future__ import annotations

import datetime as dt
import json
import math

import pytest

from ingest.recorded_line import historian_line
from simulators.config import SimConfig
from simulators.offline import OFFLINE_START, run_offline
from tests.recorded_line import count, recorded_days, recorded_line
from twin.calibration import calibrate_recorded
from twin.recorded_line import read_recorded_line

SEED, STEP_S = 7, 60.0
# Process settings and quality, means over a day of readings and lots: within 2 %. Rates
# and capacities hang on the few lots and breakdowns of one day and on which state was in
# force where the recording began (the recorder joins the live run seconds after its start,
# the offline run is cut there): one lot more or less moves them by tens of per cent
# (measured: the jet mill's rate 134 against 179 kg/h in one run, equal in another).
SETTINGS = ("sinter_temp_c", "sinter_time_h", "particle_size_um", "align_field_t",
            "magnetizer_field_t", "br_t", "hcj_ka_per_m", "part_mass_kg")  # fmt: skip
RTOL_SETTINGS, RTOL_RATES = 0.02, 0.5


@pytest.fixture(scope="module")
def foreign(tmp_path_factory, module_db_dsn: str):
    """About a simulated day of the foreign-named plant, through OPC UA into the historian."""
    magnets = "SELECT count(*) FROM lot WHERE properties->>'kind' = 'MAGNET'"
    with recorded_line(
        tmp_path_factory.mktemp("line"), module_db_dsn, speed=3600, step_s=STEP_S, seed=SEED,
        naming="foreign",
        until=lambda: count(module_db_dsn, magnets) >= 1 and recorded_days(module_db_dsn) > 1.0,
    ) as rec:  # fmt: skip
        t0_us = json.loads((rec.run_folder / "run.json").read_text())["t0_us"]
        yield historian_line(rec.dsn), dt.datetime.fromtimestamp(t0_us / 1e6, dt.UTC)


def test_a_foreign_plant_calibrates_as_the_native_one(foreign, tmp_path) -> None:
    recorded, t0 = foreign
    cal, report = calibrate_recorded(recorded, "foreign")
    # The same seed offline, native names, cut to the window the historian holds.
    offset, span = recorded.start - t0, recorded.end - recorded.start
    days = (offset + span) / dt.timedelta(days=1) + 0.01
    folder = run_offline(SimConfig(seed=SEED, step_s=STEP_S), days, tmp_path / "native")
    start = OFFLINE_START + offset
    native_line = read_recorded_line(folder).window(start, start + span)
    native, native_report = calibrate_recorded(native_line, "simulator")

    missing = [m.need.name for m in report.missing]
    assert missing == ["Line<n>.Sintering.JetMill<n>.OxygenContent"]  # the analyser it lacks
    assert "oxygen_ppm" in report.missing[0].lost
    assert "oxygen_ppm" not in cal.estimates["figures"] or not _finite(cal, "oxygen_ppm")
    assert not native_report.missing
    compared = 0
    for name, estimate in native.estimates["figures"].items():
        if name == "oxygen_ppm" or not _finite(native, name):
            continue
        rtol = RTOL_SETTINGS if name in SETTINGS else RTOL_RATES
        assert _value(cal, name) == pytest.approx(estimate["value"], rel=rtol), name
        compared += name in SETTINGS
    assert compared >= 6
    # Kiln temperatures came in kelvin: the soak temperature is in °C as natively.
    assert 900 < _value(cal, "sinter_temp_c") < 1300
    # Every stage's availability is read from the foreign state labels (RUN, STOP, MAINT).
    # Its value is not compared: the live and the offline run of one seed break down at
    # different times (measured: separation 0.78 against 0.88, another stage 0.75 against
    # 1.0 over the same day), a difference of the simulator's two modes, not of the map.
    assert set(cal.estimates["availability"]) == set(native.estimates["availability"])
    for stage in native.estimates["availability"]:
        assert 0 < cal.estimates["availability"][stage]["availability"] <= 1, stage


def _value(cal, name: str) -> float:
    return cal.estimates["figures"][name]["value"]


def _finite(cal, name: str) -> bool:
    figure = cal.estimates["figures"].get(name)
    return figure is not None and figure.get("value") is not None and math.isfinite(figure["value"])
