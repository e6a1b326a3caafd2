"""Arguments of ``python -m twin``: the parser and its value types.

Each type raises :class:`argparse.ArgumentTypeError`, which argparse turns into a one-line
error and exit status 2.
"""

import argparse

from twin.calibrate_command import add_calibrate_options
from twin.compare import DEFAULT_REPLICATIONS
from twin.result import METRICS
from twin.simulation import DEFAULT_SAMPLES

__all__ = ["build_parser"]


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _positive_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value


def _number(text):
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None


def _assignment(text):
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    return name.strip(), value.strip()


def _stop(text):
    start, sep, days = text.partition(":")
    try:
        return int(start), int(days) if sep else 90
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected START_DAY[:DAYS], got {text!r}") from None


def _ramp(text):
    points = []
    for part in text.split(","):
        day, sep, factor = part.partition(":")
        try:
            points.append((int(day), float(factor)))
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected DAY:FACTOR[,DAY:FACTOR...], got {text!r}"
            ) from None
        if not sep or points[-1][1] < 0 or points[-1][0] < 0:
            raise argparse.ArgumentTypeError(f"expected DAY:FACTOR with both ≥ 0, got {part!r}")
    return tuple(points)


def _common(p):
    p.add_argument(
        "--samples",
        type=_positive_int,
        default=DEFAULT_SAMPLES,
        help=f"Monte Carlo samples (default {DEFAULT_SAMPLES})",
    )
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument(
        "--horizon-days",
        type=_positive_int,
        default=365,
        help="simulated days, 1 to 3650 (default 365)",
    )
    p.add_argument(
        "--oxide-t-per-yr",
        type=_positive_float,
        default=500.0,
        help="NdPr oxide fed [t/yr] (default 500)",
    )
    p.add_argument(
        "--partner",
        choices=("japan", "korea"),
        default="japan",
        help="tolling partner (default japan)",
    )
    p.add_argument("--grade", default="N42", help="target grade, e.g. N42 or N45SH")
    p.add_argument(
        "--capacity-ramp",
        type=_ramp,
        default=(),
        metavar="DAY:FACTOR,...",
        help="scale nameplate capacity over time, e.g. 0:1,1095:2 (a second plant in year 3)",
    )
    p.add_argument(
        "--mature",
        action="store_true",
        help="start the domestic line at mature yields (no learning, no ramp)",
    )
    p.add_argument(
        "--set",
        dest="overrides",
        type=_assignment,
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="fix a parameter or scenario field (repeatable)",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--plot", metavar="FILE.png", help="write a PNG of the distributions")
    p.add_argument("-v", "--verbose", action="store_true", help="log progress")
    _what_ifs(p.add_argument_group("what-ifs (each must act on a route simulated)"))


def _what_ifs(g):
    g.add_argument(
        "--shipping-delay-days",
        type=_number,
        default=0.0,
        metavar="DAYS",
        help="extra handling and customs on each leg, out and back, 0 to 365 [d] (tolled)",
    )
    g.add_argument(
        "--export-stop",
        type=_stop,
        metavar="START[:DAYS]",
        help="force an export stop at the partner from day START (default 90 d) (tolled)",
    )
    g.add_argument(
        "--added-sintering-t-per-yr",
        type=_number,
        default=0.0,
        metavar="T",
        help="a furnace added: sintering capacity of the domestic line [t blocks/yr] or of "
        "the partner's conversion [t oxide/yr], 0 to 100000",
    )


def _route(p):
    p.add_argument(
        "--route",
        choices=("domestic", "tolled"),
        default="domestic",
        help="domestic line in India, or tolled through a partner (default domestic)",
    )


def build_parser():
    """The argument parser (exposed for tests and docs)."""
    parser = argparse.ArgumentParser(
        prog="python -m twin",
        description=(
            "Digital twin of NdFeB magnet production: what each route delivers, as distributions."
        ),
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    p = sub.add_parser("predict", help="one route's throughput and quality (P10/P50/P90)")
    _route(p)
    _common(p)
    p.add_argument(
        "--calibrated",
        metavar="FILE",
        help="forecast the recorded line from a calibration file (python -m twin calibrate); "
        "--route, --set and the scenario options do not apply",
    )
    p = sub.add_parser("compare", help="both routes side by side, with a ranked tornado")
    _common(p)
    p.add_argument(
        "--metric",
        choices=sorted(METRICS),
        default="finished_t_per_yr",
        help="tornado metric (default finished_t_per_yr)",
    )
    p.add_argument(
        "--replications",
        type=_positive_int,
        default=DEFAULT_REPLICATIONS,
        help="repeats of each tornado case",
    )
    p.add_argument("--top", type=_positive_int, default=12, help="tornado rows shown")
    p = sub.add_parser("sweep", help="a grid of what-ifs, with a progress bar")
    _route(p)
    _common(p)
    p.add_argument(
        "--grid",
        type=_assignment,
        action="append",
        default=[],
        metavar="NAME=V1,V2,...",
        help="values to sweep (repeatable: a full grid)",
    )
    p.add_argument(
        "--metric",
        choices=sorted(METRICS),
        default="finished_t_per_yr",
        help="metric tabulated and plotted (default finished_t_per_yr)",
    )
    p = sub.add_parser(
        "calibrate", help="estimate the line's parameters from a recorded line, with a report"
    )
    p.add_argument(
        "line",
        metavar="DIR",
        help="a recorded line (twin/RECORDED_LINE.md): python -m ingest export-line or"
        " python -m simulators run; from the historian directly: python -m ingest calibrate",
    )
    add_calibrate_options(p)
    p.add_argument("-v", "--verbose", action="store_true", help="log progress")
    p = sub.add_parser("parameters", help="a route's parameters: value, P10, P90, unit, source")
    _route(p)
    p.add_argument("--partner", choices=("japan", "korea"), default="japan")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    return parser
