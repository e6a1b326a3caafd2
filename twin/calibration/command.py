"""The ``calibrate`` command, once for both command lines that offer it.

``python -m twin calibrate RUN_DIR`` calibrates a recorded line from a folder, ``python -m
ingest calibrate`` one read from the historian; both add these options to their parser and
hand the line's calibration frames to :func:`calibrate_command`, which calibrates, writes
the calibration file, forecasts, draws the report if asked and returns the answer.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

from twin.calibration.calibration import calibrate
from twin.calibration.data import LineData
from twin.calibration.forecast import forecast
from twin.calibration.report import format_calibration, plot_calibration

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


def calibrate_command(data: LineData, args: argparse.Namespace) -> dict | str:
    """Calibrate ``data`` as ``args`` say; the JSON-ready answer or the text report."""
    if args.first_days is not None and args.first_days < data.days:
        data = data.split(args.first_days)[0]
    cal = calibrate(data, args.grade)
    cal.save(args.out)
    fc = forecast(cal, args.horizon_days, np.random.default_rng(args.seed), args.samples)
    if args.plot:
        plot_calibration(cal, data, fc, args.plot)
    print(f"calibration written to {args.out}", file=sys.stderr)
    if args.json:
        return {"calibration": cal.to_dict(), "forecast": fc.to_dict()}
    return format_calibration(cal, fc)
