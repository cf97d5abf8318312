//! `/api/v1/incidents`: intake, lists, one incident, recommendations,
//! assignment and status.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use domain::{IncidentDraft, IncidentId, IncidentStatus, StationCode, UnitId};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use domain::access::{Permission, Scope};

use super::doc::Error;
use super::{ApiError, ApiJson, ApiQuery};
use crate::auth::layer::{Caller, ClientIp};
use crate::state::AppState;
use crate::store::IncidentFilter;
use app::wire::{IncidentDetail, IncidentView, RecommendationView};

fn incident_id(raw: &str) -> Result<IncidentId, ApiError> {
    IncidentId::parse(raw).map_err(ApiError::bad)
}

/// `POST /api/v1/incidents`: 201 with the new incident, or 200 with the
/// existing one when `external_id` was seen before.
#[utoipa::path(post, path = "/incidents", summary = "Create an incident (idempotent by external_id)",
    request_body = IncidentDraft,
    responses(
        (status = 201, description = "Created", body = IncidentView,
            headers(("Location" = String, description = "/api/v1/incidents/{id}"))),
        (status = 200, description = "An incident with this external_id already exists; it is returned", body = IncidentView),
        (status = 400, response = Error),
        (status = 413, response = Error),
        (status = 415, response = Error),
    ))]
pub async fn create(
    State(state): State<AppState>,
    who: Caller,
    ApiJson(draft): ApiJson<IncidentDraft>,
) -> Result<Response, ApiError> {
    let new = draft.parse().map_err(ApiError::bad)?;
    let (incident, created) = state.engine.create_incident(new, who.actor()).await?;
    let status = if created { StatusCode::CREATED } else { StatusCode::OK };
    let location = format!("/api/v1/incidents/{}", incident.id);
    Ok((status, [(header::LOCATION, location)], Json(incident)).into_response())
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    #[param(value_type = Option<IncidentStatus>)]
    status: Option<String>,
    /// Station code, e.g. JSL (a station chief: only their own).
    station: Option<String>,
    /// Received at or after this RFC 3339 time.
    #[param(value_type = Option<DateTime<Utc>>)]
    since: Option<String>,
    /// 1 to 1000; default 100.
    #[param(minimum = 1, maximum = 1000, default = 100)]
    limit: Option<u32>,
}

/// `GET /api/v1/incidents?status=&station=&since=&limit=`: newest first;
/// a station chief's list is their station's, an officer's their unit's.
#[utoipa::path(get, path = "/incidents", summary = "List incidents, newest first",
    description = "With every stage timestamp and both timers. A station chief's list is their station's, an officer's their unit's.",
    params(ListQuery),
    responses(
        (status = 200, description = "Incidents", body = Vec<IncidentView>),
        (status = 400, response = Error),
    ))]
pub async fn list(
    State(state): State<AppState>,
    who: Caller,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Response, ApiError> {
    let asked = q.station.as_deref().map(StationCode::parse).transpose().map_err(ApiError::bad)?;
    let scope = who.scope(Permission::ReadIncidents).map_err(ApiError::refused)?;
    let station = match (&scope, asked) {
        (Scope::Station(own), Some(s)) if s != *own => {
            return Err(ApiError::Forbidden(format!("a {} may only list their own station's incidents", who.role)));
        }
        (Scope::Station(own), _) => Some(own.clone()),
        (_, asked) => asked,
    };
    let filter = IncidentFilter {
        status: q.status.as_deref().map(str::parse::<IncidentStatus>).transpose().map_err(ApiError::bad)?,
        station,
        since: q
            .since
            .as_deref()
            .map(|s| DateTime::parse_from_rfc3339(s).map(|t| t.with_timezone(&Utc)))
            .transpose()
            .map_err(|_| ApiError::BadRequest("since must be an RFC 3339 time, e.g. 2026-11-22T00:00:00Z".into()))?,
        limit: match q.limit {
            None => 100,
            Some(n @ 1..=1000) => n,
            Some(n) => return Err(ApiError::BadRequest(format!("limit must be between 1 and 1000, got {n}"))),
        },
    };
    let mut list = state.store.list_incidents(&filter).await?;
    if let Scope::Units(_) = &scope {
        list.retain(|i| i.units.iter().any(|u| who.has_unit(*u)));
    }
    Ok(Json(list).into_response())
}

/// `GET /api/v1/incidents/{id}`: the incident with its timeline, and, for
/// those who may see them, the reporter's contact and photos (each such
/// view is audited).
#[utoipa::path(get, path = "/incidents/{id}", summary = "One incident with its reporter contact and timeline",
    description = "The reporter's contact and photos only for those who may see them; each such view is audited.",
    params(("id" = IncidentId, Path, description = "The incident's id")),
    responses(
        (status = 200, description = "The incident", body = IncidentDetail),
        (status = 400, response = Error),
        (status = 404, response = Error),
    ))]
pub async fn one(
    State(state): State<AppState>,
    who: Caller,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = incident_id(&id)?;
    Ok(Json(state.incident_for(&who, id, &ip).await?).into_response())
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RecommendQuery {
    /// How many units, 1 to 50; default 5.
    #[param(minimum = 1, maximum = 50, default = 5)]
    k: Option<u32>,
}

/// `GET /api/v1/incidents/{id}/recommendations?k=5`.
#[utoipa::path(get, path = "/incidents/{id}/recommendations", summary = "The nearest available units by ETA",
    params(("id" = IncidentId, Path, description = "The incident's id"), RecommendQuery),
    responses(
        (status = 200, description = "Ranked by ETA, then distance, then unit id", body = Vec<RecommendationView>),
        (status = 400, response = Error),
        (status = 404, response = Error),
        (status = 409, description = "The incident is no longer open", body = super::doc::ErrorBody),
    ))]
pub async fn recommendations(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<RecommendQuery>,
) -> Result<Response, ApiError> {
    let id = incident_id(&id)?;
    let k = match q.k {
        None => 5,
        Some(k @ 1..=50) => k as usize,
        Some(k) => return Err(ApiError::BadRequest(format!("k must be between 1 and 50, got {k}"))),
    };
    match state.engine.recommend(id, k, Utc::now()) {
        Ok(list) => Ok(Json(list).into_response()),
        Err(crate::engine::EngineError::NotFound { .. }) => match state.store.incident(id).await? {
            Some((i, _)) => Err(ApiError::Conflict(format!(
                "incident {id} is {}; recommendations are for open incidents",
                i.status
            ))),
            None => Err(ApiError::NotFound(format!("incident {id} not found"))),
        },
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignBody {
    unit_id: i64,
}

/// `POST /api/v1/incidents/{id}/assign {unit_id}`: 409 when the unit is no
/// longer available.
#[utoipa::path(post, path = "/incidents/{id}/assign", summary = "Send a unit",
    params(("id" = IncidentId, Path, description = "The incident's id")),
    request_body = AssignBody,
    responses(
        (status = 200, description = "The incident", body = IncidentView),
        (status = 400, response = Error),
        (status = 404, response = Error),
        (status = 409, description = "The unit is not available (the message says why)", body = super::doc::ErrorBody),
    ))]
pub async fn assign(
    State(state): State<AppState>,
    who: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<AssignBody>,
) -> Result<Response, ApiError> {
    let id = incident_id(&id)?;
    let unit = UnitId::from_i64(body.unit_id).map_err(ApiError::bad)?;
    let incident = state.engine.assign(id, unit, who.actor()).await?;
    Ok(Json(incident).into_response())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = IncidentStatusBody)]
pub struct StatusBody {
    #[schema(value_type = IncidentStatus)]
    status: String,
    #[serde(default)]
    #[schema(max_length = 500)]
    reason: String,
}

/// `POST /api/v1/incidents/{id}/status {status, reason?}`.
#[utoipa::path(post, path = "/incidents/{id}/status", summary = "Move the incident along its stages",
    params(("id" = IncidentId, Path, description = "The incident's id")),
    request_body = StatusBody,
    responses(
        (status = 200, description = "The incident", body = IncidentView),
        (status = 400, response = Error),
        (status = 404, response = Error),
        (status = 409, description = "The move is not allowed; `allowed` lists the moves that are", body = super::doc::ErrorBody),
    ))]
pub async fn status(
    State(state): State<AppState>,
    who: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<StatusBody>,
) -> Result<Response, ApiError> {
    let id = incident_id(&id)?;
    let to: IncidentStatus = body.status.parse().map_err(ApiError::bad)?;
    let reason = domain::Text::parse("reason", &body.reason, 500, false).map_err(ApiError::bad)?;
    state.may_move_incident(&who, id, to).await?;
    let incident = state.engine.incident_status(id, to, reason.into_string(), who.actor()).await?;
    Ok(Json(incident).into_response())
}
