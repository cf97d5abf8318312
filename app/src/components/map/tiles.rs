//! Optional raster tiles (XYZ, Web Mercator) from the tile server a
//! deployment names in its config, placed under the vector layers. Each tile
//! is stretched between its corners' positions on the map's projection; over
//! a district a few kilometres across the difference is well below a pixel.

use super::Projection;

/// At most this many tiles are drawn (a config asking for more gets none).
pub const MAX_TILES: usize = 400;

/// The (north, west, south, east) edges in degrees of tile `(x, y)` at zoom `z`.
pub fn tile_edges(x: u32, y: u32, z: u8) -> (f64, f64, f64, f64) {
    let n = f64::from(1u32 << z);
    let lon = |x: f64| x / n * 360.0 - 180.0;
    let lat = |y: f64| (std::f64::consts::PI * (1.0 - 2.0 * y / n)).sinh().atan().to_degrees();
    (lat(f64::from(y)), lon(f64::from(x)), lat(f64::from(y) + 1.0), lon(f64::from(x) + 1.0))
}

/// The tile holding a position at zoom `z`.
pub fn tile_at(lat: f64, lon: f64, z: u8) -> (u32, u32) {
    let n = f64::from(1u32 << z);
    let x = ((lon + 180.0) / 360.0 * n).floor();
    let r = lat.to_radians();
    let y = ((1.0 - (r.tan() + 1.0 / r.cos()).ln() / std::f64::consts::PI) / 2.0 * n).floor();
    (x.clamp(0.0, n - 1.0) as u32, y.clamp(0.0, n - 1.0) as u32)
}

/// A tile to draw: its URL and its place in the map's user units.
#[derive(Debug, Clone, PartialEq)]
pub struct PlacedTile {
    pub href: String,
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

/// The tiles covering the map at zoom `z`, from the URL template
/// (`{z}`, `{x}`, `{y}`); none if more than [`MAX_TILES`] would be needed.
pub fn covering(proj: &Projection, template: &str, z: u8) -> Vec<PlacedTile> {
    let z = z.min(22);
    let (north, west, south, east) = proj.bounds();
    let (x0, y0) = tile_at(north, west, z);
    let (x1, y1) = tile_at(south, east, z);
    let count = (x1 - x0 + 1) as usize * (y1 - y0 + 1) as usize;
    if count > MAX_TILES {
        return vec![];
    }
    let mut out = Vec::with_capacity(count);
    for ty in y0..=y1 {
        for tx in x0..=x1 {
            let (n, w, s, e) = tile_edges(tx, ty, z);
            let (px0, py0) = proj.xy(n, w);
            let (px1, py1) = proj.xy(s, e);
            let href =
                template.replace("{z}", &z.to_string()).replace("{x}", &tx.to_string()).replace("{y}", &ty.to_string());
            out.push(PlacedTile { href, x: px0, y: py0, w: px1 - px0, h: py1 - py0 });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiles_and_their_edges_agree() {
        // Lingui at zoom 15
        let (x, y) = tile_at(25.24, 110.20, 15);
        let (n, w, s, e) = tile_edges(x, y, 15);
        assert!(s <= 25.24 && 25.24 < n && w <= 110.20 && 110.20 < e);
        assert_eq!(tile_at(0.0, 0.0, 1), (1, 1));
        let (n0, w0, _, _) = tile_edges(0, 0, 0);
        assert!((n0 - 85.0511).abs() < 1e-3 && (w0 + 180.0).abs() < 1e-9);
    }

    #[test]
    fn covering_tiles_fill_the_map_with_the_template_filled_in() {
        let map = crate::wire::MapData {
            name: "t".into(),
            stations: vec![],
            zones: vec![],
            patrol_points: vec![],
            landmarks: vec![],
            roads: vec![],
            policy: domain::ResponsePolicy::default(),
            travel: domain::TravelModel::default(),
            utc_offset_minutes: 480,
            places: vec![],
            tiles: None,
            routed: false,
        };
        let proj = Projection::fit(&map);
        let tiles = covering(&proj, "/tiles/{z}/{x}/{y}.png", 14);
        assert!(!tiles.is_empty() && tiles.len() <= MAX_TILES);
        assert!(tiles[0].href.starts_with("/tiles/14/"), "{}", tiles[0].href);
        let left = tiles.iter().map(|t| t.x).fold(f64::INFINITY, f64::min);
        let right = tiles.iter().map(|t| t.x + t.w).fold(f64::NEG_INFINITY, f64::max);
        assert!(left <= 0.0 && right >= proj.width, "the tiles cover the map from edge to edge");
        assert!(covering(&proj, "/t/{z}/{x}/{y}", 22).is_empty(), "too many tiles: none");
    }
}
