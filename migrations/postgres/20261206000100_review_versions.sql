-- The review's tallies of whole past periods are kept in each server's
-- memory (store::review_cache). A tally is good while the incidents it
-- counted are unchanged: every statement that inserts, changes or deletes
-- incidents bumps the version of each 2^31 ms (about 24.9 days) bucket of
-- `received_at` it touched, in the same transaction, whichever server or
-- import wrote it. A server compares versions before using what it kept.
CREATE TABLE review_versions (
    bucket  BIGINT PRIMARY KEY,
    version BIGINT NOT NULL
);

CREATE FUNCTION review_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- buckets in ascending order, so two statements never lock two rows
    -- in opposite orders
    IF TG_OP = 'INSERT' THEN
        INSERT INTO review_versions (bucket, version)
        SELECT DISTINCT received_at >> 31, 1 FROM touched_new ORDER BY 1
        ON CONFLICT (bucket) DO UPDATE SET version = review_versions.version + 1;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO review_versions (bucket, version)
        SELECT b, 1 FROM (SELECT received_at >> 31 FROM touched_new
                          UNION SELECT received_at >> 31 FROM touched_old) AS t (b) ORDER BY 1
        ON CONFLICT (bucket) DO UPDATE SET version = review_versions.version + 1;
    ELSE
        INSERT INTO review_versions (bucket, version)
        SELECT DISTINCT received_at >> 31, 1 FROM touched_old ORDER BY 1
        ON CONFLICT (bucket) DO UPDATE SET version = review_versions.version + 1;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER incidents_review_insert AFTER INSERT ON incidents
    REFERENCING NEW TABLE AS touched_new FOR EACH STATEMENT EXECUTE FUNCTION review_touch();
CREATE TRIGGER incidents_review_update AFTER UPDATE ON incidents
    REFERENCING OLD TABLE AS touched_old NEW TABLE AS touched_new FOR EACH STATEMENT EXECUTE FUNCTION review_touch();
CREATE TRIGGER incidents_review_delete AFTER DELETE ON incidents
    REFERENCING OLD TABLE AS touched_old FOR EACH STATEMENT EXECUTE FUNCTION review_touch();
