-- Who first acted on an alert and when (services/alerts/store_api.py `moved_by`): the
-- first operator action that took it out of `open` (acknowledge, resolve, false alarm, a
-- field report), by the server's clock. Cards show it ("acknowledged by X at T, after N
-- min") and statistics read the time to acknowledge from it without scanning the history.
--
-- Alerts acted on before this migration take it from their history: the earliest change
-- with an actor that left `open` behind.

ALTER TABLE alerts ADD COLUMN acknowledged_at timestamptz;
ALTER TABLE alerts ADD COLUMN acknowledged_by text;

UPDATE alerts a
SET acknowledged_at = first.at, acknowledged_by = first.actor
FROM (
    SELECT DISTINCT ON (alert_id) alert_id, at, actor
    FROM alert_changes
    WHERE actor IS NOT NULL AND status <> 'open'
      AND change IN ('acknowledged', 'resolved', 'false_alarm')
    ORDER BY alert_id, at, id
) AS first
WHERE a.id = first.alert_id AND a.status <> 'open';
