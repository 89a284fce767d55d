-- Cases (执法任务/案件) and their append-only history (services/cases/store.py, docs/cases.md).
--
-- cases holds each case's current state; case_history every change with actor, time and
-- note, written in the same transaction. History rows are never updated or deleted: a
-- trigger refuses UPDATE, DELETE and TRUNCATE for every user (triggers bind table owners
-- and superusers too, unlike grants), and PUBLIC loses those privileges as well.

CREATE TABLE cases (
    id            text PRIMARY KEY,
    type          text NOT NULL CHECK (type IN ('inspection', 'verification', 'escort',
                                                'search_rescue', 'pollution', 'other')),
    title         text NOT NULL,
    office        text NOT NULL,
    status        text NOT NULL CHECK (status IN ('new', 'assigned', 'acknowledged',
                                                  'in_progress', 'reported', 'closed',
                                                  'cancelled')),
    priority      text NOT NULL CHECK (priority IN ('low', 'normal', 'high', 'critical')),
    deadline      timestamptz NOT NULL,
    created_at    timestamptz NOT NULL,
    created_by    text NOT NULL,
    updated_at    timestamptz NOT NULL,
    mmsi          integer,
    area          jsonb,                     -- GeoJSON geometry (WGS84)
    lat           double precision,
    lon           double precision,
    patrol_mmsi   integer,
    alert_ids     text[] NOT NULL DEFAULT '{}',
    note          text,
    outcome       text CHECK (outcome IN ('violation', 'no_violation', 'not_checked')),
    measures      text[] NOT NULL DEFAULT '{}',
    close_reason  text,
    closed_at     timestamptz,
    escalated_to  text[] NOT NULL DEFAULT '{}',
    incident      jsonb,                     -- kind, radius_nm, assist, within_radius
    instructed    text[] NOT NULL DEFAULT '{}'  -- receivers of its instructions
) WITH (fillfactor = 80);
-- fillfactor: a case is updated on every transition and escalation; room on its page lets
-- PostgreSQL update it in place (HOT) without touching the nine indexes.

-- The case board of one office: open cases by deadline (and all of them by deadline).
CREATE INDEX cases_office_open ON cases (office, deadline, id)
    WHERE status IN ('new', 'assigned', 'acknowledged', 'in_progress', 'reported');
CREATE INDEX cases_office_created ON cases (office, created_at DESC);
-- The overdue query and the escalation sweep: open cases by deadline only.
CREATE INDEX cases_open_deadline ON cases (deadline, id)
    WHERE status IN ('new', 'assigned', 'acknowledged', 'in_progress', 'reported');
-- A vessel's record; a boat's tasks; an alert's case.
CREATE INDEX cases_mmsi ON cases (mmsi, created_at DESC) WHERE mmsi IS NOT NULL;
CREATE INDEX cases_patrol ON cases (patrol_mmsi) WHERE patrol_mmsi IS NOT NULL;
CREATE INDEX cases_alert_ids ON cases USING gin (alert_ids);
CREATE INDEX cases_instructed ON cases USING gin (instructed);

CREATE TABLE case_history (
    id       bigserial PRIMARY KEY,
    case_id  text NOT NULL REFERENCES cases (id),
    at       timestamptz NOT NULL,
    change   text NOT NULL,
    actor    text,              -- NULL for the system (escalation)
    note     text,
    status   text               -- the case's status after the change
);

CREATE INDEX case_history_case ON case_history (case_id, at, id);

CREATE FUNCTION seagrid_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER case_history_append_only
    BEFORE UPDATE OR DELETE ON case_history
    FOR EACH ROW EXECUTE FUNCTION seagrid_append_only();
CREATE TRIGGER case_history_no_truncate
    BEFORE TRUNCATE ON case_history
    FOR EACH STATEMENT EXECUTE FUNCTION seagrid_append_only();

REVOKE UPDATE, DELETE, TRUNCATE ON case_history FROM PUBLIC;
