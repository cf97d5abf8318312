-- Safety notices (安全提示): written by station chiefs (or proposed by the
-- seasonal calendar), scheduled, published to residents (the public page,
-- the CAP 1.2 feed and the station's chat groups), updated and cancelled.
CREATE TABLE notices (
    id             INTEGER PRIMARY KEY,
    -- the station it belongs to (a chief's); NULL: the whole district's
    station        TEXT,
    status         TEXT NOT NULL CHECK (status IN ('draft', 'scheduled', 'published', 'updated', 'cancelled')),
    title_zh       TEXT NOT NULL,
    body_zh        TEXT NOT NULL,
    title_en       TEXT,
    body_en        TEXT,
    category       TEXT NOT NULL,
    -- 'district', 'stations' (area_stations: codes joined by ',') or
    -- 'polygon' (area_polygon: 'lat,lon lat,lon …', closed)
    area_kind      TEXT NOT NULL CHECK (area_kind IN ('district', 'stations', 'polygon')),
    area_stations  TEXT,
    area_polygon   TEXT,
    effective_at   INTEGER NOT NULL,
    expires_at     INTEGER NOT NULL,
    urgency        TEXT NOT NULL,
    severity       TEXT NOT NULL,
    certainty      TEXT NOT NULL,
    -- when a scheduled notice is published
    publish_at     INTEGER,
    -- a calendar draft: its template and local month ('2026-12')
    calendar_key   TEXT,
    calendar_month TEXT,
    created_at     INTEGER NOT NULL,
    created_by     TEXT NOT NULL,
    updated_at     INTEGER NOT NULL,
    updated_by     TEXT NOT NULL
);
-- a month's calendar draft is made once per station and template
CREATE UNIQUE INDEX notices_by_calendar ON notices (station, calendar_key, calendar_month)
    WHERE calendar_key IS NOT NULL;
CREATE INDEX notices_due ON notices (publish_at) WHERE status = 'scheduled';
CREATE INDEX notices_by_station ON notices (station, updated_at);

-- Every CAP message sent for a notice (Alert, Update, Cancel), as sent:
-- the document is kept, never rewritten.
CREATE TABLE notice_messages (
    id         INTEGER PRIMARY KEY,
    notice_id  INTEGER NOT NULL REFERENCES notices (id),
    msg_type   TEXT NOT NULL CHECK (msg_type IN ('Alert', 'Update', 'Cancel')),
    identifier TEXT NOT NULL UNIQUE,
    sent_at    INTEGER NOT NULL,
    xml        TEXT NOT NULL
);
CREATE INDEX notice_messages_by_notice ON notice_messages (notice_id, id);
CREATE INDEX notice_messages_by_sent ON notice_messages (sent_at);

-- Each message's delivery to each chat group of the notice's stations,
-- through the groups' outbound webhooks: the same states, retries and
-- idempotency keys as the desk's replies.
CREATE TABLE notice_deliveries (
    id              INTEGER PRIMARY KEY,
    message_id      INTEGER NOT NULL REFERENCES notice_messages (id),
    group_id        TEXT NOT NULL,
    delivery        TEXT NOT NULL CHECK (delivery IN ('pending', 'delivered', 'failed', 'no_webhook')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER,
    delivered_at    INTEGER,
    last_error      TEXT
);
CREATE INDEX notice_deliveries_by_message ON notice_deliveries (message_id);
CREATE INDEX notice_deliveries_pending ON notice_deliveries (next_attempt_at) WHERE delivery = 'pending';
