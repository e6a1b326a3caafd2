"""Each tag's expected interval between readings, as observed in what was recorded.

The API calls a tag stale when its newest reading is older than ``stale_factor`` times
its expected interval, and a tag without one is never stale. Servers rarely say how often
a value will come (a data-change subscription sends changes, not a clock), so the recorder
observes it: the 90th percentile of the intervals between a tag's readings over the last
stretch of data, for tags with enough readings there to tell. A tag that changes seldom
keeps no expected interval (quiet is normal for it).
"""

from __future__ import annotations

import datetime as dt

import psycopg

__all__ = ["observe_expected_intervals"]

_OBSERVE = """
WITH steps AS (
    SELECT tag_id, time - lag(time) OVER (PARTITION BY tag_id ORDER BY time) AS step
    FROM reading WHERE time > %(until)s - %(window)s AND time <= %(until)s
), observed AS (
    SELECT tag_id,
           round((percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM step)))::numeric,
                 3)::float8 AS interval_s
    FROM steps WHERE step > interval '0' GROUP BY tag_id HAVING count(*) >= %(min_steps)s
)
UPDATE tag t SET expected_interval_s = o.interval_s, updated_at = now()
FROM observed o
WHERE t.tag_id = o.tag_id AND t.expected_interval_s IS DISTINCT FROM o.interval_s
"""


def observe_expected_intervals(
    conn: psycopg.Connection,
    data_until: dt.datetime,
    window: dt.timedelta = dt.timedelta(minutes=10),
    min_steps: int = 10,
) -> int:
    """Set ``expected_interval_s`` of every tag with ``min_steps`` readings or more in the
    ``window`` of data before ``data_until``; returns how many tags changed."""
    cur = conn.execute(_OBSERVE, {"until": data_until, "window": window, "min_steps": min_steps})
    return cur.rowcount
