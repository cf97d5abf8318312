//! Reach rings ("1-3-5" on the map): around each post and each available
//! unit, what it reaches within each arrival target. Each band is one `<path>`
//! holding every unit's circle, all wound the same way, so the fill is their
//! union: overlaps do not darken, and blank map between rings is a hole in
//! the cover. The rules (who gives cover, how far) are the domain's.
//!
//! When the deployment routes ETAs on a road network (`MapData::routed`),
//! the rings follow the streets instead: the server computes, on a raster
//! over the district, the earliest any post or available unit arrives at
//! each cell by road (`street_reach`, polled every few seconds), and each
//! band is one `<path>` of the rows' runs of cells it reaches.

use domain::reach::{Cover, bands_s, covered_share, gives_cover, radii_m};
use leptos::prelude::*;

use super::Projection;
use crate::live::Live;
use crate::wire::{ClassCover, MapData, StreetReach};

/// The rings' paths and the share of the district each band covers.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ReachState {
    /// SVG path data per band, smallest band first.
    pub paths: [String; 3],
    /// Share of the district's station areas covered within each band.
    pub share: [f64; 3],
    /// The bands in seconds.
    pub bands: [f64; 3],
    /// Drawn along the streets (routed ETAs), not as circles.
    pub routed: bool,
    /// With `routed`: each zone class's share reached within its target.
    pub classes: Vec<ClassCover>,
}

/// How often the reach along streets is asked for again.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
pub const STREET_POLL_S: u64 = 5;

/// SVG path data per band for a street-reach raster: each row's runs of
/// cells reached within the band (cumulative, like the rings).
pub fn street_paths(r: &StreetReach, proj: &Projection) -> [String; 3] {
    use std::fmt::Write;
    let g = &r.grid;
    let (cols, rows) = (g.cols as usize, g.rows as usize);
    let cells = r.cells.as_bytes();
    let lat = |row: usize| g.north - row as f64 * (g.north - g.south) / rows as f64;
    let lon = |col: usize| g.west + col as f64 * (g.east - g.west) / cols as f64;
    let mut out: [String; 3] = Default::default();
    if cells.len() != cols * rows {
        return out;
    }
    for (b, d) in out.iter_mut().enumerate() {
        let within = |c: u8| c.is_ascii_digit() && usize::from(c - b'0') <= b;
        for row in 0..rows {
            let line = &cells[row * cols..(row + 1) * cols];
            let mut col = 0;
            while col < cols {
                if !within(line[col]) {
                    col += 1;
                    continue;
                }
                let start = col;
                while col < cols && within(line[col]) {
                    col += 1;
                }
                let (x0, y0) = proj.xy(lat(row), lon(start));
                let (x1, y1) = proj.xy(lat(row + 1), lon(col));
                // a hair of overlap so neighbouring rows leave no seam
                let _ = write!(d, "M{x0:.0} {:.0}H{x1:.0}V{:.0}H{x0:.0}z", y0 - 0.5, y1 + 0.5);
            }
        }
    }
    out
}

/// Asks the server for the reach along streets now and every few seconds
/// (the browser only; the server's page starts without it).
#[cfg(feature = "hydrate")]
fn poll_street(street: RwSignal<Option<StreetReach>>) {
    let tick = move || {
        leptos::task::spawn_local(async move {
            if let Ok(r) = crate::server_fns::get_street_reach().await {
                street.set(r);
            }
        });
    };
    tick();
    let _ = set_interval_with_handle(tick, std::time::Duration::from_secs(STREET_POLL_S));
}

/// Sample points (user units) inside the district's station areas, on a
/// grid of about `n` × `n` over the map.
fn samples(map: &MapData, proj: &Projection, n: usize) -> Vec<(f64, f64)> {
    let mut out = vec![];
    for i in 0..n {
        for j in 0..n {
            let (x, y) = ((i as f64 + 0.5) * proj.width / n as f64, (j as f64 + 0.5) * proj.height / n as f64);
            let (lat, lon) = proj.lat_lon(x, y);
            let Ok(at) = domain::Coordinates::parse(lat, lon) else { continue };
            if map.stations.iter().any(|s| s.area.contains(at)) {
                out.push((x, y));
            }
        }
    }
    out
}

/// Appends a full circle to SVG path data (two arcs, always the same way round).
fn circle(d: &mut String, x: f64, y: f64, r: f64) {
    use std::fmt::Write;
    let _ =
        write!(d, "M{:.0} {y:.0}a{r:.0} {r:.0} 0 1 0 {:.0} 0a{r:.0} {r:.0} 0 1 0 {:.0} 0z", x - r, 2.0 * r, -2.0 * r);
}

/// The reach state, recomputed when a unit moves or changes status, and as
/// time makes positions stale. Lazy: nothing is computed while no one reads it.
pub fn reach_memo(map: &MapData, live: Live) -> Memo<ReachState> {
    let proj = Projection::fit(map);
    let bands = bands_s(&map.policy);
    let travel = map.travel.clone();
    let samples = samples(map, &proj, 36);
    let routed = map.routed;
    let street: RwSignal<Option<StreetReach>> = RwSignal::new(None);
    #[cfg(feature = "hydrate")]
    if routed {
        poll_street(street);
    }
    Memo::new(move |_| {
        // along the streets once the server has them (until its roads are
        // prepared, or if it cannot be reached, the circles below)
        if routed {
            let along = street.with(|s| {
                s.as_ref().map(|r| ReachState {
                    paths: street_paths(r, &proj),
                    share: r.share,
                    bands: r.bands,
                    routed: true,
                    classes: r.classes.clone(),
                })
            });
            if let Some(along) = along {
                return along;
            }
        }
        let now = live.now.get();
        // positions may come without notifying each unit (`Live::quiet_positions`)
        live.seq.track();
        let mut sources = vec![];
        live.units.with(|units| {
            for sig in units.values() {
                sig.with(|u| {
                    let (Some(lat), Some(lon)) = (u.lat, u.lon) else { return };
                    if gives_cover(u.kind, u.status, u.seen_at, now, &travel) {
                        let (x, y) = proj.xy(lat, lon);
                        sources.push(Cover { x, y, radii: radii_m(&travel, u.kind, bands) });
                    }
                });
            }
        });
        let mut paths: [String; 3] = Default::default();
        for s in &sources {
            for (d, r) in paths.iter_mut().zip(s.radii) {
                circle(d, s.x, s.y, r);
            }
        }
        ReachState { paths, share: covered_share(&sources, &samples), bands, routed: false, classes: vec![] }
    })
}

#[component]
pub fn ReachLayer(reach: Memo<ReachState>) -> impl IntoView {
    let d = move |b: usize| move || reach.with(|r| r.paths[b].clone());
    view! {
        <g class="layer-reach" aria-hidden="true">
            <path class="reach reach-2" d=d(2)></path>
            <path class="reach reach-1" d=d(1)></path>
            <path class="reach reach-0" d=d(0)></path>
        </g>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn street_paths_draw_each_rows_runs_cumulatively() {
        use domain::roads::cover::Grid;
        let map = MapData {
            name: String::new(),
            stations: vec![],
            zones: vec![],
            patrol_points: vec![],
            landmarks: vec![],
            roads: vec![],
            policy: domain::ResponsePolicy::default(),
            travel: domain::TravelModel::default(),
            utc_offset_minutes: 0,
            places: vec![],
            tiles: None,
            routed: true,
        };
        let proj = Projection::fit(&map);
        let r = StreetReach {
            grid: Grid { south: 25.0, west: 110.0, north: 25.01, east: 110.01, cols: 4, rows: 2 },
            bands: [60.0, 180.0, 300.0],
            // row 0: 0 0 . 2 ; row 1: 1 . . .
            cells: "00.21...".into(),
            share: [0.0; 3],
            classes: vec![],
        };
        let p = street_paths(&r, &proj);
        assert_eq!(p[0].matches('M').count(), 1, "one run in band 0: {}", p[0]);
        assert_eq!(p[1].matches('M').count(), 2, "band 1 adds row 1's first cell: {}", p[1]);
        assert_eq!(p[2].matches('M').count(), 3, "band 2 adds the last cell of row 0: {}", p[2]);
        let bad = StreetReach { cells: "0".into(), ..r };
        assert_eq!(street_paths(&bad, &proj), <[String; 3]>::default(), "a raster of the wrong size draws nothing");
    }

    #[test]
    fn a_circle_is_two_arcs_from_its_left_edge() {
        let mut d = String::new();
        circle(&mut d, 100.0, 50.0, 20.0);
        assert_eq!(d, "M80 50a20 20 0 1 0 40 0a20 20 0 1 0 -40 0z");
    }
}
