//! The chat-group desk over REST: messages in from a bot or bridge
//! (`POST /chat/messages`, idempotent), the queue, and on each message
//! (`/chat/messages/{id}/...`) the same actions as the `/desk` page, for a
//! steward tool. Every action is
//! recorded under the logged-in steward (a `steward` field in the body is
//! ignored); a second steward acting on an answered message gets 409 with
//! who answered and when.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::ChatMessageId;
use domain::access::{Permission, Target};
use domain::chat::{ChatDraft, Disposition};
use serde::Deserialize;
use serde_json::json;
use utoipa::{IntoParams, ToSchema};

use super::doc::{Error, ErrorBody};
use super::{ApiError, ApiJson, ApiQuery};
use crate::auth::layer::{Caller, ClientIp};
use crate::state::AppState;
use app::wire::{ChatMessageView, DeskMessage};

/// The closing reply's default text.
pub const CLOSING_TEXT: &str = "已处理，谢谢。";

fn message_id(raw: &str) -> Result<ChatMessageId, ApiError> {
    ChatMessageId::parse(raw).map_err(|e| ApiError::BadRequest(e.to_string()))
}

/// `GET /chat/messages/{id}`: the message with the sender's phone, its
/// replies (and their delivery) and the triage proposal.
/// Viewing the sender's phone is audited.
#[utoipa::path(get, path = "/chat/messages/{id}", summary = "One message as the desk works on it",
    description = "With the sender's phone (personal data, for stewards; each view is audited), the replies with their delivery, the triage proposal and whether the group has an outbound webhook.",
    params(("id" = ChatMessageId, Path, description = "The message's id on this server (`id` in the intake answer)")),
    responses(
        (status = 200, description = "The message", body = DeskMessage),
        (status = 400, response = Error),
        (status = 404, response = Error),
    ))]
pub async fn one(
    State(state): State<AppState>,
    who: Caller,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    Ok(Json(state.desk.detail(&who, message_id(&id)?, &ip).await?).into_response())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplyBody {
    /// Ignored: the logged-in steward acts.
    #[serde(default)]
    #[allow(dead_code)]
    #[schema(deprecated)]
    steward: Option<String>,
    #[schema(max_length = 1000)]
    text: String,
}

/// `POST /chat/messages/{id}/reply`: the first answer, sent to the group.
#[utoipa::path(post, path = "/chat/messages/{id}/reply", summary = "The first answer: a reply to the group",
    description = "Stored (durable) before the answer; delivered afterwards to the group's webhook (`[desk.webhooks]`), retried with doubling waits. Sets `first_reply_at`, `disposition` = `replied`, `answered_by`.",
    params(("id" = ChatMessageId, Path, description = "The message's id on this server (`id` in the intake answer)")),
    request_body = ReplyBody,
    responses(
        (status = 201, description = "Answered", body = ChatMessageView),
        (status = 400, response = Error),
        (status = 404, response = Error),
        (status = 409, description = "Someone was first: `already answered by NAME at HH:MM:SS`, already an incident, or the loop already closed (nothing is sent twice)", body = ErrorBody),
    ))]
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

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerBody {
    /// Ignored: the logged-in steward acts.
    #[serde(default)]
    #[allow(dead_code)]
    #[schema(deprecated)]
    steward: Option<String>,
    /// `consultation` or `not_police`.
    #[schema(value_type = Disposition)]
    disposition: String,
    #[serde(default)]
    #[schema(max_length = 1000)]
    text: Option<String>,
}

/// `POST /chat/messages/{id}/answer`: answered as a consultation or as not
/// police business (an optional text goes to the group).
#[utoipa::path(post, path = "/chat/messages/{id}/answer", summary = "Answered as a consultation or as not police business",
    description = "Counts as answered (sets `first_reply_at`); an optional text is sent to the group like a reply. The disposition is `consultation` or `not_police` here.",
    params(("id" = ChatMessageId, Path, description = "The message's id on this server (`id` in the intake answer)")),
    request_body = AnswerBody,
    responses(
        (status = 201, description = "Answered", body = ChatMessageView),
        (status = 400, response = Error),
        (status = 404, response = Error),
        (status = 409, description = "Someone was first: `already answered by NAME at HH:MM:SS`, already an incident, or the loop already closed (nothing is sent twice)", body = ErrorBody),
    ))]
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

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConvertBody {
    /// Ignored: the logged-in steward acts.
    #[serde(default)]
    #[allow(dead_code)]
    #[schema(deprecated)]
    steward: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<domain::Category>)]
    category: Option<String>,
    #[serde(default)]
    #[schema(minimum = 1, maximum = 3)]
    priority: Option<i64>,
    #[serde(default)]
    lat: Option<f64>,
    #[serde(default)]
    lon: Option<f64>,
    #[serde(default)]
    #[schema(max_length = 200)]
    address: Option<String>,
    #[serde(default)]
    #[schema(max_length = 2000)]
    description: Option<String>,
    /// Sent to the group with the conversion (and answers the message).
    #[serde(default)]
    #[schema(max_length = 1000)]
    reply: Option<String>,
}

/// `POST /chat/messages/{id}/incident`: the message becomes an incident on
/// the `chat` channel, linked to it (201 `{message, incident}`).
#[utoipa::path(post, path = "/chat/messages/{id}/incident", summary = "Turns the message into an incident (channel `chat`), linked to it",
    description = "Category: given, else the triage rules' proposal (`config/triage.toml`), else `other`; priority: given, else the proposal's, else the category's. Location: `lat`/`lon`, else the message's own (400 when neither). The description defaults to the message text and the reporter contact is the sender's phone. An optional `reply` goes to the group at the same time (and answers the message). The incident's external id is `chat-{id}`.",
    params(("id" = ChatMessageId, Path, description = "The message's id on this server (`id` in the intake answer)")),
    request_body = ConvertBody,
    responses(
        (status = 201, description = "The message and the incident", body = super::doc::Converted),
        (status = 400, response = Error),
        (status = 404, response = Error),
        (status = 409, description = "Someone was first: `already answered by NAME at HH:MM:SS`, already an incident, or the loop already closed (nothing is sent twice)", body = ErrorBody),
    ))]
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

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseBody {
    /// Ignored: the logged-in steward acts.
    #[serde(default)]
    #[allow(dead_code)]
    #[schema(deprecated)]
    steward: Option<String>,
    /// Default `已处理，谢谢。`.
    #[serde(default)]
    #[schema(max_length = 1000)]
    text: Option<String>,
}

/// `POST /chat/messages/{id}/close`: the closing reply (default "已处理，谢谢。")
/// once the linked incident is resolved; the loop is closed.
#[utoipa::path(post, path = "/chat/messages/{id}/close", summary = "Closes the loop: the closing reply once the linked incident is resolved",
    description = "Default text `已处理，谢谢。`. 409 before the incident is resolved (or closed), for a message without an incident, or when the loop is already closed.",
    params(("id" = ChatMessageId, Path, description = "The message's id on this server (`id` in the intake answer)")),
    request_body = CloseBody,
    responses(
        (status = 201, description = "Closed", body = ChatMessageView),
        (status = 400, response = Error),
        (status = 404, response = Error),
        (status = 409, description = "Someone was first: `already answered by NAME at HH:MM:SS`, already an incident, or the loop already closed (nothing is sent twice)", body = ErrorBody),
    ))]
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

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PeriodQuery {
    /// First local date, YYYY-MM-DD.
    #[param(format = Date)]
    from: Option<String>,
    /// Last local date (inclusive), YYYY-MM-DD.
    #[param(format = Date)]
    to: Option<String>,
}

/// `GET /review/desk?from=&to=`: the desk's figures for messages received
/// on those local dates.
#[utoipa::path(get, path = "/review/desk", summary = "The chat desk's figures for a period",
    description = "Messages received on local dates `from`..=`to` (default: the last 30 days ending yesterday): received, answered, median and 90th percentile of the first reply (whole seconds, nearest rank), answered within the chat reply target (share of all received), turned into incidents, consultations, not police, loops closed.",
    params(PeriodQuery),
    responses(
        (status = 200, description = "The figures", body = app::wire::DeskReview),
        (status = 400, response = Error),
    ))]
pub async fn review(State(state): State<AppState>, ApiQuery(q): ApiQuery<PeriodQuery>) -> Result<Response, ApiError> {
    Ok(Json(state.desk.review(q.from.as_deref(), q.to.as_deref()).await?).into_response())
}

/// `POST /chat/messages`: 201 with the stored message, 200 when this
/// (group_id, message_id) was delivered before.
#[utoipa::path(post, path = "/chat/messages",
    summary = "A message from a community chat group (idempotent by group_id + message_id)",
    description = "Bodies over 64 KiB are refused (413) before they are parsed. Delivering the same (group_id, message_id) again returns the stored message (200) and never makes a second message or incident. A bridge token may post only for its own groups.",
    request_body = ChatDraft,
    responses(
        (status = 201, description = "Stored", body = ChatMessageView),
        (status = 200, description = "Delivered before; the stored message", body = ChatMessageView),
        (status = 400, response = Error),
        (status = 413, response = Error),
        (status = 415, response = Error),
    ))]
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

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ChatQuery {
    /// Only the messages still waiting for a first answer.
    unanswered: Option<bool>,
    /// 1 to 1000; default 100.
    #[param(minimum = 1, maximum = 1000, default = 100)]
    limit: Option<u32>,
}

/// `GET /chat/messages?unanswered=true&limit=`: the desk's queue, newest first.
#[utoipa::path(get, path = "/chat/messages", summary = "The chat desk's queue, newest first",
    params(ChatQuery),
    responses(
        (status = 200, description = "Messages", body = Vec<ChatMessageView>),
        (status = 400, response = Error),
    ))]
pub async fn chat_list(State(state): State<AppState>, ApiQuery(q): ApiQuery<ChatQuery>) -> Result<Response, ApiError> {
    let limit = match q.limit {
        None => 100,
        Some(n @ 1..=1000) => n,
        Some(n) => return Err(ApiError::BadRequest(format!("limit must be between 1 and 1000, got {n}"))),
    };
    Ok(Json(state.store.chat_messages(q.unanswered.unwrap_or(false), limit).await?).into_response())
}
