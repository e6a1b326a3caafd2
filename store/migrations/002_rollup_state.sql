-- 002: how far the roll-ups are complete, so readers know which buckets they may trust.
-- reading_1m / reading_1h hold avg, min, max and last over values with a Good status
-- (status_code < 0x40000000) and a value, count_good of those, count_all of every reading.
-- Every bucket that starts before `complete_until` is final for every tag; later buckets
-- must be computed from `reading` with time_bucket.
CREATE TABLE rollup_state (
    level           text PRIMARY KEY CHECK (level IN ('1m', '1h')),
    complete_until  timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL DEFAULT now()
);
