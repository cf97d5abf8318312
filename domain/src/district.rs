//! The district: station areas, zones with their response class, must-patrol
//! points, landmarks, roads and the units a deployment starts with. It comes
//! from a data file (TOML) that a deployment replaces with its own; this
//! module parses and checks it, and answers "which station and zone class is
//! this point in".

use chrono::{NaiveTime, Timelike};
use geo::{BoundingRect, Contains};
use serde::{Deserialize, Serialize};

use crate::{Coordinates, Force, ResponseClass, StationCode, UnitKind, UnitStatus, named_enum};

/// A polygon given as a ring of positions (closed implicitly).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "Vec<Coordinates>", into = "Vec<Coordinates>")]
pub struct Area {
    ring: Vec<Coordinates>,
    polygon: geo::Polygon<f64>,
    bbox: geo::Rect<f64>,
}

impl Area {
    /// At least three distinct corners.
    pub fn new(ring: Vec<Coordinates>) -> Result<Area, String> {
        let mut distinct = ring.clone();
        distinct.dedup();
        if distinct.len() < 3 {
            return Err(format!("an area needs at least 3 distinct corners, got {}", distinct.len()));
        }
        let polygon = geo::Polygon::new(ring.iter().map(|c| (c.lon(), c.lat())).collect::<Vec<_>>().into(), vec![]);
        let bbox = polygon.bounding_rect().ok_or_else(|| "an area must not be empty".to_owned())?;
        Ok(Area { ring, polygon, bbox })
    }

    pub fn ring(&self) -> &[Coordinates] {
        &self.ring
    }

    pub fn contains(&self, at: Coordinates) -> bool {
        let p = at.to_point();
        let (min, max) = (self.bbox.min(), self.bbox.max());
        p.x() >= min.x && p.x() <= max.x && p.y() >= min.y && p.y() <= max.y && self.polygon.contains(&p)
    }
}

impl TryFrom<Vec<Coordinates>> for Area {
    type Error = String;
    fn try_from(ring: Vec<Coordinates>) -> Result<Self, Self::Error> {
        Area::new(ring)
    }
}

impl From<Area> for Vec<Coordinates> {
    fn from(a: Area) -> Self {
        a.ring
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Station {
    pub code: StationCode,
    pub name: String,
    pub name_en: String,
    pub area: Area,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Zone {
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub class: ResponseClass,
    pub area: Area,
}

/// A daily window in local time, e.g. 00:00–04:00; a window whose end is not
/// after its start runs across midnight (22:00–02:00).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TimeWindow {
    pub start: NaiveTime,
    pub end: NaiveTime,
}

impl TimeWindow {
    pub fn parse(s: &str) -> Result<TimeWindow, String> {
        let (a, b) = s.split_once('-').ok_or_else(|| format!("time window {s:?} must look like \"00:00-04:00\""))?;
        // HH:MM, or HH:MM:SS for windows that do not start on the minute
        let parse = |t: &str| {
            let t = t.trim();
            NaiveTime::parse_from_str(t, "%H:%M")
                .or_else(|_| NaiveTime::parse_from_str(t, "%H:%M:%S"))
                .map_err(|_| format!("time window {s:?}: {t:?} is not a time like 04:00"))
        };
        let (start, end) = (parse(a)?, parse(b)?);
        if start == end {
            return Err(format!("time window {s:?} is empty"));
        }
        Ok(TimeWindow { start, end })
    }

    pub fn contains(&self, t: NaiveTime) -> bool {
        if self.start < self.end { t >= self.start && t < self.end } else { t >= self.start || t < self.end }
    }
}

impl TryFrom<String> for TimeWindow {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        TimeWindow::parse(&s)
    }
}

impl From<TimeWindow> for String {
    fn from(w: TimeWindow) -> String {
        let f = |t: NaiveTime| t.format(if t.second() == 0 { "%H:%M" } else { "%H:%M:%S" }).to_string();
        format!("{}-{}", f(w.start), f(w.end))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatrolPoint {
    pub code: crate::PointCode,
    pub name: String,
    pub station: StationCode,
    pub at: Coordinates,
    pub radius_m: f64,
    pub windows: Vec<TimeWindow>,
}

named_enum! {
    /// What a landmark is, for its map symbol and for search.
    pub enum LandmarkKind ("landmark kind") {
        Square = "square",
        Market = "market",
        School = "school",
        Hospital = "hospital",
        Mall = "mall",
        Transport = "transport",
        Government = "government",
        Park = "park",
        Residential = "residential",
        Station = "station",
        Other = "other",
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Landmark {
    pub name: String,
    pub name_en: String,
    /// Pinyin initials for search, e.g. "jsgc" for 金山广场.
    pub initials: String,
    pub kind: LandmarkKind,
    pub at: Coordinates,
}

named_enum! {
    /// How a road is used, which sets who may take it and how fast (see
    /// `roads::RoadSpeeds`): `motorway` is for cars only, `path` (footways,
    /// cycleways, pedestrian streets, steps) is not for cars.
    pub enum RoadClass ("road class") {
        Motorway = "motorway",
        Major = "major",
        Minor = "minor",
        Service = "service",
        Path = "path",
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Road {
    pub name: String,
    pub class: RoadClass,
    pub line: Vec<Coordinates>,
}

/// A unit the district starts with (demo data, or a deployment's fleet).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnitSeed {
    pub callsign: String,
    pub kind: UnitKind,
    pub force: Force,
    pub station: StationCode,
    pub at: Coordinates,
    pub status: UnitStatus,
}

/// Everything the district file holds, checked.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct District {
    pub name: String,
    pub stations: Vec<Station>,
    pub zones: Vec<Zone>,
    pub patrol_points: Vec<PatrolPoint>,
    pub landmarks: Vec<Landmark>,
    pub roads: Vec<Road>,
    pub units: Vec<UnitSeed>,
}

/// Where a point falls: its station (if any) and the strictest zone it is in
/// (none: outside every zone).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Location {
    pub station: Option<StationCode>,
    pub zone: Option<String>,
    pub class: Option<ResponseClass>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DistrictError {
    #[error("district file is not valid TOML: {0}")]
    Syntax(String),
    #[error("{at}: {message}")]
    Invalid { at: String, message: String },
}

fn invalid(at: impl Into<String>, message: impl Into<String>) -> DistrictError {
    DistrictError::Invalid { at: at.into(), message: message.into() }
}

// The file's shape: plain values, checked into the types above by `parse`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    district: RawHeader,
    #[serde(default)]
    stations: Vec<RawStation>,
    #[serde(default)]
    zones: Vec<RawZone>,
    #[serde(default)]
    patrol_points: Vec<RawPoint>,
    #[serde(default)]
    landmarks: Vec<RawLandmark>,
    #[serde(default)]
    roads: Vec<RawRoad>,
    #[serde(default)]
    units: Vec<RawUnit>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHeader {
    name: String,
    #[serde(default)]
    note: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStation {
    code: String,
    name: String,
    #[serde(default)]
    name_en: String,
    area: Vec<[f64; 2]>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawZone {
    code: String,
    name: String,
    #[serde(default)]
    name_en: String,
    class: String,
    area: Vec<[f64; 2]>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPoint {
    code: String,
    name: String,
    station: String,
    at: [f64; 2],
    radius_m: f64,
    windows: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLandmark {
    name: String,
    #[serde(default)]
    name_en: String,
    #[serde(default)]
    initials: String,
    kind: String,
    at: [f64; 2],
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRoad {
    name: String,
    class: String,
    line: Vec<[f64; 2]>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawUnit {
    callsign: String,
    kind: String,
    force: String,
    station: String,
    at: [f64; 2],
    #[serde(default)]
    status: Option<String>,
}

fn coords(at: &str, [lat, lon]: [f64; 2]) -> Result<Coordinates, DistrictError> {
    Coordinates::parse(lat, lon).map_err(|e| invalid(at, e.to_string()))
}

fn area(at: &str, ring: &[[f64; 2]]) -> Result<Area, DistrictError> {
    let ring =
        ring.iter().enumerate().map(|(i, &p)| coords(&format!("{at}[{i}]"), p)).collect::<Result<Vec<_>, _>>()?;
    Area::new(ring).map_err(|m| invalid(at, m))
}

fn name(at: &str, s: &str) -> Result<String, DistrictError> {
    let t = s.trim();
    if t.is_empty() || t.chars().count() > 80 {
        return Err(invalid(at, "must be 1 to 80 characters"));
    }
    Ok(t.to_owned())
}

fn parse_enum<T: std::str::FromStr<Err = crate::UnknownName>>(at: &str, s: &str) -> Result<T, DistrictError> {
    s.parse::<T>().map_err(|e| invalid(at, e.to_string()))
}

fn unique<'a>(what: &str, codes: impl Iterator<Item = &'a str>) -> Result<(), DistrictError> {
    let mut seen = std::collections::HashSet::new();
    for c in codes {
        if !seen.insert(c) {
            return Err(invalid(what, format!("{c:?} appears more than once")));
        }
    }
    Ok(())
}

impl District {
    /// Parses and checks a district file. Every error names where it is, e.g.
    /// `stations[1].area[3]: lat must be ...` or `units[7].station: unknown
    /// station "XYZ"`.
    pub fn from_toml(text: &str) -> Result<District, DistrictError> {
        let raw: RawFile = toml::from_str(text).map_err(|e| DistrictError::Syntax(e.to_string()))?;
        let mut d = District { name: name("district.name", &raw.district.name)?, ..District::default() };
        let _ = raw.district.note;

        for (i, s) in raw.stations.iter().enumerate() {
            let at = format!("stations[{i}]");
            d.stations.push(Station {
                code: StationCode::parse(&s.code).map_err(|e| invalid(format!("{at}.code"), e.to_string()))?,
                name: name(&format!("{at}.name"), &s.name)?,
                name_en: s.name_en.trim().to_owned(),
                area: area(&format!("{at}.area"), &s.area)?,
            });
        }
        unique("stations", d.stations.iter().map(|s| s.code.as_str()))?;
        let station = |at: &str, code: &str| -> Result<StationCode, DistrictError> {
            d.stations
                .iter()
                .find(|s| s.code.as_str() == code)
                .map(|s| s.code.clone())
                .ok_or_else(|| invalid(at, format!("unknown station {code:?}")))
        };

        let mut zones = Vec::new();
        for (i, z) in raw.zones.iter().enumerate() {
            let at = format!("zones[{i}]");
            zones.push(Zone {
                code: name(&format!("{at}.code"), &z.code)?,
                name: name(&format!("{at}.name"), &z.name)?,
                name_en: z.name_en.trim().to_owned(),
                class: parse_enum(&format!("{at}.class"), &z.class)?,
                area: area(&format!("{at}.area"), &z.area)?,
            });
        }
        unique("zones", zones.iter().map(|z| z.code.as_str()))?;

        let mut points = Vec::new();
        for (i, p) in raw.patrol_points.iter().enumerate() {
            let at = format!("patrol_points[{i}]");
            if !(p.radius_m.is_finite() && (5.0..=2000.0).contains(&p.radius_m)) {
                return Err(invalid(
                    format!("{at}.radius_m"),
                    format!("must be between 5 and 2000 metres, got {}", p.radius_m),
                ));
            }
            if p.windows.is_empty() {
                return Err(invalid(format!("{at}.windows"), "needs at least one time window"));
            }
            points.push(PatrolPoint {
                code: crate::PointCode::parse(&p.code).map_err(|e| invalid(format!("{at}.code"), e.to_string()))?,
                name: name(&format!("{at}.name"), &p.name)?,
                station: station(&format!("{at}.station"), &p.station)?,
                at: coords(&format!("{at}.at"), p.at)?,
                radius_m: p.radius_m,
                windows: p
                    .windows
                    .iter()
                    .enumerate()
                    .map(|(j, w)| TimeWindow::parse(w).map_err(|m| invalid(format!("{at}.windows[{j}]"), m)))
                    .collect::<Result<_, _>>()?,
            });
        }
        unique("patrol_points", points.iter().map(|p| p.code.as_str()))?;

        let mut landmarks = Vec::new();
        for (i, l) in raw.landmarks.iter().enumerate() {
            let at = format!("landmarks[{i}]");
            landmarks.push(Landmark {
                name: name(&format!("{at}.name"), &l.name)?,
                name_en: l.name_en.trim().to_owned(),
                initials: l.initials.trim().to_lowercase(),
                kind: parse_enum(&format!("{at}.kind"), &l.kind)?,
                at: coords(&format!("{at}.at"), l.at)?,
            });
        }

        let mut roads = Vec::new();
        for (i, r) in raw.roads.iter().enumerate() {
            let at = format!("roads[{i}]");
            if r.line.len() < 2 {
                return Err(invalid(format!("{at}.line"), "a road needs at least 2 points"));
            }
            roads.push(Road {
                name: name(&format!("{at}.name"), &r.name)?,
                class: parse_enum(&format!("{at}.class"), &r.class)?,
                line: r
                    .line
                    .iter()
                    .enumerate()
                    .map(|(j, &p)| coords(&format!("{at}.line[{j}]"), p))
                    .collect::<Result<_, _>>()?,
            });
        }

        let mut units = Vec::new();
        for (i, u) in raw.units.iter().enumerate() {
            let at = format!("units[{i}]");
            units.push(UnitSeed {
                callsign: name(&format!("{at}.callsign"), &u.callsign)?,
                kind: parse_enum(&format!("{at}.kind"), &u.kind)?,
                force: parse_enum(&format!("{at}.force"), &u.force)?,
                station: station(&format!("{at}.station"), &u.station)?,
                at: coords(&format!("{at}.at"), u.at)?,
                status: match &u.status {
                    Some(s) => parse_enum(&format!("{at}.status"), s)?,
                    None => UnitStatus::Available,
                },
            });
        }
        unique("units", units.iter().map(|u| u.callsign.as_str()))?;
        if let Some(bad) = units.iter().position(|u| u.status.is_busy()) {
            return Err(invalid(format!("units[{bad}].status"), "a unit cannot start on an incident"));
        }

        d.zones = zones;
        d.patrol_points = points;
        d.landmarks = landmarks;
        d.roads = roads;
        d.units = units;
        Ok(d)
    }

    /// The station and the strictest zone containing `at`. Where station
    /// areas overlap the first listed wins, so the file decides.
    pub fn locate(&self, at: Coordinates) -> Location {
        let station = self.stations.iter().find(|s| s.area.contains(at)).map(|s| s.code.clone());
        let zone = self.zones.iter().filter(|z| z.area.contains(at)).min_by_key(|z| z.class.strictness());
        Location { station, zone: zone.map(|z| z.code.clone()), class: zone.map(|z| z.class) }
    }

    /// (south-west, north-east) corners around all the district's geometry.
    pub fn bounds(&self) -> Option<(Coordinates, Coordinates)> {
        let all = self
            .stations
            .iter()
            .flat_map(|s| s.area.ring().iter().copied())
            .chain(self.zones.iter().flat_map(|z| z.area.ring().iter().copied()))
            .chain(self.patrol_points.iter().map(|p| p.at))
            .chain(self.landmarks.iter().map(|l| l.at));
        let mut b: Option<(f64, f64, f64, f64)> = None;
        for c in all {
            b = Some(match b {
                None => (c.lat(), c.lon(), c.lat(), c.lon()),
                Some((s, w, n, e)) => (s.min(c.lat()), w.min(c.lon()), n.max(c.lat()), e.max(c.lon())),
            });
        }
        let (s, w, n, e) = b?;
        Some((Coordinates::parse(s, w).ok()?, Coordinates::parse(n, e).ok()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &str = r#"
        [district]
        name = "Test"
        [[stations]]
        code = "A"
        name = "Station A"
        area = [[25.0, 110.0], [25.0, 110.1], [25.1, 110.1], [25.1, 110.0]]
        [[zones]]
        code = "town"
        name = "Town"
        class = "other"
        area = [[25.0, 110.0], [25.0, 110.05], [25.05, 110.05], [25.05, 110.0]]
        [[zones]]
        code = "square"
        name = "Square"
        class = "core"
        area = [[25.01, 110.01], [25.01, 110.02], [25.02, 110.02], [25.02, 110.01]]
        [[patrol_points]]
        code = "P1"
        name = "Gate"
        station = "A"
        at = [25.03, 110.03]
        radius_m = 50
        windows = ["00:00-04:00", "22:00-01:00"]
        [[units]]
        callsign = "A1"
        kind = "car"
        force = "police"
        station = "A"
        at = [25.03, 110.03]
    "#;

    fn c(lat: f64, lon: f64) -> Coordinates {
        Coordinates::parse(lat, lon).expect("valid")
    }

    #[test]
    fn locates_station_and_strictest_zone() {
        let d = District::from_toml(SMALL).expect("valid district");
        let in_square = d.locate(c(25.015, 110.015));
        assert_eq!(in_square.station.as_ref().map(|s| s.as_str()), Some("A"));
        assert_eq!(in_square.class, Some(ResponseClass::Core));
        assert_eq!(in_square.zone.as_deref(), Some("square"));
        let in_town = d.locate(c(25.04, 110.04));
        assert_eq!(in_town.class, Some(ResponseClass::Other));
        let outside_zones = d.locate(c(25.08, 110.08));
        assert_eq!(outside_zones.class, None);
        assert!(outside_zones.station.is_some());
        let nowhere = d.locate(c(26.0, 111.0));
        assert_eq!(nowhere, Location { station: None, zone: None, class: None });
        assert_eq!(d.units[0].status, UnitStatus::Available);
    }

    #[test]
    fn errors_say_where() {
        let bad = SMALL.replace("at = [25.03, 110.03]\n        radius_m", "at = [95.0, 110.03]\n        radius_m");
        let err = District::from_toml(&bad).expect_err("bad latitude");
        assert_eq!(err.to_string(), "patrol_points[0].at: lat must be a finite number between -90 and 90, got 95");
        let bad =
            SMALL.replace("force = \"police\"\n        station = \"A\"", "force = \"police\"\n        station = \"Z\"");
        assert_eq!(
            District::from_toml(&bad).expect_err("unknown station").to_string(),
            "units[0].station: unknown station \"Z\""
        );
        let bad = SMALL.replace("kind = \"car\"", "kind = \"tank\"");
        assert!(
            District::from_toml(&bad)
                .expect_err("kind")
                .to_string()
                .starts_with("units[0].kind: unknown unit kind \"tank\"")
        );
        let bad = SMALL.replace("class = \"core\"", "class = \"vip\"");
        assert!(District::from_toml(&bad).expect_err("class").to_string().starts_with("zones[1].class"));
        assert!(matches!(District::from_toml("not toml ["), Err(DistrictError::Syntax(_))));
    }

    #[test]
    fn time_windows_cross_midnight() {
        let w = TimeWindow::parse("22:00-01:00").expect("valid");
        let t = |h, m| NaiveTime::from_hms_opt(h, m, 0).expect("valid time");
        assert!(w.contains(t(23, 30)));
        assert!(w.contains(t(0, 59)));
        assert!(!w.contains(t(1, 0)));
        assert!(!w.contains(t(12, 0)));
        let n = TimeWindow::parse("00:00-04:00").expect("valid");
        assert!(n.contains(t(0, 0)) && n.contains(t(3, 59)) && !n.contains(t(4, 0)));
        assert!(TimeWindow::parse("25:00-01:00").is_err());
        assert!(TimeWindow::parse("01:00").is_err());
        let s = TimeWindow::parse("12:00:30-12:01").expect("seconds are allowed");
        assert_eq!(String::from(s), "12:00:30-12:01");
        assert!(s.contains(NaiveTime::from_hms_opt(12, 0, 45).expect("t")));
        assert!(!s.contains(NaiveTime::from_hms_opt(12, 0, 29).expect("t")));
        assert_eq!(String::from(w), "22:00-01:00");
    }

    #[test]
    fn areas_survive_a_round_trip() {
        let d = District::from_toml(SMALL).expect("valid district");
        let json = serde_json::to_string(&d).expect("serialise");
        let back: District = serde_json::from_str(&json).expect("deserialise");
        assert_eq!(back, d);
        assert!(back.stations[0].area.contains(c(25.05, 110.05)));
    }
}
