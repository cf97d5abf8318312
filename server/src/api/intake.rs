//! The public intake channels: chat-group messages from a bot or bridge
//! (`/chat/messages`) and residents' reports (`/reports`).

use std::net::SocketAddr;

use app::i18n::Lang;
use app::report::{ReportFields, ReportProblem};
use axum::Json;
use axum::extract::{ConnectInfo, FromRequest, Multipart, Path, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::chat::ChatDraft;
use serde::Deserialize;

use domain::access::{Permission, Target};

use super::{ApiError, ApiJson, ApiQuery};
use crate::auth::layer::Caller;
use crate::report::SubmitError;
use crate::state::AppState;

/// `POST /chat/messages`: 201 with the stored message, 200 when this
/// (group_id, message_id) was delivered before.
pub async fn chat_create(
    State(state): State<AppState>,
    who: Caller,
    ApiJson(draft): ApiJson<ChatDraft>,
) -> Result<Response, ApiError> {
    let message = draft.parse().map_err(ApiError::bad)?;
    who.may(Permission::PostChat, Target::Group(message.group_id.as_str())).map_err(ApiError::refused)?;
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

/// A refused report: `{"error": {"code", "message"}}` with the problem's
/// status (and `Retry-After` when rate-limited).
fn problem_response(p: &ReportProblem) -> Response {
    let status = StatusCode::from_u16(p.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
    let body = Json(serde_json::json!({"error": {"code": p.code(), "message": p.message(Lang::En)}}));
    match p {
        ReportProblem::RateLimited { retry_after_s, .. } => {
            (status, [(header::RETRY_AFTER, retry_after_s.to_string())], body).into_response()
        }
        _ => (status, body).into_response(),
    }
}

/// `POST /reports`: a resident's report, without an account, rate-limited per
/// client address. JSON, or `multipart/form-data` with the same fields as
/// text and an optional `photo` file (JPEG, PNG or WebP by its bytes, at most
/// 5 MB). Answers 201 `{tracking_code, status_url}` once the report (and its
/// photo) is on disk.
pub async fn report_create(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
) -> Result<Response, ApiError> {
    let multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("multipart/form-data"));
    let sub = if multipart {
        match Multipart::from_request(request, &state).await {
            Ok(mp) => crate::web::report_form::read_multipart(mp).await,
            Err(r) => return Err(ApiError::BadRequest(r.body_text())),
        }
    } else {
        let ApiJson(body) = ApiJson::<ReportBody>::from_request(request, &state).await?;
        crate::report::Submission {
            fields: ReportFields {
                category: body.category,
                description: body.description,
                // f64's text is exact: it parses back to the same number
                lat: body.lat.to_string(),
                lon: body.lon.to_string(),
                place: String::new(),
                address: body.address,
                contact: body.contact,
                had_photo: false,
            },
            ..Default::default()
        }
    };
    // check everything before counting against the limit
    let report = match crate::report::check(sub, &state.reports.public_places()) {
        Ok(r) => r,
        Err(refused) => return Ok(problem_response(&refused.problem)),
    };
    match state.reports.submit(peer.ip(), report).await {
        Ok(code) => {
            let url = format!("/report/{code}");
            Ok((StatusCode::CREATED, Json(serde_json::json!({"tracking_code": code, "status_url": url})))
                .into_response())
        }
        Err(SubmitError::Problem(p)) => Ok(problem_response(&p)),
        Err(SubmitError::Engine(e)) => Err(e.into()),
    }
}

/// `GET /reports/{code}`: the stage of a report and nothing else.
pub async fn report_status(State(state): State<AppState>, Path(code): Path<String>) -> Result<Response, ApiError> {
    let Some(code) = app::report::parse_code(&code) else {
        return Err(ApiError::BadRequest("a tracking code looks like ABCD-2345".into()));
    };
    match state.store.report_status(&code).await? {
        Some(s) => Ok(Json(s).into_response()),
        None => Err(ApiError::NotFound(format!("no report with tracking code {code}"))),
    }
}
