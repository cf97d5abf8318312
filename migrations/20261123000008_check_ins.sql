-- Proof of patrol: accepted check-ins at must-patrol points (append-only).
-- A refused check-in is answered with its reason and not stored.
CREATE TABLE check_ins (
    id          INTEGER PRIMARY KEY,
    point_code  TEXT    NOT NULL,
    unit_id     INTEGER NOT NULL REFERENCES units(id),
    at          INTEGER NOT NULL,               -- ms since the epoch (UTC)
    lat         REAL    NOT NULL,               -- the unit's position that proved it
    lon         REAL    NOT NULL,
    distance_m  REAL    NOT NULL,
    method      TEXT    NOT NULL CHECK (method IN ('gps', 'qr'))
);
CREATE INDEX check_ins_point_at ON check_ins (point_code, at);
