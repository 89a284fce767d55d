-- Vessels and their position history.
--
-- positions grows by millions of rows a day, so it carries no triggers and no foreign key to
-- vessels (a position may be stored before its vessel's first static report). Its identity,
-- (mmsi, ts, lat, lon), makes writes idempotent: a batch redelivered by the bus inserts
-- nothing twice, while two stations sharing one MMSI at the same second (spoofing, a
-- misconfigured transponder) are both kept as evidence. The same index serves track queries
-- by (mmsi, ts); rows arrive roughly in time order, so a BRIN index on ts is enough for
-- time-range scans and retention at a fraction of a B-tree's size.
-- Columns are ordered widest first to avoid alignment padding.

CREATE TABLE vessels (
    mmsi          integer PRIMARY KEY,
    mmsi_class    text,
    -- dynamic: from the newest position report
    ts            timestamptz,
    lat           double precision,
    lon           double precision,
    speed         double precision,
    course        double precision,
    turn          double precision,
    heading       smallint,
    status        smallint,
    position_type smallint,
    source        text NOT NULL DEFAULT '',
    -- static and voyage (types 5, 19, 24A/B)
    static_ts     timestamptz,
    static_type   smallint,
    shipname      text,
    callsign      text,
    imo           integer,
    ship_type     smallint,
    to_bow        smallint,
    to_stern      smallint,
    to_port       smallint,
    to_starboard  smallint,
    draught       double precision,
    destination   text,
    eta           text,
    last_seen     timestamptz,
    updated_at    timestamptz NOT NULL DEFAULT now()
) WITH (fillfactor = 70);  -- room for HOT updates: every flush rewrites the latest position

CREATE TABLE positions (
    ts       timestamptz NOT NULL,
    lat      double precision NOT NULL,
    lon      double precision NOT NULL,
    speed    double precision,
    course   double precision,
    turn     double precision,
    mmsi     integer NOT NULL,
    heading  smallint,
    status   smallint,
    msg_type smallint NOT NULL,
    source   text NOT NULL DEFAULT '',
    cell     text,  -- filled by gridding
    office   text
);

CREATE UNIQUE INDEX positions_identity ON positions (mmsi, ts, lat, lon);
CREATE INDEX positions_ts_brin ON positions USING brin (ts);
