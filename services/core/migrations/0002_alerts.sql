-- Alerts and everything that happens to them (services/alerts/store.py).
--
-- alerts holds each alert's current state; alert_changes is the full history (every raise,
-- update, clear, operator action with its actor, escalation), written in the same
-- transaction as the state it produced. The bus delivers at least once, so every write is
-- idempotent: an alert id is a deterministic uuid5 of (key, raised_at), and a change is
-- identified by (alert_id, change, at).
--
-- "At most one open alert per (rule, mmsi, zone or other vessel)" (CONTRACTS §4) is enforced
-- here by a partial unique index, not only by the pipeline's memory: after a restart the
-- pipeline may raise the same condition again with a new raised_at (so a new id). The store
-- then merges it into the alert already open and remembers the new id in alert_aliases, so
-- the later changes of that id (update, clear) reach the right row.

CREATE TABLE alerts (
    id            text PRIMARY KEY,
    raised_at     timestamptz NOT NULL,
    cleared_at    timestamptz,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    lat           double precision NOT NULL,
    lon           double precision NOT NULL,
    mmsi          integer NOT NULL,
    other_mmsi    integer,
    rule          text NOT NULL,
    zone          text,
    cell          text,
    office        text NOT NULL,
    severity      text NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
    status        text NOT NULL
                  CHECK (status IN ('open', 'acknowledged', 'resolved', 'false_alarm')),
    escalated_to  text[] NOT NULL DEFAULT '{}',
    details       jsonb NOT NULL DEFAULT '{}',
    subject       text GENERATED ALWAYS AS (coalesce(zone, other_mmsi::text, '')) STORED
);

CREATE UNIQUE INDEX alerts_one_open_per_key ON alerts (rule, mmsi, subject)
    WHERE status IN ('open', 'acknowledged') AND cleared_at IS NULL;
-- The web's lists: newest first, filtered by office and status; and one vessel's alerts.
CREATE INDEX alerts_office_raised ON alerts (office, raised_at DESC, id);
CREATE INDEX alerts_raised ON alerts (raised_at DESC, id);
CREATE INDEX alerts_mmsi ON alerts (mmsi, raised_at DESC);
-- The escalator's scan: only alerts nobody has acknowledged yet.
CREATE INDEX alerts_unacknowledged ON alerts (raised_at) WHERE status = 'open';

CREATE TABLE alert_aliases (
    alias     text PRIMARY KEY,
    alert_id  text NOT NULL REFERENCES alerts (id) ON DELETE CASCADE
);

CREATE TABLE alert_changes (
    id           bigserial PRIMARY KEY,
    alert_id     text NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    at           timestamptz NOT NULL,
    recorded_at  timestamptz NOT NULL DEFAULT now(),
    change       text NOT NULL,
    status       text NOT NULL,  -- the alert's status after this change
    actor        text,           -- user name for operator actions, NULL for the pipeline
    note         text,
    UNIQUE (alert_id, change, at)
);

CREATE TABLE silences (
    id          text PRIMARY KEY,
    starts_at   timestamptz NOT NULL,
    ends_at     timestamptz NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    deleted_at  timestamptz,  -- kept, not deleted: who silenced what is part of the record
    mmsi        integer NOT NULL,
    rule        text,         -- NULL: every rule for this vessel
    actor       text,
    reason      text,
    deleted_by  text,
    CHECK (ends_at > starts_at)
);

CREATE INDEX silences_mmsi ON silences (mmsi, ends_at) WHERE deleted_at IS NULL;

CREATE TABLE escalations (
    id        bigserial PRIMARY KEY,
    alert_id  text NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    at        timestamptz NOT NULL,
    level     text NOT NULL,  -- 'centre' or 'provincial'
    target    text NOT NULL,  -- the centre's id, or the provincial channel's name
    severity  text NOT NULL,
    UNIQUE (alert_id, level)  -- several dispatchers may race; one escalation wins
);

CREATE TABLE deliveries (
    id           bigserial PRIMARY KEY,
    alert_id     text NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    at           timestamptz NOT NULL,
    latency_ms   double precision,
    status_code  integer,
    attempt      integer NOT NULL,
    ok           boolean NOT NULL,
    change       text NOT NULL,
    channel      text NOT NULL,
    error        text
);

CREATE INDEX deliveries_alert ON deliveries (alert_id, at);
