"""``python -m api keys create | list | revoke``: API keys from the command line.

The key's text is printed once, at creation; the database keeps only its hash.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from typing import Any

import psycopg

from api.errors import NotFound
from api.keys import Role, create_key
from store import keys as key_table
from store.cluster import resolve_dsn
from store.errors import DatabaseSetupError
from store.migrate import apply_migrations

__all__ = ["add_keys_parser"]

_COLUMNS = {"key_id": 12, "name": 20, "role": 8, "created_at": 32, "revoked_at": 32,
            "last_used_at": 32}  # fmt: skip


def add_keys_parser(commands: argparse._SubParsersAction) -> None:
    keys = commands.add_parser("keys", help="API keys: create, list, revoke")
    # SUPPRESS: `python -m api --dsn DSN keys ...` works too (a default here would reset it).
    keys.add_argument(
        "--dsn",
        default=argparse.SUPPRESS,
        help="database; default MAGNETLINE_DSN, else the embedded one",
    )
    actions = keys.add_subparsers(required=True, metavar="ACTION")
    create = actions.add_parser("create", help="a new key; its text is shown once")
    create.add_argument("--name", required=True, help="who or what uses the key")
    create.add_argument("--role", required=True, choices=[r.value for r in Role])
    create.add_argument("--json", action="store_true", help="print one JSON object")
    create.set_defaults(handler=_create)
    listing = actions.add_parser("list", help="every key with its role and last use")
    listing.add_argument("--json", action="store_true", help="print one JSON array")
    listing.set_defaults(handler=_list)
    revoke = actions.add_parser("revoke", help="revoke a key by its id")
    revoke.add_argument("key_id")
    revoke.set_defaults(handler=_revoke)


async def _on_database(dsn: str, work) -> Any:
    try:
        async with await psycopg.AsyncConnection.connect(dsn, autocommit=True) as conn:
            return await work(conn)
    except psycopg.Error as exc:
        raise DatabaseSetupError(f"cannot reach the keys in the database: {exc}") from exc


def _dsn(args: argparse.Namespace) -> str:
    dsn = args.dsn or resolve_dsn()
    apply_migrations(dsn)
    return dsn


def _text(row: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()}


def _create(args: argparse.Namespace) -> int:
    work = lambda conn: create_key(conn, args.name, args.role)  # noqa: E731
    row, token = asyncio.run(_on_database(_dsn(args), work))
    if args.json:
        print(json.dumps({**_text(row), "key": token}))
    else:
        print(f"key {row['key_id']} ({row['role']}) for {row['name']}:\n{token}")
        print("Keep it now: it is not stored and cannot be shown again.")
    return 0


def _list(args: argparse.Namespace) -> int:
    rows = [_text(r) for r in asyncio.run(_on_database(_dsn(args), key_table.list_keys))]
    if args.json:
        print(json.dumps(rows))
        return 0
    print("  ".join(f"{c:<{w}}" for c, w in _COLUMNS.items()).rstrip())
    for row in rows:
        print("  ".join(f"{row[c] or '-':<{w}}" for c, w in _COLUMNS.items()).rstrip())
    return 0


def _revoke(args: argparse.Namespace) -> int:
    work = lambda conn: key_table.revoke_key(conn, args.key_id)  # noqa: E731
    row = asyncio.run(_on_database(_dsn(args), work))
    if row is None:
        raise NotFound(f"no key with id {args.key_id!r}")
    print(f"key {row['key_id']} ({row['name']}) revoked at {row['revoked_at'].isoformat()}")
    return 0
