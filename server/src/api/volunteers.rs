//! `/api/v1/review/volunteers`: volunteers' and hired security's month
//! (群防群治): hours on duty, check-ins at must-patrol points, and the points
//! of the incentive scheme (`[volunteers]`), per unit, with a CSV for the
//! station.

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use domain::UnitStatus;
use domain::access::{Permission, Scope};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::doc::Error;
use super::{ApiError, ApiQuery};
use crate::auth::layer::Caller;
use crate::state::AppState;
use crate::tasks::parse_month;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct VolunteerQuery {
    /// `2026-12` (default: this month, so far).
    month: Option<String>,
    /// One station (a chief: always their own).
    station: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VolunteerRow {
    month: String,
    station: String,
    unit: String,
    /// volunteer or security.
    force: String,
    /// Hours on duty in the month (to now, for this month), one decimal.
    hours: f64,
    /// Check-ins at must-patrol points.
    check_ins: i64,
    /// Check-ins × points_per_check_in + whole hours × points_per_hour.
    points: u64,
}

async fn rows(state: &AppState, who: &Caller, q: &VolunteerQuery) -> Result<(String, Vec<VolunteerRow>), ApiError> {
    let station = match who.scope(Permission::ReadPatrol).map_err(ApiError::refused)? {
        Scope::Station(s) => Some(s.to_string()),
        _ => match q.station.as_deref().filter(|s| !s.is_empty()) {
            Some(s) => Some(domain::StationCode::parse(s).map_err(ApiError::bad)?.to_string()),
            None => None,
        },
    };
    let m = match q.month.as_deref() {
        Some(m) => parse_month(m)?,
        None => state.tasks.this_month(),
    };
    let (from, to) = m.bounds(state.tasks.clock());
    let from = from.timestamp_millis();
    // this month: so far
    let to = to.timestamp_millis().min(chrono::Utc::now().timestamp_millis());
    let month = m.to_string();
    let rule = state.volunteer_points;
    let counts: std::collections::HashMap<i64, i64> =
        state.store.check_in_counts(from, to.max(from)).await?.into_iter().collect();
    let mut out = vec![];
    for (id, callsign, st, force) in state.store.volunteer_units(station.as_deref()).await? {
        let (start_status, changes) = state.store.unit_status_history(id, from, to.max(from)).await?;
        let parse = |s: &str| s.parse::<UnitStatus>().unwrap_or(UnitStatus::OffDuty);
        let changes: Vec<(i64, UnitStatus)> = changes.iter().map(|(at, s)| (*at, parse(s))).collect();
        let duty = domain::volunteers::on_duty_ms(parse(&start_status), &changes, from, to.max(from));
        let check_ins = counts.get(&id).copied().unwrap_or(0);
        out.push(VolunteerRow {
            month: month.clone(),
            station: st,
            unit: callsign,
            force,
            hours: (duty as f64 / 360_000.0).round() / 10.0,
            check_ins,
            points: rule.points(check_ins.max(0) as u64, duty),
        });
    }
    Ok((month, out))
}

/// `GET /api/v1/review/volunteers?month=&station=`.
#[utoipa::path(get, path = "/review/volunteers", summary = "Volunteers' and security's month: hours, check-ins, points",
    params(VolunteerQuery),
    responses((status = 200, description = "One row per volunteer or security unit", body = Vec<VolunteerRow>), (status = 400, response = Error)))]
pub async fn list(
    State(state): State<AppState>,
    who: Caller,
    ApiQuery(q): ApiQuery<VolunteerQuery>,
) -> Result<Json<Vec<VolunteerRow>>, ApiError> {
    Ok(Json(rows(&state, &who, &q).await?.1))
}

/// `GET /api/v1/review/volunteers.csv?month=&station=`.
#[utoipa::path(get, path = "/review/volunteers.csv", summary = "Volunteers' and security's month as CSV",
    params(VolunteerQuery),
    responses((status = 200, description = "CSV: month, station, unit, force, hours, check_ins, points", content_type = "text/csv"), (status = 400, response = Error)))]
pub async fn csv(
    State(state): State<AppState>,
    who: Caller,
    ApiQuery(q): ApiQuery<VolunteerQuery>,
) -> Result<Response, ApiError> {
    let (month, rows) = rows(&state, &who, &q).await?;
    let mut csv = String::from("month,station,unit,force,hours,check_ins,points\r\n");
    for r in rows {
        // codes, callsigns and forces are letters, digits and '-': nothing to quote
        csv.push_str(&format!(
            "{},{},{},{},{:.1},{},{}\r\n",
            r.month, r.station, r.unit, r.force, r.hours, r.check_ins, r.points
        ));
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"volunteers-{month}.csv\"")),
        ],
        csv,
    )
        .into_response())
}
