"""``python -m ingest``: record OPC UA servers into the historian (``run``), list what a
configuration would record (``check``), trust a server certificate it refused (``trust``),
write what was recorded as the twin's recorded line (``export-line``), or calibrate the
twin to it (``calibrate``)."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
from pathlib import Path

from ingest.errors import IngestError
from runtime.commands import run_command
from runtime.logs import LOG_LEVELS
from runtime.pins import AsyncuaVersionError, check_asyncua_version
from store.errors import StoreError

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args, rest = parser.parse_known_args(argv)
    if rest and args.handler is not _calibrate:  # calibrate parses its own options
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    args.options = rest
    return run_command(args, _checked, (IngestError, StoreError, AsyncuaVersionError))


def _checked(args: argparse.Namespace) -> int:
    check_asyncua_version()
    return args.handler(args)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m ingest", description=__doc__)
    parser.add_argument("--log-level", default="INFO", choices=LOG_LEVELS)
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="record OPC UA servers into TimescaleDB")
    _add_source_options(run)
    run.add_argument("--metrics-port", type=int, help="Prometheus port (0: off; default 9464)")
    run.add_argument("--spool-dir", type=Path, help="where readings wait while the DB is away")
    run.set_defaults(handler=_run)

    check = commands.add_parser("check", help="list the nodes a config resolves, write nothing")
    _add_source_options(check)
    check.set_defaults(handler=_check)

    trust = commands.add_parser("trust", help="trust a refused server certificate, or list them")
    trust.add_argument("thumbprint", nargs="?", help="SHA-1 thumbprint (or a unique start of it)")
    trust.add_argument("--list", action="store_true", help="list trusted and rejected certificates")
    trust.add_argument("--pki-dir", type=Path, help="default: $MAGNETLINE_STATE_DIR/pki")
    trust.set_defaults(handler=_trust)

    export = commands.add_parser(
        "export-line", help="write what an endpoint recorded as a recorded line (twin's format)"
    )
    _add_window_options(export)
    export.add_argument("--out", type=Path, required=True, help="folder to write")
    export.set_defaults(handler=_export_line)

    # Its options are the twin's (twin.calibrate_command), parsed in its handler: importing
    # the twin costs every other command of this CLI half a second or more of start-up.
    calibrate = commands.add_parser(
        "calibrate",
        help="calibrate the twin to what an endpoint recorded, with a report",
        add_help=False,
    )
    calibrate.set_defaults(handler=_calibrate)

    return parser


def _add_window_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--start", type=_zoned_time, help="ISO time with zone; default: first")
    parser.add_argument("--end", type=_zoned_time, help="ISO time with zone; default: last")
    parser.add_argument("--endpoint", help="the tag.endpoint label; needed when several")
    parser.add_argument("--dsn", help="database; default MAGNETLINE_DSN, else the embedded one")


def _zoned_time(text: str) -> dt.datetime:
    try:
        time = dt.datetime.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO 8601 time") from exc
    if time.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} has no zone; add Z or +05:30")
    return time


def _add_source_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, help="TOML settings file")
    parser.add_argument(
        "--endpoint",
        action="append",
        metavar="URL",
        help="an opc.tcp:// URL to record (repeatable); replaces the file's list",
    )
    parser.add_argument("--namespace-uri", help="namespace to record on --endpoint URLs")
    parser.add_argument("--dsn", help="database; default MAGNETLINE_DSN, else the embedded one")


def _load_settings(args: argparse.Namespace):
    from ingest import settings

    overrides: dict[str, object] = {"dsn": args.dsn}
    if getattr(args, "metrics_port", None) is not None:
        overrides["metrics_port"] = args.metrics_port
    if getattr(args, "spool_dir", None) is not None:
        overrides["writer"] = {"spool_dir": args.spool_dir}
    if args.endpoint:
        extra = {"namespace_uri": args.namespace_uri} if args.namespace_uri else {}
        overrides["endpoint"] = [{"url": url, **extra} for url in args.endpoint]
    return settings.load(args.config, overrides)


def _run(args: argparse.Namespace) -> int:
    from ingest.service import run_service
    from store.cluster import resolve_dsn

    settings = _load_settings(args)
    asyncio.run(run_service(settings, settings.dsn or resolve_dsn()))
    return 0


def _check(args: argparse.Namespace) -> int:
    from ingest.check import check_endpoints

    settings = _load_settings(args)
    return asyncio.run(check_endpoints(settings))


def _trust(args: argparse.Namespace) -> int:
    from ingest.errors import ConfigError
    from ingest.opcua.trust import Pki, default_pki_dir, subject

    pki = Pki(args.pki_dir or default_pki_dir())
    if args.list:
        for state, folder in (("trusted", pki.trusted), ("rejected", pki.rejected)):
            for thumb, (cert, path) in pki.certificates(folder).items():
                until = f"{cert.not_valid_after_utc:%Y-%m-%d}"
                print(f"{state:8}  {thumb}  {subject(cert)}  valid until {until}  {path}")
        return 0
    if not args.thumbprint:
        raise ConfigError("trust: give a thumbprint, or --list")
    print(f"trusted: {pki.trust(args.thumbprint)}")
    return 0


def _export_line(args: argparse.Namespace) -> int:
    from ingest.recorded_line import historian_line
    from store.cluster import resolve_dsn
    from twin.recorded_line import write_recorded_line

    line = historian_line(args.dsn or resolve_dsn(), args.start, args.end, args.endpoint)
    folder = write_recorded_line(line, args.out)
    print(
        f"{folder}: {line.readings.height} readings, {line.states.height} state changes,"
        f" {line.lots.height} lots, {line.events.height} events"
        f" from {line.start.isoformat()} to {line.end.isoformat()} ({line.source})"
    )
    return 0


def _calibrate(args: argparse.Namespace) -> int:
    import json

    from ingest.recorded_line import historian_line
    from store.cluster import resolve_dsn
    from twin.calibrate_command import add_calibrate_options, calibrate_command
    from twin.errors import TwinError

    parser = argparse.ArgumentParser(
        prog="python -m ingest calibrate",
        description="Calibrate the twin to what an endpoint recorded (its recorded line).",
    )
    _add_window_options(parser)
    add_calibrate_options(parser)
    options = parser.parse_args(args.options)
    line = historian_line(options.dsn or resolve_dsn(), options.start, options.end,
                          options.endpoint)  # fmt: skip
    try:
        output = calibrate_command(line, options)
    except TwinError as exc:
        raise IngestError(f"calibration: {exc}") from exc
    print(json.dumps(output, allow_nan=False) if options.json else output)
    return 0
