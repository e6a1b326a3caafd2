"""Versions of the libraries whose internals the fast paths patch, checked at start-up.

``ingest.opcua.fast_publish`` replaces asyncua's client ``UaSession.publish``;
``simulators.opcua.fastpath`` and ``fastencode`` replace parts of its server (the
monitored items' value copy, the data-change callback, the PublishResponse encoder).
Each was written against, and is tested on, the versions listed here; ``pyproject.toml``
pins the same. A different version may have moved what they reach into, and would fail in
ways far from the cause: the services refuse to start instead, with one line.
"""

from __future__ import annotations

from importlib import metadata

__all__ = ["PATCHED_ASYNCUA_VERSIONS", "AsyncuaVersionError", "check_asyncua_version"]

PATCHED_ASYNCUA_VERSIONS = ("2.1.0",)


class AsyncuaVersionError(RuntimeError):
    """The installed asyncua is not one whose internals the fast paths were written for."""


def check_asyncua_version(installed: str | None = None) -> str:
    """The installed asyncua version; AsyncuaVersionError if the fast paths do not know it."""
    installed = installed or metadata.version("asyncua")
    if installed not in PATCHED_ASYNCUA_VERSIONS:
        raise AsyncuaVersionError(
            f"asyncua {installed} is installed, but the fast paths patch the internals of "
            f"asyncua {', '.join(PATCHED_ASYNCUA_VERSIONS)} only: "
            f"pip install 'asyncua=={PATCHED_ASYNCUA_VERSIONS[-1]}'"
        )
    return installed
