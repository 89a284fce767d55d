-- Traffic statistics, maintained as positions are written (services/stats/incremental.py, in
-- the writer's transaction) and re-computable from raw positions (`seagrid stats backfill`).
-- They outlive the raw positions: retention drops position partitions, never these.
--
-- traffic_presence: one row per (UTC hour, cell, vessel). It is what keeps distinct-vessel
-- counts exact and incremental: "vessels in office X on day D" is count(DISTINCT mmsi) over
-- these rows, whatever the area and period, which no per-hour counter could answer (a vessel
-- seen in two hours or two cells would be counted twice). Ship type and size class are
-- looked up in `vessels` when a report asks, so a vessel whose static report came after its
-- first positions is still classified, and an incremental result equals a back-fill.
-- A vessel in the jurisdiction reports ~100 times an hour, so this table is ~1% of positions.
--   positions   reports in this hour and cell (0: a row that only records an exit)
--   speed_n, speed_dk   reports with a speed, and their sum in tenths of a knot (AIS
--               resolution; integers, so that sums do not depend on the order of addition)
--   speed_max   fastest report
--   entries     arrivals in this cell: reports here whose previous report of the vessel (at
--               most 6 hours earlier) was elsewhere, or that have none (first sighting)
--   exits       departures from this cell, counted at the hour of the first report elsewhere
--               (within 6 hours; a vessel that falls silent in a cell has not left it)
CREATE TABLE traffic_presence (
    hour        timestamptz NOT NULL,
    cell        text NOT NULL,
    mmsi        integer NOT NULL,
    office      text NOT NULL,
    positions   integer NOT NULL DEFAULT 0,
    speed_n     integer NOT NULL DEFAULT 0,
    speed_dk    bigint NOT NULL DEFAULT 0,
    speed_max   double precision,
    entries     integer NOT NULL DEFAULT 0,
    exits       integer NOT NULL DEFAULT 0,
    PRIMARY KEY (hour, cell, mmsi)
);
CREATE INDEX traffic_presence_office ON traffic_presence (office, hour);

-- Each vessel's newest aggregated report: where the next batch's first report of the vessel
-- came from (entries and exits across batches).
CREATE TABLE traffic_vessel_last (
    mmsi    integer PRIMARY KEY,
    ts      timestamptz NOT NULL,
    lat     double precision NOT NULL,
    lon     double precision NOT NULL,
    cell    text,
    office  text
);

-- Density: reports per 0.01-degree raster square (about 1 km) inside the jurisdiction, per
-- local day (Asia/Shanghai, the zone reports are written in) and ship-type group. The group
-- is the vessel's as known when the report was written ('unknown' before its first static
-- report); totals over groups are exact and equal a back-fill's.
CREATE TABLE traffic_density (
    day         date NOT NULL,
    gx          integer NOT NULL,  -- floor(lon * 100)
    gy          integer NOT NULL,  -- floor(lat * 100)
    ship_group  text NOT NULL,
    positions   integer NOT NULL,
    PRIMARY KEY (day, ship_group, gx, gy)
);

-- AIS ship type (ITU-R M.1371 table 53) to the groups reports use (GLOSSARY: 货船, 油船, 客船,
-- 渔船, 拖船, 工程船, 危险品船). Cargo ships carrying dangerous goods (hazard categories A-D,
-- types 71-74) are their own group, as the administration tracks them separately.
CREATE FUNCTION seagrid_ship_group(ship_type smallint) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN ship_type IS NULL OR ship_type = 0 THEN 'unknown'
        WHEN ship_type BETWEEN 71 AND 74 OR ship_type BETWEEN 81 AND 84 THEN 'dangerous'
        WHEN ship_type BETWEEN 70 AND 79 THEN 'cargo'
        WHEN ship_type BETWEEN 80 AND 89 THEN 'tanker'
        WHEN ship_type BETWEEN 60 AND 69 OR ship_type BETWEEN 40 AND 49 THEN 'passenger'
        WHEN ship_type = 30 THEN 'fishing'
        WHEN ship_type IN (31, 32, 52) THEN 'tug'
        WHEN ship_type = 33 THEN 'engineering'
        WHEN ship_type IN (50, 51, 53, 54, 55, 58, 59) THEN 'service'
        ELSE 'other'
    END
$$;

-- Length overall from the AIS dimensions (to_bow + to_stern) to size classes.
CREATE FUNCTION seagrid_size_class(to_bow smallint, to_stern smallint) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN to_bow IS NULL OR to_stern IS NULL OR to_bow + to_stern = 0 THEN 'unknown'
        WHEN to_bow + to_stern < 25 THEN 'lt25'
        WHEN to_bow + to_stern < 50 THEN '25_50'
        WHEN to_bow + to_stern < 100 THEN '50_100'
        WHEN to_bow + to_stern < 200 THEN '100_200'
        ELSE 'ge200'
    END
$$;

-- The per-(hour, cell, office, ship group, size class) roll-up that reports and dashboards
-- read, from the presence rows and today's static data.
CREATE VIEW traffic_hourly AS
SELECT p.hour, p.cell, p.office,
       seagrid_ship_group(v.ship_type) AS ship_group,
       seagrid_size_class(v.to_bow, v.to_stern) AS size_class,
       count(*) FILTER (WHERE p.positions > 0) AS vessels,
       sum(p.positions) AS positions,
       sum(p.entries) AS entries,
       sum(p.exits) AS exits,
       sum(p.speed_dk) / 10.0 / nullif(sum(p.speed_n), 0) AS mean_speed,
       max(p.speed_max) AS max_speed
FROM traffic_presence p LEFT JOIN vessels v ON v.mmsi = p.mmsi
GROUP BY 1, 2, 3, 4, 5;
