"""Traffic aggregates folded in by the position writer, in the transaction of its batch.

One statement per batch turns the batch's newly stored positions into upserts of
`traffic_presence` (one row per hour, cell and vessel: reports, speeds, entries, exits),
`traffic_density` (reports per raster square, day and ship group) and `traffic_vessel_last`
(each vessel's newest report, where the next batch's entries and exits start from). Only
rows actually inserted are counted, so a batch the bus delivers twice is counted once.

Entries and exits need each report's predecessor of the same vessel: within the batch it is
the previous row in (ts, lat, lon) order; for the batch's first row of a vessel it is
`traffic_vessel_last`. A report no newer than that one ("late": out of order by more than a
batch, which the pipeline does not produce for one vessel) still counts as presence and
speed but takes no part in entries and exits: re-ordering history incrementally would cost
every batch a look-up of both neighbours. `seagrid stats backfill` recomputes a range from
raw positions with the very same statement (`backfill.py`), which is how a late report is
folded in exactly, and how the tests prove the incremental figures equal a recomputation.

Time buckets: hours are UTC hours (`date_trunc(..., 'UTC')`: whole hours are whole hours in
China's +08:00 too); density days are local days in `REPORT_TZ`.
"""

from __future__ import annotations

REPORT_TZ = "Asia/Shanghai"  # reports and density days; China has one zone and no DST
VISIT_GAP_HOURS = 6  # a report this long after the previous one starts a new visit
RASTER_PER_DEGREE = 100  # density squares of 0.01 degree (~1 km at 25 N)

_FOLD = f"""
WITH src AS ({{source}}),
last AS ({{last}}),
marked AS (
    SELECT s.mmsi, s.ts, s.lat, s.lon, s.speed, s.cell, s.office,
           (l.mmsi IS NOT NULL AND (s.ts, s.lat, s.lon) <= (l.ts, l.lat, l.lon)) AS late
    FROM src s LEFT JOIN last l ON l.mmsi = s.mmsi
),
seq AS (
    SELECT mmsi, ts, lat, lon, cell, office, false AS counted FROM last
    UNION ALL
    SELECT mmsi, ts, lat, lon, cell, office, true FROM marked WHERE NOT late
),
moves AS (
    SELECT ts, mmsi, cell, office, counted, prev_cell, prev_office,
           coalesce(prev_ts > ts - interval '{VISIT_GAP_HOURS} hours', false) AS near
    FROM (
        SELECT s.*, lag(cell) OVER w AS prev_cell, lag(office) OVER w AS prev_office,
               lag(ts) OVER w AS prev_ts
        FROM seq s WINDOW w AS (PARTITION BY mmsi ORDER BY ts, lat, lon)
    ) ordered
),
parts AS (
    SELECT date_trunc('hour', ts, 'UTC') AS hour, cell, mmsi, office, 1 AS positions,
           (speed IS NOT NULL)::int AS speed_n, round(speed * 10)::bigint AS speed_dk,
           speed AS speed_max, 0 AS entries, 0 AS exits
    FROM marked WHERE cell IS NOT NULL
    UNION ALL
    SELECT date_trunc('hour', ts, 'UTC'), cell, mmsi, office, 0, 0, 0, NULL, 1, 0
    FROM moves
    WHERE counted AND cell IS NOT NULL AND NOT (near AND prev_cell IS NOT DISTINCT FROM cell)
    UNION ALL
    SELECT date_trunc('hour', ts, 'UTC'), prev_cell, mmsi, prev_office, 0, 0, 0, NULL, 0, 1
    FROM moves
    WHERE counted AND near AND prev_cell IS NOT NULL AND prev_cell IS DISTINCT FROM cell
),
presence AS (
    INSERT INTO traffic_presence AS t
        (hour, cell, mmsi, office, positions, speed_n, speed_dk, speed_max, entries, exits)
    SELECT hour, cell, mmsi, min(office), sum(positions), sum(speed_n),
           coalesce(sum(speed_dk), 0), max(speed_max), sum(entries), sum(exits)
    FROM parts GROUP BY hour, cell, mmsi ORDER BY hour, cell, mmsi
    ON CONFLICT (hour, cell, mmsi) DO UPDATE SET
        positions = t.positions + EXCLUDED.positions,
        speed_n = t.speed_n + EXCLUDED.speed_n,
        speed_dk = t.speed_dk + EXCLUDED.speed_dk,
        speed_max = greatest(t.speed_max, EXCLUDED.speed_max),
        entries = t.entries + EXCLUDED.entries,
        exits = t.exits + EXCLUDED.exits
),
density AS (
    INSERT INTO traffic_density AS t (day, ship_group, gx, gy, positions)
    SELECT (s.ts AT TIME ZONE '{REPORT_TZ}')::date, seagrid_ship_group(v.ship_type),
           floor(s.lon * {RASTER_PER_DEGREE})::int, floor(s.lat * {RASTER_PER_DEGREE})::int,
           count(*)
    FROM src s LEFT JOIN vessels v ON v.mmsi = s.mmsi
    WHERE s.cell IS NOT NULL
    GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
    ON CONFLICT (day, ship_group, gx, gy) DO UPDATE SET positions = t.positions + EXCLUDED.positions
)
INSERT INTO traffic_vessel_last AS t (mmsi, ts, lat, lon, cell, office)
SELECT DISTINCT ON (mmsi) mmsi, ts, lat, lon, cell, office
FROM marked WHERE NOT late
ORDER BY mmsi, ts DESC, lat DESC, lon DESC
ON CONFLICT (mmsi) DO UPDATE SET
    ts = EXCLUDED.ts, lat = EXCLUDED.lat, lon = EXCLUDED.lon, cell = EXCLUDED.cell,
    office = EXCLUDED.office
WHERE (EXCLUDED.ts, EXCLUDED.lat, EXCLUDED.lon) > (t.ts, t.lat, t.lon)
"""

# The batch's vessels' newest aggregated reports, for the writer.
_LAST_STORED = """
SELECT l.mmsi, l.ts, l.lat, l.lon, l.cell, l.office
FROM traffic_vessel_last l WHERE l.mmsi IN (SELECT mmsi FROM src)"""


def fold_sql(source: str, last: str = _LAST_STORED) -> str:
    """The statement that folds the rows of `source` into the aggregates.

    `source` selects (mmsi, ts timestamptz, lat, lon, speed, cell, office) of newly stored
    positions; `last` selects each vessel's report preceding them, in the same columns but
    speed (by default the stored `traffic_vessel_last`; a back-fill reads raw positions).
    """
    return _FOLD.format(source=source, last=last)
