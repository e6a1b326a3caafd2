"""Where the project keeps its state on this machine: database, spool, certificates."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["STATE_DIR_ENV", "default_state_dir"]

STATE_DIR_ENV = "MAGNETLINE_STATE_DIR"


def default_state_dir() -> Path:
    """``$MAGNETLINE_STATE_DIR``, else ``/var/lib/magnetline``."""
    return Path(os.environ.get(STATE_DIR_ENV, "/var/lib/magnetline"))
