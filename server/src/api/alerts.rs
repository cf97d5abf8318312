//! `GET /alerts`: timers that turned amber or red, and escalations, newest
//! first: what a station chief's pager or an SMS gateway polls.

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;
use utoipa::IntoParams;

use domain::access::{Permission, Scope};

use super::doc::Error;
use super::{ApiError, ApiQuery};
use crate::auth::layer::Caller;
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AlertsQuery {
    /// RFC 3339 time; default 24 hours ago.
    #[param(value_type = Option<DateTime<Utc>>)]
    since: Option<String>,
    /// 1 to 1000; default 100.
    #[param(minimum = 1, maximum = 1000, default = 100)]
    limit: Option<u32>,
}

/// `GET /alerts?since=&limit=`: default the last 24 hours, at most 100.
#[utoipa::path(get, path = "/alerts", summary = "Timers that turned amber or red, and escalations, newest first",
    description = "Each alert is about an incident (`incident`: dispatch, arrival and closure timers, escalations) or about a chat-group message (`chat_message`, `timer` = `chat_reply`: not answered within 80% / 100% of the chat reply target); the other field is null. A station chief gets their station's.",
    params(AlertsQuery),
    responses(
        (status = 200, description = "Alerts", body = Vec<app::wire::AlertView>),
        (status = 400, response = Error),
    ))]
pub async fn list(
    State(state): State<AppState>,
    who: Caller,
    ApiQuery(q): ApiQuery<AlertsQuery>,
) -> Result<Response, ApiError> {
    let since = match q.since.as_deref() {
        None => Utc::now() - Duration::hours(24),
        Some(s) => DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| ApiError::BadRequest("since must be an RFC 3339 time, e.g. 2026-11-22T00:00:00Z".into()))?,
    };
    let limit = match q.limit {
        None => 100,
        Some(n @ 1..=1000) => n,
        Some(n) => return Err(ApiError::BadRequest(format!("limit must be between 1 and 1000, got {n}"))),
    };
    let mut alerts = state.store.alerts_since(since, limit).await?;
    if let Scope::Station(own) = who.scope(Permission::ReadAlerts).map_err(ApiError::refused)? {
        alerts.retain(|a| a.station.as_ref() == Some(&own));
    }
    Ok(Json(alerts).into_response())
}
