"""The tag map: the simulator's map changes nothing, a plant's own names calibrate the same,
what a map leaves out is reported, and a bad map is one line naming its file and key.

The lines are real offline runs of one seed, once under the model's names and once under
the simulator's foreign naming (``simulators.naming``: other paths, RUN/IDLE/STOP/MAINT,
kelvin, no powder oxygen), read as recorded lines.
"""

from __future__ import annotations

import datetime as dt
import math
import textwrap
from dataclasses import replace
from importlib.resources import files
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from numpy.testing import assert_allclose
from polars.testing import assert_frame_equal

from simulators.config import SimConfig
from simulators.offline import run_offline
from twin.calibration import (
    CalibrationDataError,
    TagMapError,
    apply_tag_map,
    calibrate,
    calibrate_recorded,
    get_tag_map,
)
from twin.calibration.data import line_data
from twin.calibration.estimates import estimate_line
from twin.calibration.needs import NEEDS
from twin.calibration.report import format_calibration
from twin.calibration.tag_map import load_tag_map, shipped_tag_maps
from twin.calibration.units import UnitError, convert
from twin.parameters import get_parameter_set
from twin.recorded_line import RecordedLine, empty_frame, read_recorded_line

DAYS = 3.0
FOREIGN_MAP = (files("twin.calibration") / "maps" / "foreign.toml").read_text(encoding="utf-8")


def _recorded(tmp_path_factory, naming: str) -> RecordedLine:
    cfg = SimConfig(profile="domestic", seed=5, step_s=30.0, naming=naming).validate()
    line = read_recorded_line(run_offline(cfg, DAYS, tmp_path_factory.mktemp(naming) / "run"))
    # Lots begun in the first minute are left out: a state change at the very start of an
    # estimate's window ties with the state in force then, and LineData.window orders the
    # two at random (the jet mill's rate flips between two values from run to run).
    early = pl.col("start") <= line.start + dt.timedelta(minutes=1)
    return replace(line, lots=line.lots.filter(early.is_null() | ~early))


@pytest.fixture(scope="module")
def native(tmp_path_factory) -> RecordedLine:
    """Three days of the simulator under the model's own names."""
    return _recorded(tmp_path_factory, "native")


@pytest.fixture(scope="module")
def foreign(tmp_path_factory) -> RecordedLine:
    """The same three days published under the simulator's foreign naming."""
    return _recorded(tmp_path_factory, "foreign")


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
    assert shipped_tag_maps() == ["foreign", "simulator"]


def test_a_plants_own_names_calibrate_as_the_simulators(native, foreign):
    """Other paths, RUN/IDLE/STOP/MAINT, kelvin, no oxygen: the foreign map gives the native
    estimates, reports the oxygen missing and the tags it does not name as unmatched."""
    reference = estimate_line(line_data(native)).to_dict()
    cal, report = calibrate_recorded(foreign, "foreign")
    figures = cal.estimates["figures"]
    assert set(reference["figures"]) - set(figures) == {"oxygen_ppm"}
    for name, fig in figures.items():
        want = reference["figures"][name]
        assert_allclose(
            [fig["value"], fig["sd"]], [want["value"], want["sd"]], rtol=1e-9, err_msg=name
        )
        assert fig["n"] == want["n"]
    assert cal.estimates["availability"] == reference["availability"]
    soak, native_soak = cal.estimates["furnace_soak_c"], reference["furnace_soak_c"]
    assert soak.keys() == native_soak.keys()
    assert_allclose(list(soak.values()), list(native_soak.values()), rtol=1e-12)
    [missing] = report.missing
    assert missing.need.name == "Line<n>.Sintering.JetMill<n>.OxygenContent"
    assert missing.lost == ("oxygen_ppm",) and missing.at_prior == ("oxygen_base_ppm",)
    assert "oxygen_base_ppm" not in cal.calibrated_names()
    assert "Plant/L1/SX/Settler1/ScrubAcid" in report.unmatched
    zones = native.readings.filter(pl.col("path").str.contains(r"Zone\d+Temperature$"))
    assert report.conversions == (f"K → °C: {zones['path'].n_unique()} tag(s)",)
    assert report.unknown_labels == report.assumed_units == ()
    text = format_calibration(cal, None, report)
    assert "no tag for Line<n>.Sintering.JetMill<n>.OxygenContent: calibration lacks" in text


def test_readings_convert_from_the_plants_unit_or_the_maps(native, tmp_path):
    """t/h and mT from the unit column or recorded_unit convert; no unit is the twin's."""
    plant = {  # twin path → plant path, plant unit, value in the plant's unit
        "Line1/Sintering/JetMill1/FeedRate": ("P/Mill1/Feed", "t/h", pl.col("value") / 1e3),
        "Line1/Sintering/Press1/AligningField": ("P/Press1/Field", None, pl.col("value") * 1e3),
        "Line1/Sintering/JetMill1/ParticleSize": ("P/Mill1/D50", None, pl.col("value")),
    }
    frames = [
        native.readings.filter(pl.col("path") == twin).with_columns(
            pl.lit(path).alias("path"), pl.lit(unit, pl.Utf8).alias("unit"), value.alias("value")
        )
        for twin, (path, unit, value) in plant.items()
    ]
    line = replace(native, readings=pl.concat(frames), states=empty_frame("states"))
    text = """\
        [[signal]]
        path = "P/Mill{n}/Feed"
        twin = "Line1.Sintering.JetMill{n}.FeedRate"
        [[signal]]
        path = "P/Press{n}/Field"
        twin = "Line1.Sintering.Press{n}.AligningField"
        recorded_unit = "mT"
        [[signal]]
        path = "P/Mill{n}/*"
        twin = "Line1.Sintering.JetMill{n}.ParticleSize"
        """
    data, report = apply_tag_map(line, load_tag_map(_map_file(tmp_path, text)))
    want = line_data(native).signals.filter(
        pl.col("tag").is_in([t.replace("/", ".") for t in plant])
    )
    got = data.signals.sort("tag", "time")
    assert_frame_equal(got, want.sort("tag", "time"), check_exact=False, rel_tol=1e-12)
    assert report.conversions == ("mT → T: 1 tag(s)", "t/h → kg/h: 1 tag(s)")
    assert report.assumed_units == ("Line1.Sintering.JetMill1.ParticleSize",)


def test_a_map_that_misses_the_lots_says_so(foreign, tmp_path):
    """Without magnetized lots calibration cannot run, and the error names the map's gap."""
    no_magnets = FOREIGN_MAP.replace('MAGNET = "magnetized"\n', "")
    with pytest.raises(
        CalibrationDataError, match=r"plant\.toml maps nothing to .*magnetized lots$"
    ):
        calibrate_recorded(foreign, _map_file(tmp_path, no_magnets))
    _, report = apply_tag_map(foreign, load_tag_map(_map_file(tmp_path, no_magnets)))
    assert report.unknown_labels[-1].startswith("lot kind 'MAGNET' on ")


def test_labels_and_units_the_twin_does_not_know_are_reported_or_refused(foreign, tmp_path):
    """An unmapped state label is listed; a unit that does not convert is one clear line."""
    partial = FOREIGN_MAP.replace('STOP = "down"\n', "")
    _, report = apply_tag_map(foreign, load_tag_map(_map_file(tmp_path, partial)))
    assert any(note.startswith("State 'STOP' on ") for note in report.unknown_labels)
    kilograms = pl.when(pl.col("path").str.contains("/TZ")).then(pl.lit("kg")).otherwise("unit")
    line = replace(foreign, readings=foreign.readings.with_columns(kilograms.alias("unit")))
    message = r"^foreign: signal\[5\] \(Plant/L1/Sinter/Kiln\d/TZ\d\): cannot convert 'kg' \(mass\)"
    with pytest.raises(TagMapError, match=message):
        apply_tag_map(line, get_tag_map("foreign"))


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
    with pytest.raises(TagMapError, match=r"one of foreign, simulator$"):
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
