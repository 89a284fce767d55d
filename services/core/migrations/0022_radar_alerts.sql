-- Radar rules (CONTRACTS §12, services/radar): a `radar_only` alert has no MMSI, only the
-- radar track that no AIS vessel accounts for; `position_mismatch` names both.
--
-- `track` holds {"radar": id, "target": number}. "At most one open alert per key" must
-- hold for radar-only alerts too, so the generated subject takes the track for them
-- ("radar:target", as services/alerts/model.py `track_subject` writes it) and the unique
-- index treats the NULL MMSI as one value (NULLS NOT DISTINCT, PostgreSQL 15).

ALTER TABLE alerts ALTER COLUMN mmsi DROP NOT NULL;
ALTER TABLE alerts ADD COLUMN track jsonb;

DROP INDEX alerts_one_open_per_key;
ALTER TABLE alerts DROP COLUMN subject;
ALTER TABLE alerts ADD COLUMN subject text GENERATED ALWAYS AS (
    coalesce(
        zone,
        other_mmsi::text,
        CASE WHEN mmsi IS NULL THEN (track ->> 'radar') || ':' || (track ->> 'target') END,
        ''
    )
) STORED;
CREATE UNIQUE INDEX alerts_one_open_per_key ON alerts (rule, mmsi, subject) NULLS NOT DISTINCT
    WHERE status IN ('open', 'acknowledged') AND cleared_at IS NULL;
