//! The chat-group desk over REST (`/chat/messages/{id}/...`): the same
//! actions as the `/desk` page, for a steward tool. Every action is
//! recorded under the logged-in steward (a `steward` field in the body is
//! ignored); a second steward acting on an answered message gets 409 with
//! who answered and when.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::ChatMessageId;
use domain::chat::Disposition;
use serde::Deserialize;
use serde_json::json;

use super::{ApiError, ApiJson, ApiQuery};
use crate::auth::layer::{Caller, ClientIp};
use crate::state::AppState;

/// The closing reply's default text.
pub const CLOSING_TEXT: &str = "已处理，谢谢。";

fn message_id(raw: &str) -> Result<ChatMessageId, ApiError> {
    ChatMessageId::parse(raw).map_err(|e| ApiError::BadRequest(e.to_string()))
}

/// `GET /chat/messages/{id}`: the message with the sender's phone, its
/// replies (and their delivery) and the triage proposal.
/// Viewing the sender's phone is audited.
pub async fn one(
    State(state): State<AppState>,
    who: Caller,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    Ok(Json(state.desk.detail(&who, message_id(&id)?, &ip).await?).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplyBody {
    /// Ignored: the logged-in steward acts.
    #[serde(default)]
    #[allow(dead_code)]
    steward: Option<String>,
    text: String,
}

/// `POST /chat/messages/{id}/reply`: the first answer, sent to the group.
pub async fn reply(
    State(state): State<AppState>,
    who: Caller,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ReplyBody>,
) -> Result<Response, ApiError> {
    let id = message_id(&id)?;
    let m = state.desk.answer(id, &who.actor(), Disposition::Replied, Some(&b.text)).await?;
    Ok((StatusCode::CREATED, Json(m)).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnswerBody {
    /// Ignored: the logged-in steward acts.
    #[serde(default)]
    #[allow(dead_code)]
    steward: Option<String>,
    disposition: String,
    #[serde(default)]
    text: Option<String>,
}

/// `POST /chat/messages/{id}/answer`: answered as a consultation or as not
/// police business (an optional text goes to the group).
pub async fn answer(
    State(state): State<AppState>,
    who: Caller,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<AnswerBody>,
) -> Result<Response, ApiError> {
    let id = message_id(&id)?;
    let d: Disposition = b.disposition.parse().map_err(ApiError::bad)?;
    if !matches!(d, Disposition::Consultation | Disposition::NotPolice) {
        return Err(ApiError::BadRequest(format!(
            "disposition must be consultation or not_police here, got {:?} (reply: POST .../reply; incident: POST .../incident)",
            b.disposition
        )));
    }
    let m = state.desk.answer(id, &who.actor(), d, b.text.as_deref()).await?;
    Ok((StatusCode::CREATED, Json(m)).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConvertBody {
    /// Ignored: the logged-in steward acts.
    #[serde(default)]
    #[allow(dead_code)]
    steward: Option<String>,
    #[serde(default)]
    category: Option<String>,
    #[serde(default)]
    priority: Option<i64>,
    #[serde(default)]
    lat: Option<f64>,
    #[serde(default)]
    lon: Option<f64>,
    #[serde(default)]
    address: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    reply: Option<String>,
}

/// `POST /chat/messages/{id}/incident`: the message becomes an incident on
/// the `chat` channel, linked to it (201 `{message, incident}`).
pub async fn convert(
    State(state): State<AppState>,
    who: Caller,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ConvertBody>,
) -> Result<Response, ApiError> {
    let id = message_id(&id)?;
    let (lat, lon) = match (b.lat, b.lon) {
        (Some(a), Some(o)) => (a.to_string(), o.to_string()),
        (None, None) => (String::new(), String::new()),
        _ => return Err(ApiError::BadRequest("lat and lon go together: give both or neither".into())),
    };
    let form = app::wire::ConvertForm {
        category: b.category.unwrap_or_default(),
        priority: b.priority.map(|p| p.to_string()).unwrap_or_default(),
        lat,
        lon,
        place: String::new(),
        address: b.address.unwrap_or_default(),
        description: b.description.unwrap_or_default(),
        reply: b.reply.unwrap_or_default(),
    };
    let (message, incident) = state.desk.convert(id, &who.actor(), form).await?;
    Ok((StatusCode::CREATED, Json(json!({"message": message, "incident": incident}))).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CloseBody {
    /// Ignored: the logged-in steward acts.
    #[serde(default)]
    #[allow(dead_code)]
    steward: Option<String>,
    #[serde(default)]
    text: Option<String>,
}

/// `POST /chat/messages/{id}/close`: the closing reply (default "已处理，谢谢。")
/// once the linked incident is resolved; the loop is closed.
pub async fn close(
    State(state): State<AppState>,
    who: Caller,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<CloseBody>,
) -> Result<Response, ApiError> {
    let id = message_id(&id)?;
    let text = b.text.filter(|t| !t.trim().is_empty()).unwrap_or_else(|| CLOSING_TEXT.to_owned());
    let m = state.desk.close(id, &who.actor(), &text).await?;
    Ok((StatusCode::CREATED, Json(m)).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeriodQuery {
    from: Option<String>,
    to: Option<String>,
}

/// `GET /review/desk?from=&to=`: the desk's figures for messages received
/// on those local dates.
pub async fn review(State(state): State<AppState>, ApiQuery(q): ApiQuery<PeriodQuery>) -> Result<Response, ApiError> {
    Ok(Json(state.desk.review(q.from.as_deref(), q.to.as_deref()).await?).into_response())
}
