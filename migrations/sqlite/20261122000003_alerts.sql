-- Alerts: a response timer turning amber or red, and escalations (a red
-- arrival timer: the station chief is told, with the next-best unit).
-- Written in the same transaction that marks the timer's `*_fired_at`, so
-- each goes out exactly once, across restarts too.
CREATE TABLE alerts (
    id                INTEGER PRIMARY KEY,
    at                INTEGER NOT NULL,
    incident_id       INTEGER NOT NULL REFERENCES incidents (id),
    station           TEXT,
    kind              TEXT NOT NULL CHECK (kind IN ('timer', 'escalation')),
    timer_kind        TEXT NOT NULL CHECK (timer_kind IN ('dispatch', 'arrival', 'closure')),
    level             TEXT NOT NULL CHECK (level IN ('amber', 'red')),
    deadline          INTEGER NOT NULL,
    -- escalations: the best available unit when it was raised (may be none)
    suggested_unit_id INTEGER REFERENCES units (id)
);
CREATE INDEX alerts_by_at ON alerts (at);
CREATE INDEX alerts_by_incident ON alerts (incident_id);
