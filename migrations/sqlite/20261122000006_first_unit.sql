-- The unit a review credits an incident to: the first one dispatched to it
-- (the unit whose turnout and travel the stage times measure). Written by
-- the engine in the same transaction as the first assignment; filled here
-- from the assignments already made.

ALTER TABLE incidents ADD COLUMN first_unit_id INTEGER REFERENCES units (id);

UPDATE incidents SET first_unit_id = (
    SELECT a.unit_id FROM assignments a WHERE a.incident_id = incidents.id ORDER BY a.assigned_at, a.id LIMIT 1
) WHERE dispatched_at IS NOT NULL;

CREATE INDEX incidents_by_first_unit ON incidents (first_unit_id, received_at) WHERE first_unit_id IS NOT NULL;
