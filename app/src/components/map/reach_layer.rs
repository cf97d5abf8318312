//! Reach rings ("1-3-5" on the map): around each post and each available
//! unit, what it reaches within each arrival target. Each band is one `<path>`
//! holding every unit's circle, all wound the same way, so the fill is their
//! union: overlaps do not darken, and blank map between rings is a hole in
//! the cover. The rules (who gives cover, how far) are the domain's.

use domain::reach::{Cover, bands_s, covered_share, gives_cover, radii_m};
use leptos::prelude::*;

use super::Projection;
use crate::live::Live;
use crate::wire::MapData;

/// The rings' paths and the share of the district each band covers.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ReachState {
    /// SVG path data per band, smallest band first.
    pub paths: [String; 3],
    /// Share of the district's station areas covered within each band.
    pub share: [f64; 3],
    /// The bands in seconds.
    pub bands: [f64; 3],
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
    Memo::new(move |_| {
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
        ReachState { paths, share: covered_share(&sources, &samples), bands }
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
    fn a_circle_is_two_arcs_from_its_left_edge() {
        let mut d = String::new();
        circle(&mut d, 100.0, 50.0, 20.0);
        assert_eq!(d, "M80 50a20 20 0 1 0 40 0a20 20 0 1 0 -40 0z");
    }
}
