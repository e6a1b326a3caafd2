"""Fast publishing path: skip asyncua's deep copy, its per-write lookups and coroutines.

Five parts, all leaning on asyncua 2.1 internals (checked by the tests and the benchmark):

1. asyncua's ``MonitoredItemValues.set_current_datavalue`` deep-copies each written
``DataValue`` for every monitored item, which is most of the server's cost at high change
rates (``design.md``, "asyncua server"). The copy protects against a writer that mutates a
value after writing it; the simulator's publisher never does (it builds a new ``DataValue``
for every write), so it can keep a reference instead. ``install`` swaps the method in this
process only; ``uninstall`` restores it (the benchmark compares both).

2. ``MonitoredItemService.datachange_callback`` builds each notification as
``MonitoredItemNotification()`` and then sets its value; the default constructor makes a
throw-away ``DataValue`` and ``Variant`` (type guessing included) every time. The
replacement is the same logic with the notification built from its handle and value.

3. ``DirectWriter`` resolves each variable's value attribute once and then does what
``AddressSpace.write_attribute_value`` does for a numeric value (store it, call the
data-change callbacks of the monitored items) without the node-id dictionary lookups and
the variant type check on every write; the publisher only ever writes Doubles there. For a
monitored item of a client subscription (the callback is part 2's method and the
subscription runs its publishing loop) it does the callback's work inline, without the
three coroutines asyncua creates per write (callback, enqueue, enqueue helper); it keeps
asyncua's semantics: data-change trigger and deadband filter, disabled items, queue size
with the oldest value discarded.

4. ``settle_heap`` moves the address space (~3 M objects at 10,000 tags) out of the
garbage collector's reach with ``gc.freeze``: a full collection over it takes ~1 s, and
the whole server stands still meanwhile. It also spaces the collections out: every write
allocates three container objects (``Variant``, ``DataValue``, notification) that live in
the monitored items' queues until the next publish, so with Python's default thresholds
(700, 10, 10) a full collection over the queued values ran every ~70,000 allocations,
which took most of the server's time at 40,000 writes/s (``gc`` seconds in the serve
loop's stats line). With (50,000, 20, 100) young collections stay short and full ones
come every 100 M allocations; the values written are freed by reference counting, not by
the collector, so only the rare cyclic garbage waits longer. Called after each start, it
unfreezes first, so that an old server's objects can be collected.

5. ``double_value`` builds the ``DataValue`` of a Double without the dataclass
constructors (``Variant.__post_init__`` type checks), ~4x cheaper, equal to the one
``ua.DataValue(ua.Variant(x, Double), ...)`` builds.
"""

from __future__ import annotations

import gc
import logging
from datetime import datetime

from asyncua import ua
from asyncua.server import monitored_item_service as _mis

__all__ = ["DirectWriter", "double_value", "install", "installed", "settle_heap", "uninstall"]

_log = logging.getLogger(__name__)
_ORIGINALS = (
    _mis.MonitoredItemValues.set_current_datavalue,
    _mis.MonitoredItemService.datachange_callback,
)
_DISABLED = ua.MonitoringMode.Disabled
_STATUS_VALUE = ua.DataChangeTrigger.StatusValue
_new = object.__new__
_Variant, _DataValue, _Notification = ua.Variant, ua.DataValue, ua.MonitoredItemNotification
_DOUBLE = ua.VariantType.Double


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


def _notify_inline(svc: _mis.MonitoredItemService, handle: int, dv: ua.DataValue) -> bool:
    """``_datachange_callback`` + ``enqueue_datachange_event`` without coroutines.

    Returns False (and does nothing) where enqueueing could trigger a publish by itself
    (a subscription without its publishing loop), which needs asyncua's async path.
    """
    isub = svc.isub
    if isub._task is None:
        return False
    mid = svc._monitored_datachange[handle]
    mdata = svc._monitored_items[mid]
    if mdata.mode == _DISABLED:
        return True
    mv = mdata.mvalue
    old = mv.current_dvalue
    mv.old_dvalue, mv.current_dvalue = old, dv
    if mdata.filter:
        if not (svc._is_data_changed(mv, mdata.filter.Trigger)
                and svc._is_deadband_exceeded(mv, mdata.filter)):  # fmt: skip
            return True
    elif old is not None and old.StatusCode == dv.StatusCode and old.Value == dv.Value:
        return True  # asyncua's StatusValue trigger: neither status nor value changed
    event = _new(_Notification)
    event.ClientHandle, event.Value = mdata.client_handle, dv
    queue = isub._triggered_datachanges.get(mid)
    if queue is None:
        isub._triggered_datachanges[mid] = [event]
        return True
    size = mdata.queue_size
    if size != 0 and len(queue) >= size:
        queue.pop(0)
    queue.append(event)
    return True


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


GC_THRESHOLDS = (50_000, 20, 100)


def settle_heap() -> None:
    """Collect what is garbage, freeze every survivor (``gc.freeze``), space collections out."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def double_value(
    value: float | None, status: ua.StatusCode, source: datetime, server: datetime
) -> ua.DataValue:
    """``ua.DataValue(ua.Variant(value, Double), status, source, server)``, built directly.

    ``value=None`` gives the null variant a Bad status is published with.
    """
    var = _new(_Variant)
    var.Value, var.VariantType = value, (_DOUBLE if value is not None else ua.VariantType.Null)
    var.Dimensions, var.is_array = None, False
    dv = _new(_DataValue)
    dv.Encoding, dv.Value, dv.StatusCode = 0, var, status
    dv.SourceTimestamp, dv.ServerTimestamp = source, server
    dv.SourcePicoseconds = dv.ServerPicoseconds = None
    return dv


class DirectWriter:
    """Writes ``DataValue`` s straight into the value attributes of fixed variables."""

    def __init__(self, aspace, node_ids: list[ua.NodeId]) -> None:
        self._attrs = [aspace._nodes[nid].attributes[ua.AttributeIds.Value] for nid in node_ids]

    async def write_many(self, indices: list[int], dvs: list[ua.DataValue]) -> None:
        """Store ``dvs[j]`` as variable ``indices[j]``'s value, in order, and notify its
        monitored items. A ``DataValue`` with a Bad status must come with a null value, as
        the OPC UA spec asks and asyncua's write does (``Publisher`` builds it so)."""
        attrs, inline = self._attrs, _datachange_callback
        for index, dv in zip(indices, dvs, strict=True):
            attval = attrs[index]
            attval.value = dv
            callbacks = attval.datachange_callbacks
            if not callbacks:
                continue
            for handle, callback in list(callbacks.items()):
                try:
                    if getattr(callback, "__func__", None) is inline and _notify_inline(
                        callback.__self__, handle, dv
                    ):
                        continue
                    await callback(handle, dv)
                except Exception:  # as asyncua's write: one item's failure stops no other
                    _log.exception("data-change callback %s of handle %s failed", callback, handle)
