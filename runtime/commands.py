"""How the project's command lines end: exit status 0, 2 with one ``error:`` line, or 130."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from runtime.logs import configure_logging

__all__ = ["one_line", "run_command"]


def run_command(
    args: argparse.Namespace,
    handler: Callable[[argparse.Namespace], int],
    expected: tuple[type[BaseException], ...],
) -> int:
    """``handler(args)`` with logging at ``args.log_level``; an ``expected`` error (bad
    input, a database or server away) is one line on stderr and exit status 2, Ctrl-C 130."""
    configure_logging(args.log_level)
    try:
        return handler(args)
    except expected as exc:
        print(f"error: {one_line(str(exc))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def one_line(message: str) -> str:
    """``message`` on one line (libpq's, for one, run over several)."""
    return "; ".join(part.strip() for part in message.splitlines() if part.strip())
