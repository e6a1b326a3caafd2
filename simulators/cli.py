"""Command line: ``python -m simulators serve | run``.

Settings come from defaults, then ``--config FILE.toml``, then the flags given. A bad flag
or config is reported as one ``error:`` line and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from dataclasses import replace
from pathlib import Path

from runtime.pins import AsyncuaVersionError, check_asyncua_version
from simulators.config import SECURITY_MODES, SimConfig, load_config
from simulators.errors import ConfigError, StateFileError
from simulators.faults import parse_fault

__all__ = ["build_parser", "main", "settings_from_args"]

_log = logging.getLogger("simulators")
_FLAGS = {  # flag dest -> SimConfig field (all optional; None means "not given")
    "host": "host",
    "port": "port",
    "seed": "seed",
    "speed": "speed",
    "catch_up": "catch_up_wall_s",
    "profile": "profile",
    "naming": "naming",
    "step": "step_s",
    "data_dir": "data_dir",
    "history_window": "history_window_s",
}


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", type=Path, help="TOML settings file (see simulators.config)")
    p.add_argument("--seed", type=int, help="random seed (default 42)")
    p.add_argument("--profile", help="route profile: domestic or tolled")
    p.add_argument(
        "--naming",
        help="names the plant is published under: native (default) or foreign (simulators.naming)",
    )
    p.add_argument("--data-dir", type=Path, help="runtime files (default var/simulator)")
    p.add_argument("--step", type=float, help="model step in simulated seconds (serve: 1, run: 30)")
    p.add_argument("--lines", type=int, help="production lines (scale)")
    p.add_argument("--banks", type=int, help="mixer-settler banks per line")
    p.add_argument("--furnaces", type=int, help="vacuum furnaces per line")
    p.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="KIND:TARGET:START:DUR[:MAG]",
        help="inject a fault (repeatable); see simulators.faults",
    )
    p.add_argument("--log-level", default="INFO", help="logging level (default INFO)")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of both subcommands."""
    parser = argparse.ArgumentParser(
        prog="python -m simulators", description="NdFeB magnet line simulator"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="publish the plant live over OPC UA")
    _common(serve)
    serve.add_argument("--host", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="TCP port (default 4840)")
    serve.add_argument(
        "--speed",
        type=float,
        help="simulated seconds per wall second, until caught up with the clock",
    )
    serve.add_argument(
        "--catch-up",
        type=float,
        metavar="WALL_S",
        help="at --speed above 1, run this many wall seconds at --speed before source time "
        "reaches the clock (it starts that far back), then in real time (default 3600)",
    )
    serve.add_argument("--history-window", type=float, help="HistoryRead window [s]")
    serve.add_argument("--security", help=f"comma list of {', '.join(SECURITY_MODES)}")
    serve.add_argument(
        "--trust-dir",
        type=Path,
        help="accept only the client certificates in this folder (default: any)",
    )
    serve.add_argument(
        "--user",
        action="append",
        default=[],
        metavar="NAME:PASSWORD",
        help="accept this user (repeatable); anonymous only when none",
    )
    serve.add_argument(
        "--no-fast-path",
        action="store_true",
        help="keep asyncua's per-write deep copy (for comparison)",
    )
    run = sub.add_parser("run", help="simulate a whole run offline, to files")
    _common(run)
    run.add_argument("--days", type=float, default=30.0, help="simulated days (default 30)")
    run.set_defaults(step=30.0)  # offline default step: 30 simulated seconds
    run.add_argument("--out", type=Path, help="output folder (default DATA_DIR/runs/<run>)")
    run.add_argument(
        "--no-signals", action="store_true", help="no numeric readings (an empty readings file)"
    )
    return parser


def _users(items: list[str]) -> dict[str, str]:
    users = {}
    for item in items:
        name, sep, password = item.partition(":")
        if not sep or not name:
            raise ConfigError(f"--user {item!r}: expected NAME:PASSWORD")
        users[name] = password
    return users


def settings_from_args(args: argparse.Namespace) -> SimConfig:
    """Merge defaults, the config file and the flags into a validated ``SimConfig``."""
    cfg = load_config(args.config)
    given = {
        field: getattr(args, flag)
        for flag, field in _FLAGS.items()
        if getattr(args, flag, None) is not None
    }
    layout = {
        k: getattr(args, k) for k in ("lines", "banks", "furnaces") if getattr(args, k) is not None
    }
    cfg = replace(
        cfg,
        **given,
        layout=replace(cfg.layout, **layout) if layout else cfg.layout,
        faults=cfg.faults + tuple(parse_fault(f) for f in args.fault),
    )
    if getattr(args, "security", None):
        cfg = replace(cfg, security=tuple(s.strip() for s in args.security.split(",")))
    if getattr(args, "trust_dir", None) is not None:
        cfg = replace(cfg, trusted_clients_dir=args.trust_dir)
    if getattr(args, "user", None):
        cfg = replace(cfg, users={**cfg.users, **_users(args.user)})
    if getattr(args, "no_fast_path", False):
        cfg = replace(cfg, fast_path=False)
    return cfg.validate()


async def _serve(cfg: SimConfig) -> None:
    from simulators.serve import serve

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await serve(cfg, stop)


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the process exit status."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("asyncua").setLevel(logging.WARNING)
    try:
        cfg = settings_from_args(args)
        if args.command == "serve":
            check_asyncua_version()
            asyncio.run(_serve(cfg))
        else:
            from simulators.offline import run_offline

            run_offline(cfg, args.days, args.out, signals=not args.no_signals)
    except (ConfigError, StateFileError, AsyncuaVersionError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0
