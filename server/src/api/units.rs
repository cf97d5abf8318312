//! `/api/v1/units`: the fleet, registration and status changes.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::{Coordinates, Force, StationCode, Text, UnitId, UnitKind, UnitStatus};
use serde::Deserialize;

use domain::access::{Permission, Scope};

use super::{ApiError, ApiJson};
use crate::auth::layer::Caller;
use crate::engine::NewUnit;
use crate::state::AppState;

/// `GET /api/v1/units`: the fleet (a chief's station's, an officer's own unit).
pub async fn list(State(state): State<AppState>, who: Caller) -> Result<Response, ApiError> {
    let mut units = state.engine.units();
    match who.scope(Permission::ViewLive).map_err(ApiError::refused)? {
        Scope::Station(own) => units.retain(|u| u.station == own),
        Scope::Units(_) => units.retain(|u| who.has_unit(u.id)),
        _ => {}
    }
    Ok(Json(units).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegisterBody {
    callsign: String,
    kind: String,
    force: String,
    station: String,
    lat: Option<f64>,
    lon: Option<f64>,
    status: Option<String>,
}

/// `POST /api/v1/units`: 201 with the unit. A unit without `status` starts
/// `off_duty`.
pub async fn register(
    State(state): State<AppState>,
    who: Caller,
    ApiJson(b): ApiJson<RegisterBody>,
) -> Result<Response, ApiError> {
    let callsign = Text::parse("callsign", &b.callsign, 32, true).map_err(ApiError::bad)?;
    let position = match (b.lat, b.lon) {
        (Some(lat), Some(lon)) => Some(Coordinates::parse(lat, lon).map_err(ApiError::bad)?),
        (None, None) => None,
        _ => return Err(ApiError::BadRequest("lat and lon go together: give both or neither".into())),
    };
    let new = NewUnit {
        callsign,
        kind: b.kind.parse::<UnitKind>().map_err(ApiError::bad)?,
        force: b.force.parse::<Force>().map_err(ApiError::bad)?,
        station: StationCode::parse(&b.station).map_err(ApiError::bad)?,
        position,
        status: b
            .status
            .as_deref()
            .map(str::parse::<UnitStatus>)
            .transpose()
            .map_err(ApiError::bad)?
            .unwrap_or(UnitStatus::OffDuty),
    };
    let unit = state.engine.register_unit(new, who.actor()).await?;
    let location = format!("/api/v1/units/{}", unit.id);
    Ok((StatusCode::CREATED, [(header::LOCATION, location)], Json(unit)).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusBody {
    status: String,
    #[serde(default)]
    reason: String,
}

/// `POST /api/v1/units/{id}/status {status, reason?}`.
pub async fn status(
    State(state): State<AppState>,
    who: Caller,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<StatusBody>,
) -> Result<Response, ApiError> {
    let id = UnitId::parse(&id).map_err(ApiError::bad)?;
    let to: UnitStatus = b.status.parse().map_err(ApiError::bad)?;
    let reason = Text::parse("reason", &b.reason, 500, false).map_err(ApiError::bad)?;
    state.unit_for(&who, Permission::UnitStatus, id)?;
    let unit = state.engine.unit_status(id, to, reason.into_string(), who.actor()).await?;
    Ok(Json(unit).into_response())
}
