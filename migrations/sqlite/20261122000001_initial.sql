-- Command Room: the initial schema.
--
-- Conventions
-- * Every time is INTEGER milliseconds since the Unix epoch, UTC. Integers
--   make response-time arithmetic (on_scene_at - received_at) cheap in SQL
--   and behave the same in SQLite and PostgreSQL.
-- * Every enum is TEXT holding the domain's snake_case name, with a CHECK so
--   a bad value cannot be stored even by hand.
-- * Positions are WGS-84 degrees in two REAL columns.

-- ── The district ────────────────────────────────────────────────────────────
-- Loaded from the district file on the first start; after that the database
-- is the source (edits survive restarts).

CREATE TABLE district_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Street police stations (警务站). `area` is a JSON array of [lat, lon].
CREATE TABLE stations (
    code    TEXT PRIMARY KEY,
    name    TEXT NOT NULL,
    name_en TEXT NOT NULL DEFAULT '',
    area    TEXT NOT NULL
);

-- Zones with a response class: how fast a point inside must be reached.
CREATE TABLE zones (
    code    TEXT PRIMARY KEY,
    name    TEXT NOT NULL,
    name_en TEXT NOT NULL DEFAULT '',
    class   TEXT NOT NULL CHECK (class IN ('core', 'crowded', 'other')),
    area    TEXT NOT NULL
);

-- Must-patrol points. `windows` is a JSON array of "HH:MM-HH:MM" (local time).
CREATE TABLE patrol_points (
    code     TEXT PRIMARY KEY,
    name     TEXT NOT NULL,
    station  TEXT NOT NULL REFERENCES stations (code),
    lat      REAL NOT NULL,
    lon      REAL NOT NULL,
    radius_m REAL NOT NULL CHECK (radius_m > 0),
    windows  TEXT NOT NULL
);

-- Places to search for and to draw: squares, markets, schools, hospitals...
CREATE TABLE landmarks (
    id       INTEGER PRIMARY KEY,
    name     TEXT NOT NULL,
    name_en  TEXT NOT NULL DEFAULT '',
    initials TEXT NOT NULL DEFAULT '',
    kind     TEXT NOT NULL,
    lat      REAL NOT NULL,
    lon      REAL NOT NULL
);

-- Roads to draw. `line` is a JSON array of [lat, lon].
CREATE TABLE roads (
    id    INTEGER PRIMARY KEY,
    name  TEXT NOT NULL,
    class TEXT NOT NULL CHECK (class IN ('major', 'minor')),
    line  TEXT NOT NULL
);

-- ── Units ───────────────────────────────────────────────────────────────────

CREATE TABLE units (
    id          INTEGER PRIMARY KEY,
    callsign    TEXT NOT NULL UNIQUE,
    kind        TEXT NOT NULL CHECK (kind IN ('car', 'motorbike', 'ebike', 'foot', 'post')),
    force       TEXT NOT NULL CHECK (force IN ('police', 'auxiliary', 'volunteer', 'security')),
    station     TEXT NOT NULL REFERENCES stations (code),
    status      TEXT NOT NULL CHECK (status IN ('off_duty', 'available', 'dispatched', 'en_route', 'on_scene', 'out_of_service')),
    -- the last reported position and when it was taken (police data: never
    -- logged at info level, never on a public page)
    lat         REAL,
    lon         REAL,
    seen_at     INTEGER,
    -- the incident the unit is working; set and cleared with `assignments`
    incident_id INTEGER REFERENCES incidents (id),
    updated_at  INTEGER NOT NULL
);

-- The trail of every accepted position, for replay and review.
CREATE TABLE positions (
    unit_id     INTEGER NOT NULL REFERENCES units (id),
    at          INTEGER NOT NULL,
    lat         REAL NOT NULL,
    lon         REAL NOT NULL,
    received_at INTEGER NOT NULL
);
CREATE INDEX positions_by_unit ON positions (unit_id, at);

-- ── Incidents ───────────────────────────────────────────────────────────────

CREATE TABLE incidents (
    id               INTEGER PRIMARY KEY,
    -- the sending system's idempotency key: the same key, the same incident
    external_id      TEXT UNIQUE,
    channel          TEXT NOT NULL CHECK (channel IN ('phone', 'walk_in', 'chat', 'web', 'patrol', 'video')),
    category         TEXT NOT NULL,
    priority         INTEGER NOT NULL CHECK (priority BETWEEN 1 AND 3),
    status           TEXT NOT NULL CHECK (status IN ('new', 'dispatched', 'en_route', 'on_scene', 'resolved', 'closed', 'cancelled')),
    lat              REAL NOT NULL,
    lon              REAL NOT NULL,
    address          TEXT NOT NULL DEFAULT '',
    description      TEXT NOT NULL DEFAULT '',
    -- personal data: shown to dispatchers only, never broadcast or logged
    reporter_contact TEXT,
    -- where the point fell when the incident was taken (NULL: outside all)
    station          TEXT REFERENCES stations (code),
    zone             TEXT,
    zone_class       TEXT CHECK (zone_class IN ('core', 'crowded', 'other')),
    -- one timestamp per stage, written with the status_log row that made it
    received_at      INTEGER NOT NULL,
    dispatched_at    INTEGER,
    en_route_at      INTEGER,
    on_scene_at      INTEGER,
    resolved_at      INTEGER,
    closed_at        INTEGER,
    cancelled_at     INTEGER,
    created_by       TEXT NOT NULL
);
CREATE INDEX incidents_open ON incidents (status) WHERE status IN ('new', 'dispatched', 'en_route', 'on_scene');
CREATE INDEX incidents_by_received ON incidents (received_at);
CREATE INDEX incidents_by_station ON incidents (station, received_at);

-- Which unit was sent to which incident, and when it was released.
CREATE TABLE assignments (
    id           INTEGER PRIMARY KEY,
    incident_id  INTEGER NOT NULL REFERENCES incidents (id),
    unit_id      INTEGER NOT NULL REFERENCES units (id),
    assigned_at  INTEGER NOT NULL,
    assigned_by  TEXT NOT NULL,
    cleared_at   INTEGER,
    clear_reason TEXT
);
-- A unit works one incident at a time: the database refuses a second open
-- assignment even if two servers race.
CREATE UNIQUE INDEX one_open_assignment_per_unit ON assignments (unit_id) WHERE cleared_at IS NULL;
CREATE INDEX assignments_by_incident ON assignments (incident_id);

-- Response timers. Deadlines are data: a restart reads them back and every
-- timer resumes where it was. `amber_fired_at` / `red_fired_at` record that
-- the event went out, so it goes out exactly once.
CREATE TABLE timers (
    incident_id    INTEGER NOT NULL REFERENCES incidents (id),
    kind           TEXT NOT NULL CHECK (kind IN ('dispatch', 'arrival', 'closure')),
    started_at     INTEGER NOT NULL,
    amber_at       INTEGER NOT NULL,
    deadline       INTEGER NOT NULL,
    stopped_at     INTEGER,
    amber_fired_at INTEGER,
    red_fired_at   INTEGER,
    PRIMARY KEY (incident_id, kind)
);
CREATE INDEX timers_running ON timers (deadline) WHERE stopped_at IS NULL;

-- ── The audit trail ─────────────────────────────────────────────────────────
-- Every status change of an incident or a unit: when, who, from, to, why.
-- Stage timestamps, response times and reviews all derive from it.
CREATE TABLE status_log (
    id          INTEGER PRIMARY KEY,
    at          INTEGER NOT NULL,
    entity      TEXT NOT NULL CHECK (entity IN ('incident', 'unit')),
    entity_id   INTEGER NOT NULL,
    from_status TEXT,
    to_status   TEXT NOT NULL,
    actor       TEXT NOT NULL,
    reason      TEXT NOT NULL DEFAULT '',
    -- for unit rows: the incident the change was about, if any
    incident_id INTEGER
);
CREATE INDEX status_log_by_entity ON status_log (entity, entity_id, id);
CREATE INDEX status_log_by_incident ON status_log (incident_id) WHERE incident_id IS NOT NULL;
