-- Photos attached to residents' reports (the public form at /report, or
-- POST /api/v1/reports as multipart/form-data).
--
-- The bytes live in the database, written in the same transaction as the
-- incident and its tracking code: a report is acknowledged only once all
-- three are committed (synchronous = FULL: on disk), a failed report leaves
-- no orphan file behind, a backup of the database carries its photos, and
-- several server instances sharing one database all serve them.
CREATE TABLE photos (
    -- 32 random hex digits (128 bits): the only name a photo has, never
    -- derived from what the resident's phone called the file; unguessable,
    -- so a photo cannot be found by counting
    id           TEXT PRIMARY KEY,
    incident_id  INTEGER NOT NULL REFERENCES incidents (id),
    -- decided from the bytes (magic numbers), never from the upload's
    -- file name or Content-Type: image/jpeg, image/png or image/webp
    content_type TEXT NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'image/webp')),
    bytes        INTEGER NOT NULL,
    data         BLOB NOT NULL,
    created_at   INTEGER NOT NULL
);
-- the dispatcher's incident detail lists an incident's photos
CREATE INDEX photos_by_incident ON photos (incident_id);
