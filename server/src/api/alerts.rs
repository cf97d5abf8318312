//! `GET /alerts`: timers that turned amber or red, and escalations, newest
//! first: what a station chief's pager or an SMS gateway polls.

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;

use domain::access::{Permission, Scope};

use super::{ApiError, ApiQuery};
use crate::auth::layer::Caller;
use crate::state::AppState;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertsQuery {
    since: Option<String>,
    limit: Option<u32>,
}

/// `GET /alerts?since=&limit=`: default the last 24 hours, at most 100.
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
