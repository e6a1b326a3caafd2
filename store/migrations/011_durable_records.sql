-- 011: events, lots and gaps as durable as readings.

-- An OPC UA event's EventId tells apart two events of one source, time and type, and a
-- server's event history returns it again: live and recovered copies of one event are one
-- row. Servers that send no EventId fall back to (source, time, type) as before. The
-- endpoint is part of the key: two identical lines publish the same source names.
ALTER TABLE event ADD COLUMN event_id bytea;
DROP INDEX event_source_time_type;
CREATE UNIQUE INDEX event_identity ON event (endpoint, source, time, event_type, event_id)
    NULLS NOT DISTINCT;

-- A lot id published again with other content (a plant reusing ids, a restarted line
-- counting from 1 again) never overwrites the first record: the other content is kept
-- here, once per distinct content, and the lot row counts its conflicts.
ALTER TABLE lot ADD COLUMN conflicts integer NOT NULL DEFAULT 0;
CREATE TABLE lot_conflict (
    lot_id         text NOT NULL REFERENCES lot (lot_id),
    record         jsonb NOT NULL,
    record_md5     text GENERATED ALWAYS AS (md5(record::text)) STORED,
    endpoint       text,
    first_seen_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (lot_id, record_md5)
);

-- What the recovery of a gap found, for readings, events and lots each: 'recovered' (the
-- server's history answered for all of it), 'partly' (for some of its nodes only) or 'none'
-- (the server keeps no such history). NULL: not recorded on that endpoint (events turned
-- off, no lot variables). recovered_at is set once a recovery ran to its end; a gap without
-- it is tried again at the next session. `filled` stays: true when everything was recovered.
ALTER TABLE gap ADD COLUMN readings text CHECK (readings IN ('recovered', 'partly', 'none'));
ALTER TABLE gap ADD COLUMN events text CHECK (events IN ('recovered', 'partly', 'none'));
ALTER TABLE gap ADD COLUMN lots text CHECK (lots IN ('recovered', 'partly', 'none'));
ALTER TABLE gap ADD COLUMN recovered_at timestamptz;
UPDATE gap SET readings = 'recovered', recovered_at = filled_at WHERE filled;
