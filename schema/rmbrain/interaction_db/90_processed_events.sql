-- Event idempotency, the canonical structure every CDS service shares: a consumer records
-- the id of each event it handled in the same transaction as the event's effect, and
-- skips an event whose id is already here (the broker delivers at least once).
-- Keyed by the event's own id and stamped once by processed_at (no id, no updated_at).
-- schemadiff:lint-ignore keys.uuid_primary_key, columns.timestamps
CREATE TABLE processed_events (
    event_id varchar(255) NOT NULL,
    event_type varchar(255) NOT NULL,
    source varchar(255),
    processed_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT processed_events_pkey PRIMARY KEY (event_id)
);
CREATE INDEX ix_processed_events_processed_at ON processed_events (processed_at);
