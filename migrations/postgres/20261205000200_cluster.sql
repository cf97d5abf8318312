-- Several servers on one database (PostgreSQL only).

-- The live stream's events, numbered once for every server: each server
-- appends the events of its changes here (seq = the last + 1, under a
-- transaction-level advisory lock, so numbers are gapless and follow commit
-- order), and every server tails the table (LISTEN/NOTIFY is only the
-- wake-up; the table is the truth), so a screen on any server sees every
-- change, in order, and can resume on any server.
CREATE TABLE events (
    seq     BIGINT PRIMARY KEY,
    at      BIGINT NOT NULL,
    -- the server that made the change (a random id per process start)
    origin  TEXT NOT NULL,
    -- the event as the stream sends it (app::wire::Event, JSON)
    payload TEXT NOT NULL
);
-- the leader deletes what is older than a few minutes (screens further
-- behind get a fresh snapshot anyway)
CREATE INDEX events_at ON events (at);

-- One row: the stream's identity (a client's `epoch`, the same on every
-- server) and the leader's term. The leader is whoever holds the advisory
-- lock; each new leader takes the next term, and the writes only a leader
-- makes (timers, escalations, patrol window ends, outbound delivery) check
-- it in their transaction, so a leader that lost the lock cannot act.
CREATE TABLE cluster (
    id           BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (id),
    epoch        TEXT NOT NULL,
    term         BIGINT NOT NULL DEFAULT 0,
    leader       TEXT,
    leader_since BIGINT
);
INSERT INTO cluster (epoch) VALUES (md5(random()::text || clock_timestamp()::text));
