//! Reach rings: "1-3-5" drawn on a map. Around every unit that gives cover
//! (a fixed post, or an available unit with a fresh position), the distance
//! it covers within each arrival target (core, crowded, other: 1, 3 and 5
//! minutes by default) under the travel model. Where no ring reaches, the
//! district is not covered within that target.
//!
//! The radius is the inverse of the ETA the dispatcher's ranking uses
//! ([`TravelModel::reach_m`]), so a point inside a unit's 3-minute ring is
//! exactly a point the ranking would give that unit an ETA of 3 minutes or less.

use chrono::{DateTime, Utc};

use crate::{ResponsePolicy, TravelModel, UnitKind, UnitStatus};

/// The bands, in seconds, smallest first: the arrival targets of core,
/// crowded and other zones.
pub fn bands_s(policy: &ResponsePolicy) -> [f64; 3] {
    let mut b = [policy.arrival_core_s, policy.arrival_crowded_s, policy.arrival_other_s].map(f64::from);
    // a deployment may configure them in any order; rings nest smallest first
    b.sort_by(f64::total_cmp);
    b
}

/// Whether a unit's position stands for cover now. A post is fixed, so its
/// position does not go stale; it gives cover unless it is off duty or out of
/// service. Any other unit must be available and have reported within the
/// model's staleness limit (the same rule that makes it a candidate).
pub fn gives_cover(
    kind: UnitKind,
    status: UnitStatus,
    seen_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    model: &TravelModel,
) -> bool {
    if kind == UnitKind::Post {
        return !matches!(status, UnitStatus::OffDuty | UnitStatus::OutOfService);
    }
    status == UnitStatus::Available
        && seen_at.is_some_and(|at| (now - at).num_milliseconds() < i64::from(model.staleness_s) * 1000)
}

/// The radius in metres a unit of `kind` covers within each band.
pub fn radii_m(model: &TravelModel, kind: UnitKind, bands: [f64; 3]) -> [f64; 3] {
    bands.map(|s| model.reach_m(kind, s))
}

/// One source of cover on a plane measured in metres (e.g. a map projection).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cover {
    pub x: f64,
    pub y: f64,
    /// Metres, one per band, smallest first.
    pub radii: [f64; 3],
}

/// The smallest band (0, 1 or 2) within which some source reaches `(x, y)`;
/// `None` is a hole in the cover.
pub fn band_at(sources: &[Cover], x: f64, y: f64) -> Option<usize> {
    let mut best: Option<usize> = None;
    for s in sources {
        let d2 = (s.x - x).powi(2) + (s.y - y).powi(2);
        if let Some(b) = s.radii.iter().position(|r| d2 <= r * r) {
            best = Some(best.map_or(b, |old| old.min(b)));
            if b == 0 {
                break;
            }
        }
    }
    best
}

/// The share of `samples` covered within each band (cumulative: the 5-minute
/// share includes the 1- and 3-minute ones).
pub fn covered_share(sources: &[Cover], samples: &[(f64, f64)]) -> [f64; 3] {
    if samples.is_empty() {
        return [0.0; 3];
    }
    let mut counts = [0usize; 3];
    for &(x, y) in samples {
        if let Some(b) = band_at(sources, x, y) {
            for c in counts.iter_mut().skip(b) {
                *c += 1;
            }
        }
    }
    counts.map(|c| c as f64 / samples.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_795_000_000 + s, 0).expect("a time")
    }

    #[test]
    fn default_bands_are_one_three_five_minutes() {
        assert_eq!(bands_s(&ResponsePolicy::default()), [60.0, 180.0, 300.0]);
        let odd = ResponsePolicy { arrival_core_s: 240, arrival_crowded_s: 120, ..ResponsePolicy::default() };
        assert_eq!(bands_s(&odd), [120.0, 240.0, 300.0]);
    }

    #[test]
    fn radii_invert_the_eta_of_the_ranking() {
        let m = TravelModel::default();
        let bands = bands_s(&ResponsePolicy::default());
        let car = radii_m(&m, UnitKind::Car, bands);
        // 30 km/h = 8.33 m/s; in 60 s a car covers 500 m of road = 370.4 m straight
        assert!((car[0] - 60.0 * 30.0 / 3.6 / 1.35).abs() < 1e-9);
        for (r, s) in car.iter().zip(bands) {
            assert!((m.eta_s(UnitKind::Car, *r) - s).abs() < 1e-6, "ETA at the ring's edge is the band");
        }
        let foot = radii_m(&m, UnitKind::Foot, bands);
        assert!(foot[2] < car[0], "5 minutes on foot is less than 1 minute by car");
    }

    #[test]
    fn posts_always_cover_other_units_only_when_available_and_fresh() {
        let m = TravelModel::default();
        let now = at(1_000);
        assert!(gives_cover(UnitKind::Post, UnitStatus::Available, None, now, &m));
        assert!(gives_cover(UnitKind::Post, UnitStatus::OnScene, Some(at(0)), now, &m));
        assert!(!gives_cover(UnitKind::Post, UnitStatus::OffDuty, Some(now), now, &m));
        assert!(gives_cover(UnitKind::Car, UnitStatus::Available, Some(at(950)), now, &m));
        assert!(!gives_cover(UnitKind::Car, UnitStatus::Available, Some(at(880)), now, &m), "120 s old is stale");
        assert!(!gives_cover(UnitKind::Car, UnitStatus::Available, None, now, &m));
        assert!(!gives_cover(UnitKind::Car, UnitStatus::Dispatched, Some(now), now, &m));
    }

    #[test]
    fn band_at_finds_the_smallest_ring_and_the_holes() {
        let a = Cover { x: 0.0, y: 0.0, radii: [100.0, 300.0, 500.0] };
        let b = Cover { x: 1000.0, y: 0.0, radii: [50.0, 150.0, 250.0] };
        let s = [a, b];
        assert_eq!(band_at(&s, 0.0, 99.0), Some(0));
        assert_eq!(band_at(&s, 0.0, 299.0), Some(1));
        assert_eq!(band_at(&s, 0.0, 499.0), Some(2));
        assert_eq!(band_at(&s, 1000.0, 10.0), Some(0));
        assert_eq!(band_at(&s, 1000.0, 200.0), Some(2));
        // between the two: too far from either
        assert_eq!(band_at(&s, 620.0, 0.0), None);
        assert_eq!(band_at(&[], 0.0, 0.0), None);
    }

    #[test]
    fn covered_share_is_cumulative() {
        let s = [Cover { x: 0.0, y: 0.0, radii: [1.0, 2.0, 3.0] }];
        let samples = [(0.5, 0.0), (1.5, 0.0), (2.5, 0.0), (10.0, 0.0)];
        assert_eq!(covered_share(&s, &samples), [0.25, 0.5, 0.75]);
        assert_eq!(covered_share(&s, &[]), [0.0; 3]);
    }
}
