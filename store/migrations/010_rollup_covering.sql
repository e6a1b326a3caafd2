-- 010: covering indexes on the roll-ups, for the API's aggregate reads.
-- The API reads one tag's buckets over a range: with the summaries in the index that is an
-- index-only scan of a few pages (measured: 18 buffers and ~2 ms for a day of 1-minute
-- buckets, against ~1,240 heap pages and ~7 ms through the primary key, because the
-- roll-up job writes every tag's bucket of a minute side by side). The cost is a second
-- index on these tables, about one row per tag and minute (or hour); `reading` is untouched.
CREATE INDEX reading_1m_covering ON reading_1m (tag_id, bucket)
    INCLUDE (avg, min, max, last, count_good, count_all);
CREATE INDEX reading_1h_covering ON reading_1h (tag_id, bucket)
    INCLUDE (avg, min, max, last, count_good, count_all);
