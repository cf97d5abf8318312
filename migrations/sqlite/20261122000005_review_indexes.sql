-- Review figures over a year of incidents, answered from indexes.
--
-- Each stage's duration in whole seconds (truncated; see domain::review) is
-- a virtual generated column: computed from the stage times, never stored
-- twice, never out of step. Each has a covering index led by the duration,
-- so a per-second histogram of a long period is one ordered index scan
-- (no sort), and the filters (received_at, station, zone class, category,
-- channel, priority) are read from the same index entries.

ALTER TABLE incidents ADD COLUMN dispatch_s INTEGER
    GENERATED ALWAYS AS (MAX(dispatched_at - received_at, 0) / 1000) VIRTUAL;
ALTER TABLE incidents ADD COLUMN turnout_s INTEGER
    GENERATED ALWAYS AS (MAX(en_route_at - dispatched_at, 0) / 1000) VIRTUAL;
ALTER TABLE incidents ADD COLUMN travel_s INTEGER
    GENERATED ALWAYS AS (MAX(on_scene_at - en_route_at, 0) / 1000) VIRTUAL;
ALTER TABLE incidents ADD COLUMN response_s INTEGER
    GENERATED ALWAYS AS (MAX(on_scene_at - received_at, 0) / 1000) VIRTUAL;

CREATE INDEX incidents_review_dispatch ON incidents
    (dispatch_s, received_at, station, zone_class, category, channel, priority) WHERE dispatched_at IS NOT NULL;
CREATE INDEX incidents_review_turnout ON incidents
    (turnout_s, received_at, station, zone_class, category, channel, priority)
    WHERE dispatched_at IS NOT NULL AND en_route_at IS NOT NULL;
CREATE INDEX incidents_review_travel ON incidents
    (travel_s, received_at, station, zone_class, category, channel, priority)
    WHERE en_route_at IS NOT NULL AND on_scene_at IS NOT NULL;
CREATE INDEX incidents_review_response ON incidents
    (response_s, received_at, station, zone_class, category, channel, priority) WHERE on_scene_at IS NOT NULL;

-- counts, closure and compliance
CREATE INDEX incidents_review ON incidents
    (received_at, station, zone_class, category, channel, priority, status, on_scene_at, cancelled_at);
