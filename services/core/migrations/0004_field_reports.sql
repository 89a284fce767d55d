-- Field reports (现场反馈) are alert_changes rows with change = 'reported'. A patrol tablet
-- resends a report it kept while offline, and cannot know whether the first copy arrived,
-- so a report carries the client's own id and is stored once per (alert, report id).
-- (alert_id, change, at) stays unique as before; pipeline changes have no report id.

ALTER TABLE alert_changes ADD COLUMN report_id text;

CREATE UNIQUE INDEX alert_changes_report_id ON alert_changes (alert_id, report_id)
    WHERE report_id IS NOT NULL;
