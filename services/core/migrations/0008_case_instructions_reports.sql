-- Instructions (指令) with their acknowledgement, and field reports (现场反馈) of cases.
--
-- A report is stored once per client-chosen report_id (a tablet resends from its offline
-- outbox and cannot know whether the first copy arrived), and is as append-only as the
-- history. `attachments` is reserved for photos: a JSON array of
-- {"kind", "ref", "name", "size"} objects, empty until uploads exist.

CREATE TABLE case_instructions (
    id               text PRIMARY KEY,
    case_id          text NOT NULL REFERENCES cases (id),
    receiver         text NOT NULL,          -- an office id or 'patrol:MMSI'
    text             text NOT NULL,
    deadline         timestamptz NOT NULL,   -- to be acknowledged by
    created_at       timestamptz NOT NULL,
    created_by       text NOT NULL,
    acknowledged_at  timestamptz,
    acknowledged_by  text,
    escalated_to     text[] NOT NULL DEFAULT '{}'
);

CREATE INDEX case_instructions_case ON case_instructions (case_id, created_at);
-- Awaiting acknowledgement: the sweep and the "who has not acknowledged" list.
CREATE INDEX case_instructions_pending ON case_instructions (deadline)
    WHERE acknowledged_at IS NULL;
CREATE INDEX case_instructions_receiver ON case_instructions (receiver, created_at)
    WHERE acknowledged_at IS NULL;

CREATE TABLE case_reports (
    report_id    text PRIMARY KEY,
    case_id      text NOT NULL REFERENCES cases (id),
    actor        text NOT NULL,
    at           timestamptz NOT NULL,       -- when the crew wrote it
    received_at  timestamptz NOT NULL,
    outcome      text CHECK (outcome IN ('violation', 'no_violation', 'not_checked')),
    measures     text[] NOT NULL DEFAULT '{}',
    note         text,
    lat          double precision,
    lon          double precision,
    patrol_mmsi  integer,
    attachments  jsonb NOT NULL DEFAULT '[]'
);

CREATE INDEX case_reports_case ON case_reports (case_id, received_at);
CREATE INDEX case_reports_patrol ON case_reports (patrol_mmsi, received_at DESC)
    WHERE patrol_mmsi IS NOT NULL;

CREATE TRIGGER case_reports_append_only
    BEFORE UPDATE OR DELETE ON case_reports
    FOR EACH ROW EXECUTE FUNCTION seagrid_append_only();
CREATE TRIGGER case_reports_no_truncate
    BEFORE TRUNCATE ON case_reports
    FOR EACH STATEMENT EXECUTE FUNCTION seagrid_append_only();

REVOKE UPDATE, DELETE, TRUNCATE ON case_reports FROM PUBLIC;
