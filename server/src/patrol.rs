//! Check-ins at must-patrol points: the rules are `domain::patrol`; this
//! gathers what they need (the point, the unit's latest position, the local
//! time) and stores an accepted check-in before answering.

use app::wire::{CheckInView, PointDue};
use chrono::{DateTime, Duration, Utc};
use domain::patrol::{CheckInUnit, Refusal, check_in as decide, is_due};
use domain::{Coordinates, StationCode, UnitId};

use crate::store::StoreError;
use crate::web::AppState;

#[derive(Debug, thiserror::Error)]
pub enum CheckInError {
    #[error("{0}")]
    NotFound(String),
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn local_time(state: &AppState, now: DateTime<Utc>) -> chrono::NaiveTime {
    (now + Duration::minutes(i64::from(state.map.utc_offset_minutes))).time()
}

/// Checks `unit` in at `point`; `submitted` is the phone's own position.
pub async fn check_in(
    state: &AppState,
    unit: UnitId,
    point: &str,
    submitted: Option<Coordinates>,
) -> Result<CheckInView, CheckInError> {
    let p = state
        .map
        .patrol_points
        .iter()
        .find(|p| p.code == point)
        .ok_or_else(|| CheckInError::NotFound(format!("no must-patrol point has the code {point:?}")))?;
    let u = state.engine.unit(unit).ok_or_else(|| CheckInError::NotFound(format!("unit {unit} not found")))?;
    let latest = match (u.lat, u.lon, u.seen_at) {
        (Some(lat), Some(lon), Some(at)) => Coordinates::parse(lat, lon).ok().map(|c| (c, at)),
        _ => None,
    };
    let who = CheckInUnit { callsign: u.callsign.clone(), station: u.station.clone(), status: u.status, latest };
    let now = Utc::now();
    let ok = decide(p, &who, submitted, now, local_time(state, now))?;
    let (at, _) = latest.ok_or_else(|| CheckInError::NotFound("no position".into()))?;
    let id = state
        .store
        .insert_check_in(&p.code, unit.0, now, at.lat(), at.lon(), ok.distance_m, ok.method.as_str())
        .await?;
    tracing::info!(point = %p.code, unit = %u.callsign, "check-in accepted");
    Ok(CheckInView {
        id,
        point: p.code.clone(),
        unit_id: unit.0,
        callsign: u.callsign,
        at: now,
        distance_m: (ok.distance_m * 10.0).round() / 10.0,
        method: ok.method.as_str().to_owned(),
    })
}

/// A station's points as a phone shows them: due ones first, each with the
/// latest check-in of the last 24 hours.
pub async fn points_due(state: &AppState, station: &StationCode) -> Result<Vec<PointDue>, StoreError> {
    let now = Utc::now();
    let local = local_time(state, now);
    let recent = state.store.check_ins(now - Duration::hours(24), None).await?;
    let mut points: Vec<PointDue> = state
        .map
        .patrol_points
        .iter()
        .filter(|p| &p.station == station)
        .map(|p| PointDue {
            code: p.code.clone(),
            name: p.name.clone(),
            lat: p.at.lat(),
            lon: p.at.lon(),
            radius_m: p.radius_m,
            windows: p.windows.iter().map(|w| String::from(*w)).collect::<Vec<_>>().join(", "),
            due: is_due(p, local),
            last_check_in: recent.iter().find(|c| c.point == p.code).map(|c| c.at),
        })
        .collect();
    points.sort_by(|a, b| b.due.cmp(&a.due).then_with(|| a.code.cmp(&b.code)));
    Ok(points)
}
