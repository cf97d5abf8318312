-- The position trail becomes append-only in arrival order.
--
-- An index on (unit_id, at) puts every report on a different unit's page:
-- with thousands of units reporting each second, every commit rewrote
-- thousands of scattered index pages. The trail is now written in rowid
-- order and indexed by time, which is what a replay of the map reads; both
-- grow at their right edge only.
DROP INDEX positions_by_unit;
CREATE INDEX positions_by_at ON positions (at);

-- Small bookkeeping values. `units_checkpoint`: the last trail rowid whose
-- position is reflected in units.lat/lon/seen_at (written every heartbeat);
-- at start-up the rows after it are replayed, so the trail alone makes a
-- position durable.
CREATE TABLE checkpoints (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
INSERT INTO checkpoints (name, value) SELECT 'units_checkpoint', COALESCE(MAX(rowid), 0) FROM positions;
