-- Community officers' monthly task lists (社区民警任务清单): made from the
-- rules in config/tasks.toml on the first of each month (or when a chief
-- asks), each for one unit (a community officer), each saying why it
-- exists; reported done with text, photos and the phone's position; then
-- accepted or returned by a chief.
CREATE TABLE tasks (
    id           INTEGER PRIMARY KEY,
    station      TEXT NOT NULL,
    unit_id      INTEGER NOT NULL REFERENCES units (id),
    -- the local month, '2026-12'
    month        TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('visit', 'hazard_check', 'follow_up', 'publicity')),
    title        TEXT NOT NULL,
    reason       TEXT NOT NULL,
    lat          REAL,
    lon          REAL,
    -- unique within the station and month (made once)
    task_key     TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('open', 'submitted', 'accepted', 'returned')),
    report_text  TEXT,
    report_lat   REAL,
    report_lon   REAL,
    reported_at  INTEGER,
    reported_by  TEXT,
    reviewed_at  INTEGER,
    reviewed_by  TEXT,
    review_note  TEXT,
    created_at   INTEGER NOT NULL,
    created_by   TEXT NOT NULL
);
CREATE UNIQUE INDEX tasks_once ON tasks (station, month, task_key);
CREATE INDEX tasks_by_unit ON tasks (unit_id, month);
CREATE INDEX tasks_by_month ON tasks (month, station);

-- A task report's photos, re-encoded like residents' photos (no EXIF).
CREATE TABLE task_photos (
    id           TEXT PRIMARY KEY,
    task_id      INTEGER NOT NULL REFERENCES tasks (id),
    content_type TEXT NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'image/webp')),
    bytes        INTEGER NOT NULL,
    data         BLOB NOT NULL,
    created_at   INTEGER NOT NULL
);
CREATE INDEX task_photos_by_task ON task_photos (task_id);
