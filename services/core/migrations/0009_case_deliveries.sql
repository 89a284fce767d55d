-- Each attempt to deliver a case escalation through a channel (the provincial centre's
-- webhook), with its result: the delivery record of docs/cases.md.

CREATE TABLE case_deliveries (
    id           bigserial PRIMARY KEY,
    case_id      text NOT NULL REFERENCES cases (id),
    level        text NOT NULL,
    channel      text NOT NULL,
    attempt      integer NOT NULL,
    ok           boolean NOT NULL,
    at           timestamptz NOT NULL,
    status_code  integer,
    error        text
);

CREATE INDEX case_deliveries_case ON case_deliveries (case_id, at);
