//! `/api/v1/units`: the fleet, registration and status changes.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::{Coordinates, Force, StationCode, Text, UnitId, UnitKind, UnitStatus};
use serde::Deserialize;
use utoipa::ToSchema;

use domain::access::{Permission, Scope};

use super::doc::Error;
use super::{ApiError, ApiJson};
use crate::auth::layer::Caller;
use crate::engine::NewUnit;
use crate::state::AppState;
use app::wire::UnitView;

/// `GET /api/v1/units`: the fleet (a chief's station's, an officer's own unit).
#[utoipa::path(get, path = "/units", summary = "The fleet",
    description = "A station chief sees their station's units, an officer their own.",
    responses((status = 200, description = "Units", body = Vec<UnitView>)))]
pub async fn list(State(state): State<AppState>, who: Caller) -> Result<Response, ApiError> {
    let mut units = state.engine.units();
    match who.scope(Permission::ViewLive).map_err(ApiError::refused)? {
        Scope::Station(own) => units.retain(|u| u.station == own),
        Scope::Units(_) => units.retain(|u| who.has_unit(u.id)),
        _ => {}
    }
    Ok(Json(units).into_response())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterBody {
    #[schema(max_length = 32)]
    callsign: String,
    #[schema(value_type = UnitKind)]
    kind: String,
    #[schema(value_type = Force)]
    force: String,
    /// The station's code.
    #[schema(value_type = StationCode)]
    station: String,
    /// With lon, or neither.
    lat: Option<f64>,
    lon: Option<f64>,
    /// Default `off_duty`.
    #[schema(value_type = Option<UnitStatus>)]
    status: Option<String>,
}

/// `POST /api/v1/units`: 201 with the unit. A unit without `status` starts
/// `off_duty`.
#[utoipa::path(post, path = "/units", summary = "Register a unit (starts off_duty unless status is given)",
    request_body = RegisterBody,
    responses(
        (status = 201, description = "Registered", body = UnitView,
            headers(("Location" = String, description = "/api/v1/units/{id}"))),
        (status = 400, response = Error),
        (status = 409, description = "The callsign is taken", body = super::doc::ErrorBody),
    ))]
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

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = UnitStatusBody)]
pub struct StatusBody {
    #[schema(value_type = UnitStatus)]
    status: String,
    #[serde(default)]
    #[schema(max_length = 500)]
    reason: String,
}

/// `POST /api/v1/units/{id}/status {status, reason?}`.
#[utoipa::path(post, path = "/units/{id}/status", summary = "A unit's status change",
    description = "`en_route` and `on_scene` move the unit's incident along.",
    params(("id" = UnitId, Path, description = "The unit's id")),
    request_body = StatusBody,
    responses(
        (status = 200, description = "The unit", body = UnitView),
        (status = 400, response = Error),
        (status = 404, response = Error),
        (status = 409, description = "The move is not allowed; `allowed` lists the moves that are", body = super::doc::ErrorBody),
    ))]
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
