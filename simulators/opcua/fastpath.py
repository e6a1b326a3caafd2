"""Fast publishing path: skip asyncua's deep copy of every value a monitored item sees.

asyncua's ``MonitoredItemValues.set_current_datavalue`` deep-copies each written
``DataValue`` for every monitored item, which is most of the server's cost at high change
rates (``design.md``, "asyncua server"). The copy protects against a writer that mutates a
value after writing it; the simulator's publisher never does (it builds a new ``DataValue``
for every write), so it can keep a reference instead. ``install`` swaps the method in this
process only; ``uninstall`` restores it (the benchmark compares both).
"""

from __future__ import annotations

from asyncua import ua
from asyncua.server import monitored_item_service as _mis

__all__ = ["install", "installed", "uninstall"]

_ORIGINAL = _mis.MonitoredItemValues.set_current_datavalue


def _set_current_datavalue_no_copy(self: _mis.MonitoredItemValues, cur_val: ua.DataValue) -> None:
    self.old_dvalue = self.current_dvalue
    self.current_dvalue = cur_val


def install() -> None:
    """Make monitored items keep the written ``DataValue`` itself (no deep copy)."""
    _mis.MonitoredItemValues.set_current_datavalue = _set_current_datavalue_no_copy


def uninstall() -> None:
    """Restore asyncua's copying behaviour."""
    _mis.MonitoredItemValues.set_current_datavalue = _ORIGINAL


def installed() -> bool:
    """True while the fast path is in place."""
    return _mis.MonitoredItemValues.set_current_datavalue is _set_current_datavalue_no_copy
