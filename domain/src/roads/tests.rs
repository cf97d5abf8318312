//! Routing by road: hand-built cases (a river the nearest unit cannot
//! cross, one-way streets, paths, motorways, disconnected parts), the demo
//! district's own roads, and the ranking against an independent oracle
//! (Floyd–Warshall over the same roads) on random graphs.

use super::*;
use crate::{UnitId, UnitStatus};
use chrono::TimeZone;
use proptest::prelude::*;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 6, 3, 0, 0).single().expect("valid date")
}

const LAT0: f64 = 25.24;
const LON0: f64 = 110.20;
const M_PER_DEG_LAT: f64 = 111_195.0;

/// A position `x` metres east and `y` metres north of the origin.
fn xy(x: f64, y: f64) -> Coordinates {
    let kx = M_PER_DEG_LAT * LAT0.to_radians().cos();
    Coordinates::parse(LAT0 + y / M_PER_DEG_LAT, LON0 + x / kx).expect("valid")
}

fn unit(id: i64, kind: UnitKind, at: Coordinates) -> UnitState {
    UnitState { id: UnitId(id), kind, status: UnitStatus::Available, position: Some((at, now())) }
}

fn routing(net: &RoadNetwork) -> Routing {
    Routing::build(net, &RoadSpeeds::default(), TravelModel::default(), DEFAULT_MAX_SNAP_M)
}

/// A grid of `cols` × `rows` nodes `step` metres apart starting at (x0, y0),
/// two-way `class` streets; node (c, r) is `first + r * cols + c`.
fn grid(
    nodes: &mut Vec<Coordinates>,
    edges: &mut Vec<(u32, u32, RoadClass, bool)>,
    (x0, y0): (f64, f64),
    cols: u32,
    rows: u32,
    step: f64,
    class: RoadClass,
) -> u32 {
    let first = nodes.len() as u32;
    for r in 0..rows {
        for c in 0..cols {
            nodes.push(xy(x0 + f64::from(c) * step, y0 + f64::from(r) * step));
        }
    }
    for r in 0..rows {
        for c in 0..cols {
            let n = first + r * cols + c;
            if c + 1 < cols {
                edges.push((n, n + 1, class, false));
            }
            if r + 1 < rows {
                edges.push((n, n + cols, class, false));
            }
        }
    }
    first
}

fn ids(r: &[Recommendation]) -> Vec<i64> {
    r.iter().map(|r| r.unit_id.0).collect()
}

#[test]
fn across_the_river_the_straight_line_nearest_loses() {
    // two banks, 10 × 10 blocks of 100 m, a 150 m river between x = 900 and
    // x = 1050, one bridge at the far north (y = 900)
    let (mut nodes, mut edges) = (vec![], vec![]);
    let west = grid(&mut nodes, &mut edges, (0.0, 0.0), 10, 10, 100.0, RoadClass::Minor);
    let east = grid(&mut nodes, &mut edges, (1050.0, 0.0), 10, 10, 100.0, RoadClass::Minor);
    edges.push((west + 9 * 10 + 9, east + 9 * 10, RoadClass::Major, false));
    let net = RoadNetwork::measured(nodes, edges).expect("valid");
    let r = routing(&net);
    let scene = xy(900.0, 0.0); // west bank, south end, by the water
    let across = unit(1, UnitKind::Car, xy(1050.0, 0.0)); // 150 m away, other bank
    let same_bank = unit(2, UnitKind::Car, xy(300.0, 0.0)); // 600 m away, same bank
    let fleet = [across, same_bank];

    let straight = crate::fleet::recommend_scan(&fleet, scene, now(), 2, r.model());
    assert_eq!(ids(&straight), vec![1, 2], "as the crow flies the unit across the water is first");

    let routed = r.recommend(fleet, scene, now(), 2);
    assert_eq!(ids(&routed), vec![2, 1], "by road the unit on this bank is first");
    assert!(routed.iter().all(|x| x.by_road));
    // 600 m of minor road at 25 km/h = 86.4 s; across: 900 m north, the
    // 150 m bridge at 40 km/h, 900 m south = 1800 m at 25 + 150 at 40
    assert!((routed[0].eta_s - 86.4).abs() < 0.01, "{}", routed[0].eta_s);
    let across_s = 1800.0 * 3.6 / 25.0 + 150.0 * 3.6 / 40.0;
    assert!((routed[1].eta_s - across_s).abs() < 0.1, "{} vs {across_s}", routed[1].eta_s);
    assert_eq!(routed, r.recommend_dijkstra(fleet, scene, now(), 2));
}

#[test]
fn one_way_streets_hold_for_cars_not_for_feet() {
    // a one-way ring of 8 × 100 m, clockwise 0 → 1 → … → 7 → 0, plus a
    // two-way spur of 20 nodes so the ring is not a small fragment
    let mut nodes: Vec<Coordinates> = (0..8).map(|i| xy(f64::from(i) * 100.0, 0.0)).collect();
    let mut edges: Vec<(u32, u32, RoadClass, bool)> = (0..7).map(|i| (i, i + 1, RoadClass::Minor, true)).collect();
    // back along a parallel street 100 m north, also one-way, 7 → 0
    let north: Vec<u32> = (0..8)
        .map(|i| {
            nodes.push(xy(f64::from(i) * 100.0, 100.0));
            (nodes.len() - 1) as u32
        })
        .collect();
    edges.push((7, north[7], RoadClass::Minor, true));
    for i in (1..8).rev() {
        edges.push((north[i], north[i - 1], RoadClass::Minor, true));
    }
    edges.push((north[0], 0, RoadClass::Minor, true));
    let spur = grid(&mut nodes, &mut edges, (0.0, 300.0), 5, 4, 100.0, RoadClass::Minor);
    edges.push((north[0], spur, RoadClass::Minor, false));
    let net = RoadNetwork::measured(nodes, edges).expect("valid");
    let r = routing(&net);

    // the scene is at node 2; a car at node 3 (100 m "ahead") must go round:
    // 4 → 7 (400 m), up, back 700 m, down, 0 → 2: 1500 m in all
    let scene = xy(200.0, 0.0);
    let car = unit(1, UnitKind::Car, xy(300.0, 0.0));
    let car_upstream = unit(2, UnitKind::Car, xy(0.0, 0.0));
    let routed = r.recommend([car, car_upstream], scene, now(), 2);
    assert_eq!(ids(&routed), vec![2, 1], "the car behind the scene on the one-way street is first");
    assert!((routed[0].eta_s - 200.0 * 3.6 / 25.0).abs() < 0.01);
    assert!((routed[1].eta_s - 1500.0 * 3.6 / 25.0).abs() < 0.01, "{}", routed[1].eta_s);

    // on foot the one-way street does not hold: 100 m at 5 km/h
    let walker = unit(3, UnitKind::Foot, xy(300.0, 0.0));
    let w = r.recommend([walker], scene, now(), 1);
    assert!((w[0].eta_s - 72.0).abs() < 0.01, "{}", w[0].eta_s);
}

#[test]
fn paths_are_closed_to_cars_and_motorways_to_everyone_else() {
    // a 10 × 3 grid of minor roads, and a 300 m path straight across a park
    // from (0, 0) to (0, 600) that the roads go round (via x = 900)
    let (mut nodes, mut edges) = (vec![], vec![]);
    let g = grid(&mut nodes, &mut edges, (0.0, 0.0), 10, 2, 100.0, RoadClass::Minor);
    let top = grid(&mut nodes, &mut edges, (0.0, 600.0), 10, 2, 100.0, RoadClass::Minor);
    // the road link between the two halves is at the east end only
    edges.push((g + 10 + 9, top + 9, RoadClass::Minor, false));
    // the footpath at the west end, and a motorway beside it
    edges.push((g + 10, top, RoadClass::Path, false));
    nodes.push(xy(-50.0, 100.0));
    nodes.push(xy(-50.0, 600.0));
    let (m1, m2) = ((nodes.len() - 2) as u32, (nodes.len() - 1) as u32);
    edges.push((g + 10, m1, RoadClass::Motorway, false));
    edges.push((m1, m2, RoadClass::Motorway, false));
    edges.push((m2, top, RoadClass::Motorway, false));
    let net = RoadNetwork::measured(nodes, edges).expect("valid");
    let r = routing(&net);
    let from = xy(0.0, 100.0);
    let to = xy(0.0, 600.0);
    let bike = r.eta_s(UnitKind::Ebike, from, to).expect("a route");
    assert!((bike - 500.0 * 3.6 / 12.0).abs() < 0.01, "the e-bike takes the path: {bike}");
    let car = r.eta_s(UnitKind::Car, from, to).expect("a route");
    // the car takes the motorway (50 + 500 + 50 m at 60 km/h), not the path
    let motorway_s = (50.0f64.hypot(0.0) + 500.0 + 50.0) * 3.6 / 60.0;
    assert!((car - motorway_s).abs() < 0.05, "{car} vs {motorway_s}");
    // close the motorway to cars: then round by the east end, 900 + 500 + 900
    let speeds = RoadSpeeds::validated(&RoadsConfig {
        speeds_kmh: [("car".to_owned(), [("motorway".to_owned(), 0.0)].into_iter().collect())].into_iter().collect(),
        max_snap_m: None,
    })
    .expect("valid");
    let r2 = Routing::build(&net, &speeds, TravelModel::default(), DEFAULT_MAX_SNAP_M);
    let round = r2.eta_s(UnitKind::Car, from, to).expect("a route");
    assert!((round - 2300.0 * 3.6 / 25.0).abs() < 0.05, "{round}");
    let foot = r.eta_s(UnitKind::Foot, from, to).expect("a route");
    assert!((foot - 500.0 * 3.6 / 5.0).abs() < 0.01, "on foot the path, never the motorway: {foot}");
}

#[test]
fn a_unit_in_a_disconnected_part_is_ranked_after_every_routed_one() {
    // two 5 × 5 grids 2 km apart with no road between them
    let (mut nodes, mut edges) = (vec![], vec![]);
    grid(&mut nodes, &mut edges, (0.0, 0.0), 5, 5, 100.0, RoadClass::Minor);
    grid(&mut nodes, &mut edges, (2400.0, 0.0), 5, 5, 100.0, RoadClass::Minor);
    let net = RoadNetwork::measured(nodes, edges).expect("valid");
    let r = routing(&net);
    let scene = xy(400.0, 200.0); // east edge of the west grid
    let island = unit(1, UnitKind::Car, xy(2400.0, 200.0)); // 2 km away by air, no road
    let far = unit(2, UnitKind::Foot, xy(0.0, 0.0)); // a 600 m walk: slower than the island car by air
    let off_map = unit(3, UnitKind::Car, xy(400.0, 5000.0)); // 4.8 km from any road
    let fleet = [island, far, off_map];
    let got = r.recommend(fleet, scene, now(), 3);
    assert_eq!(ids(&got), vec![2, 1, 3], "{got:?}");
    assert!(got[0].by_road);
    assert!(!got[1].by_road && !got[2].by_road, "failed routes fall back to the straight-line model");
    let straight = r.model().eta_s(UnitKind::Car, got[1].distance_m);
    assert_eq!(got[1].eta_s, straight);
    assert!(got[1].eta_s < got[0].eta_s, "a failed route ranks last even with a better straight-line ETA");
    assert_eq!(got, r.recommend_dijkstra(fleet, scene, now(), 3));
    // with K = 1 the routed unit is the answer, not the one with no road
    assert_eq!(ids(&r.recommend(fleet, scene, now(), 1)), vec![2]);
}

#[test]
fn the_shortlist_routes_few_units_and_stays_exact() {
    // a 30 × 30 grid (2.9 km square) with 400 cars spread over it
    let (mut nodes, mut edges) = (vec![], vec![]);
    grid(&mut nodes, &mut edges, (0.0, 0.0), 30, 30, 100.0, RoadClass::Minor);
    let net = RoadNetwork::measured(nodes, edges).expect("valid");
    let r = routing(&net);
    let mut rng = 7u64;
    let mut next = move || {
        rng = rng.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (rng >> 11) as f64 / (1u64 << 53) as f64
    };
    let fleet: Vec<UnitState> = (0..400)
        .map(|i| {
            let kind = [UnitKind::Car, UnitKind::Ebike, UnitKind::Foot][i % 3];
            unit(i as i64, kind, xy(next() * 2900.0, next() * 2900.0))
        })
        .collect();
    for _ in 0..20 {
        let scene = xy(next() * 2900.0, next() * 2900.0);
        let (got, routed) = r.recommend_counting(&fleet, scene, now(), 5);
        assert_eq!(got, r.recommend_dijkstra(&fleet, scene, now(), 5));
        assert!(routed < 100, "routed {routed} of 400 units");
    }
}

#[test]
fn the_demo_districts_roads_make_one_network() {
    let text = include_str!("../../../config/district-lingui.toml");
    let d = crate::District::from_toml(text).expect("the demo district parses");
    let net = RoadNetwork::from_roads(&d.roads);
    assert!(net.edges().iter().all(|e| e.length_m <= STEP_M + 1e-6));
    let r = routing(&net);
    // every node is in one strongly connected network, so every seed unit
    // reaches every landmark by road
    for mode in Mode::ALL {
        assert_eq!(r.graph(mode).snap.size(), net.nodes().len(), "{mode:?}");
    }
    for u in &d.units {
        for l in &d.landmarks {
            let eta = r.eta_s(u.kind, u.at, l.at);
            assert!(eta.is_some_and(|s| s > 0.0 || u.at == l.at), "{} to {}", u.callsign, l.name);
        }
    }
}

#[test]
fn config_errors_name_the_key() {
    let bad = |mode: &str, class: &str, v: f64| RoadsConfig {
        speeds_kmh: [(mode.to_owned(), [(class.to_owned(), v)].into_iter().collect())].into_iter().collect(),
        max_snap_m: None,
    };
    assert_eq!(
        RoadSpeeds::validated(&bad("tank", "major", 10.0)).expect_err("mode").to_string(),
        "roads.speeds_kmh.tank: unknown mode; expected one of: car, bike, foot"
    );
    assert!(
        RoadSpeeds::validated(&bad("car", "canal", 10.0))
            .expect_err("class")
            .to_string()
            .starts_with("roads.speeds_kmh.car.canal: unknown road class")
    );
    assert_eq!(
        RoadSpeeds::validated(&bad("foot", "path", -1.0)).expect_err("speed").to_string(),
        "roads.speeds_kmh.foot.path must be 0 (closed) or more than 0 and at most 200 km/h, got -1"
    );
    let s = RoadSpeeds::validated(&bad("bike", "path", 20.0)).expect("valid");
    assert_eq!(s.kmh(Mode::Bike, RoadClass::Path), Some(20.0));
    assert_eq!(s.kmh(Mode::Car, RoadClass::Path), None);
    assert!(max_snap_m(&RoadsConfig { max_snap_m: Some(0.0), ..Default::default() }).is_err());
    assert!(matches!(
        RoadNetwork::measured(vec![xy(0.0, 0.0)], [(0, 3, RoadClass::Minor, false)]),
        Err(RoadError::MissingNode { index: 0, node: 3, nodes: 1 })
    ));
}

#[test]
fn osm_tags() {
    assert_eq!(class_of_highway("primary"), Some(RoadClass::Major));
    assert_eq!(class_of_highway("residential"), Some(RoadClass::Minor));
    assert_eq!(class_of_highway("footway"), Some(RoadClass::Path));
    assert_eq!(class_of_highway("motorway_link"), Some(RoadClass::Motorway));
    assert_eq!(class_of_highway("proposed"), None);
    assert_eq!(oneway_of("residential", Some("yes"), None), Some(true));
    assert_eq!(oneway_of("residential", Some("-1"), None), Some(false));
    assert_eq!(oneway_of("primary", None, Some("roundabout")), Some(true));
    assert_eq!(oneway_of("motorway", None, None), Some(true));
    assert_eq!(oneway_of("motorway", Some("no"), None), None);
    assert_eq!(oneway_of("residential", None, None), None);
}

mod oracle {
    //! The ranking against a second definition written without the
    //! production code: all-pairs shortest road times by Floyd–Warshall,
    //! snapping by scanning every node.

    use super::*;

    const CLASSES: [RoadClass; 5] =
        [RoadClass::Motorway, RoadClass::Major, RoadClass::Minor, RoadClass::Service, RoadClass::Path];

    /// km/h by mode (car, bike, foot) and class, as DESIGN's road table says.
    fn kmh(mode: usize, class: RoadClass) -> Option<f64> {
        let row: [Option<f64>; 5] = match mode {
            0 => [Some(60.0), Some(40.0), Some(25.0), Some(15.0), None],
            1 => [None, Some(18.0), Some(18.0), Some(15.0), Some(12.0)],
            _ => [None, Some(5.0), Some(5.0), Some(5.0), Some(5.0)],
        };
        row[CLASSES.iter().position(|c| *c == class).expect("a class")]
    }

    fn mode_of(kind: UnitKind) -> usize {
        match kind {
            UnitKind::Car | UnitKind::Motorbike => 0,
            UnitKind::Ebike => 1,
            _ => 2,
        }
    }

    struct Oracle {
        nodes: Vec<Coordinates>,
        /// [mode][a][b] milliseconds
        apsp: Vec<Vec<Vec<u64>>>,
        /// [mode] nodes a position may snap to
        snappable: Vec<Vec<usize>>,
    }

    fn oracle(nodes: &[Coordinates], edges: &[(u32, u32, RoadClass, bool)]) -> Oracle {
        let n = nodes.len();
        let mut apsp = vec![];
        let mut snappable = vec![];
        for mode in 0..3 {
            let mut d = vec![vec![u64::MAX; n]; n];
            let mut has_arc = vec![false; n];
            for (i, row) in d.iter_mut().enumerate() {
                row[i] = 0;
            }
            for &(a, b, class, oneway) in edges {
                let Some(v) = kmh(mode, class) else { continue };
                if a == b {
                    continue;
                }
                let len = nodes[a as usize].distance_m(nodes[b as usize]);
                let ms = ((len * 3600.0 / v).ceil()).max(1.0) as u64;
                let (a, b) = (a as usize, b as usize);
                d[a][b] = d[a][b].min(ms);
                has_arc[a] = true;
                if !(oneway && mode == 0) {
                    d[b][a] = d[b][a].min(ms);
                    has_arc[b] = true;
                }
            }
            for k in 0..n {
                for i in 0..n {
                    if d[i][k] == u64::MAX {
                        continue;
                    }
                    for j in 0..n {
                        if d[k][j] != u64::MAX && d[i][k] + d[k][j] < d[i][j] {
                            d[i][j] = d[i][k] + d[k][j];
                        }
                    }
                }
            }
            // strongly connected part of each node with an arc: the nodes
            // that reach it and are reached from it
            let size: Vec<usize> = (0..n)
                .map(|v| (0..n).filter(|&w| has_arc[w] && d[v][w] != u64::MAX && d[w][v] != u64::MAX).count())
                .collect();
            let largest = (0..n).filter(|&v| has_arc[v]).map(|v| size[v]).max().unwrap_or(0);
            let threshold = largest.clamp(1, 20);
            snappable.push((0..n).filter(|&v| has_arc[v] && size[v] >= threshold).collect());
            apsp.push(d);
        }
        Oracle { nodes: nodes.to_vec(), apsp, snappable }
    }

    impl Oracle {
        fn snap(&self, mode: usize, at: Coordinates, max_m: f64) -> Option<(usize, f64)> {
            self.snappable[mode]
                .iter()
                .map(|&v| (v, at.distance_m(self.nodes[v])))
                .min_by(|a, b| a.1.total_cmp(&b.1))
                .filter(|(_, d)| *d <= max_m)
        }

        fn rank(&self, units: &[UnitState], target: Coordinates, k: usize, max_m: f64) -> Vec<(i64, f64, bool)> {
            let m = TravelModel::default();
            let leg = |kind: UnitKind, d: f64| d * m.detour_factor / (m.speed_kmh(kind) / 3.6);
            let mut routed = vec![];
            let mut failed = vec![];
            for u in units {
                if u.status != UnitStatus::Available {
                    continue;
                }
                let Some((at, seen)) = u.position else { continue };
                if (now() - seen).num_seconds() >= i64::from(m.staleness_s) {
                    continue;
                }
                let d = at.distance_m(target);
                let mode = mode_of(u.kind);
                let eta = (|| {
                    let (a, da) = self.snap(mode, at, max_m)?;
                    let (b, db) = self.snap(mode, target, max_m)?;
                    let ms = self.apsp[mode][a][b];
                    (ms != u64::MAX).then(|| leg(u.kind, da) + ms as f64 / 1000.0 + leg(u.kind, db))
                })();
                match eta {
                    Some(e) => routed.push((u.id.0, e, d)),
                    None => failed.push((u.id.0, leg(u.kind, d), d)),
                }
            }
            let order = |a: &(i64, f64, f64), b: &(i64, f64, f64)| {
                a.1.total_cmp(&b.1).then(a.2.total_cmp(&b.2)).then(a.0.cmp(&b.0))
            };
            routed.sort_by(order);
            failed.sort_by(order);
            let mut all: Vec<(i64, f64, bool)> = routed.into_iter().map(|r| (r.0, r.1, true)).collect();
            all.extend(failed.into_iter().map(|r| (r.0, r.1, false)));
            all.truncate(k);
            all
        }
    }

    /// Node positions (metres east, north) and edges (a, b, class, one-way).
    type RawGraph = (Vec<(u16, u16)>, Vec<(u8, u8, u8, bool)>);

    fn graph_strategy() -> impl Strategy<Value = RawGraph> {
        (2usize..36).prop_flat_map(|n| {
            (
                proptest::collection::vec((0u16..3000, 0u16..3000), n),
                proptest::collection::vec((0..n as u8, 0..n as u8, 0u8..5, proptest::bool::weighted(0.3)), 0..n * 3),
            )
        })
    }

    fn unit_strategy() -> impl Strategy<Value = (u8, bool, (u16, u16))> {
        (0u8..5, proptest::bool::weighted(0.85), (0u16..3600, 0u16..3600))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        #[test]
        fn ranking_matches_floyd_warshall(
            (raw_nodes, raw_edges) in graph_strategy(),
            raw_units in proptest::collection::vec(unit_strategy(), 0..30),
            target in (0u16..3600, 0u16..3600),
            k in 0usize..8,
            max_snap in prop_oneof![Just(200.0), Just(DEFAULT_MAX_SNAP_M)],
        ) {
            let nodes: Vec<Coordinates> = raw_nodes.iter().map(|&(x, y)| xy(f64::from(x), f64::from(y))).collect();
            let edges: Vec<(u32, u32, RoadClass, bool)> = raw_edges
                .iter()
                .map(|&(a, b, c, one)| (u32::from(a), u32::from(b), CLASSES[c as usize], one))
                .collect();
            let net = RoadNetwork::measured(nodes.clone(), edges.clone()).expect("valid");
            let r = Routing::build(&net, &RoadSpeeds::default(), TravelModel::default(), max_snap);
            let units: Vec<UnitState> = raw_units
                .iter()
                .enumerate()
                .map(|(i, &(kind, available, (x, y)))| UnitState {
                    id: UnitId(i as i64 + 1),
                    kind: UnitKind::ALL[kind as usize],
                    status: if available { UnitStatus::Available } else { UnitStatus::Dispatched },
                    // sub-metre offsets keep two units from sharing a spot
                    position: Some((xy(f64::from(x) + i as f64 * 0.013, f64::from(y)), now())),
                })
                .collect();
            let scene = xy(f64::from(target.0), f64::from(target.1));
            let want = oracle(&nodes, &edges).rank(&units, scene, k, max_snap);
            for got in [r.recommend(&units, scene, now(), k), r.recommend_dijkstra(&units, scene, now(), k)] {
                let got: Vec<(i64, f64, bool)> = got.iter().map(|g| (g.unit_id.0, g.eta_s, g.by_road)).collect();
                prop_assert_eq!(got.len(), want.len());
                for (g, w) in got.iter().zip(&want) {
                    prop_assert_eq!(g.0, w.0, "{:?} vs {:?}", got, want);
                    prop_assert!((g.1 - w.1).abs() < 1e-9, "{:?} vs {:?}", got, want);
                    prop_assert_eq!(g.2, w.2);
                }
            }
        }
    }
}

#[test]
fn etas_from_one_place_to_many_are_the_single_etas() {
    let (mut nodes, mut edges) = (vec![], vec![]);
    grid(&mut nodes, &mut edges, (0.0, 0.0), 8, 8, 100.0, RoadClass::Minor);
    edges.push((3, 4, RoadClass::Major, true));
    let net = RoadNetwork::measured(nodes, edges).expect("valid");
    let r = routing(&net);
    let from = xy(40.0, 30.0);
    let targets: Vec<Coordinates> = (0..30).map(|i| xy(f64::from(i) * 27.0, f64::from(i % 7) * 97.0)).collect();
    for kind in [UnitKind::Car, UnitKind::Foot, UnitKind::Ebike] {
        let many = r.etas_from(kind, from, &r.snaps(Mode::of(kind), &targets), 200.0);
        for (t, got) in targets.iter().zip(&many) {
            let want = r.eta_s(kind, from, *t).filter(|s| *s <= 200.0);
            match (got, want) {
                (Some(g), Some(w)) => assert!((g - w).abs() < 0.002, "{g} vs {w}"),
                (None, None) => {}
                other => assert!(
                    other.1.is_some_and(|w| w > 199.99) || other.0.is_some_and(|g| g > 199.99),
                    "{kind:?}: {other:?}"
                ),
            }
        }
        assert!(many.iter().any(Option::is_some) && (kind != UnitKind::Foot || many.iter().any(Option::is_none)));
    }
}
