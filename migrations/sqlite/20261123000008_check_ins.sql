-- Proof of patrol: accepted check-ins at must-patrol points (append-only).
-- A refused check-in is answered with its reason and not stored.
CREATE TABLE check_ins (
    id          INTEGER PRIMARY KEY,
    point_code  TEXT    NOT NULL,
    unit_id     INTEGER NOT NULL REFERENCES units(id),
    at          INTEGER NOT NULL,               -- ms since the epoch (UTC)
    lat         REAL,                           -- the unit's position that proved it
    lon         REAL,                           -- (none for a QR check-in without one)
    distance_m  REAL,
    method      TEXT    NOT NULL CHECK (method IN ('gps', 'qr'))
);
CREATE INDEX check_ins_point_at ON check_ins (point_code, at);

-- Openings of a point's window that ended without a check-in, recorded once
-- each by the server's patrol watch.
CREATE TABLE patrol_misses (
    point_code   TEXT    NOT NULL,
    station      TEXT    NOT NULL,
    window_start INTEGER NOT NULL,
    window_end   INTEGER NOT NULL,
    recorded_at  INTEGER NOT NULL,
    PRIMARY KEY (point_code, window_start)
);
CREATE INDEX patrol_misses_by_end ON patrol_misses (window_end);

-- The secret each point's printed QR code carries (made when a chief first
-- prints it; a check-in that presents it waives the proximity check).
CREATE TABLE patrol_tokens (
    point_code TEXT PRIMARY KEY,
    token      TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);
