"""``python -m api``: serve the HTTP API; ``python -m api keys create | list | revoke``."""

from __future__ import annotations

import argparse

from api.errors import ApiError
from api.keys_cli import add_keys_parser
from runtime.commands import run_command
from runtime.logs import LOG_LEVELS
from store.errors import StoreError

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return run_command(args, args.handler, (ApiError, StoreError))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m api",
        description="Serve the operators' HTTP API under uvicorn (no COMMAND), or manage keys.",
    )
    parser.add_argument("--log-level", default="INFO", choices=LOG_LEVELS)
    parser.add_argument("--host", help="default: MAGNETLINE_API_HOST or 127.0.0.1")
    parser.add_argument("--port", type=int, help="default: MAGNETLINE_API_PORT or 8000")
    parser.add_argument("--dsn", help="database; default MAGNETLINE_DSN, else the embedded one")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument("--ssl-certfile", help="serve HTTPS with this certificate (PEM)")
    parser.add_argument("--ssl-keyfile", help="the certificate's private key (PEM)")
    parser.set_defaults(handler=_serve)
    commands = parser.add_subparsers(metavar="COMMAND")
    add_keys_parser(commands)
    return parser


def _serve(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from api.settings import ApiSettings
    from api.workers import serve
    from store.cluster import resolve_dsn
    from store.migrate import apply_migrations

    given = {
        "host": args.host,
        "port": args.port,
        "dsn": args.dsn,
        "ssl_certfile": args.ssl_certfile,
        "ssl_keyfile": args.ssl_keyfile,
    }
    try:
        settings = ApiSettings(**{k: v for k, v in given.items() if v})
    except ValidationError as exc:
        problem = exc.errors()[0]
        where = ".".join(map(str, problem["loc"])) or "settings"
        raise ApiError(f"{where}: {problem['msg'].removeprefix('Value error, ')}") from exc
    dsn = settings.dsn or resolve_dsn()
    apply_migrations(dsn)
    serve(settings, dsn, args.workers)
    return 0
