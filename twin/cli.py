"""Command line: ``python -m twin predict | compare | sweep | calibrate | parameters``.

Text by default, ``--json`` for machines, ``--plot FILE.png`` for people. Bad arguments end
in a one-line error and exit status 2, never a traceback. Examples::

    python -m twin predict --route domestic
    python -m twin predict --route tolled --partner korea --json
    python -m twin predict --route tolled --export-stop 120:90 --plot stop.png
    python -m twin compare --shipping-delay-days 10 --added-sintering-t-per-yr 300
    python -m twin compare --horizon-days 2555 --metric cost_usd_per_kg --plot routes.png
    python -m twin sweep --grid sinter_temp_c=1040,1060,1080,1100 --grid particle_size_um=3,4 \\
        --metric hcj_ka_per_m --plot sweep.png
    python -m twin predict --set dy_wt_fraction=0.03 --grade N42SH
    python -m twin parameters --route tolled
    python -m twin calibrate runs/20260101T000000-run-domestic-seed42 --first-days 10 \\
        --out line.json --plot line.png
    python -m twin predict --calibrated line.json --horizon-days 20
"""

import json
import logging
import sys
import time

import numpy as np

from twin.arguments import build_parser
from twin.compare import compare_routes
from twin.errors import TwinError
from twin.parameters import route_parameter_set
from twin.planning import plan
from twin.report import format_comparison, format_parameters, format_result
from twin.simulation import simulate
from twin.sweep import format_sweep, parse_grid, run_sweep
from twin.what_if import WhatIf

__all__ = ["main"]

logger = logging.getLogger(__name__)


def _what_if(args):
    start, days = args.export_stop or (None, 0)
    return WhatIf(
        shipping_delay_days=args.shipping_delay_days,
        added_sintering_t_per_yr=args.added_sintering_t_per_yr,
        export_stop_start_day=start,
        export_stop_days=days,
    )


def _plan(args, routes):
    scenario = {
        "horizon_days": args.horizon_days,
        "oxide_t_per_yr": args.oxide_t_per_yr,
        "target_grade": args.grade,
        "mature": args.mature,
        "capacity_ramp": args.capacity_ramp,
    }
    return plan(routes, args.partner, scenario, args.overrides, _what_if(args))


def _predict(args):
    if args.calibrated:
        return _predict_calibrated(args)
    p = _plan(args, [args.route])
    result = simulate(p.params[0], p.scenario, np.random.default_rng(args.seed), args.samples)
    if args.plot:
        from twin.plotting import plot_result

        plot_result(result, args.plot)
    return result.to_dict() if args.json else format_result(result)


def _predict_calibrated(args):
    from twin.calibration import forecast, load_calibration
    from twin.calibration.report import format_calibration

    if args.overrides:
        raise TwinError("--set does not apply to --calibrated: recalibrate instead")
    if _what_if(args) != WhatIf():
        raise TwinError("what-ifs do not apply to --calibrated yet: predict a route instead")
    cal = load_calibration(args.calibrated)
    fc = forecast(cal, args.horizon_days, np.random.default_rng(args.seed), args.samples)
    if args.json:
        return {"calibration": args.calibrated, "grade": cal.grade, **fc.to_dict()}
    return format_calibration(cal, fc)


def _calibrate(args):
    from twin.calibrate_command import calibrate_command
    from twin.recorded_line import read_recorded_line

    return calibrate_command(read_recorded_line(args.line), args)


def _compare(args):
    p = _plan(args, ["domestic", "tolled"])
    comparison = compare_routes(
        *p.params,
        p.scenario,
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
    p = _plan(args, [args.route])
    sweep = run_sweep(
        p.params[0],
        p.scenario,
        p.checked_grid(parse_grid(args.grid)),
        np.random.default_rng(args.seed),
        args.samples,
        progress=not args.json,
    )
    if args.plot:
        from twin.plotting import plot_sweep

        plot_sweep(sweep, args.metric, args.plot)
    return sweep.to_dict() if args.json else format_sweep(sweep, args.metric)


def _parameters(args):
    params = route_parameter_set(args.route, args.partner)
    return params.to_dict() if args.json else format_parameters(params)


_COMMANDS = {
    "predict": _predict,
    "compare": _compare,
    "sweep": _sweep,
    "parameters": _parameters,
    "calibrate": _calibrate,
}


def main(argv=None):
    """Run the command line; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if getattr(args, "verbose", False) else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    started = time.perf_counter()
    try:
        output = _COMMANDS[args.command](args)
    except TwinError as exc:
        parser.error(str(exc))
    logger.info("%s done in %.2f s", args.command, time.perf_counter() - started)
    if args.json:
        json.dump(output, sys.stdout, allow_nan=False)
        sys.stdout.write("\n")
    else:
        print(output)
    if getattr(args, "plot", None):
        print(f"plot written to {args.plot}", file=sys.stderr)
    return 0
