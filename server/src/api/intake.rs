//! The public intake channels: chat-group messages from a bot or bridge
//! (`/chat/messages`) and residents' reports (`/reports`).

use std::net::SocketAddr;
use std::time::Instant;

use axum::Json;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::chat::ChatDraft;
use domain::{Category, Channel, Coordinates, IncidentDraft};
use rand::Rng;
use serde::Deserialize;

use super::{ApiError, ApiJson, ApiQuery};
use crate::engine::EngineError;
use crate::web::AppState;

/// `POST /chat/messages`: 201 with the stored message, 200 when this
/// (group_id, message_id) was delivered before.
pub async fn chat_create(
    State(state): State<AppState>,
    ApiJson(draft): ApiJson<ChatDraft>,
) -> Result<Response, ApiError> {
    let message = draft.parse().map_err(ApiError::bad)?;
    let (view, created) = state.engine.chat_message(message).await?;
    let status = if created { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(view)).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChatQuery {
    unanswered: Option<bool>,
    limit: Option<u32>,
}

/// `GET /chat/messages?unanswered=true&limit=`: the desk's queue, newest first.
pub async fn chat_list(State(state): State<AppState>, ApiQuery(q): ApiQuery<ChatQuery>) -> Result<Response, ApiError> {
    let limit = match q.limit {
        None => 100,
        Some(n @ 1..=1000) => n,
        Some(n) => return Err(ApiError::BadRequest(format!("limit must be between 1 and 1000, got {n}"))),
    };
    Ok(Json(state.store.chat_messages(q.unanswered.unwrap_or(false), limit).await?).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportBody {
    category: String,
    #[serde(default)]
    description: String,
    lat: f64,
    lon: f64,
    #[serde(default)]
    address: String,
    #[serde(default)]
    contact: String,
}

/// Tracking codes avoid look-alike characters (0/O, 1/I/L).
const CODE_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

fn tracking_code() -> String {
    let mut rng = rand::rng();
    let mut s = String::with_capacity(9);
    for i in 0..8 {
        if i == 4 {
            s.push('-');
        }
        s.push(CODE_ALPHABET[rng.random_range(0..CODE_ALPHABET.len())] as char);
    }
    s
}

/// `POST /reports`: a resident's report, without an account, rate-limited per
/// client address. Answers 201 `{tracking_code, status_url}`.
pub async fn report_create(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    ApiJson(body): ApiJson<ReportBody>,
) -> Result<Response, ApiError> {
    // check everything before counting against the limit
    let category: Category = body.category.parse().map_err(ApiError::bad)?;
    Coordinates::parse(body.lat, body.lon).map_err(ApiError::bad)?;
    let draft = IncidentDraft {
        channel: Some(Channel::Web.as_str().to_owned()),
        category: Some(category.as_str().to_owned()),
        priority: None,
        lat: Some(body.lat),
        lon: Some(body.lon),
        address: Some(body.address),
        description: Some(body.description),
        reporter_contact: Some(body.contact),
        external_id: None,
    };
    let new = draft.parse().map_err(ApiError::bad)?;
    if let Err(wait) = state.reports_limiter.check(peer.ip(), Instant::now()) {
        let minutes = wait.as_secs().div_ceil(60).max(1);
        return Ok((
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, wait.as_secs().max(1).to_string())],
            Json(serde_json::json!({"error": {"code": "rate_limited", "message": format!("too many reports from this address; please try again in {minutes} min, or call 110 in an emergency")}})),
        )
            .into_response());
    }
    for _ in 0..3 {
        let code = tracking_code();
        match state.engine.create_reported_incident(new.clone(), code.clone()).await {
            Ok(_) => {
                let url = format!("/report/{code}");
                return Ok((StatusCode::CREATED, Json(serde_json::json!({"tracking_code": code, "status_url": url})))
                    .into_response());
            }
            Err(EngineError::Conflict(_)) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(ApiError::Internal)
}

/// `GET /reports/{code}`: the stage of a report and nothing else.
pub async fn report_status(
    State(state): State<AppState>,
    Path(code): Path<String>,
    _h: HeaderMap,
) -> Result<Response, ApiError> {
    let code = code.trim().to_ascii_uppercase();
    let valid = code.len() == 9
        && code.bytes().enumerate().all(|(i, b)| if i == 4 { b == b'-' } else { CODE_ALPHABET.contains(&b) });
    if !valid {
        return Err(ApiError::BadRequest("a tracking code looks like ABCD-2345".into()));
    }
    match state.store.report_status(&code).await? {
        Some(s) => Ok(Json(s).into_response()),
        None => Err(ApiError::NotFound(format!("no report with tracking code {code}"))),
    }
}
