//! From WGS-84 to the map's SVG user units: metres east and south of the
//! district's north-west corner (equirectangular at the district's middle
//! latitude; within a few kilometres the error is far below a pixel).

use domain::Coordinates;

use crate::wire::MapData;

const M_PER_DEG_LAT: f64 = 110_574.0;
const M_PER_DEG_LON_EQUATOR: f64 = 111_320.0;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Projection {
    north: f64,
    west: f64,
    m_per_deg_lon: f64,
    pub width: f64,
    pub height: f64,
}

impl Projection {
    /// Fits the district with a margin; a district with no geometry gets a
    /// 10 km square around Lingui so the page still renders.
    pub fn fit(map: &MapData) -> Projection {
        let mut lats = vec![];
        let mut lons = vec![];
        let mut add = |c: &Coordinates| {
            lats.push(c.lat());
            lons.push(c.lon());
        };
        map.stations.iter().flat_map(|s| s.area.ring()).for_each(&mut add);
        map.zones.iter().flat_map(|z| z.area.ring()).for_each(&mut add);
        map.patrol_points.iter().map(|p| &p.at).for_each(&mut add);
        map.landmarks.iter().map(|l| &l.at).for_each(&mut add);
        let (mut south, mut north, mut west, mut east) = (25.195, 25.285, 110.15, 110.25);
        if !lats.is_empty() {
            south = lats.iter().copied().fold(f64::INFINITY, f64::min);
            north = lats.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            west = lons.iter().copied().fold(f64::INFINITY, f64::min);
            east = lons.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        }
        let pad_lat = ((north - south) * 0.04).max(0.002);
        let pad_lon = ((east - west) * 0.04).max(0.002);
        let (south, north, west, east) = (south - pad_lat, north + pad_lat, west - pad_lon, east + pad_lon);
        let m_per_deg_lon = M_PER_DEG_LON_EQUATOR * ((south + north) / 2.0).to_radians().cos();
        Projection {
            north,
            west,
            m_per_deg_lon,
            width: (east - west) * m_per_deg_lon,
            height: (north - south) * M_PER_DEG_LAT,
        }
    }

    /// SVG user units (metres) for a position.
    pub fn xy(&self, lat: f64, lon: f64) -> (f64, f64) {
        ((lon - self.west) * self.m_per_deg_lon, (self.north - lat) * M_PER_DEG_LAT)
    }

    /// The position at SVG user units (for a click on the map).
    pub fn lat_lon(&self, x: f64, y: f64) -> (f64, f64) {
        (self.north - y / M_PER_DEG_LAT, self.west + x / self.m_per_deg_lon)
    }

    pub fn point(&self, c: &Coordinates) -> (f64, f64) {
        self.xy(c.lat(), c.lon())
    }

    pub fn view_box(&self) -> String {
        format!("0 0 {:.0} {:.0}", self.width, self.height)
    }

    /// The map's edges: (north, west, south, east) in degrees.
    pub fn bounds(&self) -> (f64, f64, f64, f64) {
        (self.north, self.west, self.north - self.height / M_PER_DEG_LAT, self.west + self.width / self.m_per_deg_lon)
    }

    /// A closed SVG path through a ring.
    pub fn ring_path(&self, ring: &[Coordinates]) -> String {
        let mut d = String::with_capacity(ring.len() * 16);
        for (i, c) in ring.iter().enumerate() {
            let (x, y) = self.point(c);
            d.push_str(if i == 0 { "M" } else { "L" });
            d.push_str(&format!("{x:.0} {y:.0} "));
        }
        d.push('Z');
        d
    }

    /// SVG `points` for a polyline.
    pub fn line_points(&self, line: &[Coordinates]) -> String {
        line.iter()
            .map(|c| {
                let (x, y) = self.point(c);
                format!("{x:.0},{y:.0}")
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The centre of a ring's corners (a label position).
    pub fn centroid(&self, ring: &[Coordinates]) -> (f64, f64) {
        let n = ring.len().max(1) as f64;
        let (sx, sy) = ring.iter().map(|c| self.point(c)).fold((0.0, 0.0), |(ax, ay), (x, y)| (ax + x, ay + y));
        (sx / n, sy / n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::{ResponsePolicy, TravelModel};

    #[test]
    fn projects_north_up_in_metres_and_back() {
        let map = MapData {
            name: "t".into(),
            stations: vec![],
            zones: vec![],
            patrol_points: vec![],
            landmarks: vec![],
            roads: vec![],
            policy: ResponsePolicy::default(),
            travel: TravelModel::default(),
            utc_offset_minutes: 480,
            places: vec![],
            tiles: None,
            routed: false,
        };
        let p = Projection::fit(&map);
        let (x1, y1) = p.xy(25.24, 110.20);
        let (x2, y2) = p.xy(25.25, 110.21);
        assert!(x2 > x1 && y2 < y1, "east is right, north is up");
        assert!(((y1 - y2) - 1105.74).abs() < 0.01);
        let (lat, lon) = p.lat_lon(x1, y1);
        assert!((lat - 25.24).abs() < 1e-9 && (lon - 110.20).abs() < 1e-9);
        assert!(p.width > 9000.0 && p.height > 9000.0);
    }
}
