//! Today's figures for the wall screen, computed from the live state and
//! today's incidents.

use std::collections::BTreeMap;

use app::wire::{Figures, IncidentView, StationFigures, UnitView};
use chrono::{DateTime, Duration, FixedOffset, NaiveTime, TimeZone, Utc};
use domain::stats::percentile_nearest_rank;
use domain::{District, IncidentId, IncidentStatus, UnitId, UnitStatus};

/// The start of the local day containing `now`.
pub fn day_start(now: DateTime<Utc>, offset_minutes: i32) -> DateTime<Utc> {
    let tz = FixedOffset::east_opt(offset_minutes * 60).unwrap_or_else(|| FixedOffset::east_opt(0).expect("UTC"));
    let local_date = now.with_timezone(&tz).date_naive();
    tz.from_local_datetime(&local_date.and_time(NaiveTime::MIN))
        .single()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or(now - Duration::hours(24))
}

/// One of today's incidents: received, first on scene, arrival deadline,
/// status (all as stored).
pub type Arrival = (i64, Option<i64>, i64, String);

pub fn compute(
    district: &District,
    units: &BTreeMap<UnitId, UnitView>,
    open: &BTreeMap<IncidentId, IncidentView>,
    today: &[Arrival],
    now: DateTime<Utc>,
    day_start: DateTime<Utc>,
) -> Figures {
    let now_ms = now.timestamp_millis();
    let mut responses: Vec<f64> = vec![];
    let (mut met, mut breaches) = (0u32, 0u32);
    for (received, on_scene, deadline, status) in today {
        match on_scene {
            Some(t) => {
                responses.push((t - received) as f64 / 1000.0);
                if t <= deadline {
                    met += 1;
                } else {
                    breaches += 1;
                }
            }
            None => {
                let open = status.parse::<IncidentStatus>().map(|s| s.is_open()).unwrap_or(false);
                if open && now_ms > *deadline {
                    breaches += 1;
                }
            }
        }
    }
    let reached = responses.len() as u32;
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
        if let Some(&s) = i.station.as_ref().and_then(|c| slot.get(c)) {
            stations[s].open_incidents += 1;
        }
    }
    Figures {
        day_start: Some(day_start),
        incidents_today: today.len() as u32,
        open_incidents: open.len() as u32,
        reached_today: reached,
        median_response_s: percentile_nearest_rank(&mut responses.clone(), 50.0),
        p90_response_s: percentile_nearest_rank(&mut responses, 90.0),
        compliance: (reached > 0).then(|| f64::from(met) / f64::from(reached)),
        breaches_today: breaches,
        units_available: available,
        units_total: units.len() as u32,
        stations,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_day_starts_at_local_midnight() {
        let now = DateTime::parse_from_rfc3339("2026-11-22T17:30:00Z").expect("valid").with_timezone(&Utc);
        // 17:30 UTC is 01:30 on the 23rd in China
        assert_eq!(day_start(now, 480).to_rfc3339(), "2026-11-22T16:00:00+00:00");
        assert_eq!(day_start(now, 0).to_rfc3339(), "2026-11-22T00:00:00+00:00");
    }

    #[test]
    fn figures_count_reached_late_and_overdue() {
        let d = District::default();
        let now = DateTime::parse_from_rfc3339("2026-11-22T03:00:00Z").expect("valid").with_timezone(&Utc);
        let t = now.timestamp_millis();
        let today: Vec<Arrival> = vec![
            (t - 600_000, Some(t - 540_000), t - 420_000, "on_scene".into()), // 60 s, met
            (t - 600_000, Some(t - 300_000), t - 420_000, "resolved".into()), // 300 s, late
            (t - 600_000, None, t - 300_000, "dispatched".into()),            // overdue, open
            (t - 600_000, None, t - 300_000, "cancelled".into()),             // not a breach
            (t - 10_000, None, t + 50_000, "new".into()),                     // running
        ];
        let f = compute(&d, &BTreeMap::new(), &BTreeMap::new(), &today, now, day_start(now, 480));
        assert_eq!(f.incidents_today, 5);
        assert_eq!(f.reached_today, 2);
        assert_eq!(f.median_response_s, Some(60.0));
        assert_eq!(f.p90_response_s, Some(300.0));
        assert_eq!(f.compliance, Some(0.5));
        assert_eq!(f.breaches_today, 2);
    }
}
