-- 001: every table of the storage design, so later work adds behaviour, not tables.
-- Times are timestamptz (microsecond resolution); OPC UA status codes are the full
-- unsigned 32-bit value, kept in a bigint because PostgreSQL has no unsigned integer.

CREATE EXTENSION IF NOT EXISTS timescaledb;

-- One row per recorded signal. The stable key is the namespace URI plus the string node
-- id (`nsu=<uri>;s=<id>`), never the namespace index, which a server may renumber.
CREATE TABLE tag (
    tag_id              integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tag_key             text NOT NULL UNIQUE,
    endpoint            text NOT NULL,
    namespace_uri       text NOT NULL,
    node_id             text NOT NULL,
    browse_path         text NOT NULL,
    stage               text,
    equipment           text,
    name                text NOT NULL,
    unit                text,
    unit_id             integer,
    eu_low              double precision,
    eu_high             double precision,
    data_type           text NOT NULL,
    description         text,
    expected_interval_s double precision,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tag_stage_equipment ON tag (stage, equipment);

-- Readings. time_source says which clock `time` came from: 0 source timestamp,
-- 1 server timestamp, 2 receive time. Bad values keep their status with a NULL value.
CREATE TABLE reading (
    time        timestamptz NOT NULL,
    tag_id      integer NOT NULL,
    value       double precision,
    value_text  text,
    status_code bigint NOT NULL CHECK (status_code BETWEEN 0 AND 4294967295),
    server_time timestamptz,
    time_source smallint NOT NULL CHECK (time_source IN (0, 1, 2))
);
-- No default time index: one unique (tag, time) index covering the value serves both
-- idempotent writes and reads (design.md measured the default index at ~35 % of ingest).
SELECT create_hypertable('reading', 'time', chunk_time_interval => interval '1 day',
                         create_default_indexes => false);
CREATE UNIQUE INDEX reading_tag_time ON reading (tag_id, time) INCLUDE (value);

-- Roll-ups kept longer than raw readings, maintained by the service's own job.
CREATE TABLE reading_1m (
    bucket      timestamptz NOT NULL,
    tag_id      integer NOT NULL,
    avg         double precision,
    min         double precision,
    max         double precision,
    last        double precision,
    count_good  integer NOT NULL,
    count_all   integer NOT NULL,
    PRIMARY KEY (tag_id, bucket)
);
SELECT create_hypertable('reading_1m', 'bucket', chunk_time_interval => interval '7 days');
CREATE TABLE reading_1h (LIKE reading_1m INCLUDING ALL);
SELECT create_hypertable('reading_1h', 'bucket', chunk_time_interval => interval '30 days');

-- OPC UA events and equipment state changes.
CREATE TABLE event (
    time        timestamptz NOT NULL,
    endpoint    text NOT NULL,
    source      text NOT NULL,
    event_type  text NOT NULL,
    severity    integer NOT NULL CHECK (severity BETWEEN 0 AND 1000),
    message     text,
    attributes  jsonb NOT NULL DEFAULT '{}'::jsonb
);
SELECT create_hypertable('event', 'time', chunk_time_interval => interval '7 days',
                         create_default_indexes => false);
CREATE UNIQUE INDEX event_source_time_type ON event (source, time, event_type);
CREATE INDEX event_time ON event (time DESC);

-- Intervals with no data, so "no change" and "no data" are different answers.
-- tag_id NULL means the whole endpoint.
CREATE TABLE gap (
    gap_id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    endpoint    text NOT NULL,
    tag_id      integer REFERENCES tag (tag_id),
    start_time  timestamptz NOT NULL,
    end_time    timestamptz,
    reason      text NOT NULL,
    filled      boolean NOT NULL DEFAULT false,
    filled_at   timestamptz,
    CHECK (end_time IS NULL OR end_time >= start_time)
);
CREATE INDEX gap_endpoint_time ON gap (endpoint, start_time);

-- Batch genealogy: oxide lot -> alloy lot -> sinter furnace load -> magnetized lot.
CREATE TABLE lot (
    lot_id       text PRIMARY KEY,
    stage        text NOT NULL,
    equipment    text,
    started_at   timestamptz,
    finished_at  timestamptz,
    mass_in_kg   double precision CHECK (mass_in_kg >= 0),
    mass_out_kg  double precision CHECK (mass_out_kg >= 0),
    properties   jsonb NOT NULL DEFAULT '{}'::jsonb,
    endpoint     text,
    recorded_at  timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE lot_parent (
    lot_id        text NOT NULL REFERENCES lot (lot_id),
    parent_lot_id text NOT NULL,
    PRIMARY KEY (lot_id, parent_lot_id)
);
CREATE INDEX lot_parent_parent ON lot_parent (parent_lot_id);

-- Twin outputs, from the scheduled forecast and from API requests that keep them.
CREATE TABLE prediction (
    time           timestamptz NOT NULL,
    scenario       text NOT NULL,
    route          text NOT NULL,
    horizon_days   double precision NOT NULL,
    metric         text NOT NULL,
    unit           text,
    p10            double precision,
    p50            double precision,
    p90            double precision,
    quantiles      jsonb NOT NULL DEFAULT '{}'::jsonb,
    model_version  text NOT NULL,
    inputs         jsonb NOT NULL DEFAULT '{}'::jsonb,
    origin         text NOT NULL CHECK (origin IN ('schedule', 'api'))
);
SELECT create_hypertable('prediction', 'time', chunk_time_interval => interval '30 days');
CREATE INDEX prediction_scenario_time ON prediction (scenario, route, metric, time DESC);

-- API keys, stored hashed.
CREATE TABLE api_key (
    key_id       text PRIMARY KEY,
    name         text NOT NULL,
    role         text NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
    key_hash     text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    revoked_at   timestamptz,
    last_used_at timestamptz
);

-- The ingest service's health record, one row per endpoint, read by the API.
CREATE TABLE ingest_health (
    endpoint      text PRIMARY KEY,
    state         text NOT NULL,
    updated_at    timestamptz NOT NULL,
    details       jsonb NOT NULL DEFAULT '{}'::jsonb
);
