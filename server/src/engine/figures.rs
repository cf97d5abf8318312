//! Today's figures for the wall screen, computed from the live state and
//! today's incidents.

use std::collections::BTreeMap;

use app::wire::{Figures, StationFigures, UnitView};
use chrono::{DateTime, Utc};
use domain::review::{self, ReviewRow, Stage};
use domain::{District, IncidentId, ResponsePolicy, UnitId, UnitStatus};

/// Today's figures: the fleet and the open incidents as they are, and the
/// day's response figures as `domain::review` counts them (the wall screen
/// and the review agree about the same day).
pub fn compute(
    district: &District,
    policy: &ResponsePolicy,
    units: &BTreeMap<UnitId, UnitView>,
    open: &BTreeMap<IncidentId, domain::Incident>,
    today: &[ReviewRow],
    now: DateTime<Utc>,
    day_start: DateTime<Utc>,
) -> Figures {
    let now_ms = now.timestamp_millis();
    let mut day = review::Figures::default();
    for row in today {
        day.add_at(row, policy, now_ms);
    }
    let seconds = |p: f64| day.percentile(Stage::Response, p).map(|s| s as f64);
    let mut stations: Vec<StationFigures> = district
        .stations
        .iter()
        .map(|s| StationFigures {
            code: s.code.clone(),
            name: s.name.clone(),
            units_available: 0,
            units_on_duty: 0,
            units_total: 0,
            open_incidents: 0,
        })
        .collect();
    // one pass over the fleet and the open incidents
    let slot: std::collections::HashMap<&domain::StationCode, usize> =
        district.stations.iter().enumerate().map(|(i, s)| (&s.code, i)).collect();
    let mut available = 0;
    for u in units.values() {
        if u.status == UnitStatus::Available {
            available += 1;
        }
        if let Some(&i) = slot.get(&u.station) {
            let f = &mut stations[i];
            f.units_total += 1;
            if u.status == UnitStatus::Available {
                f.units_available += 1;
            }
            if !matches!(u.status, UnitStatus::OffDuty | UnitStatus::OutOfService) {
                f.units_on_duty += 1;
            }
        }
    }
    for i in open.values() {
        if let Some(&s) = i.place.station.as_ref().and_then(|c| slot.get(c)) {
            stations[s].open_incidents += 1;
        }
    }
    Figures {
        day_start: Some(day_start),
        incidents_today: day.count as u32,
        open_incidents: open.len() as u32,
        reached_today: day.stage(Stage::Response).count() as u32,
        median_response_s: seconds(50.0),
        p90_response_s: seconds(90.0),
        compliance: day.compliance(),
        breaches_today: day.breached() as u32,
        units_available: available,
        units_total: units.len() as u32,
        stations,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::time::LocalClock;

    fn row(received_ms: i64, on_scene_ms: Option<i64>, status: &str) -> ReviewRow {
        let times = review::StageTimes {
            received_ms,
            dispatched_ms: on_scene_ms.map(|_| received_ms),
            en_route_ms: None,
            on_scene_ms,
            cancelled_ms: (status == "cancelled").then_some(received_ms + 1000),
        };
        ReviewRow { times, outcome: review::Outcome::of_status(status), zone_class: Some(domain::ResponseClass::Core) }
    }

    #[test]
    fn figures_count_reached_late_and_overdue() {
        let d = District::default();
        // a core zone's arrival target: 180 s
        let policy = ResponsePolicy { arrival_core_s: 180, ..ResponsePolicy::default() };
        let now = DateTime::parse_from_rfc3339("2026-11-22T03:00:00Z").expect("valid").with_timezone(&Utc);
        let t = now.timestamp_millis();
        let today = vec![
            row(t - 600_000, Some(t - 540_000), "on_scene"), // 60 s, met
            row(t - 600_000, Some(t - 300_000), "resolved"), // 300 s, late
            row(t - 600_000, None, "dispatched"),            // overdue, open
            row(t - 600_000, None, "cancelled"),             // not a breach
            row(t - 10_000, None, "new"),                    // running: not decided yet
        ];
        let f = compute(
            &d,
            &policy,
            &BTreeMap::new(),
            &BTreeMap::new(),
            &today,
            now,
            LocalClock::new(480).start_of_day(now),
        );
        assert_eq!(f.incidents_today, 5);
        assert_eq!(f.reached_today, 2);
        assert_eq!(f.median_response_s, Some(60.0));
        assert_eq!(f.p90_response_s, Some(300.0));
        assert_eq!(f.compliance, Some(1.0 / 3.0), "met ÷ (met + breached), as the review counts");
        assert_eq!(f.breaches_today, 2);
    }

    #[test]
    fn a_finished_day_is_the_reviews_day() {
        let policy = ResponsePolicy::default();
        let now = DateTime::parse_from_rfc3339("2026-11-22T03:00:00Z").expect("valid").with_timezone(&Utc);
        let t = now.timestamp_millis();
        let rows: Vec<ReviewRow> = (0..40)
            .map(|k| {
                let status = ["resolved", "cancelled", "closed", "on_scene"][k % 4];
                row(
                    t - 86_400_000 + k as i64 * 60_000,
                    (k % 3 != 0).then_some(t - 86_000_000 + k as i64 * 7_000),
                    status,
                )
            })
            .collect();
        let mut review = review::Figures::default();
        for r in &rows {
            review.add(r, &policy);
        }
        let f = compute(&District::default(), &policy, &BTreeMap::new(), &BTreeMap::new(), &rows, now, now);
        assert_eq!(f.median_response_s, review.percentile(Stage::Response, 50.0).map(|s| s as f64));
        assert_eq!(f.p90_response_s, review.percentile(Stage::Response, 90.0).map(|s| s as f64));
        assert_eq!(f.compliance, review.compliance());
        assert_eq!(u64::from(f.breaches_today), review.breached());
    }
}
