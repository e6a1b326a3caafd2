"""Fast publishing path: skip asyncua's deep copy and its per-write lookups.

Three parts, all leaning on asyncua 2.1 internals (checked by the tests and the benchmark):

1. asyncua's ``MonitoredItemValues.set_current_datavalue`` deep-copies each written
``DataValue`` for every monitored item, which is most of the server's cost at high change
rates (``design.md``, "asyncua server"). The copy protects against a writer that mutates a
value after writing it; the simulator's publisher never does (it builds a new ``DataValue``
for every write), so it can keep a reference instead. ``install`` swaps the method in this
process only; ``uninstall`` restores it (the benchmark compares both).

2. ``MonitoredItemService.datachange_callback`` builds each notification as
``MonitoredItemNotification()`` and then sets its value; the default constructor makes a
throw-away ``DataValue`` and ``Variant`` (type guessing included) every time, about half of
the callback's cost. The replacement is the same logic with the notification built from
its handle and value directly.

3. ``DirectWriter`` resolves each variable's value attribute once and then does what
``AddressSpace.write_attribute_value`` does for a numeric value (store it, call the
data-change callbacks of the monitored items) without the node-id dictionary lookups and
the variant type check on every write; the publisher only ever writes Doubles there.
"""

from __future__ import annotations

from asyncua import ua
from asyncua.server import monitored_item_service as _mis

__all__ = ["DirectWriter", "install", "installed", "uninstall"]

_ORIGINALS = (
    _mis.MonitoredItemValues.set_current_datavalue,
    _mis.MonitoredItemService.datachange_callback,
)


def _set_current_datavalue_no_copy(self: _mis.MonitoredItemValues, cur_val: ua.DataValue) -> None:
    self.old_dvalue = self.current_dvalue
    self.current_dvalue = cur_val


async def _datachange_callback(
    self: _mis.MonitoredItemService,
    handle: int,
    value: ua.DataValue,
    error: ua.StatusCode | None = None,
) -> None:
    """asyncua 2.1's ``datachange_callback``, building the notification in one go."""
    if error:
        await _ORIGINALS[1](self, handle, value, error)
        return
    mid = self._monitored_datachange[handle]
    mdata = self._monitored_items[mid]
    if mdata.mode == ua.MonitoringMode.Disabled:
        return
    mdata.mvalue.set_current_datavalue(value)
    if mdata.filter:
        changed = self._is_data_changed(
            mdata.mvalue, mdata.filter.Trigger
        ) and self._is_deadband_exceeded(mdata.mvalue, mdata.filter)
    else:
        changed = self._is_data_changed(mdata.mvalue, ua.DataChangeTrigger.StatusValue)
    if changed:
        event = ua.MonitoredItemNotification(ClientHandle=mdata.client_handle, Value=value)
        await self.isub.enqueue_datachange_event(mid, event, mdata.queue_size)


def install() -> None:
    """Put the fast versions in place (for monitored items created from now on)."""
    _mis.MonitoredItemValues.set_current_datavalue = _set_current_datavalue_no_copy
    _mis.MonitoredItemService.datachange_callback = _datachange_callback


def uninstall() -> None:
    """Restore asyncua's own methods."""
    _mis.MonitoredItemValues.set_current_datavalue = _ORIGINALS[0]
    _mis.MonitoredItemService.datachange_callback = _ORIGINALS[1]


def installed() -> bool:
    """True while the fast path is in place."""
    return _mis.MonitoredItemValues.set_current_datavalue is _set_current_datavalue_no_copy


_NULL = ua.Variant(None, ua.VariantType.Null)


class DirectWriter:
    """Writes ``DataValue`` s straight into the value attributes of fixed variables."""

    def __init__(self, aspace, node_ids: list[ua.NodeId]) -> None:
        self._attrs = [aspace._nodes[nid].attributes[ua.AttributeIds.Value] for nid in node_ids]

    async def write(self, index: int, dv: ua.DataValue) -> None:
        """Store ``dv`` as variable ``index``'s value and notify its monitored items.

        As the OPC UA spec asks, a value with a Bad status is published as null.
        """
        if dv.StatusCode.is_bad():
            dv = ua.DataValue(_NULL, dv.StatusCode, dv.SourceTimestamp, dv.ServerTimestamp)
        attval = self._attrs[index]
        attval.value = dv
        callbacks = attval.datachange_callbacks
        if callbacks:
            for handle, callback in list(callbacks.items()):
                await callback(handle, dv)
