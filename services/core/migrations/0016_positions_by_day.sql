-- Raw positions partitioned by day (UTC), so that retention drops a whole day's partition
-- (a file unlink) instead of DELETEing millions of rows (dead tuples, vacuum, WAL).
--
-- The existing table is renamed, a partitioned `positions` with the same columns and indexes
-- takes its name, a partition is created for every day it holds, its rows are copied and it
-- is dropped. The identity (mmsi, ts, lat, lon) already contains the partition key ts, which
-- PostgreSQL requires of a unique index on a partitioned table, so redelivery stays
-- idempotent exactly as before. On a very large table this copy takes a while and blocks
-- writers (migrations run in one transaction): upgrade in a quiet hour.
--
-- Partitions are created on demand by the writer (services/ingest/store.py) through
-- seagrid_position_partition(day), before the transaction that fills them, so no row ever
-- waits for DDL. There is deliberately no DEFAULT partition: it would have to be scanned and
-- would block creating a partition for any day it held rows of.

ALTER TABLE positions RENAME TO positions_unpartitioned;
ALTER INDEX positions_identity RENAME TO positions_unpartitioned_identity;
ALTER INDEX positions_ts_brin RENAME TO positions_unpartitioned_ts_brin;
ALTER INDEX IF EXISTS positions_cell_ts RENAME TO positions_unpartitioned_cell_ts;
ALTER INDEX IF EXISTS positions_office_ts RENAME TO positions_unpartitioned_office_ts;

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
    cell     text,
    office   text
) PARTITION BY RANGE (ts);

CREATE UNIQUE INDEX positions_identity ON positions (mmsi, ts, lat, lon);
CREATE INDEX positions_ts_brin ON positions USING brin (ts);
CREATE INDEX positions_cell_ts ON positions (cell, ts) WHERE cell IS NOT NULL;
CREATE INDEX positions_office_ts ON positions (office, ts) WHERE office IS NOT NULL;

-- The partition holding `day` (UTC), created when missing; returns its name. Two writers
-- may ask for a new day at once: the advisory lock lets one create it and the other find it.
CREATE FUNCTION seagrid_position_partition(day date) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    name text := format('positions_p%s', to_char(day, 'YYYYMMDD'));
BEGIN
    IF to_regclass(name) IS NULL THEN
        PERFORM pg_advisory_xact_lock(hashtext(name));
        IF to_regclass(name) IS NULL THEN
            EXECUTE format(
                'CREATE TABLE %I PARTITION OF positions FOR VALUES FROM (%L) TO (%L)',
                name, day::text || ' 00:00:00+00', (day + 1)::text || ' 00:00:00+00');
        END IF;
    END IF;
    RETURN name;
END $$;

SELECT seagrid_position_partition(d::date)
FROM (SELECT DISTINCT (ts AT TIME ZONE 'UTC')::date AS d FROM positions_unpartitioned) days;

INSERT INTO positions SELECT ts, lat, lon, speed, course, turn, mmsi, heading, status, msg_type,
                             source, cell, office
FROM positions_unpartitioned;

DROP TABLE positions_unpartitioned;
