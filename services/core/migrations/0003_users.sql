-- Users of the web service (services/web/users.py, `seagrid user`).
--
-- The password is stored only as a scrypt hash string (services/web/auth.py). Office and
-- MMSI binding follow the role: office and patrol users have an office, patrol users also
-- the MMSI of their patrol vessel. The office id is checked against the configuration by
-- `seagrid user add`, not here: offices live in seagrid.toml, not in the database.

CREATE TABLE users (
    name          text PRIMARY KEY,
    role          text NOT NULL CHECK (role IN ('operator', 'supervisor', 'office', 'patrol', 'admin')),
    office        text,
    mmsi          bigint,
    password_hash text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CHECK ((role IN ('office', 'patrol')) = (office IS NOT NULL)),
    CHECK ((role = 'patrol') = (mmsi IS NOT NULL))
);
