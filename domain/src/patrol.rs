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

crate::named_enum! {
    /// How a check-in was proven.
    pub enum CheckInMethod ("check-in method") {
        /// The unit's reported position was within the radius.
        Gps = "gps",
        /// The point's printed QR code was presented (GPS poor); the position,
        /// if any, is recorded but not required.
        Qr = "qr",
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
    /// From the unit's latest position (none for a QR check-in without one).
    pub distance_m: Option<f64>,
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
    #[error("the QR code does not belong to point {point}; scan the code posted at the point")]
    BadToken { point: String },
    #[error("{which} is {distance_m:.0} m from point {point}; check in within {radius_m:.0} m")]
    TooFar { which: &'static str, point: String, distance_m: f64, radius_m: f64 },
}

/// The point's windows as written in the district data: "00:00-04:00, 12:00-14:00".
pub fn windows_text(p: &PatrolPoint) -> String {
    p.windows.iter().map(|w| String::from(*w)).collect::<Vec<_>>().join(", ")
}

/// Whether one of the point's windows is open at this local time.
pub fn is_due(p: &PatrolPoint, local: NaiveTime) -> bool {
    p.windows.iter().any(|w| w.contains(local))
}

/// Decides a check-in at `now` (`local`: the deployment's wall-clock time).
/// `qr`: whether a presented QR token matched the point's (`None`: none
/// presented); a matching token stands in for the position checks.
pub fn check_in(
    point: &PatrolPoint,
    unit: &CheckInUnit,
    submitted: Option<Coordinates>,
    qr: Option<bool>,
    now: DateTime<Utc>,
    local: NaiveTime,
) -> Result<Accepted, Refusal> {
    if unit.station != point.station {
        return Err(Refusal::WrongStation {
            callsign: unit.callsign.clone(),
            unit_station: unit.station.to_string(),
            point: point.code.to_string(),
            point_station: point.station.to_string(),
        });
    }
    if matches!(unit.status, UnitStatus::OffDuty | UnitStatus::OutOfService) {
        return Err(Refusal::NotOnDuty { callsign: unit.callsign.clone(), status: unit.status.as_str() });
    }
    if !is_due(point, local) {
        return Err(Refusal::OutsideWindow {
            point: point.code.to_string(),
            local: local.format("%H:%M").to_string(),
            windows: windows_text(point),
        });
    }
    match qr {
        Some(false) => return Err(Refusal::BadToken { point: point.code.to_string() }),
        Some(true) => {
            let distance_m = unit.latest.map(|(at, _)| at.distance_m(point.at));
            return Ok(Accepted { method: CheckInMethod::Qr, distance_m });
        }
        None => {}
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
            Err(Refusal::TooFar { which, point: point.code.to_string(), distance_m: d, radius_m: point.radius_m })
        } else {
            Ok(d)
        }
    };
    let distance_m = far("the unit's latest position", latest)?;
    if let Some(at) = submitted {
        far("the phone's position", at)?;
    }
    Ok(Accepted { method: CheckInMethod::Gps, distance_m: Some(distance_m) })
}

/// One opening of a window: from `start` to `end` (UTC), named by the
/// local date it starts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Occurrence {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl Occurrence {
    pub fn contains(&self, t: DateTime<Utc>) -> bool {
        t >= self.start && t < self.end
    }
}

fn utc_of(date: chrono::NaiveDate, t: NaiveTime, offset_minutes: i32) -> DateTime<Utc> {
    let local = date.and_time(t);
    DateTime::<Utc>::from_naive_utc_and_offset(local - chrono::Duration::minutes(i64::from(offset_minutes)), Utc)
}

/// Every opening of the point's windows that starts on a local date from
/// `first` to `last` (inclusive), in time order. A window across midnight
/// ends on the next day.
pub fn occurrences(
    p: &PatrolPoint,
    first: chrono::NaiveDate,
    last: chrono::NaiveDate,
    offset_minutes: i32,
) -> Vec<Occurrence> {
    let mut out = vec![];
    for day in first.iter_days().take_while(|d| *d <= last) {
        for w in &p.windows {
            let start = utc_of(day, w.start, offset_minutes);
            let end_day = if w.start < w.end { day } else { day.succ_opt().unwrap_or(day) };
            out.push(Occurrence { start, end: utc_of(end_day, w.end, offset_minutes) });
        }
    }
    out.sort();
    out
}

crate::named_enum! {
    /// Where a point stands now, for tonight's map and the phone.
    pub enum PointState ("point state") {
        /// Open now and not yet visited in this opening.
        Due = "due",
        /// Visited in the current opening, or in the latest one if none is open.
        Visited = "visited",
        /// The latest opening ended without a check-in.
        Missed = "missed",
        /// No opening in the last 24 hours and none now.
        Idle = "idle",
    }
}

/// The point's state at `now`, from the times of its check-ins, and the
/// opening it refers to.
pub fn state_at(
    p: &PatrolPoint,
    check_ins: &[DateTime<Utc>],
    now: DateTime<Utc>,
    offset_minutes: i32,
) -> (PointState, Option<Occurrence>) {
    let today = (now + chrono::Duration::minutes(i64::from(offset_minutes))).date_naive();
    let from = today.pred_opt().unwrap_or(today);
    let occ = occurrences(p, from, today, offset_minutes);
    let visited = |o: &Occurrence| check_ins.iter().any(|t| o.contains(*t));
    if let Some(o) = occ.iter().find(|o| o.contains(now)) {
        return (if visited(o) { PointState::Visited } else { PointState::Due }, Some(*o));
    }
    match occ.iter().rev().find(|o| o.end <= now && now - o.end < chrono::Duration::hours(OUTCOME_SHOWN_H)) {
        Some(o) if visited(o) => (PointState::Visited, Some(*o)),
        Some(o) => (PointState::Missed, Some(*o)),
        None => (PointState::Idle, None),
    }
}

/// [`state_at`] for a point watched since `since` (when the system first
/// knew it): an opening that started before then cannot have been missed,
/// so the point is idle until its next opening.
pub fn state_since(
    p: &PatrolPoint,
    check_ins: &[DateTime<Utc>],
    now: DateTime<Utc>,
    offset_minutes: i32,
    since: Option<DateTime<Utc>>,
) -> (PointState, Option<Occurrence>) {
    match state_at(p, check_ins, now, offset_minutes) {
        (PointState::Missed, Some(o)) if since.is_some_and(|s| o.start < s) => (PointState::Idle, None),
        other => other,
    }
}

/// A station chief's change to a must-patrol point, as submitted (loose, so
/// each problem is named). The code and station never change.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PointEdit {
    pub name: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub radius_m: Option<f64>,
    /// Windows like "00:00-04:00"; at least one.
    pub windows: Option<Vec<String>>,
}

pub const POINT_NAME_MAX: usize = 40;
pub const MAX_WINDOWS: usize = 6;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PointEditError {
    #[error(transparent)]
    Text(#[from] crate::TextError),
    #[error(transparent)]
    Coordinates(#[from] crate::CoordinatesError),
    #[error("lat and lon go together: give both or neither")]
    HalfLocation,
    #[error("the point must stay inside station {station}'s area")]
    OutsideStation { station: StationCode },
    #[error("radius_m must be between 5 and 2000 metres, got {0}")]
    Radius(f64),
    #[error("windows: {0}")]
    Windows(String),
}

impl PointEdit {
    /// The point after the edit; fields left out keep their value. The
    /// point stays inside its station's `area`.
    pub fn apply(&self, p: &PatrolPoint, area: &crate::district::Area) -> Result<PatrolPoint, PointEditError> {
        let mut out = p.clone();
        if let Some(name) = &self.name {
            out.name = crate::Text::parse("name", name, POINT_NAME_MAX, true)?.into_string();
        }
        match (self.lat, self.lon) {
            (Some(lat), Some(lon)) => {
                let at = Coordinates::parse(lat, lon)?;
                if !area.contains(at) {
                    return Err(PointEditError::OutsideStation { station: p.station.clone() });
                }
                out.at = at;
            }
            (None, None) => {}
            _ => return Err(PointEditError::HalfLocation),
        }
        if let Some(r) = self.radius_m {
            if !(r.is_finite() && (5.0..=2000.0).contains(&r)) {
                return Err(PointEditError::Radius(r));
            }
            out.radius_m = r;
        }
        if let Some(ws) = &self.windows {
            if ws.is_empty() || ws.len() > MAX_WINDOWS {
                return Err(PointEditError::Windows(format!("give 1 to {MAX_WINDOWS} windows, got {}", ws.len())));
            }
            out.windows = ws
                .iter()
                .map(|w| crate::district::TimeWindow::parse(w))
                .collect::<Result<_, _>>()
                .map_err(PointEditError::Windows)?;
        }
        Ok(out)
    }
}

/// How long after an opening ends its outcome (visited or missed) stays on
/// tonight's map.
pub const OUTCOME_SHOWN_H: i64 = 24;

/// The first time after `now` at which the point's state changes by the
/// clock alone: an opening starts or ends, or an ended opening's outcome
/// leaves the map. `None` for a point without windows.
pub fn next_change(p: &PatrolPoint, now: DateTime<Utc>, offset_minutes: i32) -> Option<DateTime<Utc>> {
    let today = (now + chrono::Duration::minutes(i64::from(offset_minutes))).date_naive();
    let first = today - chrono::Days::new(2);
    let last = today + chrono::Days::new(1);
    occurrences(p, first, last, offset_minutes)
        .into_iter()
        .flat_map(|o| [o.start, o.end, o.end + chrono::Duration::hours(OUTCOME_SHOWN_H)])
        .filter(|t| *t > now)
        .min()
}

/// Patrol compliance of a point over whole local days: openings that ended
/// by `now`, and how many had a check-in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Compliance {
    pub openings: u32,
    pub visited: u32,
}

impl Compliance {
    pub fn add(&mut self, other: Compliance) {
        self.openings += other.openings;
        self.visited += other.visited;
    }

    pub fn share(&self) -> Option<f64> {
        (self.openings > 0).then(|| f64::from(self.visited) / f64::from(self.openings))
    }
}

pub fn compliance(
    p: &PatrolPoint,
    check_ins: &[DateTime<Utc>],
    first: chrono::NaiveDate,
    last: chrono::NaiveDate,
    now: DateTime<Utc>,
    offset_minutes: i32,
) -> Compliance {
    let mut c = Compliance::default();
    for o in occurrences(p, first, last, offset_minutes).into_iter().filter(|o| o.end <= now) {
        c.openings += 1;
        if check_ins.iter().any(|t| o.contains(*t)) {
            c.visited += 1;
        }
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::district::TimeWindow;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).expect("time").with_timezone(&Utc)
    }

    #[test]
    fn openings_across_midnight_in_local_time() {
        // 23:00-04:00 at UTC+8 on 2026-11-20 is 15:00Z to 20:00Z that day
        let occ = occurrences(&point(), d(2026, 11, 20), d(2026, 11, 21), 480);
        assert_eq!(occ.len(), 2);
        assert_eq!(occ[0], Occurrence { start: at("2026-11-20T15:00:00Z"), end: at("2026-11-20T20:00:00Z") });
        assert_eq!(occ[1].start, at("2026-11-21T15:00:00Z"));
    }

    fn d(y: i32, m: u32, day: u32) -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    #[test]
    fn due_visited_missed_and_idle() {
        let p = point();
        let during = at("2026-11-20T16:00:00Z"); // 00:00 local, window open
        assert_eq!(state_at(&p, &[], during, 480).0, PointState::Due);
        let visit = at("2026-11-20T15:30:00Z");
        assert_eq!(state_at(&p, &[visit], during, 480).0, PointState::Visited);
        let after = at("2026-11-21T01:00:00Z"); // 09:00 local, window closed at 04:00
        assert_eq!(state_at(&p, &[], after, 480).0, PointState::Missed);
        assert_eq!(state_at(&p, &[visit], after, 480).0, PointState::Visited);
        // a check-in outside the opening does not count
        assert_eq!(state_at(&p, &[at("2026-11-20T21:00:00Z")], after, 480).0, PointState::Missed);
        let mut daytime = p.clone();
        daytime.windows = vec![TimeWindow::parse("12:00-13:00").expect("w")];
        // 11:00 local: yesterday's opening ended 22 h ago, today's is ahead
        let (s, o) = state_at(&daytime, &[], at("2026-11-21T03:00:00Z"), 480);
        assert_eq!(s, PointState::Missed);
        assert_eq!(o.map(|o| o.end), Some(at("2026-11-20T05:00:00Z")));
        let mut rare = p.clone();
        rare.windows = vec![TimeWindow::parse("12:00-13:00").expect("w")];
        assert_eq!(state_at(&rare, &[], at("2026-11-21T06:00:00Z"), 480).0, PointState::Missed);
    }

    #[test]
    fn compliance_counts_only_ended_openings() {
        let p = point();
        let visits = [at("2026-11-20T15:30:00Z"), at("2026-11-22T19:59:00Z")];
        // openings on the 20th, 21st and 22nd; at 2026-11-22T18:00Z the 22nd's is still open
        let c = compliance(&p, &visits, d(2026, 11, 20), d(2026, 11, 22), at("2026-11-22T18:00:00Z"), 480);
        assert_eq!(c, Compliance { openings: 2, visited: 1 });
        assert_eq!(c.share(), Some(0.5));
        let c = compliance(&p, &visits, d(2026, 11, 20), d(2026, 11, 22), at("2026-11-23T00:00:00Z"), 480);
        assert_eq!(c, Compliance { openings: 3, visited: 2 });
        assert_eq!(Compliance::default().share(), None);
    }

    fn point() -> PatrolPoint {
        PatrolPoint {
            code: crate::PointCode::parse("PP01").expect("code"),
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
        let ok = check_in(&point(), &u, None, None, now, t(1, 30)).expect("accepted");
        assert_eq!(ok.method, CheckInMethod::Gps);
        assert!(ok.distance_m.is_some_and(|d| d < 20.0), "{:?}", ok.distance_m);
        // the window runs over midnight: 23:00 opens it, 04:00 closes it
        assert!(check_in(&point(), &u, None, None, now, t(23, 0)).is_ok());
        let late = check_in(&point(), &u, None, None, now, t(4, 0)).expect_err("closed");
        assert!(late.to_string().contains("not due now (04:00); its windows are 23:00-04:00"), "{late}");
    }

    #[test]
    fn refused_too_far_stale_unknown_or_submitted_elsewhere() {
        let now = Utc::now();
        let p = point();
        // about 111 m north
        let far = check_in(&p, &unit(Some((25.2491, 110.2096)), 5, now), None, None, now, t(0, 10)).expect_err("far");
        assert!(matches!(far, Refusal::TooFar { distance_m, .. } if (distance_m - 111.0).abs() < 2.0), "{far}");
        let stale =
            check_in(&p, &unit(Some((25.2481, 110.2096)), 600, now), None, None, now, t(0, 10)).expect_err("stale");
        assert!(matches!(stale, Refusal::StalePosition { age_s: 600, .. }));
        let none = check_in(&p, &unit(None, 0, now), None, None, now, t(0, 10)).expect_err("none");
        assert!(matches!(none, Refusal::NoPosition { .. }));
        let phone_far = Coordinates::parse(25.26, 110.2096).expect("c");
        let e = check_in(&p, &unit(Some((25.2481, 110.2096)), 5, now), Some(phone_far), None, now, t(0, 10))
            .expect_err("phone");
        assert!(matches!(e, Refusal::TooFar { which: "the phone's position", .. }), "{e}");
    }

    #[test]
    fn a_qr_code_stands_in_for_the_position_but_not_for_the_window_or_station() {
        let now = Utc::now();
        let far_and_stale = unit(Some((25.26, 110.2096)), 900, now);
        let ok = check_in(&point(), &far_and_stale, None, Some(true), now, t(0, 10)).expect("accepted by QR");
        assert_eq!(ok.method, CheckInMethod::Qr);
        assert!(ok.distance_m.is_some_and(|d| d > 1000.0), "the position is still recorded");
        let ok = check_in(&point(), &unit(None, 0, now), None, Some(true), now, t(0, 10)).expect("no GPS at all");
        assert_eq!(ok.distance_m, None);
        let bad = check_in(&point(), &far_and_stale, None, Some(false), now, t(0, 10)).expect_err("wrong code");
        assert!(matches!(bad, Refusal::BadToken { .. }));
        let closed = check_in(&point(), &far_and_stale, None, Some(true), now, t(12, 0)).expect_err("closed");
        assert!(matches!(closed, Refusal::OutsideWindow { .. }));
    }

    #[test]
    fn refused_for_another_station_or_off_duty() {
        let now = Utc::now();
        let mut u = unit(Some((25.2481, 110.2096)), 5, now);
        u.station = StationCode::parse("RS").expect("code");
        let e = check_in(&point(), &u, None, None, now, t(0, 10)).expect_err("wrong station");
        assert_eq!(e.to_string(), "JS-F1 belongs to station RS; point PP01 is station JSL's");
        let mut u = unit(Some((25.2481, 110.2096)), 5, now);
        u.status = UnitStatus::OffDuty;
        assert!(matches!(check_in(&point(), &u, None, None, now, t(0, 10)), Err(Refusal::NotOnDuty { .. })));
    }

    #[test]
    fn the_state_changes_only_at_the_times_next_change_names() {
        let p = point(); // 23:00-04:00 local (UTC+8): 15:00Z-20:00Z
        assert_eq!(next_change(&p, at("2026-11-20T12:00:00Z"), 480), Some(at("2026-11-20T15:00:00Z")));
        assert_eq!(next_change(&p, at("2026-11-20T15:00:00Z"), 480), Some(at("2026-11-20T20:00:00Z")));
        // after the end: the next opening starts before the outcome expires
        assert_eq!(next_change(&p, at("2026-11-20T20:00:00Z"), 480), Some(at("2026-11-21T15:00:00Z")));
        // walk a day and a half in 10-minute steps: the state is constant
        // between consecutive change times
        let mut t = at("2026-11-20T00:00:00Z");
        let end = at("2026-11-21T12:00:00Z");
        while t < end {
            let next = next_change(&p, t, 480).expect("a daily window always has a next change");
            assert!(next > t);
            let state = state_at(&p, &[], t, 480).0;
            let mut u = t;
            while u < next.min(end) {
                assert_eq!(state_at(&p, &[], u, 480).0, state, "state changed at {u}, before {next}");
                u += chrono::Duration::minutes(10);
            }
            t = next;
        }
        let mut none = p.clone();
        none.windows.clear();
        assert_eq!(next_change(&none, at("2026-11-20T12:00:00Z"), 480), None);
    }

    #[test]
    fn an_opening_before_the_point_was_watched_is_not_missed() {
        let p = point();
        let after = at("2026-11-21T01:00:00Z"); // 09:00 local; last night's opening unvisited
        assert_eq!(state_since(&p, &[], after, 480, None).0, PointState::Missed);
        // watched from 02:00 local, after that opening had started
        let (s, o) = state_since(&p, &[], after, 480, Some(at("2026-11-20T18:00:00Z")));
        assert_eq!((s, o), (PointState::Idle, None));
        // watched from before it started: it counts
        assert_eq!(state_since(&p, &[], after, 480, Some(at("2026-11-20T14:00:00Z"))).0, PointState::Missed);
        // an opening that is due now is due, whenever watching began
        let during = at("2026-11-21T16:00:00Z");
        assert_eq!(state_since(&p, &[], during, 480, Some(at("2026-11-21T15:30:00Z"))).0, PointState::Due);
    }

    #[test]
    fn a_chief_edits_name_place_radius_and_windows_within_the_station() {
        let p = point();
        let area = crate::district::Area::new(vec![
            Coordinates::parse(25.24, 110.20).expect("c"),
            Coordinates::parse(25.24, 110.22).expect("c"),
            Coordinates::parse(25.26, 110.22).expect("c"),
            Coordinates::parse(25.26, 110.20).expect("c"),
        ])
        .expect("area");
        let edit = PointEdit {
            name: Some(" 金山广场西门 ".into()),
            lat: Some(25.2485),
            lon: Some(110.2050),
            radius_m: Some(80.0),
            windows: Some(vec!["22:00-02:00".into(), "12:00-13:00".into()]),
        };
        let q = edit.apply(&p, &area).expect("valid");
        assert_eq!((q.code.as_str(), q.name.as_str(), q.radius_m), ("PP01", "金山广场西门", 80.0));
        assert_eq!(q.windows.len(), 2);
        assert_eq!(q.station, p.station, "the station never changes");
        // left-out fields keep their value
        let same = PointEdit { radius_m: Some(30.0), ..Default::default() }.apply(&p, &area).expect("valid");
        assert_eq!((same.name.as_str(), same.at, same.windows.clone()), (p.name.as_str(), p.at, p.windows.clone()));
        let msg = |e: PointEdit| e.apply(&p, &area).expect_err("invalid").to_string();
        assert_eq!(
            msg(PointEdit { lat: Some(25.3), lon: Some(110.21), ..Default::default() }),
            "the point must stay inside station JSL's area"
        );
        assert_eq!(
            msg(PointEdit { lat: Some(25.25), ..Default::default() }),
            "lat and lon go together: give both or neither"
        );
        assert_eq!(
            msg(PointEdit { radius_m: Some(1.0), ..Default::default() }),
            "radius_m must be between 5 and 2000 metres, got 1"
        );
        assert_eq!(
            msg(PointEdit { windows: Some(vec![]), ..Default::default() }),
            "windows: give 1 to 6 windows, got 0"
        );
        assert!(
            msg(PointEdit { windows: Some(vec!["25:00-01:00".into()]), ..Default::default() })
                .starts_with("windows: time window")
        );
        assert_eq!(msg(PointEdit { name: Some("  ".into()), ..Default::default() }), "name is required");
    }
}
