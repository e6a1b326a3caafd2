"""The historian's recorded line against a real recording: the simulator over OPC UA, the
ingest service, TimescaleDB; what the twin reads of it must be what the simulator published,
whether exported to a folder (`python -m ingest export-line`) or handed over in memory."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from ingest.cli import main as ingest_main
from ingest.recorded_line import historian_line
from store.errors import DatabaseSetupError, LineExportError
from tests.recorded_line import Recording, count, published_history, recorded_line
from twin.calibration import LineData
from twin.calibration.data import line_data
from twin.recorded_line import SCHEMAS, read_recorded_line

_GOOD_BELOW = 0x40000000
_TIME = pl.Datetime("us", "UTC")


@pytest.fixture(scope="module")
def recording(tmp_path_factory, module_db_dsn: str) -> Iterator[Recording]:
    """About half a simulated day recorded (the first furnace loads finish at ~12 h)."""
    furnace_loads = "SELECT count(*) FROM lot WHERE properties->>'kind' = 'furnace_load'"
    with recorded_line(
        tmp_path_factory.mktemp("line"), module_db_dsn, speed=3600, step_s=60,
        until=lambda: count(module_db_dsn, furnace_loads) >= 2,
    ) as rec:  # fmt: skip
        yield rec


def load_database(dsn: str, start=None, end=None, endpoint=None) -> LineData:
    """What the twin makes of the historian's recorded line."""
    return line_data(historian_line(dsn, start, end, endpoint))


@pytest.fixture(scope="module")
def loaded(recording: Recording) -> LineData:
    return load_database(recording.dsn)


def test_export_line_writes_what_the_twin_reads(loaded, recording, tmp_path, capsys) -> None:
    """The folder `export-line` writes reads back as the same line, units and all."""
    assert ingest_main(["export-line", "--dsn", recording.dsn, "--out", str(tmp_path)]) == 0
    assert "lots" in capsys.readouterr().out
    recorded = read_recorded_line(tmp_path)
    from_folder = line_data(recorded)
    for name in ("signals", "texts", "lots"):
        assert_frame_equal(getattr(from_folder, name), getattr(loaded, name))
    units = dict(recorded.readings.select("path", "unit").unique().iter_rows())
    assert units["Line1/Sintering/Furnace1/Zone1Temperature"] == "°C"
    assert recorded.events.height > 0 and recorded.source.startswith("historian ")


def _published_signals(history_file: Path) -> pl.DataFrame:
    numeric, _ = published_history(history_file)
    rows = [(t, tag, v, s) for tag, series in numeric.items() for t, v, s in series]
    frame = pl.DataFrame(rows, schema=["time_us", "tag", "value", "status"], orient="row")
    return frame.select(
        pl.from_epoch("time_us", "us").dt.replace_time_zone("UTC").alias("time"),
        "tag",
        pl.when(pl.col("status") < _GOOD_BELOW).then(pl.col("value").fill_nan(None)).alias("value"),
        pl.col("status").cast(pl.Int64),
    )


def _recorded_span(signals: pl.DataFrame) -> tuple[dt.datetime, dt.datetime]:
    """Where every tag was recorded: after the last tag's first value (the recorder
    connected after the simulator started) and before the first tag's last one (it
    stopped first)."""
    spans = signals.group_by("tag").agg(pl.col("time").min().alias("a"), pl.col("time").max())
    return spans["a"].max(), spans["time"].min()


def _between(frame: pl.DataFrame, lo: dt.datetime, hi: dt.datetime, closed="both"):
    return frame.filter(pl.col("time").is_between(lo, hi, closed)).sort("time", "tag")


def test_signals_are_what_the_simulator_published(loaded, recording) -> None:
    """Every numeric tag, time, value and status the simulator published while the
    recorder ran is read back exactly (Bad values null, as in a run folder)."""
    lo, hi = _recorded_span(loaded.signals)
    published = _published_signals(recording.history_file)
    assert hi - lo > dt.timedelta(hours=6)
    assert loaded.signals.schema == published.schema
    assert set(loaded.signals["tag"]) == set(published["tag"])
    assert_frame_equal(_between(loaded.signals, lo, hi), _between(published, lo, hi))


def test_texts_are_the_published_changes(loaded, recording) -> None:
    """State, phase, lot ids and lot records (strings) and booleans as "True"/"False" are
    the changes the simulator published, named by their dotted path."""
    lo, hi = _recorded_span(loaded.signals)
    _, texts = published_history(recording.history_file)
    rows = [(t, tag, str(v)) for tag, series in texts.items() for t, v in series]
    published = pl.DataFrame(rows, schema=["time_us", "tag", "value"], orient="row").select(
        pl.from_epoch("time_us", "us").dt.replace_time_zone("UTC").alias("time"), "tag", "value"
    )
    # after lo: at the window's start stand the values in force then, not changes
    recorded = _between(loaded.texts, lo, hi, "right")
    assert recorded.height > 0
    assert {"Line1.Sintering.Furnace1.State", "Line1.Magnetization.Magnetizer1.PartPass"} <= set(
        loaded.texts["tag"]
    )
    assert_frame_equal(recorded, _between(published, lo, hi, "right"))


def test_lots_are_the_published_records(loaded, recording) -> None:
    """Lots read back with kind, parts and measured properties as the plant published them
    (the simulator's own log of published records is the reference)."""
    lines = (recording.run_folder / "lots.jsonl").read_text().splitlines()
    records = [json.loads(line) for line in lines]
    for record in records:
        record.pop("true")
        record["parents"] = sorted(record["parents"])  # the historian keeps them as a set
    published = lots_frame(records).filter(pl.col("lot_id").is_in(loaded.lots["lot_id"].to_list()))
    assert loaded.lots.filter(pl.col("kind") == "furnace_load").height >= 2
    assert published.height == loaded.lots.height
    recorded = loaded.lots.with_columns(pl.col("properties").map_elements(_canonical, pl.Utf8))
    expected = published.with_columns(pl.col("properties").map_elements(_canonical, pl.Utf8))
    assert_frame_equal(recorded.sort("lot_id"), expected.sort("lot_id"))


def lots_frame(records: list[dict]) -> pl.DataFrame:
    """The simulator's published lot records (times in Unix seconds) as the lots frame."""
    utc = lambda s: dt.datetime.fromtimestamp(s, tz=dt.UTC) if s is not None else None  # noqa: E731
    rows = [
        (r["lot_id"], r.get("kind") or "", r.get("stage") or "", r.get("equipment") or "",
         list(r.get("parents") or []), utc(r.get("start_s")), utc(r["end_s"]),
         r.get("mass_in_kg"), r.get("mass_out_kg"), int(r.get("parts") or 0),
         json.dumps(r.get("properties") or {}))
        for r in records
    ]  # fmt: skip
    return pl.DataFrame(rows, schema=SCHEMAS["lots"], orient="row")


def _canonical(text: str) -> str:
    return json.dumps(json.loads(text), sort_keys=True)


def test_default_window_is_everything_recorded(loaded, recording) -> None:
    """Without start and end the window runs from the first to just past the last numeric
    reading; a wider window asked for is clamped to the same."""
    times = loaded.signals["time"]
    assert loaded.start == times.min()
    assert loaded.end == times.max() + dt.timedelta(microseconds=1)
    wide = load_database(recording.dsn, loaded.start - dt.timedelta(days=9),
                         loaded.end + dt.timedelta(days=9))  # fmt: skip
    assert (wide.start, wide.end) == (loaded.start, loaded.end)


def test_a_window_keeps_its_readings_and_the_states_in_force(loaded, recording) -> None:
    """A later window holds only its readings and lots, and starts with each text tag's
    value in force at its start."""
    start = loaded.start + dt.timedelta(hours=3)
    end = loaded.end - dt.timedelta(hours=1)
    part = load_database(recording.dsn, start, end)
    expected = loaded.window(start, end)
    assert (part.start, part.end) == (start, end)
    assert_frame_equal(part.signals, expected.signals)
    assert_frame_equal(part.texts, expected.texts)
    assert_frame_equal(part.lots, expected.lots)
    assert part.texts.filter(pl.col("time") == start).height > 0


def test_an_empty_database_is_a_clear_error(db_dsn: str) -> None:
    """A historian that recorded nothing says so."""
    with pytest.raises(LineExportError, match="no tags"):
        load_database(db_dsn)


def test_an_unknown_endpoint_names_the_known_ones(loaded, recording) -> None:
    """Asking for an endpoint the historian never recorded lists those it did."""
    with pytest.raises(LineExportError, match=r"opc\.tcp://127\.0\.0\.1"):
        load_database(recording.dsn, endpoint="line-9")


def test_an_unreachable_database_is_a_clear_error(tmp_path) -> None:
    """A database that cannot be reached is the store's own error, not a driver error."""
    with pytest.raises(DatabaseSetupError, match="cannot read"):
        load_database(f"postgresql:///nothing?host={tmp_path}&port=1")


def test_calibrate_on_too_little_data_is_one_line(recording, tmp_path, capsys) -> None:
    """Half a day holds no magnetized lot: `python -m ingest calibrate` says so in one line
    and writes nothing (a long enough recording: tests/ingest/jobs/test_forecast.py)."""
    out = tmp_path / "cal.json"
    assert ingest_main(["calibrate", "--dsn", recording.dsn, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "calibration needs finished furnace loads" in err
    assert not out.exists()
