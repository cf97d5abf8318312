//! Road networks for routed ETAs: importing an OpenStreetMap extract
//! (`command-room roads import FILE`), and preparing the network the
//! configuration names (`[roads] source`) at start-up.
//!
//! The straight-line model stays the default (`source = "straight-line"`);
//! `"district"` routes on the district file's own road lines, `"imported"`
//! on the network last imported into the database. A network that cannot
//! be prepared stops the start with an error that says why: a command room
//! must not silently fall back to another model than the one it was set up
//! with.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use domain::roads::{RoadEdge, RoadNetwork, RoadSpeeds, Routing, class_of_highway, oneway_of};
use domain::{Coordinates, District, TravelModel};

use crate::store::Store;

/// Where routed ETAs come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RoadSource {
    /// No road network: the straight-line model (the default).
    #[default]
    StraightLine,
    /// The district file's road lines.
    District,
    /// The network `roads import` stored in the database.
    Imported,
}

impl std::str::FromStr for RoadSource {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "straight-line" => Ok(RoadSource::StraightLine),
            "district" => Ok(RoadSource::District),
            "imported" => Ok(RoadSource::Imported),
            other => Err(format!("unknown source {other:?}; expected one of: straight-line, district, imported")),
        }
    }
}

/// `[roads]`, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct RoadsSettings {
    pub source: RoadSource,
    pub speeds: RoadSpeeds,
    pub max_snap_m: f64,
}

impl Default for RoadsSettings {
    fn default() -> Self {
        RoadsSettings {
            source: RoadSource::StraightLine,
            speeds: RoadSpeeds::default(),
            max_snap_m: domain::roads::DEFAULT_MAX_SNAP_M,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("cannot read {path}: {message}")]
    Read { path: String, message: String },
    #[error("{path} holds no roads (no way with a highway tag a unit may use, or none of their nodes)")]
    Empty { path: String },
    #[error("{path}: {message}")]
    Invalid { path: String, message: String },
}

/// What an import found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImportReport {
    pub ways: usize,
    pub nodes: usize,
    pub edges: usize,
    /// Way nodes the extract does not hold (ways clipped at its edge).
    pub missing_nodes: usize,
}

/// Reads the roads of an `.osm.pbf` extract: every way whose `highway` tag
/// is a road some unit may use, split into edges between consecutive nodes,
/// one-way as its tags say (`oneway`, roundabouts, motorways). Nodes used
/// by no road are left out; a way's stretch through a node the extract does
/// not hold (clipped at the border) is dropped.
pub fn read_osm(path: &Path) -> Result<(RoadNetwork, ImportReport), ImportError> {
    use osmpbf::{Element, ElementReader};
    let shown = path.display().to_string();
    let read_err = |e: osmpbf::Error| ImportError::Read { path: shown.clone(), message: e.to_string() };
    // first pass: the ways
    struct Way {
        class: domain::district::RoadClass,
        forward: Option<bool>,
        refs: Vec<i64>,
    }
    let mut ways: Vec<Way> = vec![];
    ElementReader::from_path(path)
        .map_err(read_err)?
        .for_each(|e| {
            if let Element::Way(w) = e {
                let (mut highway, mut oneway, mut junction, mut area) = (None, None, None, false);
                for (k, v) in w.tags() {
                    match k {
                        "highway" => highway = Some(v),
                        "oneway" => oneway = Some(v),
                        "junction" => junction = Some(v),
                        "area" => area = v == "yes",
                        _ => {}
                    }
                }
                let Some(h) = highway else { return };
                let Some(class) = class_of_highway(h) else { return };
                if area {
                    return;
                }
                ways.push(Way { class, forward: oneway_of(h, oneway, junction), refs: w.refs().collect() });
            }
        })
        .map_err(read_err)?;
    // second pass: the positions of the nodes the ways use
    let mut wanted: HashMap<i64, u32> = HashMap::new();
    for w in &ways {
        for r in &w.refs {
            let next = wanted.len() as u32;
            wanted.entry(*r).or_insert(next);
        }
    }
    let mut at: Vec<Option<Coordinates>> = vec![None; wanted.len()];
    let mut put = |id: i64, lat: f64, lon: f64| {
        if let Some(&i) = wanted.get(&id) {
            at[i as usize] = Coordinates::parse(lat, lon).ok();
        }
    };
    ElementReader::from_path(path)
        .map_err(read_err)?
        .for_each(|e| match e {
            Element::Node(n) => put(n.id(), n.lat(), n.lon()),
            Element::DenseNode(n) => put(n.id(), n.lat(), n.lon()),
            _ => {}
        })
        .map_err(read_err)?;
    // number the nodes that exist, in first-seen order
    let mut number: Vec<Option<u32>> = vec![None; at.len()];
    let mut nodes: Vec<Coordinates> = vec![];
    let mut report = ImportReport { ways: ways.len(), ..ImportReport::default() };
    let mut edges: Vec<RoadEdge> = vec![];
    for w in &ways {
        let mut prev: Option<u32> = None;
        for r in &w.refs {
            let i = wanted[r] as usize;
            let Some(c) = at[i] else {
                report.missing_nodes += 1;
                prev = None;
                continue;
            };
            let n = *number[i].get_or_insert_with(|| {
                nodes.push(c);
                (nodes.len() - 1) as u32
            });
            if let Some(p) = prev.filter(|p| *p != n) {
                let (a, b) = if w.forward == Some(false) { (n, p) } else { (p, n) };
                let length_m = nodes[p as usize].distance_m(c);
                edges.push(RoadEdge { a, b, class: w.class, oneway: w.forward.is_some(), length_m });
            }
            prev = Some(n);
        }
    }
    if edges.is_empty() {
        return Err(ImportError::Empty { path: shown });
    }
    report.nodes = nodes.len();
    report.edges = edges.len();
    let net =
        RoadNetwork::new(nodes, edges).map_err(|e| ImportError::Invalid { path: shown, message: e.to_string() })?;
    Ok((net, report))
}

/// The road network of a running server: wanted or not, and once prepared
/// the routing and the raster for reach along streets. Preparing a city
/// takes minutes, so the server serves at once and ranks by the
/// straight-line model (recommendations without the *road* mark) until
/// the roads are ready; `/healthz` says which (`roads`).
/// A prepared network and its street raster (none for a district without
/// bounds).
type Prepared = (Arc<Routing>, Option<Arc<StreetCover>>);

#[derive(Debug, Default)]
pub struct Roads {
    wanted: bool,
    ready: std::sync::RwLock<Option<Prepared>>,
}

impl Roads {
    /// No road network: the straight-line model.
    pub fn none() -> Arc<Roads> {
        Arc::new(Roads::default())
    }

    pub fn routing(&self) -> Option<Arc<Routing>> {
        self.ready.read().unwrap_or_else(|p| p.into_inner()).as_ref().map(|r| r.0.clone())
    }

    pub fn street(&self) -> Option<Arc<StreetCover>> {
        self.ready.read().unwrap_or_else(|p| p.into_inner()).as_ref().and_then(|r| r.1.clone())
    }

    /// Whether the deployment routes by road (ready or not yet).
    pub fn wanted(&self) -> bool {
        self.wanted
    }

    /// `straight-line`, `preparing` or `ready`.
    pub fn state(&self) -> &'static str {
        match (self.wanted, self.routing().is_some()) {
            (false, _) => "straight-line",
            (true, false) => "preparing",
            (true, true) => "ready",
        }
    }
}

/// Reads the network the settings name (a missing or empty one stops the
/// start, saying why) and prepares it on a blocking thread; the returned
/// handle fills in when it is ready.
pub async fn prepare(
    store: &Store,
    district: &Arc<District>,
    settings: &RoadsSettings,
    model: &TravelModel,
) -> anyhow::Result<Arc<Roads>> {
    let net = match settings.source {
        RoadSource::StraightLine => return Ok(Roads::none()),
        RoadSource::District => RoadNetwork::from_roads(&district.roads),
        RoadSource::Imported => store.load_road_network().await?.ok_or_else(|| {
            anyhow::anyhow!(
                "roads.source is \"imported\" but no road network is stored: run `command-room roads import FILE.osm.pbf` first"
            )
        })?,
    };
    if net.is_empty() {
        anyhow::bail!("roads.source names a road network with no roads (the district file has no [[roads]]?)");
    }
    let roads = Arc::new(Roads { wanted: true, ready: std::sync::RwLock::new(None) });
    let (speeds, model, snap) = (settings.speeds.clone(), model.clone(), settings.max_snap_m);
    let (handle, district) = (roads.clone(), district.clone());
    tokio::task::spawn_blocking(move || {
        let started = std::time::Instant::now();
        let routing = Arc::new(Routing::build(&net, &speeds, model, snap));
        let street = StreetCover::new(routing.clone(), &district).map(Arc::new);
        tracing::info!(
            nodes = routing.node_count(),
            edges = routing.edge_count(),
            ms = started.elapsed().as_millis() as u64,
            "road network prepared: ETAs are routed by road"
        );
        *handle.ready.write().unwrap_or_else(|p| p.into_inner()) = Some((routing, street));
    });
    Ok(roads)
}

/// The raster reach along streets is drawn on: the district's box in cells
/// of about [`CELL_M`] metres, each cell's station area and zone class.
pub struct StreetCover {
    pub routing: Arc<Routing>,
    pub grid: domain::roads::cover::StreetGrid,
    /// Whether each cell's centre is inside a station's area.
    in_station: Vec<bool>,
    /// The zone class of each cell's centre (`None`: outside every zone).
    class: Vec<Option<domain::ResponseClass>>,
}

/// The raster's cell size (metres) and its largest side (cells).
pub const CELL_M: f64 = 40.0;

impl std::fmt::Debug for StreetCover {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreetCover").field("grid", &self.grid.grid).finish()
    }
}
pub const MAX_SIDE: u32 = 240;

impl StreetCover {
    pub fn new(routing: Arc<Routing>, district: &District) -> Option<StreetCover> {
        let (sw, ne) = district.bounds()?;
        let grid = domain::roads::cover::Grid::over(sw, ne, CELL_M, MAX_SIDE);
        let (mut in_station, mut class) = (vec![], vec![]);
        for i in 0..grid.len() {
            let at = grid.centre(i);
            let loc = at.map(|c| district.locate(c));
            in_station.push(loc.as_ref().is_some_and(|l| l.station.is_some()));
            class.push(loc.and_then(|l| l.class));
        }
        let grid = domain::roads::cover::StreetGrid::new(&routing, grid);
        Some(StreetCover { routing, grid, in_station, class })
    }

    /// What `sources` (kind, position) reach along the streets within each
    /// band, and the share of each zone class reached within its target.
    pub fn reach(
        &self,
        sources: &[(domain::UnitKind, Coordinates)],
        policy: &domain::ResponsePolicy,
    ) -> app::wire::StreetReach {
        use domain::ResponseClass;
        use domain::roads::cover::band_of;
        let bands = domain::reach::bands_s(policy);
        let times = self.grid.times_s(&self.routing, sources, bands[2]);
        let mut cells = String::with_capacity(times.len());
        let mut hit = [0usize; 3];
        let mut stations = 0usize;
        let mut per_class: Vec<(ResponseClass, u32, usize, usize)> =
            [ResponseClass::Core, ResponseClass::Crowded, ResponseClass::Other]
                .into_iter()
                .map(|c| (c, policy.arrival_target_s(Some(c)), 0, 0))
                .collect();
        for (i, t) in times.iter().enumerate() {
            let band = band_of(*t, bands);
            cells.push(match band {
                Some(b) => char::from(b'0' + b),
                None => '.',
            });
            if self.in_station[i] {
                stations += 1;
                if let Some(b) = band {
                    for h in hit.iter_mut().skip(b as usize) {
                        *h += 1;
                    }
                }
            }
            if let Some(c) = self.class[i]
                && let Some(row) = per_class.iter_mut().find(|r| r.0 == c)
            {
                row.3 += 1;
                if f64::from(*t) <= f64::from(row.1) {
                    row.2 += 1;
                }
            }
        }
        let share = |n: usize, of: usize| if of == 0 { 0.0 } else { n as f64 / of as f64 };
        app::wire::StreetReach {
            grid: self.grid.grid,
            bands,
            cells,
            share: hit.map(|h| share(h, stations)),
            classes: per_class
                .into_iter()
                .filter(|r| r.3 > 0)
                .map(|(class, target_s, n, of)| app::wire::ClassCover { class, target_s, share: share(n, of) })
                .collect(),
        }
    }
}
