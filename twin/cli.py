"""Command line: ``python -m twin predict | compare | sweep``.

Text by default, ``--json`` for machines, ``--plot FILE.png`` for people. Bad arguments end
in a one-line error and exit status 2, never a traceback.
"""

import argparse
import dataclasses
import json
import logging
import sys

import numpy as np

from twin.compare import DEFAULT_REPLICATIONS, compare_routes
from twin.errors import TwinError
from twin.parameters import get_parameter_set
from twin.report import format_comparison, format_result
from twin.result import METRICS
from twin.scenario import Scenario
from twin.simulation import DEFAULT_SAMPLES, simulate
from twin.sweep import format_sweep, parse_grid, run_sweep

__all__ = ["main"]

logger = logging.getLogger(__name__)

_SCENARIO_FIELDS = {f.name: f.type for f in dataclasses.fields(Scenario)}


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
        "--export-stop",
        type=_stop,
        metavar="START[:DAYS]",
        help="force an export stop at the partner from day START (default 90 d)",
    )
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
    p.add_argument("--route", choices=("domestic", "tolled"), default="domestic")
    _common(p)
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
    p.add_argument("--route", choices=("domestic", "tolled"), default="domestic")
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
    return parser


def _param_set(route, partner):
    return get_parameter_set("domestic" if route == "domestic" else f"tolled-{partner}")


def split_overrides(pairs):
    """Split NAME=VALUE pairs into scenario fields and parameter values."""
    scenario, params = {}, {}
    for name, value in pairs:
        if name in _SCENARIO_FIELDS and name != "capacity_ramp":
            scenario[name] = value
        else:
            params[name] = value
    return scenario, params


def _coerce_scenario(fields):
    out = {}
    for name, value in fields.items():
        kind = _SCENARIO_FIELDS[name]
        try:
            if kind in ("bool", bool):
                out[name] = value.lower() in ("1", "true", "yes")
            elif "int" in str(kind):
                out[name] = None if value.lower() == "none" else int(value)
            elif "float" in str(kind):
                out[name] = float(value)
            else:
                out[name] = value
        except ValueError:
            raise TwinError(f"{name} must be a number, got {value!r}") from None
    return out


def _scenario(args, extra):
    fields = {
        "horizon_days": args.horizon_days,
        "oxide_t_per_yr": args.oxide_t_per_yr,
        "target_grade": args.grade,
        "mature": args.mature,
        "capacity_ramp": args.capacity_ramp,
    }
    if args.export_stop is not None:
        fields["export_stop_start_day"], fields["export_stop_days"] = args.export_stop
    fields.update(_coerce_scenario(extra))
    return Scenario(**fields)


def _with_overrides(params, values):
    known = {k: v for k, v in values.items() if k in params}
    return params.with_values(known) if known else params


def _check_overrides(values, *param_sets):
    for name in values:
        if not any(name in p for p in param_sets):
            param_sets[0][name]  # raises ParameterError with close matches


def _predict(args):
    scen_fields, values = split_overrides(args.overrides)
    params = _param_set(args.route, args.partner)
    _check_overrides(values, params)
    scenario = _scenario(args, scen_fields)
    result = simulate(
        _with_overrides(params, values), scenario, np.random.default_rng(args.seed), args.samples
    )
    if args.plot:
        from twin.plotting import plot_result

        plot_result(result, args.plot)
    return result.to_dict() if args.json else format_result(result)


def _compare(args):
    scen_fields, values = split_overrides(args.overrides)
    a, b = _param_set("domestic", args.partner), _param_set("tolled", args.partner)
    _check_overrides(values, a, b)
    scenario = _scenario(args, scen_fields)
    comparison = compare_routes(
        _with_overrides(a, values),
        _with_overrides(b, values),
        scenario,
        np.random.default_rng(args.seed),
        args.samples,
        args.metric,
        args.replications,
    )
    if args.plot:
        from twin.plotting import plot_comparison

        plot_comparison(comparison, args.plot)
    return comparison.to_dict() if args.json else format_comparison(comparison, args.top)


def _sweep(args):
    scen_fields, values = split_overrides(args.overrides)
    params = _param_set(args.route, args.partner)
    grid = parse_grid(args.grid)
    _check_overrides({**values, **{k: 0 for k in grid if k not in _SCENARIO_FIELDS}}, params)
    scenario = _scenario(args, scen_fields)
    sweep = run_sweep(
        _with_overrides(params, values),
        scenario,
        grid,
        np.random.default_rng(args.seed),
        args.samples,
        progress=not args.json,
    )
    if args.plot:
        from twin.plotting import plot_sweep

        plot_sweep(sweep, args.metric, args.plot)
    return sweep.to_dict() if args.json else format_sweep(sweep, args.metric)


_COMMANDS = {"predict": _predict, "compare": _compare, "sweep": _sweep}


def main(argv=None):
    """Run the command line; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        output = _COMMANDS[args.command](args)
    except TwinError as exc:
        parser.error(str(exc))
    if args.json:
        json.dump(output, sys.stdout, allow_nan=False)
        sys.stdout.write("\n")
    else:
        print(output)
    if args.plot:
        print(f"plot written to {args.plot}", file=sys.stderr)
    return 0
