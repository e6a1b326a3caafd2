"""When this process may write to the database.

Not before it is migrated: the recorder starts while the database is down, spools, and
runs the migrations once it answers. And no readings while an endpoint still has to learn
where its stored data ended: that lookup must see only what earlier runs stored, or the
gap before this run would look shorter than it is.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import psycopg

from store.errors import DatabaseSetupError
from store.migrate import apply_migrations

__all__ = ["DatabaseGate"]

logger = logging.getLogger(__name__)

_RETRY_S = 2.0
# What a server says while it cannot take connections yet (SQLSTATE 57P03): waited for.
_NOT_READY_YET = (
    "the database system is starting up",
    "the database system is shutting down",
    "the database system is in recovery mode",
    "the database system is not yet accepting",
)


class DatabaseGate:
    """The database's readiness for this process's writes."""

    def __init__(self) -> None:
        self.migrated = asyncio.Event()
        self._holds: set[str] = set()

    @property
    def readings_allowed(self) -> bool:
        return self.migrated.is_set() and not self._holds

    def hold(self, name: str) -> None:
        """Keep readings out of the database until ``release(name)``."""
        self._holds.add(name)

    def release(self, name: str) -> None:
        self._holds.discard(name)

    async def migrate(self, dsn: str, stop: asyncio.Event) -> None:
        """Apply the migrations as soon as the database answers (until ``stop``).

        A database that cannot be reached (or is still starting) is waited for; one that
        answers with a refusal (a wrong password, no such database, a migration it
        cannot apply) is an error the operator must see: it raises."""
        warned = False
        while not stop.is_set():
            try:
                await asyncio.to_thread(apply_migrations, dsn)
            except DatabaseSetupError as exc:
                if not _unreachable(exc.__cause__):
                    raise
                if not warned:
                    logger.warning(
                        "database unreachable at start (%s); recording to the spool", exc.__cause__
                    )
                    warned = True
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), _RETRY_S)
                continue
            if warned:
                logger.info("database reachable: migrated; the spool replays")
            self.migrated.set()
            return


def _unreachable(error: BaseException | None) -> bool:
    """No server answered (refused, timed out, no route), or it is still starting.

    A connection error carries no SQLSTATE; a server that answered and refused (a wrong
    password, no such database) says so with a FATAL message, which must not be waited out.
    """
    if not isinstance(error, psycopg.OperationalError):
        return False
    message = str(error)
    answered = "FATAL:" in message
    return not answered or any(state in message for state in _NOT_READY_YET)
