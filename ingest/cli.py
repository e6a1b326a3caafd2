"""``python -m ingest``: run the collector, check a server, serve the API, manage API keys and
the database."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path

from ingest.errors import IngestError
from ingest.key_admin import add_keys_parser

__all__ = ["main"]

logger = logging.getLogger("ingest")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    _configure_logging(args.log_level)
    try:
        return args.handler(args)
    except IngestError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _configure_logging(level: str) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # asyncua logs every publish response in full at INFO, and psycopg's pool every failed
    # reconnect while the database is away: the service says the same once, in its words.
    quieter = {"asyncua": logging.WARNING, "psycopg.pool": logging.ERROR, "psycopg": logging.ERROR}
    for name, floor in quieter.items():
        logging.getLogger(name).setLevel(max(floor, logging.getLevelName(level)))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m ingest", description=__doc__)
    parser.add_argument(
        "--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"]
    )
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="record OPC UA servers into TimescaleDB")
    _add_source_options(run)
    run.add_argument("--metrics-port", type=int, help="Prometheus port (0: off; default 9464)")
    run.add_argument("--spool-dir", type=Path, help="where readings wait while the DB is away")
    run.set_defaults(handler=_run)

    check = commands.add_parser("check", help="list the nodes a config resolves, write nothing")
    _add_source_options(check)
    check.set_defaults(handler=_check)

    api = commands.add_parser("api", help="serve the HTTP API under uvicorn")
    api.add_argument("--host", help="default: MAGNETLINE_API_HOST or 127.0.0.1")
    api.add_argument("--port", type=int, help="default: MAGNETLINE_API_PORT or 8000")
    api.add_argument("--dsn", help="database; default MAGNETLINE_DSN, else the embedded one")
    api.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    api.set_defaults(handler=_api)

    add_keys_parser(commands)

    db = commands.add_parser("db", help="the embedded database: start, stop, dsn, migrate")
    db.add_argument("action", choices=["start", "stop", "dsn", "migrate"])
    db.set_defaults(handler=_db)
    return parser


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
    from ingest.embedded_db import resolve_dsn
    from ingest.service import run_service

    settings = _load_settings(args)
    asyncio.run(run_service(settings, settings.dsn or resolve_dsn()))
    return 0


def _check(args: argparse.Namespace) -> int:
    from ingest.check import check_endpoints

    settings = _load_settings(args)
    return asyncio.run(check_endpoints(settings))


def _api(args: argparse.Namespace) -> int:
    from ingest.api.settings import ApiSettings
    from ingest.api.workers import serve
    from ingest.embedded_db import resolve_dsn
    from ingest.migrate import apply_migrations

    overrides = {
        k: v for k, v in {"host": args.host, "port": args.port, "dsn": args.dsn}.items() if v
    }
    settings = ApiSettings(**overrides)
    dsn = settings.dsn or resolve_dsn()
    apply_migrations(dsn)
    serve(settings, dsn, args.workers)
    return 0


def _db(args: argparse.Namespace) -> int:
    from ingest.embedded_db import EmbeddedCluster, default_state_dir, resolve_dsn
    from ingest.migrate import apply_migrations

    if args.action == "stop":
        EmbeddedCluster(default_state_dir()).stop()
        return 0
    dsn = resolve_dsn()
    if args.action == "migrate":
        applied = apply_migrations(dsn)
        logger.info("applied migrations: %s", applied or "none (up to date)")
    if args.action in ("start", "dsn"):
        print(dsn)
    return 0
