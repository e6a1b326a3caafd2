"""The ``calibrate`` command, once for both command lines that offer it.

``python -m twin calibrate DIR`` calibrates a recorded line from a folder, ``python -m
ingest calibrate`` one read from the historian; both add these options to their parser and
hand the recorded line to :func:`calibrate_command`, which names it through the tag map,
calibrates, writes the calibration file, forecasts, draws the report if asked and returns
the answer, with what the map left unmatched or missing.
"""

from __future__ import annotations

import argparse
import sys
from datetime import timedelta
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from twin.recorded_line import RecordedLine

__all__ = ["add_calibrate_options", "calibrate_command"]

DEFAULT_HORIZON_DAYS = 30
DEFAULT_SAMPLES = 1000


def _positive(kind: type) -> object:
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not value > 0:
            raise argparse.ArgumentTypeError(f"must be > 0, got {text}")
        return value

    return parse


def add_calibrate_options(parser: argparse.ArgumentParser) -> None:
    """The options of a calibration run, for either command line."""
    parser.add_argument(
        "--first-days", type=_positive(float), help="calibrate on the first N days of the data"
    )
    parser.add_argument(
        "--map", default="simulator", metavar="FILE",
        help="tag map naming the line's tags for the twin (twin/TAG_MAP.md): a TOML file or"
        " a shipped map's name (default simulator)",
    )  # fmt: skip
    parser.add_argument("--grade", help="target grade (default: inferred from the lots)")
    parser.add_argument("--out", required=True, metavar="FILE.json", help="where to write it")
    parser.add_argument("--plot", metavar="FILE.png", help="write the calibration report as a PNG")
    parser.add_argument(
        "--horizon-days", type=_positive(int), default=DEFAULT_HORIZON_DAYS,
        help=f"forecast shown in the report (default {DEFAULT_HORIZON_DAYS})",
    )  # fmt: skip
    parser.add_argument(
        "--samples", type=_positive(int), default=DEFAULT_SAMPLES,
        help=f"forecast samples (default {DEFAULT_SAMPLES})",
    )  # fmt: skip
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def calibrate_command(recorded: RecordedLine, args: argparse.Namespace) -> dict | str:
    """Calibrate ``recorded`` as ``args`` say; the JSON-ready answer or the text report."""
    # Here, not at the top: both command lines build their parsers from this module, and
    # calibration's imports cost every other command a second of start-up.
    from twin.calibration.calibration import calibrate_recorded
    from twin.calibration.forecast import forecast
    from twin.calibration.mapping import apply_tag_map
    from twin.calibration.report import format_calibration, plot_calibration
    from twin.calibration.tag_map import get_tag_map

    if args.first_days is not None:
        cut = recorded.start + timedelta(days=args.first_days)
        recorded = recorded.until(cut) if cut < recorded.end else recorded
    cal, report = calibrate_recorded(recorded, args.map, args.grade)
    cal.save(args.out)
    fc = forecast(cal, args.horizon_days, np.random.default_rng(args.seed), args.samples)
    if args.plot:
        data, _ = apply_tag_map(recorded, get_tag_map(args.map))
        plot_calibration(cal, data, fc, args.plot)
    print(f"calibration written to {args.out}", file=sys.stderr)
    if args.json:
        return {"calibration": cal.to_dict(), "forecast": fc.to_dict(), "tag_map": report.to_dict()}
    return format_calibration(cal, fc, report)
