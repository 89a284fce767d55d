-- Positions by area and time: "the tracks in cell X / of office Y last week", what an
-- office's statistics and reports ask for. The persist stage now stores the cell and office
-- gridding found each position in (NULL outside the jurisdiction).
--
-- Two partial B-trees, (cell, ts) and (office, ts): a cell query must not read its whole
-- office's week, and an office query must not visit every cell of it one by one (PostgreSQL
-- 15 has no skip scan, so one (office, cell, ts) index would not serve both). Positions
-- outside the jurisdiction, often most of what a coastal station hears, are left out of both
-- (WHERE ... IS NOT NULL): no report asks for "no cell", and every index entry is paid for on
-- the hottest insert path. Rows stored before this migration have NULL cells, so building the
-- indexes reads the table once but writes almost nothing. It does block writes meanwhile
-- (migrations run in a transaction): on a very large table, create the same two indexes
-- beforehand with CREATE INDEX CONCURRENTLY and this migration finds them (IF NOT EXISTS).

CREATE INDEX IF NOT EXISTS positions_cell_ts ON positions (cell, ts) WHERE cell IS NOT NULL;
CREATE INDEX IF NOT EXISTS positions_office_ts ON positions (office, ts) WHERE office IS NOT NULL;
