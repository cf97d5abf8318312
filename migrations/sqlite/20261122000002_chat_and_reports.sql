-- The two public intake channels besides the phone.

-- Messages from community chat groups (the "second intake desk", 第二接警台),
-- delivered by a chat platform's bot or bridge.
CREATE TABLE chat_messages (
    id             INTEGER PRIMARY KEY,
    -- the platform's ids: (group_id, message_id) makes delivery idempotent,
    -- so a bridge that retries never stores a message twice
    group_id       TEXT NOT NULL,
    group_name     TEXT NOT NULL DEFAULT '',
    message_id     TEXT NOT NULL,
    sender_name    TEXT NOT NULL,
    -- personal data: shown to stewards, never broadcast or logged
    sender_phone   TEXT,
    text           TEXT NOT NULL,
    lat            REAL,
    lon            REAL,
    address        TEXT NOT NULL DEFAULT '',
    -- JSON array of attachment URLs (stored as given, never fetched here)
    attachments    TEXT NOT NULL DEFAULT '[]',
    sent_at        INTEGER NOT NULL,
    received_at    INTEGER NOT NULL,
    first_reply_at INTEGER,
    incident_id    INTEGER REFERENCES incidents (id),
    UNIQUE (group_id, message_id)
);
CREATE INDEX chat_messages_by_received ON chat_messages (received_at);

-- Residents' reports from the public page. The tracking code is all the
-- resident keeps; it reveals the stage of the incident and nothing else.
CREATE TABLE reports (
    code        TEXT PRIMARY KEY,
    incident_id INTEGER NOT NULL UNIQUE REFERENCES incidents (id),
    created_at  INTEGER NOT NULL
);
