//! Reach along streets: the "1-3-5" rings drawn by road. A raster over the
//! district holds, for each cell, the earliest any source of cover (a post,
//! an available unit) arrives at the cell's centre by road, with exactly
//! the ETA the ranking would give it: access leg, road, egress leg from the
//! node the centre snaps to.
//!
//! One Dijkstra per unit kind (units of a kind share their off-road speed),
//! from every source of that kind at once, bounded by the largest band;
//! the cells' snaps are made once per grid.

use serde::{Deserialize, Serialize};

use super::{Mode, Routing, Snap};
use crate::{Coordinates, UnitKind};

/// A raster over a box, `cols` × `rows` cells, row 0 at the north.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Grid {
    pub south: f64,
    pub west: f64,
    pub north: f64,
    pub east: f64,
    pub cols: u32,
    pub rows: u32,
}

impl Grid {
    /// A grid over the box with square-ish cells of about `cell_m` metres
    /// (at most `max_side` per side).
    pub fn over(south_west: Coordinates, north_east: Coordinates, cell_m: f64, max_side: u32) -> Grid {
        let h = south_west.distance_m(Coordinates::parse(north_east.lat(), south_west.lon()).unwrap_or(south_west));
        let w = south_west.distance_m(Coordinates::parse(south_west.lat(), north_east.lon()).unwrap_or(south_west));
        let side = |m: f64| ((m / cell_m.max(1.0)).ceil() as u32).clamp(1, max_side.max(1));
        Grid {
            south: south_west.lat(),
            west: south_west.lon(),
            north: north_east.lat(),
            east: north_east.lon(),
            cols: side(w),
            rows: side(h),
        }
    }

    pub fn len(&self) -> usize {
        self.cols as usize * self.rows as usize
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The centre of cell `i` (row-major from the north-west).
    pub fn centre(&self, i: usize) -> Option<Coordinates> {
        let (c, r) = ((i % self.cols as usize) as f64, (i / self.cols as usize) as f64);
        let lat = self.north - (r + 0.5) * (self.north - self.south) / f64::from(self.rows);
        let lon = self.west + (c + 0.5) * (self.east - self.west) / f64::from(self.cols);
        Coordinates::parse(lat, lon).ok()
    }
}

/// A grid with its cells snapped to the network for every mode.
pub struct StreetGrid {
    pub grid: Grid,
    snaps: Vec<Vec<Option<Snap>>>,
}

impl StreetGrid {
    pub fn new(routing: &Routing, grid: Grid) -> StreetGrid {
        let snaps = Mode::ALL
            .into_iter()
            .map(|mode| (0..grid.len()).map(|i| grid.centre(i).and_then(|c| routing.snap(mode, c))).collect())
            .collect();
        StreetGrid { grid, snaps }
    }

    /// Seconds until the first of `sources` (kind, position) reaches each
    /// cell's centre by road; `f32::INFINITY` where none does within
    /// `limit_s` (or a cell has no road near it).
    pub fn times_s(&self, routing: &Routing, sources: &[(UnitKind, Coordinates)], limit_s: f64) -> Vec<f32> {
        let mut out = vec![f32::INFINITY; self.grid.len()];
        let limit_ms = (limit_s.max(0.0) * 1000.0) as u64;
        for kind in UnitKind::ALL {
            let mode = Mode::of(*kind);
            let seeds: Vec<(u32, u64)> = sources
                .iter()
                .filter(|(k, _)| k == kind)
                .filter_map(|(_, at)| Some(routing.seed(*kind, routing.snap(mode, *at)?)))
                .collect();
            if seeds.is_empty() {
                continue;
            }
            let times = routing.times_ms(mode, &seeds, false, Some(limit_ms));
            for (cell, snap) in out.iter_mut().zip(&self.snaps[mode as usize]) {
                let Some(s) = snap else { continue };
                let Some(secs) = routing.arrival_s(*kind, &times, *s) else { continue };
                if secs <= limit_s && (secs as f32) < *cell {
                    *cell = secs as f32;
                }
            }
        }
        out
    }
}

/// The smallest band (0, 1, 2) each time falls in; `None`: none.
pub fn band_of(t: f32, bands: [f64; 3]) -> Option<u8> {
    bands.iter().position(|b| f64::from(t) <= *b).map(|b| b as u8)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::roads::{DEFAULT_MAX_SNAP_M, RoadNetwork, RoadSpeeds};
    use crate::{TravelModel, district::RoadClass};

    fn xy(x: f64, y: f64) -> Coordinates {
        let k = 111_195.0;
        Coordinates::parse(25.24 + y / k, 110.20 + x / (k * 25.24f64.to_radians().cos())).expect("valid")
    }

    #[test]
    fn cell_times_are_the_rankings_etas() {
        // a 12 × 12 grid of 100 m blocks, a one-way row, a footpath
        let mut nodes = vec![];
        let mut edges = vec![];
        for r in 0..12u32 {
            for c in 0..12u32 {
                nodes.push(xy(f64::from(c) * 100.0, f64::from(r) * 100.0));
                let n = r * 12 + c;
                if c + 1 < 12 {
                    edges.push((n, n + 1, if r == 5 { RoadClass::Path } else { RoadClass::Minor }, r == 3));
                }
                if r + 1 < 12 {
                    edges.push((n, n + 12, if c % 4 == 0 { RoadClass::Major } else { RoadClass::Minor }, false));
                }
            }
        }
        let net = RoadNetwork::measured(nodes, edges).expect("valid");
        let routing = Routing::build(&net, &RoadSpeeds::default(), TravelModel::default(), DEFAULT_MAX_SNAP_M);
        let grid = Grid::over(xy(-150.0, -150.0), xy(1250.0, 1250.0), 70.0, 100);
        assert!((20..=21).contains(&grid.cols) && (20..=21).contains(&grid.rows), "{grid:?}");
        let street = StreetGrid::new(&routing, grid);
        let sources = [
            (UnitKind::Car, xy(130.0, 310.0)),
            (UnitKind::Foot, xy(900.0, 900.0)),
            (UnitKind::Ebike, xy(620.0, 40.0)),
            (UnitKind::Post, xy(1100.0, 100.0)),
        ];
        let limit = 100.0;
        let times = street.times_s(&routing, &sources, limit);
        let mut reached = 0;
        for (i, t) in times.iter().enumerate() {
            let centre = grid.centre(i).expect("a centre");
            let want = sources
                .iter()
                .filter_map(|(k, at)| routing.eta_s(*k, *at, centre))
                .filter(|s| *s <= limit)
                .fold(f64::INFINITY, f64::min);
            if want.is_finite() {
                reached += 1;
                // the access leg is rounded up to a whole millisecond
                assert!((f64::from(*t) - want).abs() < 0.002, "cell {i}: {t} vs {want}");
            } else {
                assert!(t.is_infinite() || f64::from(*t) > limit - 0.002, "cell {i}: {t}");
            }
        }
        assert!(reached > 100 && reached < times.len(), "{reached} of {}", times.len());
        assert_eq!(band_of(59.0, [60.0, 180.0, 300.0]), Some(0));
        assert_eq!(band_of(60.5, [60.0, 180.0, 300.0]), Some(1));
        assert_eq!(band_of(f32::INFINITY, [60.0, 180.0, 300.0]), None);
    }
}
