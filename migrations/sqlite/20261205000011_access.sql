-- Who may see and do what: people's accounts, device tokens, sessions and
-- the audit log. The rules themselves (roles × permissions, lockout, session
-- limits, passwords) are in domain/src/access.rs and domain/src/login.rs;
-- these tables hold their state. Times are INTEGER milliseconds, UTC.

-- People: admins, station chiefs, dispatchers, chat stewards, patrol officers.
CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    -- the login name, and the actor every log records for this person
    name          TEXT NOT NULL UNIQUE COLLATE NOCASE,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'chief', 'dispatcher', 'steward', 'officer')),
    -- a chief is bound to one station, an officer to one unit
    station       TEXT REFERENCES stations (code),
    unit_id       INTEGER REFERENCES units (id),
    -- argon2id in PHC form: algorithm, parameters, salt and hash together
    password_hash TEXT NOT NULL,
    -- made by the demo (with the demo's published password): never in a real deployment
    demo          INTEGER NOT NULL DEFAULT 0 CHECK (demo IN (0, 1)),
    created_at    INTEGER NOT NULL,
    created_by    TEXT NOT NULL,
    last_login_at INTEGER,
    -- failed logins in the current window (domain::login::Failures)
    failed_count  INTEGER NOT NULL DEFAULT 0,
    failed_since  INTEGER,
    locked_at     INTEGER,
    disabled_at   INTEGER,
    disabled_why  TEXT NOT NULL DEFAULT '',
    CHECK ((role = 'chief') = (station IS NOT NULL)),
    CHECK ((role = 'officer') = (unit_id IS NOT NULL))
);

-- Devices: wall-screen kiosks, vehicle trackers, chat bridges. The token
-- itself (256 random bits) is shown once, when it is made; only its SHA-256
-- is kept, so a copy of the database opens nothing.
CREATE TABLE tokens (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE COLLATE NOCASE,
    role         TEXT NOT NULL CHECK (role IN ('kiosk', 'tracker', 'bridge')),
    secret_hash  BLOB NOT NULL UNIQUE,
    -- the token's first characters, to tell tokens apart on the admin page
    hint         TEXT NOT NULL,
    demo         INTEGER NOT NULL DEFAULT 0 CHECK (demo IN (0, 1)),
    created_at   INTEGER NOT NULL,
    created_by   TEXT NOT NULL,
    revoked_at   INTEGER,
    revoked_by   TEXT,
    -- stamped as it is used (written every few seconds, not on every request)
    last_used_at INTEGER
);

-- A tracker's units.
CREATE TABLE token_units (
    token_id INTEGER NOT NULL REFERENCES tokens (id),
    unit_id  INTEGER NOT NULL REFERENCES units (id),
    PRIMARY KEY (token_id, unit_id)
);

-- A bridge's chat groups.
CREATE TABLE token_groups (
    token_id INTEGER NOT NULL REFERENCES tokens (id),
    group_id TEXT NOT NULL,
    PRIMARY KEY (token_id, group_id)
);

-- Logged-in browsers: a person's (which ends when idle or too old, see
-- domain::login) or a kiosk's (from its token, until the token is revoked).
-- The cookie carries 256 random bits; only their SHA-256 is kept here.
CREATE TABLE sessions (
    id_hash       BLOB PRIMARY KEY,
    user_id       INTEGER REFERENCES users (id),
    token_id      INTEGER REFERENCES tokens (id),
    created_at    INTEGER NOT NULL,
    -- the last keystroke, click or page the person asked for
    last_input_at INTEGER NOT NULL,
    -- what every form of this session carries against cross-site requests
    csrf          TEXT NOT NULL,
    CHECK ((user_id IS NULL) <> (token_id IS NULL))
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_token ON sessions (token_id);

-- Who did what, and who was refused: logins, logouts, token use, every view
-- of a reporter's contact, a chat sender's phone or a photo, every state
-- change, every refusal, and the administration of accounts and tokens.
-- Append-only: rows cannot be changed, and none younger than a year can be
-- deleted (the server removes older ones after `auth.audit_retention_days`).
CREATE TABLE audit_log (
    id      INTEGER PRIMARY KEY,
    at      INTEGER NOT NULL,
    -- the account's or token's name; '' when nobody was logged in
    actor   TEXT NOT NULL,
    role    TEXT NOT NULL DEFAULT '',
    action  TEXT NOT NULL,
    -- what it was about: "incident 12", "POST /api/v1/incidents/12/assign"
    target  TEXT NOT NULL DEFAULT '',
    outcome TEXT NOT NULL CHECK (outcome IN ('ok', 'refused', 'failed')),
    detail  TEXT NOT NULL DEFAULT '',
    -- the client's address
    ip      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_actor ON audit_log (actor, at);

CREATE TRIGGER audit_log_append_only BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

CREATE TRIGGER audit_log_kept_a_year BEFORE DELETE ON audit_log
WHEN OLD.at > (CAST(strftime('%s', 'now') AS INTEGER) - 365 * 86400) * 1000
BEGIN
    SELECT RAISE(ABORT, 'audit rows are kept at least a year');
END;
