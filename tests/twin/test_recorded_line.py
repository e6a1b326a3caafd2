"""The recorded line format: written and read back exactly; anything else refused in one line."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from twin.calibration.data import line_data
from twin.recorded_line import (
    FORMAT,
    RecordedLine,
    RecordedLineError,
    empty_frame,
    read_recorded_line,
    write_recorded_line,
)

T0 = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
S = dt.timedelta(seconds=1)


def _line() -> RecordedLine:
    readings = pl.DataFrame({
        "time": [T0, T0 + S, T0 + 2 * S],
        "path": ["Line1/Sintering/Furnace1/Zone1Temperature"] * 3,
        "unit": ["°C"] * 3,
        "value": [1050.0, 9999.0, float("nan")],
        "status": [0, 0x80320000, 0],
    })  # fmt: skip
    states = pl.DataFrame({"time": [T0], "path": ["Line1/Sintering/Furnace1/State"],
                           "value": ["running"]})  # fmt: skip
    lots = pl.DataFrame({
        "lot_id": ["L1-FL-1"], "kind": ["furnace_load"], "stage": ["Sintering"],
        "equipment": ["Furnace1"], "parents": [["L1-AL-2", "L1-AL-1"]], "start": [T0],
        "end": [T0 + 2 * S], "mass_in_kg": [400.0], "mass_out_kg": [390.0], "parts": [1200],
        "properties": [json.dumps({"density_g_cm3": 7.55})],
    })  # fmt: skip
    return RecordedLine(readings, states, lots, empty_frame("events"), T0, T0 + 3 * S, "test")


def test_a_line_round_trips_through_its_folder(tmp_path: Path) -> None:
    written = write_recorded_line(_line(), tmp_path)
    header = json.loads((written / "line.json").read_text())
    assert header["format"] == FORMAT
    back = read_recorded_line(tmp_path)
    for name, frame in _line().frames().items():
        assert_frame_equal(back.frames()[name], frame, check_dtypes=False)
    assert back.readings.schema["status"] == pl.UInt32
    assert (back.start, back.end, back.source) == (T0, T0 + 3 * S, "test")


def test_the_twin_uses_good_values_only_and_names_tags_by_dotted_path(tmp_path: Path) -> None:
    data = line_data(read_recorded_line(write_recorded_line(_line(), tmp_path)))
    assert data.signals["tag"].unique().to_list() == ["Line1.Sintering.Furnace1.Zone1Temperature"]
    assert data.signals["value"].to_list() == [1050.0, None, None]  # Bad and NaN: no value
    assert data.texts["tag"].to_list() == ["Line1.Sintering.Furnace1.State"]


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda f: (f / "line.json").unlink(), "no line.json"),
        (lambda f: (f / "lots.parquet").unlink(), "lots.parquet is missing"),
        (lambda f: (f / "line.json").write_text('{"format": "other/9"}'), "format 'other/9'"),
        (lambda f: (f / "states.parquet").write_bytes(b"not parquet"), "not a readable Parquet"),
        (
            lambda f: pl.DataFrame({"time": [T0]}).write_parquet(f / "states.parquet"),
            "states lacks column(s) path, value",
        ),
    ],
)
def test_anything_else_is_one_clear_error(tmp_path: Path, damage, message: str) -> None:
    write_recorded_line(_line(), tmp_path)
    damage(tmp_path)
    with pytest.raises(RecordedLineError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_recorded_line(tmp_path)
