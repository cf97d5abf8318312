-- The chat-group steward desk (/desk): what became of each message, the
-- replies sent back to the groups, and their delivery.
-- (Numbered ...0019 so that it cannot collide with a migration added on
-- another branch at the same time.)

-- How the desk answered (first answer wins: the update is conditional on
-- first_reply_at still being NULL, so two stewards never both answer):
-- 'replied', 'incident', 'consultation' or 'not_police'.
ALTER TABLE chat_messages ADD COLUMN disposition TEXT
    CHECK (disposition IN ('replied', 'incident', 'consultation', 'not_police'));
-- the steward who answered first (a name typed on the desk; no accounts)
ALTER TABLE chat_messages ADD COLUMN answered_by TEXT;
-- the closing reply after the linked incident was resolved (闭环)
ALTER TABLE chat_messages ADD COLUMN loop_closed_at INTEGER;
ALTER TABLE chat_messages ADD COLUMN loop_closed_by TEXT;
CREATE INDEX chat_messages_by_incident ON chat_messages (incident_id) WHERE incident_id IS NOT NULL;

-- Every reply the desk sends to a group, durable before the steward is
-- answered; a background task delivers it to the group's outbound webhook
-- and records how that went. The chat platform never holds up the desk.
CREATE TABLE chat_replies (
    id              INTEGER PRIMARY KEY,
    chat_message_id INTEGER NOT NULL REFERENCES chat_messages (id),
    group_id        TEXT NOT NULL,
    -- 'answer' (the first answer, or with a disposition) or 'closing'
    kind            TEXT NOT NULL CHECK (kind IN ('answer', 'closing')),
    text            TEXT NOT NULL,
    steward         TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    -- 'pending' (waiting or retrying), 'delivered', 'failed' (gave up after
    -- the configured attempts) or 'no_webhook' (the group has none configured)
    delivery        TEXT NOT NULL CHECK (delivery IN ('pending', 'delivered', 'failed', 'no_webhook')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER,
    delivered_at    INTEGER,
    -- the last failure (an HTTP status or a connection error), for the desk
    last_error      TEXT
);
CREATE INDEX chat_replies_by_message ON chat_replies (chat_message_id);
CREATE INDEX chat_replies_pending ON chat_replies (next_attempt_at) WHERE delivery = 'pending';

-- The reply timer (policy chat_reply_s, from received_at) is run by the
-- engine like an incident's timers: amber at 80%, red at 100%, each fired
-- once (marked here in the same transaction as its alert), across restarts.
ALTER TABLE chat_messages ADD COLUMN reply_amber_fired_at INTEGER;
ALTER TABLE chat_messages ADD COLUMN reply_red_fired_at INTEGER;
CREATE INDEX chat_messages_reply_running ON chat_messages (received_at)
    WHERE first_reply_at IS NULL AND reply_red_fired_at IS NULL;

-- Alerts now also come from chat reply timers: an alert is about an incident
-- or about a chat message (exactly one). SQLite cannot change a CHECK
-- constraint in place, so the table is rebuilt with its rows and indexes.
CREATE TABLE alerts_new (
    id                INTEGER PRIMARY KEY,
    at                INTEGER NOT NULL,
    incident_id       INTEGER REFERENCES incidents (id),
    chat_message_id   INTEGER REFERENCES chat_messages (id),
    station           TEXT,
    kind              TEXT NOT NULL CHECK (kind IN ('timer', 'escalation')),
    timer_kind        TEXT NOT NULL CHECK (timer_kind IN ('dispatch', 'arrival', 'closure', 'chat_reply')),
    level             TEXT NOT NULL CHECK (level IN ('amber', 'red')),
    deadline          INTEGER NOT NULL,
    suggested_unit_id INTEGER REFERENCES units (id),
    CHECK ((incident_id IS NULL) <> (chat_message_id IS NULL))
);
INSERT INTO alerts_new (id, at, incident_id, station, kind, timer_kind, level, deadline, suggested_unit_id)
    SELECT id, at, incident_id, station, kind, timer_kind, level, deadline, suggested_unit_id FROM alerts;
DROP TABLE alerts;
ALTER TABLE alerts_new RENAME TO alerts;
CREATE INDEX alerts_by_at ON alerts (at);
CREATE INDEX alerts_by_incident ON alerts (incident_id);
