-- The road network ETAs are routed on (command-room roads import FILE):
-- one network at a time, replaced whole. Nodes are numbered 0..n-1 in
-- the order the router uses; an edge is a stretch of road between two.
CREATE TABLE road_network (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    source      TEXT NOT NULL,
    imported_at INTEGER NOT NULL,
    nodes       INTEGER NOT NULL,
    edges       INTEGER NOT NULL
);

CREATE TABLE road_nodes (
    id  INTEGER PRIMARY KEY,
    lat REAL NOT NULL,
    lon REAL NOT NULL
);

CREATE TABLE road_edges (
    id       INTEGER PRIMARY KEY,
    a        INTEGER NOT NULL,
    b        INTEGER NOT NULL,
    class    TEXT NOT NULL CHECK (class IN ('motorway', 'major', 'minor', 'service', 'path')),
    -- cars may only drive from a to b
    oneway   INTEGER NOT NULL CHECK (oneway IN (0, 1)),
    length_m REAL NOT NULL CHECK (length_m >= 0)
);

-- the district file's road lines may now be of every class
CREATE TABLE roads_new (
    id    INTEGER PRIMARY KEY,
    name  TEXT NOT NULL,
    class TEXT NOT NULL CHECK (class IN ('motorway', 'major', 'minor', 'service', 'path')),
    line  TEXT NOT NULL
);
INSERT INTO roads_new (id, name, class, line) SELECT id, name, class, line FROM roads;
DROP TABLE roads;
ALTER TABLE roads_new RENAME TO roads;
