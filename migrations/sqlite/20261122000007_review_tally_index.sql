-- Review figures are counted by the review_tally aggregate (server/src/store/
-- tally.rs) in one pass over a selection's received-time range. This index
-- covers every column that pass reads, so it never touches the table; it
-- replaces the per-stage indexes of migration 0005 (one ordered scan per
-- stage), which cost four passes and a sort for every breakdown.

DROP INDEX IF EXISTS incidents_review_dispatch;
DROP INDEX IF EXISTS incidents_review_turnout;
DROP INDEX IF EXISTS incidents_review_travel;
DROP INDEX IF EXISTS incidents_review_response;
DROP INDEX IF EXISTS incidents_review;

CREATE INDEX incidents_review ON incidents (
    received_at, station, zone_class, category, channel, priority, first_unit_id, status,
    dispatched_at, en_route_at, on_scene_at, cancelled_at, lat, lon
);
