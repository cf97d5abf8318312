//! Proof of patrol: when an officer's check-in at a must-patrol point is
//! accepted. A check-in counts only while one of the point's windows is open
//! (local time), for a unit of the point's station that is on duty, and only
//! if the unit's latest reported position — fresh, not an hour old — and the
//! position the phone submits, if any, are both within the point's radius.

use chrono::{DateTime, NaiveTime, Utc};

use crate::district::PatrolPoint;
use crate::{Coordinates, StationCode, UnitStatus};

/// A position older than this does not prove anyone is at the point now.
pub const MAX_POSITION_AGE_S: i64 = 120;

/// How a check-in was proven.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckInMethod {
    /// The unit's reported position was within the radius.
    Gps,
}

impl CheckInMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            CheckInMethod::Gps => "gps",
        }
    }
}

/// What the server knows about the unit checking in.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckInUnit {
    pub callsign: String,
    pub station: StationCode,
    pub status: UnitStatus,
    /// The latest reported position and when it was taken.
    pub latest: Option<(Coordinates, DateTime<Utc>)>,
}

/// An accepted check-in: how, and how far from the point the unit was.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Accepted {
    pub method: CheckInMethod,
    pub distance_m: f64,
}

/// Why a check-in is refused, in words an officer can act on.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Refusal {
    #[error("{callsign} belongs to station {unit_station}; point {point} is station {point_station}'s")]
    WrongStation { callsign: String, unit_station: String, point: String, point_station: String },
    #[error("{callsign} is {status}: only units on duty check in")]
    NotOnDuty { callsign: String, status: &'static str },
    #[error("point {point} is not due now ({local}); its windows are {windows}")]
    OutsideWindow { point: String, local: String, windows: String },
    #[error("{callsign} has no reported position; share the phone's location or wait for the tracker")]
    NoPosition { callsign: String },
    #[error(
        "{callsign}'s latest position is {age_s} s old (at most {MAX_POSITION_AGE_S} s); share the phone's location"
    )]
    StalePosition { callsign: String, age_s: i64 },
    #[error("{which} is {distance_m:.0} m from point {point}; check in within {radius_m:.0} m")]
    TooFar { which: &'static str, point: String, distance_m: f64, radius_m: f64 },
}

fn windows_text(p: &PatrolPoint) -> String {
    p.windows.iter().map(|w| String::from(*w)).collect::<Vec<_>>().join(", ")
}

/// Whether one of the point's windows is open at this local time.
pub fn is_due(p: &PatrolPoint, local: NaiveTime) -> bool {
    p.windows.iter().any(|w| w.contains(local))
}

/// Decides a check-in at `now` (`local`: the deployment's wall-clock time).
pub fn check_in(
    point: &PatrolPoint,
    unit: &CheckInUnit,
    submitted: Option<Coordinates>,
    now: DateTime<Utc>,
    local: NaiveTime,
) -> Result<Accepted, Refusal> {
    if unit.station != point.station {
        return Err(Refusal::WrongStation {
            callsign: unit.callsign.clone(),
            unit_station: unit.station.to_string(),
            point: point.code.clone(),
            point_station: point.station.to_string(),
        });
    }
    if matches!(unit.status, UnitStatus::OffDuty | UnitStatus::OutOfService) {
        return Err(Refusal::NotOnDuty { callsign: unit.callsign.clone(), status: unit.status.as_str() });
    }
    if !is_due(point, local) {
        return Err(Refusal::OutsideWindow {
            point: point.code.clone(),
            local: local.format("%H:%M").to_string(),
            windows: windows_text(point),
        });
    }
    let Some((latest, seen_at)) = unit.latest else {
        return Err(Refusal::NoPosition { callsign: unit.callsign.clone() });
    };
    let age_s = (now - seen_at).num_seconds();
    if age_s > MAX_POSITION_AGE_S {
        return Err(Refusal::StalePosition { callsign: unit.callsign.clone(), age_s });
    }
    let far = |which: &'static str, at: Coordinates| {
        let d = at.distance_m(point.at);
        if d > point.radius_m {
            Err(Refusal::TooFar { which, point: point.code.clone(), distance_m: d, radius_m: point.radius_m })
        } else {
            Ok(d)
        }
    };
    let distance_m = far("the unit's latest position", latest)?;
    if let Some(at) = submitted {
        far("the phone's position", at)?;
    }
    Ok(Accepted { method: CheckInMethod::Gps, distance_m })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::district::TimeWindow;

    fn point() -> PatrolPoint {
        PatrolPoint {
            code: "PP01".into(),
            name: "金山广场东门".into(),
            station: StationCode::parse("JSL").expect("code"),
            at: Coordinates::parse(25.2481, 110.2096).expect("coords"),
            radius_m: 50.0,
            windows: vec![TimeWindow::parse("23:00-04:00").expect("window")],
        }
    }

    fn unit(at: Option<(f64, f64)>, age_s: i64, now: DateTime<Utc>) -> CheckInUnit {
        CheckInUnit {
            callsign: "JS-F1".into(),
            station: StationCode::parse("JSL").expect("code"),
            status: UnitStatus::Available,
            latest: at
                .map(|(lat, lon)| (Coordinates::parse(lat, lon).expect("c"), now - chrono::Duration::seconds(age_s))),
        }
    }

    fn t(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).expect("time")
    }

    #[test]
    fn accepted_inside_the_radius_while_the_window_is_open() {
        let now = Utc::now();
        let u = unit(Some((25.2482, 110.2096)), 10, now);
        let ok = check_in(&point(), &u, None, now, t(1, 30)).expect("accepted");
        assert_eq!(ok.method, CheckInMethod::Gps);
        assert!(ok.distance_m < 20.0, "{}", ok.distance_m);
        // the window runs over midnight: 23:00 opens it, 04:00 closes it
        assert!(check_in(&point(), &u, None, now, t(23, 0)).is_ok());
        let late = check_in(&point(), &u, None, now, t(4, 0)).expect_err("closed");
        assert!(late.to_string().contains("not due now (04:00); its windows are 23:00-04:00"), "{late}");
    }

    #[test]
    fn refused_too_far_stale_unknown_or_submitted_elsewhere() {
        let now = Utc::now();
        let p = point();
        // about 111 m north
        let far = check_in(&p, &unit(Some((25.2491, 110.2096)), 5, now), None, now, t(0, 10)).expect_err("far");
        assert!(matches!(far, Refusal::TooFar { distance_m, .. } if (distance_m - 111.0).abs() < 2.0), "{far}");
        let stale = check_in(&p, &unit(Some((25.2481, 110.2096)), 600, now), None, now, t(0, 10)).expect_err("stale");
        assert!(matches!(stale, Refusal::StalePosition { age_s: 600, .. }));
        let none = check_in(&p, &unit(None, 0, now), None, now, t(0, 10)).expect_err("none");
        assert!(matches!(none, Refusal::NoPosition { .. }));
        let phone_far = Coordinates::parse(25.26, 110.2096).expect("c");
        let e =
            check_in(&p, &unit(Some((25.2481, 110.2096)), 5, now), Some(phone_far), now, t(0, 10)).expect_err("phone");
        assert!(matches!(e, Refusal::TooFar { which: "the phone's position", .. }), "{e}");
    }

    #[test]
    fn refused_for_another_station_or_off_duty() {
        let now = Utc::now();
        let mut u = unit(Some((25.2481, 110.2096)), 5, now);
        u.station = StationCode::parse("RS").expect("code");
        let e = check_in(&point(), &u, None, now, t(0, 10)).expect_err("wrong station");
        assert_eq!(e.to_string(), "JS-F1 belongs to station RS; point PP01 is station JSL's");
        let mut u = unit(Some((25.2481, 110.2096)), 5, now);
        u.status = UnitStatus::OffDuty;
        assert!(matches!(check_in(&point(), &u, None, now, t(0, 10)), Err(Refusal::NotOnDuty { .. })));
    }
}
