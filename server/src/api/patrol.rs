//! `/api/v1/checkins`: officers' check-ins at must-patrol points.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, Utc};
use domain::{Coordinates, PointCode, UnitId};
use serde::Deserialize;

use domain::access::{Permission, Scope};

use super::{ApiError, ApiJson, ApiQuery};
use crate::auth::layer::Caller;
use crate::state::AppState;

/// The station a principal's patrol lists are narrowed to, if any.
fn station_scope(who: &Caller) -> Result<Option<domain::StationCode>, ApiError> {
    Ok(match who.scope(Permission::ReadPatrol).map_err(ApiError::refused)? {
        Scope::Station(s) => Some(s),
        _ => None,
    })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckInBody {
    unit_id: i64,
    point: String,
    /// The phone's own position, when it has one.
    lat: Option<f64>,
    lon: Option<f64>,
    /// The point's QR token, when the officer scanned its printed code.
    qr_token: Option<String>,
}

/// `POST /api/v1/checkins {unit_id, point, lat?, lon?}`: 201 with the stored
/// check-in, or 422 with the reason it is refused (outside the window, too
/// A point's code from the address: one that cannot be a code names no point.
fn path_code(code: &str) -> Result<PointCode, ApiError> {
    PointCode::parse(code).map_err(|_| ApiError::NotFound(format!("no must-patrol point has the code {code:?}")))
}

/// far, no fresh position, another station's point, off duty).
pub async fn create(
    State(state): State<AppState>,
    who: Caller,
    ApiJson(b): ApiJson<CheckInBody>,
) -> Result<Response, ApiError> {
    let unit = UnitId::from_i64(b.unit_id).map_err(ApiError::bad)?;
    state.unit_for(&who, Permission::CheckIn, unit)?;
    let point = PointCode::parse(&b.point).map_err(ApiError::bad)?;
    let submitted = match (b.lat, b.lon) {
        (Some(lat), Some(lon)) => Some(Coordinates::parse(lat, lon).map_err(ApiError::bad)?),
        (None, None) => None,
        _ => return Err(ApiError::BadRequest("lat and lon go together: give both or neither".into())),
    };
    if b.qr_token.as_ref().is_some_and(|t| t.len() > 64) {
        return Err(ApiError::BadRequest("qr_token has at most 64 characters".into()));
    }
    let c = state.patrol.check_in(unit, &point, submitted, b.qr_token.as_deref()).await?;
    Ok((StatusCode::CREATED, Json(c)).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EditBody {
    name: Option<String>,
    lat: Option<f64>,
    lon: Option<f64>,
    radius_m: Option<f64>,
    windows: Option<Vec<String>>,
    /// Ignored: the change is recorded under the logged-in principal.
    #[serde(default)]
    #[allow(dead_code)]
    by: Option<String>,
}

/// `PUT /api/v1/patrol/points/{code}`: a station chief changes a point's
/// name, place (inside its station), radius or windows; fields left out keep
/// their value. 200 with the point as it is now.
pub async fn edit(
    State(state): State<AppState>,
    who: Caller,
    axum::extract::Path(code): axum::extract::Path<String>,
    ApiJson(b): ApiJson<EditBody>,
) -> Result<Response, ApiError> {
    let code = path_code(&code)?;
    state.point_for(&who, Permission::EditPoint, &code)?;
    let edit =
        domain::patrol::PointEdit { name: b.name, lat: b.lat, lon: b.lon, radius_m: b.radius_m, windows: b.windows };
    let p = state.patrol.edit(&code, &edit, &who.actor()).await?;
    Ok(Json(serde_json::json!({
        "code": p.code,
        "name": p.name,
        "station": p.station,
        "lat": p.at.lat(),
        "lon": p.at.lon(),
        "radius_m": p.radius_m,
        "windows": p.windows.iter().map(|w| String::from(*w)).collect::<Vec<_>>(),
    }))
    .into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    since: Option<String>,
    point: Option<String>,
}

/// `POST /api/v1/patrol/points/{code}/token`: a new secret for the point's
/// printed QR code (the old sheet stops working); 200 with the new sheet's
/// address.
pub async fn rotate_token(
    State(state): State<AppState>,
    who: Caller,
    axum::extract::Path(code): axum::extract::Path<String>,
) -> Result<Response, ApiError> {
    let code = path_code(&code)?;
    state.point_for(&who, Permission::EditPoint, &code)?;
    let origin = state.public_origin();
    let qr = state.patrol.rotate_token(&code, &origin, &who.actor()).await?;
    Ok(Json(serde_json::json!({ "code": qr.code, "url": qr.url })).into_response())
}

/// `GET /api/v1/checkins?since=RFC3339&point=PP01`: newest first (default:
/// the last 24 hours; at most 1,000).
pub async fn list(
    State(state): State<AppState>,
    who: Caller,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Response, ApiError> {
    let station = station_scope(&who)?;
    let since = match q.since.as_deref() {
        None => Utc::now() - Duration::hours(24),
        Some(s) => DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| ApiError::BadRequest("since must be an RFC 3339 time, e.g. 2026-11-22T00:00:00Z".into()))?,
    };
    let mut list = state.store.check_ins(since, q.point.as_deref()).await?;
    if let Some(own) = station {
        let points = state.engine.patrol_points();
        list.retain(|c| points.iter().any(|p| p.code == c.point && p.station == own));
    }
    Ok(Json(list).into_response())
}

/// `GET /api/v1/patrol/points`: every must-patrol point's state now
/// (`due`, `visited`, `missed`, `idle`) with the opening it refers to.
pub async fn points(State(state): State<AppState>, who: Caller) -> Result<Response, ApiError> {
    let station = station_scope(&who)?;
    let mut states = state.patrol.states().await?;
    if let Some(own) = station {
        states.retain(|p| p.station == own.as_str());
    }
    Ok(Json(states).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SinceQuery {
    since: Option<String>,
}

/// `GET /api/v1/patrol/misses?since=RFC3339`: openings that ended without a
/// check-in (default: ended in the last 24 hours), newest first; openings
/// that ended since the last request are recorded when asked.
pub async fn misses(
    State(state): State<AppState>,
    who: Caller,
    ApiQuery(q): ApiQuery<SinceQuery>,
) -> Result<Response, ApiError> {
    let station = station_scope(&who)?;
    let since = match q.since.as_deref() {
        None => Utc::now() - Duration::hours(24),
        Some(s) => DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| ApiError::BadRequest("since must be an RFC 3339 time, e.g. 2026-11-22T00:00:00Z".into()))?,
    };
    // the engine records each opening that ends unvisited, as it ends
    let mut misses = state.store.misses(since).await?;
    if let Some(own) = station {
        misses.retain(|m| m.station == own.as_str());
    }
    Ok(Json(misses).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportQuery {
    from: Option<String>,
    to: Option<String>,
    station: Option<String>,
}

/// `GET /api/v1/review/patrol?from=&to=&station=`: patrol compliance by
/// station and by point over whole local days (default: the last 30 days
/// ending yesterday), counting openings that have ended.
pub async fn report(State(state): State<AppState>, ApiQuery(q): ApiQuery<ReportQuery>) -> Result<Response, ApiError> {
    let (from, to, station) = state
        .patrol
        .parse_report_query(q.from.as_deref(), q.to.as_deref(), q.station.as_deref())
        .map_err(ApiError::BadRequest)?;
    Ok(Json(state.patrol.report(from, to, station.as_ref()).await?).into_response())
}
