-- The information centre's living records (watchlist entries, waterworks sites, mode
-- activations, registry objects, neighbour notice counters) in one keyed table, and every
-- change to them in an append-only audit table. The records are small JSON documents read
-- whole (the rules need the whole set at once), so one shape serves all kinds; the audit
-- table's sequence is the version the alerts stage compares snapshots by.

CREATE TABLE info_records (
    kind       text NOT NULL,            -- watchlist, waterworks, mode, registry
    key        text NOT NULL,            -- MMSI, site id, activation id, object id
    data       jsonb NOT NULL,
    office     text,                     -- owning office, NULL for the centre
    deleted_at timestamptz,              -- removed records stay for history and notices
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (kind, key)
);

CREATE INDEX info_records_live ON info_records (kind) WHERE deleted_at IS NULL;

CREATE TABLE info_changes (
    seq    bigserial PRIMARY KEY,
    kind   text NOT NULL,
    key    text NOT NULL,
    change text NOT NULL,                -- added, updated, removed, seeded, imported
    actor  text NOT NULL,
    at     timestamptz NOT NULL,
    note   text,
    data   jsonb
);

CREATE INDEX info_changes_record ON info_changes (kind, key, seq);
