//! The default travel model: straight-line distance stretched by a detour
//! factor, at a speed that depends on the unit's kind.

use serde::{Deserialize, Serialize};

use crate::unit::UnitKind;

/// Speeds (km/h) by unit kind, the detour factor and how old a position may
/// be before the unit is no longer a candidate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TravelModel {
    pub detour_factor: f64,
    /// km/h, indexed like [`UnitKind::ALL`].
    speeds_kmh: [f64; 5],
    /// A unit whose last position is this old (or older) is not recommended.
    pub staleness_s: u32,
}

impl Default for TravelModel {
    fn default() -> Self {
        TravelModel { detour_factor: 1.35, speeds_kmh: [30.0, 30.0, 18.0, 5.0, 5.0], staleness_s: 120 }
    }
}

/// The travel model as a config file writes it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TravelConfig {
    pub detour_factor: Option<f64>,
    pub staleness_s: Option<i64>,
    /// km/h by kind name, e.g. `{ car = 30, foot = 5 }`; unknown kinds are an
    /// error that names them.
    #[serde(default)]
    pub speeds_kmh: std::collections::BTreeMap<String, f64>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TravelError {
    #[error("travel.detour_factor must be at least 1 and at most 5, got {0}")]
    Detour(f64),
    #[error("travel.staleness_s must be between 1 and 86400 seconds, got {0}")]
    Staleness(i64),
    #[error("travel.speeds_kmh.{kind}: unknown unit kind; expected one of: car, motorbike, ebike, foot, post")]
    UnknownKind { kind: String },
    #[error("travel.speeds_kmh.{kind} must be greater than 0 and at most 300 km/h, got {got}")]
    Speed { kind: String, got: f64 },
}

impl TravelModel {
    pub fn validated(config: &TravelConfig) -> Result<TravelModel, TravelError> {
        let mut model = TravelModel::default();
        if let Some(d) = config.detour_factor {
            if !(d.is_finite() && (1.0..=5.0).contains(&d)) {
                return Err(TravelError::Detour(d));
            }
            model.detour_factor = d;
        }
        if let Some(s) = config.staleness_s {
            if !(1..=86_400).contains(&s) {
                return Err(TravelError::Staleness(s));
            }
            model.staleness_s = s as u32;
        }
        for (name, &kmh) in &config.speeds_kmh {
            let kind: UnitKind = name.parse().map_err(|_| TravelError::UnknownKind { kind: name.clone() })?;
            if !(kmh.is_finite() && kmh > 0.0 && kmh <= 300.0) {
                return Err(TravelError::Speed { kind: name.clone(), got: kmh });
            }
            model.speeds_kmh[kind_index(kind)] = kmh;
        }
        Ok(model)
    }

    pub fn speed_kmh(&self, kind: UnitKind) -> f64 {
        self.speeds_kmh[kind_index(kind)]
    }

    /// Metres per second for a kind.
    pub fn speed_ms(&self, kind: UnitKind) -> f64 {
        self.speed_kmh(kind) / 3.6
    }

    /// Estimated time of arrival in seconds over a straight-line distance.
    pub fn eta_s(&self, kind: UnitKind, distance_m: f64) -> f64 {
        distance_m * self.detour_factor / self.speed_ms(kind)
    }

    /// How far (straight line, metres) a unit of `kind` gets in `seconds`:
    /// the inverse of [`TravelModel::eta_s`], used for reach rings.
    pub fn reach_m(&self, kind: UnitKind, seconds: f64) -> f64 {
        seconds * self.speed_ms(kind) / self.detour_factor
    }
}

fn kind_index(kind: UnitKind) -> usize {
    match kind {
        UnitKind::Car => 0,
        UnitKind::Motorbike => 1,
        UnitKind::Ebike => 2,
        UnitKind::Foot => 3,
        UnitKind::Post => 4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_speeds_are_the_design_table() {
        let m = TravelModel::default();
        assert_eq!(m.speed_kmh(UnitKind::Car), 30.0);
        assert_eq!(m.speed_kmh(UnitKind::Motorbike), 30.0);
        assert_eq!(m.speed_kmh(UnitKind::Ebike), 18.0);
        assert_eq!(m.speed_kmh(UnitKind::Foot), 5.0);
        assert_eq!(m.speed_kmh(UnitKind::Post), 5.0);
        assert_eq!(m.staleness_s, 120);
        // 1 km by car: 1000 m × 1.35 ÷ (30/3.6 m/s) = 162 s
        assert!((m.eta_s(UnitKind::Car, 1000.0) - 162.0).abs() < 1e-9);
        assert!((m.reach_m(UnitKind::Car, 162.0) - 1000.0).abs() < 1e-9);
    }

    #[test]
    fn config_errors_name_the_key() {
        let mut c = TravelConfig::default();
        c.speeds_kmh.insert("foot".into(), 0.0);
        assert_eq!(
            TravelModel::validated(&c).expect_err("zero").to_string(),
            "travel.speeds_kmh.foot must be greater than 0 and at most 300 km/h, got 0"
        );
        let mut c = TravelConfig::default();
        c.speeds_kmh.insert("hovercraft".into(), 40.0);
        assert!(
            TravelModel::validated(&c)
                .expect_err("unknown")
                .to_string()
                .starts_with("travel.speeds_kmh.hovercraft: unknown unit kind")
        );
        let c = TravelConfig { detour_factor: Some(0.5), ..Default::default() };
        assert!(TravelModel::validated(&c).is_err());
        let mut c = TravelConfig::default();
        c.speeds_kmh.insert("ebike".into(), 20.0);
        assert_eq!(TravelModel::validated(&c).expect("valid").speed_kmh(UnitKind::Ebike), 20.0);
    }
}
