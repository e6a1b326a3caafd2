"""A DataValue becomes one `reading` row that keeps value, status and the clock it came from."""

from __future__ import annotations

import datetime as dt
import math

from asyncua import ua

from ingest.opcua.values import row_from_datavalue
from store.readings import FLAGS, STATUS_CODE, TIME, VALUE, VALUE_TEXT, ReadingFlag, TimeSource

RECEIVED = dt.datetime(2026, 1, 1, 12, 0, 0, tzinfo=dt.UTC)
SOURCE = dt.datetime(2026, 1, 1, 11, 59, 59, 123456, tzinfo=dt.UTC)
SERVER = dt.datetime(2026, 1, 1, 11, 59, 59, 500000, tzinfo=dt.UTC)


def _dv(value, status=ua.StatusCodes.Good, source=SOURCE, server=SERVER) -> ua.DataValue:
    return ua.DataValue(
        ua.Variant(value), ua.StatusCode(status), SourceTimestamp=source, ServerTimestamp=server
    )


def test_good_double_keeps_source_time_and_status() -> None:
    """A good float keeps its value, status 0 and the source timestamp to the microsecond."""
    row = row_from_datavalue(7, _dv(1061.5), RECEIVED)
    assert row == (SOURCE, 7, 1061.5, None, 0, SERVER, TimeSource.SOURCE, 0)


def test_bad_status_keeps_full_code_and_the_value_sent() -> None:
    """A Bad value is stored with its full 32-bit status code and the value the server sent."""
    row = row_from_datavalue(1, _dv(3.0, ua.StatusCodes.BadSensorFailure), RECEIVED)
    assert row[VALUE] == 3.0 and row[VALUE_TEXT] is None
    assert row[STATUS_CODE] == ua.StatusCodes.BadSensorFailure and row[STATUS_CODE] > 2**31


def test_a_source_time_ahead_of_receipt_beyond_the_tolerance_is_flagged() -> None:
    """Kept as sent, flagged FUTURE_TIME; within the tolerance, or a server time, it is not."""
    tolerance = dt.timedelta(seconds=5)
    ahead = RECEIVED + dt.timedelta(seconds=6)
    row = row_from_datavalue(1, _dv(1.0, source=ahead), RECEIVED, tolerance)
    assert row[TIME] == ahead and row[FLAGS] == ReadingFlag.FUTURE_TIME
    near = RECEIVED + dt.timedelta(seconds=4)
    assert row_from_datavalue(1, _dv(1.0, source=near), RECEIVED, tolerance)[FLAGS] == 0
    server_ahead = row_from_datavalue(1, _dv(1.0, source=None, server=ahead), RECEIVED, tolerance)
    assert server_ahead[FLAGS] == 0  # the server's own clock: not the plant's source clock


def test_uncertain_status_keeps_value() -> None:
    """An Uncertain value is kept, with its status."""
    row = row_from_datavalue(1, _dv(2.5, ua.StatusCodes.UncertainLastUsableValue), RECEIVED)
    assert row[2] == 2.5 and row[4] == ua.StatusCodes.UncertainLastUsableValue


def test_nan_passes_through_as_a_float() -> None:
    """NaN is a value, not an error."""
    row = row_from_datavalue(1, _dv(float("nan")), RECEIVED)
    assert math.isnan(row[2])


def test_text_and_boolean_values() -> None:
    """Strings go to value_text; booleans to 0/1."""
    assert row_from_datavalue(1, _dv("OX-2026-001"), RECEIVED)[2:4] == (None, "OX-2026-001")
    assert row_from_datavalue(1, _dv(True), RECEIVED)[2:4] == (1.0, None)


def test_time_falls_back_to_server_then_receive_time() -> None:
    """Without a source timestamp the server's is used, then the receive time, and it says so."""
    server_only = row_from_datavalue(1, _dv(1.0, source=None), RECEIVED)
    assert server_only[0] == SERVER and server_only[6] == TimeSource.SERVER
    neither = row_from_datavalue(1, _dv(1.0, source=None, server=None), RECEIVED)
    assert neither[0] == RECEIVED and neither[6] == TimeSource.RECEIVED
