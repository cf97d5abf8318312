//! WGS-84 coordinates, parsed once at the edge, and great-circle distance.

use serde::{Deserialize, Serialize};

/// Mean Earth radius (IUGG), the one DESIGN.md's travel model names.
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// A valid WGS-84 position: finite, latitude in [-90, 90], longitude in
/// [-180, 180]. Inside the system a `Coordinates` is always valid; the only
/// ways to make one are [`Coordinates::parse`] and deserialisation, which
/// runs the same checks.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawCoordinates")]
pub struct Coordinates {
    lat: f64,
    lon: f64,
}

#[derive(Deserialize)]
struct RawCoordinates {
    lat: f64,
    lon: f64,
}

impl TryFrom<RawCoordinates> for Coordinates {
    type Error = CoordinatesError;
    fn try_from(raw: RawCoordinates) -> Result<Self, Self::Error> {
        Coordinates::parse(raw.lat, raw.lon)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
pub enum CoordinatesError {
    #[error("lat must be a finite number between -90 and 90, got {0}")]
    Latitude(f64),
    #[error("lon must be a finite number between -180 and 180, got {0}")]
    Longitude(f64),
}

impl Coordinates {
    pub fn parse(lat: f64, lon: f64) -> Result<Self, CoordinatesError> {
        if !lat.is_finite() || !(-90.0..=90.0).contains(&lat) {
            return Err(CoordinatesError::Latitude(lat));
        }
        if !lon.is_finite() || !(-180.0..=180.0).contains(&lon) {
            return Err(CoordinatesError::Longitude(lon));
        }
        Ok(Coordinates { lat, lon })
    }

    pub fn lat(self) -> f64 {
        self.lat
    }

    pub fn lon(self) -> f64 {
        self.lon
    }

    /// Great-circle distance in metres (haversine on a sphere of
    /// [`EARTH_RADIUS_M`]).
    pub fn distance_m(self, other: Coordinates) -> f64 {
        let (phi1, phi2) = (self.lat.to_radians(), other.lat.to_radians());
        let dphi = phi2 - phi1;
        let dlambda = (other.lon - self.lon).to_radians();
        let a = (dphi / 2.0).sin().powi(2) + phi1.cos() * phi2.cos() * (dlambda / 2.0).sin().powi(2);
        2.0 * EARTH_RADIUS_M * a.sqrt().min(1.0).asin()
    }

    /// Initial bearing from `self` to `other` in degrees clockwise from north,
    /// in [0, 360).
    pub fn bearing_deg(self, other: Coordinates) -> f64 {
        let (phi1, phi2) = (self.lat.to_radians(), other.lat.to_radians());
        let dlambda = (other.lon - self.lon).to_radians();
        let y = dlambda.sin() * phi2.cos();
        let x = phi1.cos() * phi2.sin() - phi1.sin() * phi2.cos() * dlambda.cos();
        (y.atan2(x).to_degrees() + 360.0) % 360.0
    }

    /// The point `fraction` of the way from `self` to `other` along a straight
    /// line in latitude/longitude (accurate enough over a district's few
    /// kilometres; used by the simulator to move units).
    pub fn towards(self, other: Coordinates, fraction: f64) -> Coordinates {
        let f = fraction.clamp(0.0, 1.0);
        Coordinates { lat: self.lat + (other.lat - self.lat) * f, lon: self.lon + (other.lon - self.lon) * f }
    }

    /// As a `geo` point (x = longitude, y = latitude).
    pub fn to_point(self) -> geo::Point<f64> {
        geo::Point::new(self.lon, self.lat)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_out_of_range_and_non_finite() {
        assert_eq!(Coordinates::parse(90.1, 0.0), Err(CoordinatesError::Latitude(90.1)));
        assert_eq!(Coordinates::parse(0.0, -180.5), Err(CoordinatesError::Longitude(-180.5)));
        assert!(matches!(Coordinates::parse(f64::NAN, 0.0), Err(CoordinatesError::Latitude(_))));
        assert!(matches!(Coordinates::parse(0.0, f64::INFINITY), Err(CoordinatesError::Longitude(_))));
        assert!(Coordinates::parse(-90.0, 180.0).is_ok());
    }

    #[test]
    fn deserialising_runs_the_same_checks() {
        let ok: Coordinates = serde_json::from_str(r#"{"lat":25.24,"lon":110.2}"#).expect("valid");
        assert_eq!(ok.lat(), 25.24);
        let err = serde_json::from_str::<Coordinates>(r#"{"lat":95,"lon":110.2}"#).expect_err("invalid");
        assert!(err.to_string().contains("lat must be"), "{err}");
    }

    #[test]
    fn one_degree_of_latitude_is_about_111_km() {
        let a = Coordinates::parse(25.0, 110.0).expect("valid");
        let b = Coordinates::parse(26.0, 110.0).expect("valid");
        let d = a.distance_m(b);
        // 2πR/360 with R = 6,371,008.8 m
        assert!((d - 111_195.08).abs() < 0.1, "{d}");
        assert_eq!(a.distance_m(a), 0.0);
    }

    #[test]
    fn antipodes_do_not_produce_nan() {
        let a = Coordinates::parse(0.0, 0.0).expect("valid");
        let b = Coordinates::parse(0.0, 180.0).expect("valid");
        let d = a.distance_m(b);
        assert!((d - std::f64::consts::PI * EARTH_RADIUS_M).abs() < 1e-6, "{d}");
    }

    #[test]
    fn bearing_points_the_right_way() {
        let a = Coordinates::parse(25.0, 110.0).expect("valid");
        let north = Coordinates::parse(25.1, 110.0).expect("valid");
        let east = Coordinates::parse(25.0, 110.1).expect("valid");
        assert!(a.bearing_deg(north).abs() < 1e-9);
        assert!((a.bearing_deg(east) - 90.0).abs() < 0.1);
    }
}
