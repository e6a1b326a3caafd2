"""The tag map: the simulator's map changes nothing, a plant's own names calibrate the same,
what a map leaves out is reported, and a bad map is one line naming its file and key."""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import textwrap
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from numpy.testing import assert_allclose
from polars.testing import assert_frame_equal

from simulators.config import SimConfig
from simulators.offline import run_offline
from simulators.simulation import Simulation
from twin.calibration import (
    CalibrationDataError,
    TagMapError,
    apply_tag_map,
    calibrate,
    calibrate_recorded,
    get_tag_map,
)
from twin.calibration.data import line_data, lots_frame
from twin.calibration.estimates import estimate_line
from twin.calibration.needs import NEEDS
from twin.calibration.report import format_calibration
from twin.calibration.tag_map import load_tag_map, shipped_tag_maps
from twin.calibration.units import UnitError, convert
from twin.parameters import get_parameter_set
from twin.recorded_line import RecordedLine, empty_frame

DAYS = 3.0

# The plant of the foreign map: its own paths, labels, lot kinds and units, and no oxygen.
FOREIGN_PATHS = [
    (r"^Line1/Separation/Bank(\d+)/OxideRate$", r"Plant/SX/Cell\1/OxideOut"),
    (r"^Line1/Separation/Bank(\d+)/State$", r"Plant/SX/Cell\1/Mode"),
    (r"^Line1/Sintering/JetMill(\d+)/FeedRate$", r"Plant/Powder/Mill\1/Feed"),
    (r"^Line1/Sintering/JetMill(\d+)/ParticleSize$", r"Plant/Powder/Mill\1/D50"),
    (r"^Line1/Sintering/JetMill(\d+)/State$", r"Plant/Powder/Mill\1/Mode"),
    (r"^Line1/Sintering/Press(\d+)/AligningField$", r"Plant/Powder/Press\1/Field"),
    (r"^Line1/Sintering/Press(\d+)/State$", r"Plant/Powder/Press\1/Mode"),
    (r"^Line1/Sintering/Furnace(\d+)/Zone(\d+)Temperature$", r"Plant/Sinter/VF\1/TC\2"),
    (r"^Line1/Sintering/Furnace(\d+)/(State|Phase)$", r"Plant/Sinter/VF\1/\2"),
    (r"^Line1/Sintering/Anneal(\d+)/LotId$", r"Plant/Sinter/AN\1/Batch"),
    (r"^Line1/Sintering/Anneal(\d+)/State$", r"Plant/Sinter/AN\1/Mode"),
    (r"^Line1/Magnetization/Magnetizer(\d+)/(PeakField|PulseCount)$", r"Plant/Mag/M\1/\2"),
    (r"^Line1/Magnetization/Magnetizer(\d+)/State$", r"Plant/Mag/M\1/Mode"),
    (r"^Line1/", "Plant/Other/"),
]
FOREIGN_STATES = {"running": "RUN", "idle": "STOP", "down": "TRIP", "maintenance": "MAINT"}
FOREIGN_KINDS = {"oxide": "OX", "alloy": "ALY", "furnace_load": "LOAD", "magnetized": "MAG"}
# the plant's unit column for the readings the twin reads: K, t/h, none (the map says mT)
FOREIGN_UNITS = {r"/TC\d+$": ("K", 273.15, 1.0), r"/Feed$": ("t/h", 0.0, 1e-3),
                 r"/Field$": (None, 0.0, 1e3), r"/D50$": (None, 0.0, 1.0)}  # fmt: skip
FOREIGN_MAP = """\
format = "magnetline-tag-map/1"
[states]
RUN = "running"
STOP = "idle"
TRIP = "down"
MAINT = "maintenance"
[phases]
soak = "soak"
[lot_kinds]
OX = "oxide"
ALY = "alloy"
LOAD = "furnace_load"
MAG = "magnetized"
[[signal]]
path = "Plant/SX/Cell{n}/OxideOut"
twin = "Line1.Separation.Bank{n}.OxideRate"
unit = "kg/h"
[[signal]]
path = "Plant/Powder/Mill{n}/Feed"
twin = "Line1.Sintering.JetMill{n}.FeedRate"
[[signal]]
path = "Plant/Powder/Mill{n}/D50"
twin = "Line1.Sintering.JetMill{n}.ParticleSize"
[[signal]]
path = "Plant/Powder/Press{n}/Field"
twin = "Line1.Sintering.Press{n}.AligningField"
recorded_unit = "mT"
[[signal]]
path = "Plant/Sinter/VF{n}/TC{z}"
twin = "Line1.Sintering.Furnace{n}.Zone{z}Temperature"
unit = "°C"
[[signal]]
path = "Plant/Mag/M{n}/{variable}"
twin = "Line1.Magnetization.Magnetizer{n}.{variable}"
[[text]]
path = "Plant/Sinter/VF{n}/Phase"
twin = "Line1.Sintering.Furnace{n}.Phase"
[[text]]
path = "Plant/Sinter/AN{n}/Batch"
twin = "Line1.Sintering.Anneal{n}.LotId"
"""
# the plant's equipment as the twin names it: one rule for each kind's state variable
FOREIGN_MAP += "".join(
    f'[[text]]\npath = "Plant/{plant}{{n}}/{variable}"\ntwin = "Line1.{twin}{{n}}.State"\n'
    for plant, variable, twin in [
        ("SX/Cell", "Mode", "Separation.Bank"),
        ("Powder/Mill", "Mode", "Sintering.JetMill"),
        ("Powder/Press", "Mode", "Sintering.Press"),
        ("Sinter/VF", "State", "Sintering.Furnace"),
        ("Sinter/AN", "Mode", "Sintering.Anneal"),
        ("Mag/M", "Mode", "Magnetization.Magnetizer"),
    ]
)


@pytest.fixture(scope="module")
def native(tmp_path_factory) -> RecordedLine:
    """A short simulator run as the recorded line the simulator's own files would give."""
    cfg = SimConfig(profile="domestic", seed=5, step_s=30.0).validate()
    folder = run_offline(cfg, DAYS, tmp_path_factory.mktemp("run") / "run")
    units = {s.path.replace(".", "/"): s.spec.unit for s in Simulation(cfg, 0).plant.signals}
    run = json.loads((folder / "run.json").read_text())
    t0 = dt.datetime.fromtimestamp(run["t0_us"] / 1e6, tz=dt.UTC)
    slashed = pl.col("tag").cast(pl.Utf8).str.replace_all(".", "/", literal=True).alias("path")
    time = pl.from_epoch("time_us", "us").dt.replace_time_zone("UTC").alias("time")
    readings = pl.read_parquet(folder / "signals.parquet").select(
        time, slashed, slashed.replace_strict(units).alias("unit"), "value", "status"
    )
    states = pl.read_parquet(folder / "texts.parquet").select(time, slashed, "value")
    records = [json.loads(line) for line in (folder / "lots.jsonl").read_text().splitlines()]
    # Lots begun at the first step are left out: a state change at the very start of an
    # estimate's window ties with the state in force then, and LineData.window orders the
    # two at random (the jet mill's rate flips between two values from run to run).
    lots = lots_frame([{k: v for k, v in r.items() if k != "true"} for r in records]).filter(
        pl.col("start").is_null() | (pl.col("start") > t0 + dt.timedelta(minutes=1))
    )
    end = t0 + dt.timedelta(days=DAYS)
    return RecordedLine(readings, states, lots, empty_frame("events"), t0, end, "test run")


@pytest.fixture(scope="module")
def foreign(native) -> RecordedLine:
    """The native line as the plant of FOREIGN_MAP records it."""
    return _foreign(native)


def _foreign_path(frame: pl.DataFrame) -> pl.Expr:
    """The plant's path for each native path of ``frame``: the first of FOREIGN_PATHS."""
    renamed = {}
    for path in frame["path"].unique().to_list():
        pattern, replacement = next(p for p in FOREIGN_PATHS if re.search(p[0], path))
        renamed[path] = re.sub(pattern, replacement, path)
    return pl.col("path").replace_strict(renamed, return_dtype=pl.Utf8)


def _foreign(line: RecordedLine) -> RecordedLine:
    """The same line as a plant of other names would record it, without its oxygen."""
    readings = line.readings.filter(~pl.col("path").str.ends_with("/OxygenContent"))
    readings = readings.with_columns(_foreign_path(readings))
    for pattern, (unit, offset, scale) in FOREIGN_UNITS.items():
        here = pl.col("path").str.contains(pattern)
        readings = readings.with_columns(
            pl.when(here).then(pl.lit(unit, pl.Utf8)).otherwise("unit").alias("unit"),
            pl.when(here).then(pl.col("value") * scale + offset).otherwise("value").alias("value"),
        )
    states = line.states.with_columns(
        _foreign_path(line.states),
        pl.when(pl.col("path").str.ends_with("/State"))
        .then(pl.col("value").replace(FOREIGN_STATES))
        .otherwise("value"),
    )
    lots = line.lots.with_columns(pl.col("kind").replace(FOREIGN_KINDS))
    return RecordedLine(readings, states, lots, line.events, line.start, line.end, line.source)


def _map_file(tmp_path: Path, text: str, name: str = "plant.toml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_the_simulator_map_gives_exactly_the_dotted_names(native):
    """The shipped simulator map reproduces line_data(): same frames, nothing left out."""
    data, report = apply_tag_map(native, get_tag_map("simulator"))
    expected = line_data(native)
    for name in ("signals", "texts", "lots"):
        assert_frame_equal(getattr(data, name), getattr(expected, name))
    assert (data.start, data.end, data.source) == (expected.start, expected.end, expected.source)
    assert report.unmatched == report.missing == report.unknown_labels == ()
    assert report.conversions == report.assumed_units == ()
    assert shipped_tag_maps() == ["simulator"]


def test_a_plants_own_names_calibrate_as_the_simulators(native, foreign, tmp_path):
    """Other paths, RUN/STOP/MAINT, K and t/h, no oxygen: the foreign map gives the native
    estimates, reports the oxygen missing and the tags it does not name as unmatched."""
    reference = estimate_line(line_data(native)).to_dict()
    cal, report = calibrate_recorded(foreign, _map_file(tmp_path, FOREIGN_MAP))
    figures = cal.estimates["figures"]
    assert set(reference["figures"]) - set(figures) == {"oxygen_ppm"}
    for name, fig in figures.items():
        want = reference["figures"][name]
        assert_allclose(
            [fig["value"], fig["sd"]], [want["value"], want["sd"]], rtol=1e-9, err_msg=name
        )
        assert fig["n"] == want["n"]
    assert cal.estimates["availability"].keys() == reference["availability"].keys()
    for stage, a in cal.estimates["availability"].items():
        assert_allclose(list(a.values()), list(reference["availability"][stage].values()))
    soak, native_soak = cal.estimates["furnace_soak_c"], reference["furnace_soak_c"]
    assert soak.keys() == native_soak.keys()
    assert_allclose(list(soak.values()), list(native_soak.values()), rtol=1e-12)
    [missing] = report.missing
    assert missing.need.name == "Line<n>.Sintering.JetMill<n>.OxygenContent"
    assert missing.lost == ("oxygen_ppm",) and missing.at_prior == ("oxygen_base_ppm",)
    assert "oxygen_base_ppm" not in cal.calibrated_names()
    assert "Plant/Other/Separation/Bank1/Acidity" in report.unmatched
    assert "Plant/Mag/M1/PulseCount" not in report.unmatched  # the glob took it
    zones = native.readings.filter(pl.col("path").str.contains(r"Zone\d+Temperature$"))
    assert report.conversions == (
        f"K → °C: {zones['path'].n_unique()} tag(s)",
        "mT → T: 1 tag(s)",
        "t/h → kg/h: 1 tag(s)",
    )
    assert report.assumed_units == ("Line1.Sintering.JetMill1.ParticleSize",)
    text = format_calibration(cal, None, report)
    assert "no tag for Line<n>.Sintering.JetMill<n>.OxygenContent: calibration lacks" in text


def test_a_map_that_misses_the_lots_says_so(foreign, tmp_path):
    """Without magnetized lots calibration cannot run, and the error names the map's gap."""
    no_mag = FOREIGN_MAP.replace('MAG = "magnetized"\n', "")
    with pytest.raises(
        CalibrationDataError, match=r"plant\.toml maps nothing to .*magnetized lots$"
    ):
        calibrate_recorded(foreign, _map_file(tmp_path, no_mag))
    _, report = apply_tag_map(foreign, load_tag_map(_map_file(tmp_path, no_mag)))
    assert report.unknown_labels[-1].startswith("lot kind 'MAG' on ")


def test_labels_and_units_the_twin_does_not_know_are_reported_or_refused(foreign, tmp_path):
    """An unmapped state label is listed; a unit that does not convert is one clear line."""
    partial = FOREIGN_MAP.replace('TRIP = "down"\n', "")
    _, report = apply_tag_map(foreign, load_tag_map(_map_file(tmp_path, partial)))
    assert any(note.startswith("State 'TRIP' on ") for note in report.unknown_labels)
    wrong = foreign.readings.with_columns(
        pl.when(pl.col("path").str.contains("/TC"))
        .then(pl.lit("kg"))
        .otherwise("unit")
        .alias("unit")
    )
    f = foreign
    line = RecordedLine(wrong, f.states, f.lots, f.events, f.start, f.end, "x")
    with pytest.raises(TagMapError, match=r"plant\.toml: signal\[5\] \(Plant/Sinter/VF\d+/TC\d+\): "
                       r"cannot convert 'kg' \(mass\) to '°C'"):  # fmt: skip
        apply_tag_map(line, load_tag_map(_map_file(tmp_path, FOREIGN_MAP)))


def test_two_tags_for_one_twin_name_are_refused(foreign, tmp_path):
    """A capture left out of the twin name would merge tags: refused, naming both."""
    merged = FOREIGN_MAP.replace("Zone{z}Temperature", "Zone1Temperature")
    with pytest.raises(TagMapError, match=r"both map to Line1\.Sintering\.Furnace1\.Zone1Temp"):
        apply_tag_map(foreign, load_tag_map(_map_file(tmp_path, merged)))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[signal]\n", "not TOML"),
        ('format = "other/2"\n', "format: 'other/2', this twin reads"),
        ("[signals]\n", "signals: unknown key"),
        ('signal = "x"\n', r"signal: must be \[\[signal\]\] tables"),
        ('[[signal]]\npath = "A/B"\n', r"signal\[1\]: missing twin"),
        ('[[signal]]\npath = "A/B"\ntwin = "X.B"\nunits = "K"\n', r"signal\[1\].units: unknown"),
        (
            '[[signal]]\npath = "A/{n}"\ntwin = "X.{m}"\n',
            r"signal\[1\].twin: \{m\} is not captured",
        ),
        ('[[signal]]\npath = "A/{1n}"\ntwin = "X"\n', r"signal\[1\].path: bad placeholder \{1n\}"),
        ('[[signal]]\npath = "A/B"\ntwin = "X/B"\n', r"signal\[1\].twin: 'X/B' is not a twin name"),
        ('[[signal]]\npath = "A"\ntwin = "X"\nunit = "degR"\n', r"unit: unknown unit 'degR'"),
        (
            '[[signal]]\npath = "F{n}/T"\ntwin = "L.Sintering.Furnace{n}.Zone1Temperature"\n'
            'unit = "K"\n',
            r"signal\[1\].unit: the twin reads .* in °C, not K",
        ),
        ('[states]\nRUN = "runing"\n', "states.RUN: 'runing' is none of running, idle"),
        ("[lot_kinds]\nOX = 3\n", "lot_kinds.OX: must be a string"),
        (
            '[[text]]\npath = "A/Mode"\ntwin = "L.S.Bank1.State"\nlabels = { 1 = "on" }\n',
            r"text\[1\].labels.1: 'on' is none of running",
        ),
    ],
)
def test_a_bad_map_is_one_line_naming_file_and_key(tmp_path, text, message):
    """Every mistake in a map file is a TagMapError of one line: the file, the key, the fix."""
    path = _map_file(tmp_path, text)
    with pytest.raises(TagMapError, match=message) as caught:
        load_tag_map(path)
    assert str(caught.value).startswith(f"{path}: ") and "\n" not in str(caught.value)


def test_an_unknown_map_name_lists_the_shipped_ones(tmp_path):
    """A name that is neither shipped nor a file says which names exist; a missing file too."""
    with pytest.raises(TagMapError, match="one of simulator"):
        get_tag_map("plant-b")
    with pytest.raises(TagMapError, match="no such tag map file"):
        get_tag_map(tmp_path / "absent.toml")


def test_the_needs_name_only_what_calibration_makes(native):
    """Each need's figures are ones calibration estimates, its parameters the twin's."""
    estimates = estimate_line(line_data(native))
    made = set(estimates.figures) | {f"availability[{s}]" for s in estimates.availability}
    params = set(get_parameter_set("domestic").entries)
    for need in NEEDS:
        assert set(need.estimates) <= made, need.name
        assert set(need.parameters) <= params, need.name


@pytest.mark.parametrize(
    ("path", "twin", "recorded", "expected"),
    [
        ("Plant/SX/Cell{n}/Feed", "L.Separation.Bank{n}.OxideRate", "Plant/SX/Cell12/Feed",
         "L.Separation.Bank12.OxideRate"),
        ("{site}/*/F{n}/TC{n}", "L.Sintering.Furnace{n}.Zone1Temperature", "A/x/F2/TC2",
         "L.Sintering.Furnace2.Zone1Temperature"),
        ("{site}/*/F{n}/TC{n}", "L.Sintering.Furnace{n}.Zone1Temperature", "A/x/F2/TC3", None),
        ("{tag**}", "{tag}", "Line1/Sintering/Press1/State", "Line1.Sintering.Press1.State"),
        ("Site/**/Mode", "L.Separation.Bank1.State", "Site/a/b/c/Mode", "L.Separation.Bank1.State"),
        ("Site/*/Mode", "L.Separation.Bank1.State", "Site/a/b/Mode", None),
        ("Site.{x}", "L.{x}", "Site.A", "L.A"),
    ],
)  # fmt: skip
def test_rules_capture_within_an_element_and_glob(tmp_path, path, twin, recorded, expected):
    """{n} takes part of one element (the same text where it repeats), {n**} and ** whole
    elements, * one element; dots in a recorded path are literal."""
    text = f'[[signal]]\npath = "{path}"\ntwin = "{twin}"\n'
    [rule] = load_tag_map(_map_file(tmp_path, text)).signals
    assert rule.twin_name(recorded) == expected


def test_a_rule_may_translate_its_own_labels(native, tmp_path):
    """A Boolean running flag reads as the twin's states through the rule's own labels."""
    flag = native.states.filter(pl.col("path") == "Line1/Sintering/Press1/State").with_columns(
        pl.lit("Plant/Press/Running").alias("path"),
        (pl.col("value") == "running").cast(pl.Utf8).str.to_titlecase().alias("value"),
    )
    line = RecordedLine(empty_frame("readings"), flag, empty_frame("lots"),
                        native.events, native.start, native.end, "flag")  # fmt: skip
    text = """\
        [[text]]
        path = "Plant/Press/Running"
        twin = "Line1.Sintering.Press1.State"
        labels = { True = "running", False = "idle" }
        """
    data, report = apply_tag_map(line, load_tag_map(_map_file(tmp_path, text)))
    assert set(data.texts["value"]) == {"running", "idle"} and report.unknown_labels == ()
    assert data.texts.height == flag.height


@pytest.mark.parametrize(
    ("value", "source", "target", "expected"),
    [
        (1323.15, "K", "°C", 1050.0),
        (212.0, "degF", "°C", 100.0),
        (1.2, "t/h", "kg/h", 1200.0),
        (1300.0, "mT", "T", 1.3),
        (500.0, "ppm", "%", 0.05),
        (2.0, "g", "kg", 0.002),
    ],
)
def test_units_convert_scalars_and_arrays(value, source, target, expected):
    """Each conversion holds for a scalar and for an array; across dimensions it is refused."""
    assert_allclose(convert(value, source, target), expected, rtol=1e-12)
    assert_allclose(convert(np.full(3, value), source, target), np.full(3, expected), rtol=1e-12)
    with pytest.raises(UnitError, match="cannot convert"):
        convert(value, source, "kWh")


def test_calibrating_the_native_line_through_the_map_changes_nothing(native):
    """calibrate_recorded with the simulator map is calibrate(line_data(...))."""
    cal, _ = calibrate_recorded(native, "simulator")
    reference = calibrate(line_data(native))
    assert cal.estimates == reference.estimates
    assert cal.parameters.entries == reference.parameters.entries
    assert math.isclose(cal.feed_t_per_yr, reference.feed_t_per_yr)
