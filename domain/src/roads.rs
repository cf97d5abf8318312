//! Arriving by road: a district's road network, the travel time of each kind
//! of unit along it, and the nearest-unit ranking by routed ETA.
//!
//! * A [`RoadNetwork`] is nodes (positions) and edges (a stretch of road with
//!   its class, whether it is one-way, and its length). It comes from an
//!   OpenStreetMap extract (the server's `roads import`) or from the district
//!   file's own road lines ([`RoadNetwork::from_roads`]).
//! * Each unit kind moves in one [`Mode`]: cars and motorbikes drive (one-way
//!   streets hold, paths are closed, motorways open); e-bikes and foot
//!   patrols may take paths and ride or walk both ways (never a motorway).
//!   [`RoadSpeeds`] sets a speed per mode and road class.
//! * [`Routing`] prepares each mode once (a contraction hierarchy, so a
//!   route across a city costs microseconds) and answers ETAs. A position is
//!   snapped to its nearest node; the legs from the position to the network
//!   and from the network to the scene are travelled at the straight-line
//!   model's speed for the kind (distance × detour ÷ speed), so a unit that
//!   stands on the road pays nothing extra and one in a courtyard pays the
//!   walk out.
//! * [`Routing::recommend`] ranks units by routed ETA and proves its top K
//!   exact: units are taken in order of a lower bound (straight-line distance
//!   at the fastest speed the kind can reach anywhere), and the search stops
//!   only when the next bound is worse than the K-th routed ETA. A unit whose
//!   route fails (no road near it, or no road from its part of the network to
//!   the scene) is ranked after every routed one, by the straight-line model.
//!
//! Edge times are whole milliseconds, rounded up; every ETA is the access
//! leg + the road time + the egress leg, in that order of addition, whichever
//! search computed the road time, so the CH and the plain Dijkstra give the
//! same numbers to the last bit.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap};
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use fast_paths::{FastGraph, InputGraph, PathCalculator};
use rstar::RTree;
use rstar::primitives::GeomWithData;
use serde::{Deserialize, Serialize};

use crate::coords::EARTH_RADIUS_M;
use crate::district::{Road, RoadClass};
use crate::fleet::{Recommendation, UnitState, rank_order};
use crate::{Coordinates, TravelModel, UnitKind};

/// The most nodes a network may have (a 50 × 50 km city has about a million
/// OSM nodes on its roads before the shape-only ones are dropped).
pub const MAX_NODES: usize = 20_000_000;

/// How a kind of unit moves along roads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Cars and motorbikes: roads only, one-way streets hold.
    Car,
    /// E-bikes: roads and paths, both ways, no motorways.
    Bike,
    /// Foot patrols and fixed posts: roads and paths, both ways, no motorways.
    Foot,
}

impl Mode {
    pub const ALL: [Mode; 3] = [Mode::Car, Mode::Bike, Mode::Foot];

    pub fn of(kind: UnitKind) -> Mode {
        match kind {
            UnitKind::Car | UnitKind::Motorbike => Mode::Car,
            UnitKind::Ebike => Mode::Bike,
            UnitKind::Foot | UnitKind::Post => Mode::Foot,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Car => "car",
            Mode::Bike => "bike",
            Mode::Foot => "foot",
        }
    }

    fn slot(self) -> usize {
        self as usize
    }

    /// Whether this mode must respect one-way streets.
    pub fn keeps_oneway(self) -> bool {
        self == Mode::Car
    }
}

fn class_slot(class: RoadClass) -> usize {
    RoadClass::ALL.iter().position(|c| *c == class).unwrap_or(0)
}

/// Speeds by mode and road class; `None`: the mode may not use the class.
#[derive(Debug, Clone, PartialEq)]
pub struct RoadSpeeds {
    kmh: [[Option<f64>; 5]; 3],
}

impl Default for RoadSpeeds {
    fn default() -> Self {
        // columns: motorway, major, minor, service, path
        RoadSpeeds {
            kmh: [
                [Some(60.0), Some(40.0), Some(25.0), Some(15.0), None],
                [None, Some(18.0), Some(18.0), Some(15.0), Some(12.0)],
                [None, Some(5.0), Some(5.0), Some(5.0), Some(5.0)],
            ],
        }
    }
}

/// The road settings as a config file writes them (`[roads]`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoadsConfig {
    /// km/h by mode and class, e.g. `[roads.speeds_kmh.car] major = 50`; 0
    /// closes the class to the mode.
    #[serde(default)]
    pub speeds_kmh: BTreeMap<String, BTreeMap<String, f64>>,
    /// How far (metres) a position may be from the nearest road node and
    /// still be routed (default 1500).
    pub max_snap_m: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RoadError {
    #[error("roads.speeds_kmh.{mode}: unknown mode; expected one of: car, bike, foot")]
    UnknownMode { mode: String },
    #[error(
        "roads.speeds_kmh.{mode}.{class}: unknown road class; expected one of: motorway, major, minor, service, path"
    )]
    UnknownClass { mode: String, class: String },
    #[error("roads.speeds_kmh.{mode}.{class} must be 0 (closed) or more than 0 and at most 200 km/h, got {got}")]
    Speed { mode: String, class: String, got: f64 },
    #[error("roads.max_snap_m must be between 1 and 20000 metres, got {0}")]
    Snap(f64),
    #[error("road edge {index}: node {node} does not exist (the network has {nodes} nodes)")]
    MissingNode { index: usize, node: u32, nodes: usize },
    #[error("road edge {index}: length must be a finite number of metres, at least 0, got {got}")]
    Length { index: usize, got: f64 },
    #[error("the road network has {0} nodes; at most {MAX_NODES} are allowed")]
    TooLarge(usize),
}

impl RoadSpeeds {
    pub fn validated(config: &RoadsConfig) -> Result<RoadSpeeds, RoadError> {
        let mut s = RoadSpeeds::default();
        for (mode_name, classes) in &config.speeds_kmh {
            let mode = Mode::ALL
                .into_iter()
                .find(|m| m.as_str() == mode_name)
                .ok_or_else(|| RoadError::UnknownMode { mode: mode_name.clone() })?;
            for (class_name, &kmh) in classes {
                let class: RoadClass = class_name
                    .parse()
                    .map_err(|_| RoadError::UnknownClass { mode: mode_name.clone(), class: class_name.clone() })?;
                if !(kmh.is_finite() && (0.0..=200.0).contains(&kmh)) {
                    return Err(RoadError::Speed { mode: mode_name.clone(), class: class_name.clone(), got: kmh });
                }
                s.kmh[mode.slot()][class_slot(class)] = (kmh > 0.0).then_some(kmh);
            }
        }
        Ok(s)
    }

    pub fn kmh(&self, mode: Mode, class: RoadClass) -> Option<f64> {
        self.kmh[mode.slot()][class_slot(class)]
    }

    /// Whole milliseconds to travel `length_m` of `class` in `mode`, rounded
    /// up (so a road time never undercuts the lower bounds), at least 1.
    pub fn edge_ms(&self, mode: Mode, class: RoadClass, length_m: f64) -> Option<u32> {
        let kmh = self.kmh(mode, class)?;
        let ms = (length_m * 3600.0 / kmh).ceil();
        Some(ms.clamp(1.0, f64::from(u32::MAX / 4)) as u32)
    }
}

/// How far a position may be from the road by default.
pub const DEFAULT_MAX_SNAP_M: f64 = 1500.0;

pub fn max_snap_m(config: &RoadsConfig) -> Result<f64, RoadError> {
    match config.max_snap_m {
        None => Ok(DEFAULT_MAX_SNAP_M),
        Some(m) if m.is_finite() && (1.0..=20_000.0).contains(&m) => Ok(m),
        Some(m) => Err(RoadError::Snap(m)),
    }
}

/// A stretch of road between two nodes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RoadEdge {
    pub a: u32,
    pub b: u32,
    pub class: RoadClass,
    /// Cars may only go from `a` to `b`.
    pub oneway: bool,
    pub length_m: f64,
}

/// A checked road network: every edge joins two existing nodes.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RoadNetwork {
    nodes: Vec<Coordinates>,
    edges: Vec<RoadEdge>,
}

impl RoadNetwork {
    pub fn new(nodes: Vec<Coordinates>, edges: Vec<RoadEdge>) -> Result<RoadNetwork, RoadError> {
        if nodes.len() > MAX_NODES {
            return Err(RoadError::TooLarge(nodes.len()));
        }
        for (index, e) in edges.iter().enumerate() {
            for node in [e.a, e.b] {
                if node as usize >= nodes.len() {
                    return Err(RoadError::MissingNode { index, node, nodes: nodes.len() });
                }
            }
            if !(e.length_m.is_finite() && e.length_m >= 0.0) {
                return Err(RoadError::Length { index, got: e.length_m });
            }
        }
        Ok(RoadNetwork { nodes, edges })
    }

    /// A network whose edge lengths are the great-circle distances between
    /// their nodes: `(a, b, class, oneway)`.
    pub fn measured(
        nodes: Vec<Coordinates>,
        edges: impl IntoIterator<Item = (u32, u32, RoadClass, bool)>,
    ) -> Result<RoadNetwork, RoadError> {
        let mut out = vec![];
        for (index, (a, b, class, oneway)) in edges.into_iter().enumerate() {
            let (Some(pa), Some(pb)) = (nodes.get(a as usize), nodes.get(b as usize)) else {
                let node = if (a as usize) < nodes.len() { b } else { a };
                return Err(RoadError::MissingNode { index, node, nodes: nodes.len() });
            };
            out.push(RoadEdge { a, b, class, oneway, length_m: pa.distance_m(*pb) });
        }
        RoadNetwork::new(nodes, out)
    }

    pub fn nodes(&self) -> &[Coordinates] {
        &self.nodes
    }

    pub fn edges(&self) -> &[RoadEdge] {
        &self.edges
    }

    pub fn is_empty(&self) -> bool {
        self.edges.is_empty()
    }

    /// A network from the district file's road lines: two-way, joined where
    /// lines cross, where a line's end lies within [`JOIN_M`] of another line
    /// (a T-junction drawn by hand rarely ends exactly on the other road),
    /// and with a node at least every [`STEP_M`] so positions snap close.
    pub fn from_roads(roads: &[Road]) -> RoadNetwork {
        from_lines::build(roads)
    }
}

/// How close a road line's end must come to another line to join it.
pub const JOIN_M: f64 = 60.0;
/// The longest edge [`RoadNetwork::from_roads`] leaves.
pub const STEP_M: f64 = 50.0;

mod from_lines {
    //! Splitting hand-drawn road lines into a network.

    use super::*;

    /// A local plane in metres around a reference latitude (good to a few
    /// centimetres over a district).
    struct Plane {
        lat0: f64,
        lon0: f64,
        kx: f64,
    }

    impl Plane {
        const KY: f64 = EARTH_RADIUS_M * std::f64::consts::PI / 180.0;
        fn xy(&self, c: Coordinates) -> (f64, f64) {
            ((c.lon() - self.lon0) * self.kx, (c.lat() - self.lat0) * Plane::KY)
        }
        fn coords(&self, (x, y): (f64, f64)) -> Option<Coordinates> {
            Coordinates::parse(self.lat0 + y / Plane::KY, self.lon0 + x / self.kx).ok()
        }
    }

    struct Segment {
        road: usize,
        index: usize,
        p: (f64, f64),
        q: (f64, f64),
        /// (t along the segment, node) where something joins it.
        splits: Vec<(f64, u32)>,
    }

    pub(super) fn build(roads: &[Road]) -> RoadNetwork {
        let Some(first) = roads.iter().flat_map(|r| r.line.first()).next() else {
            return RoadNetwork::default();
        };
        let plane =
            Plane { lat0: first.lat(), lon0: first.lon(), kx: Plane::KY * first.lat().to_radians().cos().max(1e-6) };
        let mut nodes: Vec<Coordinates> = vec![];
        let mut segments: Vec<Segment> = vec![];
        for (r, road) in roads.iter().enumerate() {
            for (i, w) in road.line.windows(2).enumerate() {
                segments.push(Segment { road: r, index: i, p: plane.xy(w[0]), q: plane.xy(w[1]), splits: vec![] });
            }
        }
        // vertices: a node per line vertex (shared by the two segments at it)
        let mut vertex: HashMap<(usize, usize), u32> = HashMap::new();
        for (r, road) in roads.iter().enumerate() {
            for (i, c) in road.line.iter().enumerate() {
                vertex.insert((r, i), nodes.len() as u32);
                nodes.push(*c);
            }
        }
        // crossings between any two segments that are not neighbours on one line
        for i in 0..segments.len() {
            for j in i + 1..segments.len() {
                let (a, b) = (&segments[i], &segments[j]);
                if a.road == b.road && a.index.abs_diff(b.index) <= 1 {
                    continue;
                }
                let Some((t, u)) = crossing(a.p, a.q, b.p, b.q) else { continue };
                let at = (a.p.0 + t * (a.q.0 - a.p.0), a.p.1 + t * (a.q.1 - a.p.1));
                let Some(c) = plane.coords(at) else { continue };
                let n = nodes.len() as u32;
                nodes.push(c);
                segments[i].splits.push((t, n));
                segments[j].splits.push((u, n));
            }
        }
        let mut extra: Vec<(u32, u32)> = vec![];
        // a line's loose ends join the nearest other line within JOIN_M
        for (r, road) in roads.iter().enumerate() {
            let last = road.line.len().saturating_sub(1);
            for end in [0, last] {
                let Some(&c) = road.line.get(end) else { continue };
                let p = plane.xy(c);
                let mut best: Option<(f64, usize, f64)> = None;
                for (s, seg) in segments.iter().enumerate() {
                    if seg.road == r {
                        continue;
                    }
                    let (t, d) = nearest_on(seg.p, seg.q, p);
                    if d <= JOIN_M && best.is_none_or(|(bd, _, _)| d < bd) {
                        best = Some((d, s, t));
                    }
                }
                let Some((d, s, t)) = best else { continue };
                let seg = &segments[s];
                // already crossing there (the end lies on the other line)
                if d < 0.01 && seg.splits.iter().any(|(st, _)| (st - t).abs() < 1e-9) {
                    continue;
                }
                let at = (seg.p.0 + t * (seg.q.0 - seg.p.0), seg.p.1 + t * (seg.q.1 - seg.p.1));
                let Some(c) = plane.coords(at) else { continue };
                let n = nodes.len() as u32;
                nodes.push(c);
                segments[s].splits.push((t, n));
                if let Some(&v) = vertex.get(&(r, end)) {
                    extra.push((v, n));
                }
            }
        }
        // chain each segment through its splits, cut into steps of at most STEP_M
        let mut edges: Vec<RoadEdge> = vec![];
        let mut link = |nodes: &mut Vec<Coordinates>, a: u32, b: u32, class: RoadClass| {
            let (pa, pb) = (nodes[a as usize], nodes[b as usize]);
            let len = pa.distance_m(pb);
            let steps = (len / STEP_M).ceil().max(1.0) as usize;
            let mut prev = a;
            for k in 1..=steps {
                let next = if k == steps {
                    b
                } else {
                    nodes.push(pa.towards(pb, k as f64 / steps as f64));
                    (nodes.len() - 1) as u32
                };
                let l = nodes[prev as usize].distance_m(nodes[next as usize]);
                if prev != next {
                    edges.push(RoadEdge { a: prev, b: next, class, oneway: false, length_m: l });
                }
                prev = next;
            }
        };
        for seg in &mut segments {
            seg.splits.sort_by(|x, y| x.0.total_cmp(&y.0));
            let class = roads[seg.road].class;
            let start = vertex[&(seg.road, seg.index)];
            let end = vertex[&(seg.road, seg.index + 1)];
            let mut prev = start;
            for &(_, n) in &seg.splits {
                link(&mut nodes, prev, n, class);
                prev = n;
            }
            link(&mut nodes, prev, end, class);
        }
        for (v, n) in extra {
            // the stub's class: a minor road's end meets the other road
            link(&mut nodes, v, n, RoadClass::Minor);
        }
        RoadNetwork { nodes, edges }
    }

    /// Where segments p–q and r–s cross: the parameters along each, both in
    /// [0, 1]; parallel segments do not cross.
    fn crossing(p: (f64, f64), q: (f64, f64), r: (f64, f64), s: (f64, f64)) -> Option<(f64, f64)> {
        let d1 = (q.0 - p.0, q.1 - p.1);
        let d2 = (s.0 - r.0, s.1 - r.1);
        let den = d1.0 * d2.1 - d1.1 * d2.0;
        if den.abs() < 1e-9 {
            return None;
        }
        let w = (r.0 - p.0, r.1 - p.1);
        let t = (w.0 * d2.1 - w.1 * d2.0) / den;
        let u = (w.0 * d1.1 - w.1 * d1.0) / den;
        ((0.0..=1.0).contains(&t) && (0.0..=1.0).contains(&u)).then_some((t, u))
    }

    /// The parameter of the point of p–q nearest to x, and its distance.
    fn nearest_on(p: (f64, f64), q: (f64, f64), x: (f64, f64)) -> (f64, f64) {
        let d = (q.0 - p.0, q.1 - p.1);
        let l2 = d.0 * d.0 + d.1 * d.1;
        let t = if l2 == 0.0 { 0.0 } else { (((x.0 - p.0) * d.0 + (x.1 - p.1) * d.1) / l2).clamp(0.0, 1.0) };
        let at = (p.0 + t * d.0, p.1 + t * d.1);
        (t, ((at.0 - x.0).powi(2) + (at.1 - x.1).powi(2)).sqrt())
    }
}

/// Adjacency in compressed rows: the arcs of node `n` are
/// `to[start[n]..start[n + 1]]` with times `ms[..]`.
#[derive(Debug, Clone, Default)]
struct Csr {
    start: Vec<u32>,
    to: Vec<u32>,
    ms: Vec<u32>,
}

impl Csr {
    fn new(n: usize, mut arcs: Vec<(u32, u32, u32)>) -> Csr {
        arcs.sort_unstable();
        let mut start = vec![0u32; n + 1];
        for &(a, _, _) in &arcs {
            start[a as usize + 1] += 1;
        }
        for i in 0..n {
            start[i + 1] += start[i];
        }
        Csr { start, to: arcs.iter().map(|a| a.1).collect(), ms: arcs.iter().map(|a| a.2).collect() }
    }

    fn arcs(&self, n: u32) -> impl Iterator<Item = (u32, u32)> + '_ {
        let (s, e) = (self.start[n as usize] as usize, self.start[n as usize + 1] as usize);
        self.to[s..e].iter().copied().zip(self.ms[s..e].iter().copied())
    }
}

type Filed = GeomWithData<[f64; 3], u32>;

/// One mode's graph, prepared.
struct ModeGraph {
    out: Csr,
    inn: Csr,
    /// `None` when the mode has no road at all.
    ch: Option<FastGraph>,
    calculators: Mutex<Vec<PathCalculator>>,
    /// The nodes a position may snap to: those in a strongly connected part
    /// of the network of a useful size (not a clipped one-way stub).
    snap: RTree<Filed>,
    /// The fastest road speed of the mode, m/s.
    top_speed_ms: f64,
}

/// Where a position joins the network.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Snap {
    pub node: u32,
    pub distance_m: f64,
}

/// A network prepared for every mode, with the speeds and the straight-line
/// model it was prepared with.
pub struct Routing {
    nodes: Vec<Coordinates>,
    modes: Vec<ModeGraph>,
    model: TravelModel,
    speeds: RoadSpeeds,
    max_snap_m: f64,
    edges: usize,
}

impl std::fmt::Debug for Routing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Routing").field("nodes", &self.nodes.len()).field("edges", &self.edges).finish()
    }
}

fn unit_vector(c: Coordinates) -> [f64; 3] {
    let (lat, lon) = (c.lat().to_radians(), c.lon().to_radians());
    [lat.cos() * lon.cos(), lat.cos() * lon.sin(), lat.sin()]
}

/// The smallest strongly connected part a position may snap into, unless the
/// whole network is smaller.
pub const MIN_COMPONENT: usize = 20;

impl Routing {
    pub fn build(network: &RoadNetwork, speeds: &RoadSpeeds, model: TravelModel, max_snap_m: f64) -> Routing {
        let n = network.nodes.len();
        let modes = Mode::ALL
            .into_iter()
            .map(|mode| {
                let mut arcs = vec![];
                let mut top_kmh: f64 = 0.0;
                for e in &network.edges {
                    let Some(ms) = speeds.edge_ms(mode, e.class, e.length_m) else { continue };
                    if e.a == e.b {
                        continue;
                    }
                    top_kmh = top_kmh.max(speeds.kmh(mode, e.class).unwrap_or(0.0));
                    arcs.push((e.a, e.b, ms));
                    if !(e.oneway && mode.keeps_oneway()) {
                        arcs.push((e.b, e.a, ms));
                    }
                }
                let ch = (!arcs.is_empty()).then(|| {
                    let mut input = InputGraph::new();
                    for &(a, b, ms) in &arcs {
                        input.add_edge(a as usize, b as usize, ms as usize);
                    }
                    input.freeze();
                    fast_paths::prepare(&input)
                });
                let out = Csr::new(n, arcs.clone());
                let inn = Csr::new(n, arcs.into_iter().map(|(a, b, ms)| (b, a, ms)).collect());
                let component = strong_components(&out, &inn);
                let mut size: HashMap<u32, usize> = HashMap::new();
                for (node, &c) in component.iter().enumerate() {
                    if out.arcs(node as u32).next().is_some() {
                        *size.entry(c).or_default() += 1;
                    }
                }
                let largest = size.values().copied().max().unwrap_or(0);
                let threshold = MIN_COMPONENT.min(largest).max(1);
                let ch_nodes = ch.as_ref().map_or(0, |g| g.get_num_nodes());
                let filed: Vec<Filed> = (0..n)
                    .filter(|&v| {
                        v < ch_nodes
                            && out.arcs(v as u32).next().is_some()
                            && size.get(&component[v]).is_some_and(|&s| s >= threshold)
                    })
                    .map(|v| Filed::new(unit_vector(network.nodes[v]), v as u32))
                    .collect();
                ModeGraph {
                    out,
                    inn,
                    ch,
                    calculators: Mutex::new(vec![]),
                    snap: RTree::bulk_load(filed),
                    top_speed_ms: top_kmh / 3.6,
                }
            })
            .collect();
        Routing {
            nodes: network.nodes.clone(),
            modes,
            model,
            speeds: speeds.clone(),
            max_snap_m,
            edges: network.edges.len(),
        }
    }

    pub fn model(&self) -> &TravelModel {
        &self.model
    }

    pub fn speeds(&self) -> &RoadSpeeds {
        &self.speeds
    }

    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    pub fn edge_count(&self) -> usize {
        self.edges
    }

    pub fn node(&self, n: u32) -> Option<Coordinates> {
        self.nodes.get(n as usize).copied()
    }

    fn graph(&self, mode: Mode) -> &ModeGraph {
        &self.modes[mode.slot()]
    }

    /// The nearest node `mode` may start or end at, if within the snapping
    /// distance.
    pub fn snap(&self, mode: Mode, at: Coordinates) -> Option<Snap> {
        let g = self.graph(mode);
        let nearest = g.snap.nearest_neighbor(&unit_vector(at))?;
        let node = nearest.data;
        let distance_m = at.distance_m(self.nodes[node as usize]);
        (distance_m <= self.max_snap_m).then_some(Snap { node, distance_m })
    }

    /// Seconds for a unit of `kind` to cover `distance_m` off the network
    /// (to or from its snapped node).
    pub fn leg_s(&self, kind: UnitKind, distance_m: f64) -> f64 {
        self.model.eta_s(kind, distance_m)
    }

    /// The fastest a unit of `kind` can close distance anywhere: on the
    /// fastest road its mode may use, or off the network.
    pub fn top_speed_ms(&self, kind: UnitKind) -> f64 {
        self.graph(Mode::of(kind)).top_speed_ms.max(self.model.speed_ms(kind) / self.model.detour_factor)
    }

    /// A lower bound on the routed ETA of a unit of `kind` over a straight
    /// line of `distance_m`: no route of that kind is faster.
    pub fn lower_bound_s(&self, kind: UnitKind, distance_m: f64) -> f64 {
        // a micrometre and a part in 10¹² of margin for rounding
        ((distance_m - 1e-6).max(0.0) / self.top_speed_ms(kind)) * (1.0 - 1e-12)
    }

    /// Road time in milliseconds from node `a` to node `b` in `mode` (the
    /// contraction hierarchy).
    pub fn road_ms(&self, mode: Mode, a: u32, b: u32) -> Option<u64> {
        if a == b {
            return Some(0);
        }
        let g = self.graph(mode);
        let ch = g.ch.as_ref()?;
        if a as usize >= ch.get_num_nodes() || b as usize >= ch.get_num_nodes() {
            return None;
        }
        let mut calc = {
            let mut pool = g.calculators.lock().unwrap_or_else(|p| p.into_inner());
            pool.pop()
        }
        .unwrap_or_else(|| fast_paths::create_calculator(ch));
        let found = calc.calc_path(ch, a as usize, b as usize).map(|p| p.get_weight() as u64);
        g.calculators.lock().unwrap_or_else(|p| p.into_inner()).push(calc);
        found
    }

    /// ETA in seconds for a unit of `kind` at `from` to reach `to` by road,
    /// `None` if either is off the network or no road joins them.
    pub fn eta_s(&self, kind: UnitKind, from: Coordinates, to: Coordinates) -> Option<f64> {
        let mode = Mode::of(kind);
        let (a, b) = (self.snap(mode, from)?, self.snap(mode, to)?);
        let ms = self.road_ms(mode, a.node, b.node)?;
        Some(self.total_s(kind, a.distance_m, ms, b.distance_m))
    }

    /// Where each of `targets` joins the network in `mode` (for many ETAs
    /// to the same places: snapped once).
    pub fn snaps(&self, mode: Mode, targets: &[Coordinates]) -> Vec<Option<Snap>> {
        targets.iter().map(|t| self.snap(mode, *t)).collect()
    }

    /// A source's start in a search: its snapped node and the access leg in
    /// whole milliseconds, rounded up like every road time.
    pub fn seed(&self, kind: UnitKind, at: Snap) -> (u32, u64) {
        (at.node, (self.leg_s(kind, at.distance_m) * 1000.0).ceil() as u64)
    }

    /// Seconds to a place that joins the network at `at`, given a search's
    /// `times` (from [`Routing::times_ms`]) for a unit of `kind`: the road
    /// time and the egress leg; `None` where the search did not reach.
    pub fn arrival_s(&self, kind: UnitKind, times: &[u64], at: Snap) -> Option<f64> {
        let ms = *times.get(at.node as usize)?;
        (ms != u64::MAX).then(|| ms as f64 / 1000.0 + self.leg_s(kind, at.distance_m))
    }

    /// ETAs by road from one position to many places (snapped by
    /// [`Routing::snaps`] for `kind`'s mode), each `None` beyond `limit_s`
    /// or without a route: one Dijkstra instead of a query each. The same
    /// numbers as [`Routing::eta_s`] (its access leg rounded up to a whole
    /// millisecond).
    pub fn etas_from(
        &self,
        kind: UnitKind,
        from: Coordinates,
        targets: &[Option<Snap>],
        limit_s: f64,
    ) -> Vec<Option<f64>> {
        let mode = Mode::of(kind);
        let Some(a) = self.snap(mode, from) else { return vec![None; targets.len()] };
        let times = self.times_ms(mode, &[self.seed(kind, a)], false, Some((limit_s.max(0.0) * 1000.0) as u64));
        targets.iter().map(|t| self.arrival_s(kind, &times, (*t)?).filter(|s| *s <= limit_s)).collect()
    }

    /// A unit with no route, ranked by the straight-line model.
    fn unrouted(&self, u: &UnitState, distance_m: f64) -> Recommendation {
        Recommendation { unit_id: u.id, eta_s: self.model.eta_s(u.kind, distance_m), distance_m, by_road: false }
    }

    /// Access leg + road + egress leg, always added in this order.
    fn total_s(&self, kind: UnitKind, access_m: f64, road_ms: u64, egress_m: f64) -> f64 {
        self.leg_s(kind, access_m) + road_ms as f64 / 1000.0 + self.leg_s(kind, egress_m)
    }

    /// The top `k` candidates for `target` by routed ETA (see the module
    /// documentation for the proof of exactness and the failed routes).
    pub fn recommend(
        &self,
        units: impl IntoIterator<Item = impl std::borrow::Borrow<UnitState>>,
        target: Coordinates,
        now: DateTime<Utc>,
        k: usize,
    ) -> Vec<Recommendation> {
        self.recommend_counting(units, target, now, k).0
    }

    /// [`Routing::recommend`], and how many units it routed (for tests and
    /// benchmarks: the shortlist's size).
    pub fn recommend_counting(
        &self,
        units: impl IntoIterator<Item = impl std::borrow::Borrow<UnitState>>,
        target: Coordinates,
        now: DateTime<Utc>,
        k: usize,
    ) -> (Vec<Recommendation>, usize) {
        if k == 0 {
            return (vec![], 0);
        }
        let mut shortlist: Vec<(f64, UnitState, Coordinates, f64)> = units
            .into_iter()
            .map(|u| *u.borrow())
            .filter(|u| u.is_candidate(now, &self.model))
            .filter_map(|u| {
                let (at, _) = u.position?;
                let d = at.distance_m(target);
                Some((self.lower_bound_s(u.kind, d), u, at, d))
            })
            .collect();
        shortlist.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut targets: [Option<Option<Snap>>; 3] = [None; 3];
        let mut best: Vec<Recommendation> = Vec::with_capacity(k + 1);
        let mut failed: Vec<Recommendation> = vec![];
        let mut routed = 0;
        for (lb, u, at, d) in shortlist {
            if best.len() == k && lb > best[k - 1].eta_s {
                break;
            }
            routed += 1;
            let mode = Mode::of(u.kind);
            let to = *targets[mode.slot()].get_or_insert_with(|| self.snap(mode, target));
            let eta = to.and_then(|to| {
                let from = self.snap(mode, at)?;
                let ms = self.road_ms(mode, from.node, to.node)?;
                Some(self.total_s(u.kind, from.distance_m, ms, to.distance_m))
            });
            match eta {
                Some(eta_s) => {
                    let r = Recommendation { unit_id: u.id, eta_s, distance_m: d, by_road: true };
                    let pos = best.partition_point(|b| rank_order(b, &r).is_lt());
                    if pos < k {
                        best.insert(pos, r);
                        best.truncate(k);
                    }
                }
                None => failed.push(self.unrouted(&u, d)),
            }
        }
        if best.len() < k {
            failed.sort_by(rank_order);
            best.extend(failed.into_iter().take(k - best.len()));
        }
        (best, routed)
    }

    /// The same ranking by a plain Dijkstra: one search backwards from the
    /// scene over each mode's whole graph, every candidate scored. The
    /// baseline the contraction hierarchy is measured against.
    pub fn recommend_dijkstra(
        &self,
        units: impl IntoIterator<Item = impl std::borrow::Borrow<UnitState>>,
        target: Coordinates,
        now: DateTime<Utc>,
        k: usize,
    ) -> Vec<Recommendation> {
        let mut dist: [Option<(Snap, Vec<u64>)>; 3] = [None, None, None];
        let mut routed = vec![];
        let mut failed = vec![];
        for u in units.into_iter().map(|u| *u.borrow()).filter(|u| u.is_candidate(now, &self.model)) {
            let Some((at, _)) = u.position else { continue };
            let d = at.distance_m(target);
            let mode = Mode::of(u.kind);
            if dist[mode.slot()].is_none() {
                dist[mode.slot()] =
                    self.snap(mode, target).map(|s| (s, self.times_ms(mode, &[(s.node, 0)], true, None)));
            }
            let eta = dist[mode.slot()].as_ref().and_then(|(to, times)| {
                let from = self.snap(mode, at)?;
                let ms = times[from.node as usize];
                (ms != u64::MAX).then(|| self.total_s(u.kind, from.distance_m, ms, to.distance_m))
            });
            match eta {
                Some(eta_s) => routed.push(Recommendation { unit_id: u.id, eta_s, distance_m: d, by_road: true }),
                None => failed.push(self.unrouted(&u, d)),
            }
        }
        routed.sort_by(rank_order);
        failed.sort_by(rank_order);
        routed.extend(failed);
        routed.truncate(k);
        routed
    }

    /// Milliseconds from the `sources` (node, starting time) to every node
    /// in `mode` (`backwards`: from every node to the sources), `u64::MAX`
    /// where unreachable or beyond `limit_ms`.
    pub fn times_ms(&self, mode: Mode, sources: &[(u32, u64)], backwards: bool, limit_ms: Option<u64>) -> Vec<u64> {
        let g = self.graph(mode);
        let csr = if backwards { &g.inn } else { &g.out };
        let limit = limit_ms.unwrap_or(u64::MAX - 1);
        let mut dist = vec![u64::MAX; self.nodes.len()];
        let mut heap = BinaryHeap::new();
        for &(s, t) in sources {
            if (s as usize) < dist.len() && t < dist[s as usize] && t <= limit {
                dist[s as usize] = t;
                heap.push(Reverse((t, s)));
            }
        }
        while let Some(Reverse((t, v))) = heap.pop() {
            if t > dist[v as usize] {
                continue;
            }
            for (w, ms) in csr.arcs(v) {
                let nt = t + u64::from(ms);
                if nt < dist[w as usize] && nt <= limit {
                    dist[w as usize] = nt;
                    heap.push(Reverse((nt, w)));
                }
            }
        }
        dist
    }
}

/// The strongly connected component of every node (Kosaraju, iterative).
fn strong_components(out: &Csr, inn: &Csr) -> Vec<u32> {
    let n = out.start.len() - 1;
    let mut order: Vec<u32> = Vec::with_capacity(n);
    let mut seen = vec![false; n];
    let mut stack: Vec<(u32, u32)> = vec![];
    for s in 0..n as u32 {
        if seen[s as usize] {
            continue;
        }
        seen[s as usize] = true;
        stack.push((s, out.start[s as usize]));
        while let Some(&mut (v, ref mut next)) = stack.last_mut() {
            if *next < out.start[v as usize + 1] {
                let w = out.to[*next as usize];
                *next += 1;
                if !seen[w as usize] {
                    seen[w as usize] = true;
                    stack.push((w, out.start[w as usize]));
                }
            } else {
                order.push(v);
                stack.pop();
            }
        }
    }
    let mut comp = vec![u32::MAX; n];
    let mut c = 0;
    let mut todo: Vec<u32> = vec![];
    for &s in order.iter().rev() {
        if comp[s as usize] != u32::MAX {
            continue;
        }
        comp[s as usize] = c;
        todo.push(s);
        while let Some(v) = todo.pop() {
            for (w, _) in inn.arcs(v) {
                if comp[w as usize] == u32::MAX {
                    comp[w as usize] = c;
                    todo.push(w);
                }
            }
        }
        c += 1;
    }
    comp
}

/// What an OpenStreetMap way's `highway` tag makes of it, if it is a road
/// any unit may use.
pub fn class_of_highway(highway: &str) -> Option<RoadClass> {
    Some(match highway {
        "motorway" | "motorway_link" => RoadClass::Motorway,
        "trunk" | "trunk_link" | "primary" | "primary_link" | "secondary" | "secondary_link" => RoadClass::Major,
        "tertiary" | "tertiary_link" | "unclassified" | "residential" | "living_street" | "road" => RoadClass::Minor,
        "service" | "track" => RoadClass::Service,
        "footway" | "path" | "pedestrian" | "cycleway" | "steps" | "bridleway" => RoadClass::Path,
        _ => return None,
    })
}

/// Which way cars may drive a way, from its tags: `Some(true)` along the
/// way's node order only, `Some(false)` against it only, `None` both ways.
pub fn oneway_of(highway: &str, oneway: Option<&str>, junction: Option<&str>) -> Option<bool> {
    match oneway {
        Some("yes" | "true" | "1") => Some(true),
        Some("-1" | "reverse") => Some(false),
        Some("no" | "false" | "0") => None,
        _ if matches!(junction, Some("roundabout" | "circular")) => Some(true),
        _ if matches!(highway, "motorway" | "motorway_link") => Some(true),
        _ => None,
    }
}

pub mod cover;

#[cfg(test)]
mod tests;
