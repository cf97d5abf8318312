//! The nearest-unit ranking: which available units can reach a point first.
//!
//! Candidates are units that are `available` and whose position is fresher
//! than the travel model's staleness limit. They are ranked by ETA (each at
//! its own kind's speed), then distance, then unit id, and the top K are
//! returned. [`recommend_scan`] is the definition: a plain scan over every
//! unit, which faster searches are tested against.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{Coordinates, TravelModel, UnitId, UnitKind, UnitStatus};

/// What the ranking needs to know about a unit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UnitState {
    pub id: UnitId,
    pub kind: UnitKind,
    pub status: UnitStatus,
    /// Last reported position and when it was taken.
    pub position: Option<(Coordinates, DateTime<Utc>)>,
}

impl UnitState {
    /// Whether the unit may be recommended at `now`.
    pub fn is_candidate(&self, now: DateTime<Utc>, model: &TravelModel) -> bool {
        self.status == UnitStatus::Available && self.position.is_some_and(|(_, seen)| is_fresh(seen, now, model))
    }
}

/// A position taken at `seen` is fresh at `now` if it is younger than the
/// staleness limit. A position from the future (clock skew) counts as fresh.
pub fn is_fresh(seen: DateTime<Utc>, now: DateTime<Utc>, model: &TravelModel) -> bool {
    seen > fresh_after(now, model)
}

/// Positions taken after this instant are fresh at `now`.
pub fn fresh_after(now: DateTime<Utc>, model: &TravelModel) -> DateTime<Utc> {
    now - chrono::Duration::seconds(i64::from(model.staleness_s))
}

/// One ranked candidate.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Recommendation {
    pub unit_id: UnitId,
    pub eta_s: f64,
    /// As the crow flies, whatever the ETA was measured along.
    pub distance_m: f64,
    /// Whether the ETA is by road (see `roads`); false: the straight-line
    /// model's.
    #[serde(default)]
    pub by_road: bool,
}

/// The ranking order: ETA, then distance, then id.
pub fn rank_order(a: &Recommendation, b: &Recommendation) -> std::cmp::Ordering {
    a.eta_s.total_cmp(&b.eta_s).then(a.distance_m.total_cmp(&b.distance_m)).then(a.unit_id.cmp(&b.unit_id))
}

/// The top `k` candidates for `target` by scanning every unit.
pub fn recommend_scan<'a>(
    units: impl IntoIterator<Item = &'a UnitState>,
    target: Coordinates,
    now: DateTime<Utc>,
    k: usize,
    model: &TravelModel,
) -> Vec<Recommendation> {
    let mut ranked: Vec<Recommendation> = units
        .into_iter()
        .filter(|u| u.is_candidate(now, model))
        .filter_map(|u| {
            let (at, _) = u.position?;
            let distance_m = at.distance_m(target);
            Some(Recommendation { unit_id: u.id, eta_s: model.eta_s(u.kind, distance_m), distance_m, by_road: false })
        })
        .collect();
    ranked.sort_by(rank_order);
    ranked.truncate(k);
    ranked
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 22, 3, 0, 0).single().expect("valid date")
    }

    fn at(lat: f64, lon: f64) -> Coordinates {
        Coordinates::parse(lat, lon).expect("valid")
    }

    fn unit(id: i64, kind: UnitKind, status: UnitStatus, pos: Coordinates, age_s: i64) -> UnitState {
        UnitState { id: UnitId(id), kind, status, position: Some((pos, now() - Duration::seconds(age_s))) }
    }

    #[test]
    fn a_motorbike_2km_away_beats_a_foot_patrol_600m_away() {
        let target = at(25.24, 110.20);
        let m = TravelModel::default();
        // about 2 km north and 600 m north
        let units = [
            unit(1, UnitKind::Foot, UnitStatus::Available, at(25.24 + 600.0 / 111_195.0, 110.20), 5),
            unit(2, UnitKind::Motorbike, UnitStatus::Available, at(25.24 + 2000.0 / 111_195.0, 110.20), 5),
        ];
        let r = recommend_scan(&units, target, now(), 5, &m);
        assert_eq!(r.iter().map(|r| r.unit_id.0).collect::<Vec<_>>(), vec![2, 1]);
        assert!((r[0].eta_s - 324.0).abs() < 0.5, "{}", r[0].eta_s);
        assert!((r[1].eta_s - 583.2).abs() < 0.5, "{}", r[1].eta_s);
    }

    #[test]
    fn busy_stale_and_unplaced_units_are_not_candidates() {
        let target = at(25.24, 110.20);
        let m = TravelModel::default();
        let near = at(25.2401, 110.2001);
        let units = [
            unit(1, UnitKind::Car, UnitStatus::Dispatched, near, 5),
            unit(2, UnitKind::Car, UnitStatus::Available, near, 120),
            unit(3, UnitKind::Car, UnitStatus::Available, near, 119),
            UnitState { id: UnitId(4), kind: UnitKind::Car, status: UnitStatus::Available, position: None },
            unit(5, UnitKind::Car, UnitStatus::OffDuty, near, 5),
        ];
        let r = recommend_scan(&units, target, now(), 5, &m);
        assert_eq!(r.iter().map(|r| r.unit_id.0).collect::<Vec<_>>(), vec![3]);
    }

    #[test]
    fn ties_break_by_distance_then_id() {
        let target = at(25.24, 110.20);
        let m = TravelModel::default();
        let p = at(25.245, 110.20);
        // same kind, same place: id decides; car and motorbike share a speed
        let units = [
            unit(9, UnitKind::Car, UnitStatus::Available, p, 1),
            unit(3, UnitKind::Motorbike, UnitStatus::Available, p, 1),
            unit(5, UnitKind::Car, UnitStatus::Available, p, 1),
        ];
        let r = recommend_scan(&units, target, now(), 2, &m);
        assert_eq!(r.iter().map(|r| r.unit_id.0).collect::<Vec<_>>(), vec![3, 5]);
    }

    #[test]
    fn k_larger_than_the_fleet_and_an_empty_fleet() {
        let m = TravelModel::default();
        let target = at(25.24, 110.20);
        assert!(recommend_scan(&[], target, now(), 5, &m).is_empty());
        let units = [unit(1, UnitKind::Foot, UnitStatus::Available, target, 0)];
        let r = recommend_scan(&units, target, now(), 50, &m);
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].eta_s, 0.0);
        assert!(recommend_scan(&units, target, now(), 0, &m).is_empty());
    }
}

#[cfg(test)]
mod properties {
    //! The ranking against a second, independently written definition on
    //! random fleets: mixed kinds and statuses, stale and unplaced units,
    //! duplicate positions, K larger than the fleet, empty fleets.

    use super::*;
    use chrono::{Duration, TimeZone};
    use proptest::prelude::*;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 22, 3, 0, 0).single().expect("valid date")
    }

    /// The rule as DESIGN.md states it, written without the production code.
    fn reference(units: &[UnitState], target: Coordinates, k: usize, m: &TravelModel) -> Vec<(i64, f64, f64)> {
        let mut all = vec![];
        for u in units {
            if u.status != UnitStatus::Available {
                continue;
            }
            let Some((at, seen)) = u.position else { continue };
            if (now() - seen).num_milliseconds() >= i64::from(m.staleness_s) * 1000 {
                continue;
            }
            let d = at.distance_m(target);
            let speed_ms = m.speed_kmh(u.kind) * 1000.0 / 3600.0;
            all.push((u.id.0, d * m.detour_factor / speed_ms, d));
        }
        all.sort_by(|a, b| {
            a.1.partial_cmp(&b.1).expect("finite").then(a.2.partial_cmp(&b.2).expect("finite")).then(a.0.cmp(&b.0))
        });
        all.truncate(k);
        all
    }

    /// kind, status, position on a coarse grid (so duplicates happen), age in seconds
    fn unit_strategy() -> impl Strategy<Value = (u8, u8, Option<(u8, u8)>, u16)> {
        (0u8..5, 0u8..6, proptest::option::weighted(0.9, (0u8..20, 0u8..20)), 0u16..400)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]
        #[test]
        fn matches_the_reference(
            raw in proptest::collection::vec(unit_strategy(), 0..60),
            k in 0usize..80,
            tx in 0u8..20,
            ty in 0u8..20,
        ) {
            let m = TravelModel::default();
            let grid = |x: u8, y: u8| Coordinates::parse(25.20 + f64::from(y) * 0.004, 110.15 + f64::from(x) * 0.004).expect("valid");
            let units: Vec<UnitState> = raw
                .iter()
                .enumerate()
                .map(|(i, (kind, status, pos, age))| UnitState {
                    id: UnitId(i as i64 + 1),
                    kind: UnitKind::ALL[*kind as usize],
                    status: UnitStatus::ALL[*status as usize],
                    position: pos.map(|(x, y)| (grid(x, y), now() - Duration::seconds(i64::from(*age)))),
                })
                .collect();
            let target = grid(tx, ty);
            let got: Vec<(i64, f64, f64)> =
                recommend_scan(&units, target, now(), k, &m).iter().map(|r| (r.unit_id.0, r.eta_s, r.distance_m)).collect();
            let want = reference(&units, target, k, &m);
            prop_assert_eq!(got.len(), want.len());
            for (g, w) in got.iter().zip(&want) {
                prop_assert_eq!(g.0, w.0);
                prop_assert!((g.1 - w.1).abs() < 1e-6 && (g.2 - w.2).abs() < 1e-6);
            }
        }
    }
}
