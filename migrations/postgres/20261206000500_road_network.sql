-- The road network ETAs are routed on (command-room roads import FILE):
-- one network at a time, replaced whole. Nodes are numbered 0..n-1 in
-- the order the router uses; an edge is a stretch of road between two.
CREATE TABLE road_network (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    source      TEXT NOT NULL,
    imported_at BIGINT NOT NULL,
    nodes       BIGINT NOT NULL,
    edges       BIGINT NOT NULL
);

CREATE TABLE road_nodes (
    id  BIGINT PRIMARY KEY,
    lat DOUBLE PRECISION NOT NULL,
    lon DOUBLE PRECISION NOT NULL
);

CREATE TABLE road_edges (
    id       BIGINT PRIMARY KEY,
    a        BIGINT NOT NULL,
    b        BIGINT NOT NULL,
    class    TEXT NOT NULL CHECK (class IN ('motorway', 'major', 'minor', 'service', 'path')),
    -- cars may only drive from a to b
    oneway   SMALLINT NOT NULL CHECK (oneway IN (0, 1)),
    length_m DOUBLE PRECISION NOT NULL CHECK (length_m >= 0)
);

-- the district file's road lines may now be of every class
ALTER TABLE roads DROP CONSTRAINT roads_class_check;
ALTER TABLE roads ADD CONSTRAINT roads_class_check
    CHECK (class IN ('motorway', 'major', 'minor', 'service', 'path'));
