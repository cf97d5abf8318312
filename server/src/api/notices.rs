//! `/api/v1/notices`: station chiefs write, schedule, update and cancel
//! safety notices and make a month's drafts from the calendar; residents
//! read the notices in force (`/api/v1/notices/current`, public); other
//! systems read the CAP 1.2 documents (`/cap/{id}.xml`) and their Atom
//! index (`/cap/feed.atom`), public too.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use domain::notice::{Certainty, NoticeArea, NoticeCategory, NoticeDraft, Severity, Urgency, cap_time, xml_escape};
use domain::{Coordinates, StationCode};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::doc::{Error, ErrorBody};
use super::{ApiError, ApiJson, ApiQuery};
use crate::auth::layer::Caller;
use crate::notices::{NoticeScope, NoticeServiceError};
use crate::state::AppState;
use crate::store::notices::{StoredDelivery, StoredMessage, StoredNotice};
use crate::store::{millis, time};

impl From<NoticeServiceError> for ApiError {
    fn from(e: NoticeServiceError) -> Self {
        use domain::notice::NoticeError;
        match e {
            NoticeServiceError::Invalid(NoticeError::Move { .. }) => ApiError::Conflict(e.to_string()),
            NoticeServiceError::Invalid(err) => ApiError::BadRequest(err.to_string()),
            NoticeServiceError::NotFound(_) => ApiError::NotFound(e.to_string()),
            NoticeServiceError::Forbidden(m) => ApiError::Forbidden(m),
            NoticeServiceError::Conflict(m) => ApiError::Conflict(m),
            NoticeServiceError::Unknown(m) => ApiError::BadRequest(m),
            NoticeServiceError::Store(err) => err.into(),
        }
    }
}

fn scope_of(who: &Caller) -> Result<NoticeScope, ApiError> {
    NoticeScope::of(who).map_err(ApiError::refused)
}

/// A notice as written (create and change).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoticeBody {
    #[schema(max_length = 120, example = "冬季防火安全提示")]
    title_zh: String,
    #[schema(max_length = 4000)]
    body_zh: String,
    /// With `body_en`, or neither.
    #[schema(max_length = 120)]
    title_en: Option<String>,
    #[schema(max_length = 4000)]
    body_en: Option<String>,
    /// traffic, fire, theft, fraud, farming, flood, exam, drowning, travel, carbon_monoxide or other.
    #[schema(example = "fire")]
    category: String,
    /// Station codes the notice is for (a chief: their own). Leave out with
    /// `polygon` or for the whole district (administrators only).
    stations: Option<Vec<String>>,
    /// A drawn area: `[[lat, lon], …]`, 3 to 500 corners (closed if open).
    polygon: Option<Vec<[f64; 2]>>,
    /// From when it holds (RFC 3339).
    effective: DateTime<Utc>,
    /// Until when: after `effective`, at most 186 days later.
    expires: DateTime<Utc>,
    /// CAP urgency (default Expected).
    urgency: Option<String>,
    /// CAP severity (default Minor).
    severity: Option<String>,
    /// CAP certainty (default Likely).
    certainty: Option<String>,
    /// The station the notice belongs to (administrators; a chief's is theirs).
    station: Option<String>,
}

fn parse_body(b: NoticeBody) -> Result<(NoticeDraft, Option<StationCode>), ApiError> {
    let category: NoticeCategory = b.category.parse().map_err(ApiError::bad)?;
    let area = match (b.stations, b.polygon) {
        (Some(_), Some(_)) => return Err(ApiError::BadRequest("give stations or a polygon, not both".into())),
        (Some(list), None) => {
            if list.len() > 50 {
                return Err(ApiError::BadRequest("at most 50 stations".into()));
            }
            NoticeArea::Stations(
                list.iter().map(|s| StationCode::parse(s).map_err(ApiError::bad)).collect::<Result<_, _>>()?,
            )
        }
        (None, Some(ring)) => {
            if ring.len() > domain::notice::POLYGON_MAX + 1 {
                return Err(ApiError::BadRequest(format!(
                    "a polygon has at most {} corners",
                    domain::notice::POLYGON_MAX
                )));
            }
            NoticeArea::Polygon(
                ring.iter()
                    .map(|[lat, lon]| Coordinates::parse(*lat, *lon).map_err(ApiError::bad))
                    .collect::<Result<_, _>>()?,
            )
        }
        (None, None) => NoticeArea::District,
    };
    let urgency: Urgency = b.urgency.as_deref().unwrap_or("Expected").parse().map_err(ApiError::bad)?;
    let severity: Severity = b.severity.as_deref().unwrap_or("Minor").parse().map_err(ApiError::bad)?;
    let certainty: Certainty = b.certainty.as_deref().unwrap_or("Likely").parse().map_err(ApiError::bad)?;
    let station = b.station.as_deref().map(StationCode::parse).transpose().map_err(ApiError::bad)?;
    Ok((
        NoticeDraft {
            title_zh: b.title_zh,
            body_zh: b.body_zh,
            title_en: b.title_en,
            body_en: b.body_en,
            category,
            area,
            effective_ms: millis(b.effective),
            expires_ms: millis(b.expires),
            urgency,
            severity,
            certainty,
        },
        station,
    ))
}

/// A notice as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct NoticeView {
    id: i64,
    /// The station it belongs to (none: the district's).
    station: Option<String>,
    /// draft, scheduled, published, updated or cancelled.
    status: String,
    title_zh: String,
    body_zh: String,
    title_en: Option<String>,
    body_en: Option<String>,
    category: String,
    /// district, stations or polygon.
    area: String,
    stations: Vec<String>,
    /// `[[lat, lon], …]` for a drawn area.
    polygon: Option<Vec<[f64; 2]>>,
    /// The area in words, as CAP's `areaDesc`.
    area_desc: String,
    effective: DateTime<Utc>,
    expires: DateTime<Utc>,
    urgency: String,
    severity: String,
    certainty: String,
    /// When a scheduled notice is (or was) published.
    publish_at: Option<DateTime<Utc>>,
    /// The calendar template it came from, and its month.
    calendar_key: Option<String>,
    calendar_month: Option<String>,
    created_at: DateTime<Utc>,
    created_by: String,
    updated_at: DateTime<Utc>,
    updated_by: String,
    /// The CAP messages sent, oldest first (on a single notice).
    #[serde(skip_serializing_if = "Option::is_none")]
    messages: Option<Vec<MessageView>>,
    /// Their deliveries to the stations' chat groups.
    #[serde(skip_serializing_if = "Option::is_none")]
    deliveries: Option<Vec<DeliveryView>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MessageView {
    id: i64,
    /// Alert, Update or Cancel.
    msg_type: String,
    identifier: String,
    sent: DateTime<Utc>,
    /// The CAP 1.2 document: `/cap/{id}.xml`.
    cap: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryView {
    id: i64,
    message_id: i64,
    group_id: String,
    /// pending, delivered, failed or no_webhook.
    delivery: String,
    attempts: i64,
    delivered_at: Option<DateTime<Utc>>,
    last_error: Option<String>,
}

fn message_view(m: &StoredMessage) -> MessageView {
    MessageView {
        id: m.id,
        msg_type: m.msg_type.clone(),
        identifier: m.identifier.clone(),
        sent: time(m.sent_at),
        cap: format!("/cap/{}.xml", m.id),
    }
}

fn delivery_view(d: &StoredDelivery) -> DeliveryView {
    DeliveryView {
        id: d.id,
        message_id: d.message_id,
        group_id: d.group_id.clone(),
        delivery: d.delivery.clone(),
        attempts: d.attempts,
        delivered_at: d.delivered_at.map(time),
        last_error: d.last_error.clone(),
    }
}

pub fn notice_view(state: &AppState, n: &StoredNotice) -> NoticeView {
    let (area, stations, polygon) = match &n.draft.area {
        NoticeArea::District => ("district", vec![], None),
        NoticeArea::Stations(s) => ("stations", s.iter().map(|c| c.to_string()).collect(), None),
        NoticeArea::Polygon(ring) => ("polygon", vec![], Some(ring.iter().map(|c| [c.lat(), c.lon()]).collect())),
    };
    NoticeView {
        id: n.id,
        station: n.station.as_ref().map(|s| s.to_string()),
        status: n.status.as_str().to_owned(),
        title_zh: n.draft.title_zh.clone(),
        body_zh: n.draft.body_zh.clone(),
        title_en: n.draft.title_en.clone(),
        body_en: n.draft.body_en.clone(),
        category: n.draft.category.as_str().to_owned(),
        area: area.to_owned(),
        stations,
        polygon,
        area_desc: state.notices.area_desc(&n.draft.area),
        effective: time(n.draft.effective_ms),
        expires: time(n.draft.expires_ms),
        urgency: n.draft.urgency.as_str().to_owned(),
        severity: n.draft.severity.as_str().to_owned(),
        certainty: n.draft.certainty.as_str().to_owned(),
        publish_at: n.publish_at.map(time),
        calendar_key: n.calendar_key.clone(),
        calendar_month: n.calendar_month.clone(),
        created_at: time(n.created_at),
        created_by: n.created_by.clone(),
        updated_at: time(n.updated_at),
        updated_by: n.updated_by.clone(),
        messages: None,
        deliveries: None,
    }
}

async fn full_view(state: &AppState, n: &StoredNotice) -> Result<NoticeView, ApiError> {
    let mut v = notice_view(state, n);
    v.messages = Some(state.store.notice_messages(n.id).await?.iter().map(message_view).collect());
    v.deliveries = Some(state.store.notice_deliveries(n.id).await?.iter().map(delivery_view).collect());
    Ok(v)
}

fn path_id(id: &str) -> Result<i64, ApiError> {
    match id.parse::<i64>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(ApiError::NotFound(format!("no notice has the id {:?}", id.chars().take(20).collect::<String>()))),
    }
}

/// `GET /api/v1/notices`: the caller's notices (a chief: their station's
/// and the district's), newest change first.
#[utoipa::path(get, path = "/notices", summary = "Safety notices, newest change first",
    description = "A chief sees their station's notices and the district's; an administrator all. Every status, drafts included.",
    responses((status = 200, description = "The notices", body = Vec<NoticeView>)))]
pub async fn list(State(state): State<AppState>, who: Caller) -> Result<Json<Vec<NoticeView>>, ApiError> {
    let scope = scope_of(&who)?;
    let station = match &scope {
        NoticeScope::Station(s) => Some(s),
        NoticeScope::All => None,
    };
    let rows = state.store.notices(station, 500).await?;
    Ok(Json(rows.iter().map(|n| notice_view(&state, n)).collect()))
}

/// `POST /api/v1/notices`: a new draft.
#[utoipa::path(post, path = "/notices", summary = "Write a safety notice (a draft)",
    description = "Stored as a draft: nothing is public or sent until it is scheduled and its time comes. A chief's notice is for their own station (by name or a drawn polygon).",
    request_body = NoticeBody,
    responses(
        (status = 201, description = "The stored draft", body = NoticeView),
        (status = 400, response = Error),
    ))]
pub async fn create(
    State(state): State<AppState>,
    who: Caller,
    ApiJson(b): ApiJson<NoticeBody>,
) -> Result<Response, ApiError> {
    let scope = scope_of(&who)?;
    let (draft, station) = parse_body(b)?;
    let n = state.notices.create(&scope, station, draft, &who.name).await?;
    Ok((StatusCode::CREATED, Json(full_view(&state, &n).await?)).into_response())
}

/// `GET /api/v1/notices/{id}`: one notice with its CAP messages and their deliveries.
#[utoipa::path(get, path = "/notices/{id}", summary = "One safety notice, with its messages and deliveries",
    params(("id" = i64, Path, description = "The notice's id")),
    responses((status = 200, description = "The notice", body = NoticeView), (status = 404, response = Error)))]
pub async fn one(
    State(state): State<AppState>,
    who: Caller,
    Path(id): Path<String>,
) -> Result<Json<NoticeView>, ApiError> {
    let scope = scope_of(&who)?;
    let n = state.notices.get(&scope, path_id(&id)?).await?;
    Ok(Json(full_view(&state, &n).await?))
}

/// `PUT /api/v1/notices/{id}`: changes a notice. A draft or a scheduled
/// one changes quietly; a public one is updated and the change is sent at
/// once (CAP Update referencing what was sent before).
#[utoipa::path(put, path = "/notices/{id}", summary = "Change a safety notice (a public one is sent as an Update)",
    params(("id" = i64, Path, description = "The notice's id")),
    request_body = NoticeBody,
    responses(
        (status = 200, description = "The notice as it is now", body = NoticeView),
        (status = 400, response = Error),
        (status = 404, response = Error),
        (status = 409, description = "A cancelled notice cannot change", body = ErrorBody),
    ))]
pub async fn edit(
    State(state): State<AppState>,
    who: Caller,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<NoticeBody>,
) -> Result<Json<NoticeView>, ApiError> {
    let scope = scope_of(&who)?;
    let id = path_id(&id)?;
    let (draft, _) = parse_body(b)?;
    let n = state.notices.edit(&scope, id, draft, &who.name).await?;
    Ok(Json(full_view(&state, &n).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleBody {
    /// When to publish it (RFC 3339); now or in the past publishes it at once.
    publish_at: DateTime<Utc>,
}

/// `POST /api/v1/notices/{id}/schedule`.
#[utoipa::path(post, path = "/notices/{id}/schedule", summary = "Schedule a safety notice",
    description = "A draft (or a scheduled notice, to move its time) is published at `publish_at`: it appears on the public page and in the CAP feed, and is posted to its stations' chat groups.",
    params(("id" = i64, Path, description = "The notice's id")),
    request_body = ScheduleBody,
    responses(
        (status = 200, description = "The scheduled notice", body = NoticeView),
        (status = 400, response = Error),
        (status = 404, response = Error),
        (status = 409, response = Error),
    ))]
pub async fn schedule(
    State(state): State<AppState>,
    who: Caller,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ScheduleBody>,
) -> Result<Json<NoticeView>, ApiError> {
    let scope = scope_of(&who)?;
    let n = state.notices.schedule(&scope, path_id(&id)?, millis(b.publish_at), &who.name).await?;
    Ok(Json(full_view(&state, &n).await?))
}

/// `POST /api/v1/notices/{id}/unschedule`.
#[utoipa::path(post, path = "/notices/{id}/unschedule", summary = "Take a scheduled notice back to draft",
    params(("id" = i64, Path, description = "The notice's id")),
    responses((status = 200, description = "The draft", body = NoticeView), (status = 404, response = Error), (status = 409, response = Error)))]
pub async fn unschedule(
    State(state): State<AppState>,
    who: Caller,
    Path(id): Path<String>,
) -> Result<Json<NoticeView>, ApiError> {
    let scope = scope_of(&who)?;
    let n = state.notices.unschedule(&scope, path_id(&id)?, &who.name).await?;
    Ok(Json(full_view(&state, &n).await?))
}

/// `POST /api/v1/notices/{id}/cancel`.
#[utoipa::path(post, path = "/notices/{id}/cancel", summary = "Cancel a safety notice (a public one is sent as a Cancel)",
    params(("id" = i64, Path, description = "The notice's id")),
    responses((status = 200, description = "The cancelled notice", body = NoticeView), (status = 404, response = Error), (status = 409, response = Error)))]
pub async fn cancel(
    State(state): State<AppState>,
    who: Caller,
    Path(id): Path<String>,
) -> Result<Json<NoticeView>, ApiError> {
    let scope = scope_of(&who)?;
    let n = state.notices.cancel(&scope, path_id(&id)?, &who.name).await?;
    Ok(Json(full_view(&state, &n).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CalendarBody {
    /// The local month, `2026-12`.
    #[schema(example = "2026-12")]
    month: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CalendarMade {
    /// The drafts made now (none when the month's were made before).
    made: Vec<NoticeView>,
}

/// `POST /api/v1/notices/calendar`: the month's drafts from the seasonal
/// calendar, for the chief's station (an administrator: every station).
#[utoipa::path(post, path = "/notices/calendar", summary = "Make a month's drafts from the seasonal calendar",
    description = "Each template of the month becomes a draft for the station (a chief's; every station for an administrator), once: asking again makes none. Nothing is sent until a chief schedules a draft. The publisher does this by itself on the first of each month.",
    request_body = CalendarBody,
    responses((status = 201, description = "The drafts made", body = CalendarMade), (status = 400, response = Error)))]
pub async fn calendar(
    State(state): State<AppState>,
    who: Caller,
    ApiJson(b): ApiJson<CalendarBody>,
) -> Result<Response, ApiError> {
    let scope = scope_of(&who)?;
    let month = domain::time::Month::parse(&b.month).map_err(ApiError::bad)?;
    let stations = match &scope {
        NoticeScope::Station(s) => vec![s.clone()],
        NoticeScope::All => state.notices.all_stations(),
    };
    let ids = state.notices.calendar_drafts(month, &stations, &who.name).await?;
    let mut made = vec![];
    for id in ids {
        if let Some(n) = state.store.notice(id).await? {
            made.push(notice_view(&state, &n));
        }
    }
    Ok((StatusCode::CREATED, Json(CalendarMade { made })).into_response())
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CurrentQuery {
    /// A station's code: its notices and the district's.
    station: Option<String>,
    /// A place (with `lon`): the notices of its station, the district's and
    /// those whose drawn area holds it.
    lat: Option<f64>,
    lon: Option<f64>,
}

/// What residents see of a notice.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicNotice {
    pub id: i64,
    pub status: String,
    pub category: String,
    /// The theme in Chinese, e.g. 防火.
    pub category_zh: String,
    pub title_zh: String,
    pub body_zh: String,
    pub title_en: Option<String>,
    pub body_en: Option<String>,
    pub area_desc: String,
    pub effective: DateTime<Utc>,
    pub expires: DateTime<Utc>,
    pub severity: String,
    /// The latest CAP document.
    pub cap: Option<String>,
    pub updated_at: DateTime<Utc>,
}

/// The notices in force for a station or a place, newest change first
/// (public: the residents' page and the tracking page use it).
pub async fn current_for(
    state: &AppState,
    station: Option<&str>,
    at: Option<Coordinates>,
) -> Result<Vec<PublicNotice>, ApiError> {
    let now = millis(Utc::now());
    let current = state.store.current_notices(now).await?;
    let chosen: Vec<&StoredNotice> = match (station, at) {
        (_, Some(at)) => {
            let st = state.engine.shared().district.locate(at).station.map(|s| s.to_string());
            crate::notices::at_place(&current, st.as_deref().or(station), at)
        }
        (Some(s), None) => crate::notices::for_station(&current, s),
        (None, None) => current.iter().collect(),
    };
    let mut out = vec![];
    for n in chosen {
        let latest = state.store.notice_messages(n.id).await?.last().map(|m| format!("/cap/{}.xml", m.id));
        out.push(PublicNotice {
            id: n.id,
            status: n.status.as_str().to_owned(),
            category: n.draft.category.as_str().to_owned(),
            category_zh: n.draft.category.label_zh().to_owned(),
            title_zh: n.draft.title_zh.clone(),
            body_zh: n.draft.body_zh.clone(),
            title_en: n.draft.title_en.clone(),
            body_en: n.draft.body_en.clone(),
            area_desc: state.notices.area_desc(&n.draft.area),
            effective: time(n.draft.effective_ms),
            expires: time(n.draft.expires_ms),
            severity: n.draft.severity.as_str().to_owned(),
            cap: latest,
            updated_at: time(n.updated_at),
        });
    }
    Ok(out)
}

/// Checks a `station` / `lat` + `lon` query.
pub fn parse_current(
    state: &AppState,
    station: Option<&str>,
    lat: Option<f64>,
    lon: Option<f64>,
) -> Result<(Option<String>, Option<Coordinates>), ApiError> {
    let station = match station.filter(|s| !s.is_empty()) {
        Some(s) => {
            let code = StationCode::parse(s).map_err(ApiError::bad)?;
            if state.notices.station_name(code.as_str()).is_none() {
                return Err(ApiError::NotFound(format!("the district has no station {code}")));
            }
            Some(code.to_string())
        }
        None => None,
    };
    let at = match (lat, lon) {
        (Some(lat), Some(lon)) => Some(Coordinates::parse(lat, lon).map_err(ApiError::bad)?),
        (None, None) => None,
        _ => return Err(ApiError::BadRequest("lat and lon go together: give both or neither".into())),
    };
    Ok((station, at))
}

/// `GET /api/v1/notices/current`: public.
#[utoipa::path(get, path = "/notices/current", summary = "The safety notices in force (public)",
    description = "For a station (`station`), a place (`lat`, `lon`: its station's, the district's and drawn areas holding it), or all. Only published and updated notices between their effective and expiry times.",
    params(CurrentQuery),
    responses((status = 200, description = "The notices in force", body = Vec<PublicNotice>), (status = 400, response = Error), (status = 404, response = Error)))]
pub async fn current(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<CurrentQuery>,
) -> Result<Json<Vec<PublicNotice>>, ApiError> {
    let (station, at) = parse_current(&state, q.station.as_deref(), q.lat, q.lon)?;
    Ok(Json(current_for(&state, station.as_deref(), at).await?))
}

/// `GET /cap/{id}.xml`: one CAP 1.2 message as it was sent (public).
pub async fn cap_document(State(state): State<AppState>, Path(file): Path<String>) -> Result<Response, ApiError> {
    let missing = || ApiError::NotFound(format!("no CAP message {:?}", file.chars().take(30).collect::<String>()));
    let id = file.strip_suffix(".xml").and_then(|i| i.parse::<i64>().ok()).filter(|i| *i > 0).ok_or_else(missing)?;
    let m = state.store.notice_message(id).await?.ok_or_else(missing)?;
    Ok(([(header::CONTENT_TYPE, "application/cap+xml; charset=utf-8")], m.xml).into_response())
}

/// `GET /cap/feed.atom`: the latest message of each notice sent in the
/// last 30 days, newest first, each entry linking its CAP document
/// (public).
pub async fn cap_feed(State(state): State<AppState>) -> Result<Response, ApiError> {
    let now = millis(Utc::now());
    let messages = state.store.recent_messages(now - 30 * 86_400_000, 200).await?;
    let offset = state.notices.offset();
    let updated = messages.first().map(|m| m.sent_at).unwrap_or(now);
    let mut x = String::with_capacity(4096);
    x.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n");
    x.push_str("  <id>urn:command-room:cap:feed</id>\n");
    x.push_str(&format!("  <title>{}</title>\n", xml_escape("安全提示 Safety notices (CAP 1.2)")));
    x.push_str(&format!("  <updated>{}</updated>\n", cap_time(updated, offset)));
    x.push_str("  <link rel=\"self\" href=\"/cap/feed.atom\"/>\n");
    x.push_str("  <author><name>Command Room</name></author>\n");
    for m in &messages {
        let Some(n) = state.store.notice(m.notice_id).await? else { continue };
        x.push_str("  <entry>\n");
        x.push_str(&format!("    <id>urn:command-room:cap:{}</id>\n", xml_escape(&m.identifier)));
        x.push_str(&format!("    <title>{}</title>\n", xml_escape(&format!("[{}] {}", m.msg_type, n.draft.title_zh))));
        x.push_str(&format!("    <updated>{}</updated>\n", cap_time(m.sent_at, offset)));
        x.push_str(&format!("    <summary>{}</summary>\n", xml_escape(&n.draft.body_zh)));
        x.push_str(&format!("    <link rel=\"alternate\" type=\"application/cap+xml\" href=\"/cap/{}.xml\"/>\n", m.id));
        x.push_str("  </entry>\n");
    }
    x.push_str("</feed>\n");
    Ok(([(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")], x).into_response())
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct MonthsQuery {
    /// First day (local, YYYY-MM-DD).
    from: String,
    /// Last day, included.
    to: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NoticeMonth {
    /// The local month, `2026-12`.
    month: String,
    /// A station's code, or `district`.
    station: String,
    /// Notices first published in the month.
    published: i64,
    /// Their messages' deliveries to chat groups, and how they went.
    deliveries: i64,
    delivered: i64,
    failed: i64,
    pending: i64,
    /// delivered ÷ (delivered + failed), when any ended.
    success: Option<f64>,
}

/// `GET /api/v1/review/notices?from&to`: notices published per month and
/// station, and their deliveries' success.
#[utoipa::path(get, path = "/review/notices", summary = "Notices published per month and station, and delivery success",
    params(MonthsQuery),
    responses((status = 200, description = "One row per month and station", body = Vec<NoticeMonth>), (status = 400, response = Error)))]
pub async fn review(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<MonthsQuery>,
) -> Result<Json<Vec<NoticeMonth>>, ApiError> {
    let clock = state.notices.clock();
    let today = clock.date(Utc::now());
    let range = domain::time::DateRange::parse(Some(&q.from), Some(&q.to), today).map_err(ApiError::bad)?;
    let (from, to) = range.bounds(clock);
    let rows = state.store.notice_months(millis(from), millis(to), clock.offset_minutes()).await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| NoticeMonth {
                success: (r.delivered + r.failed > 0).then(|| r.delivered as f64 / (r.delivered + r.failed) as f64),
                month: r.month,
                station: r.station,
                published: r.published,
                deliveries: r.deliveries,
                delivered: r.delivered,
                failed: r.failed,
                pending: r.pending,
            })
            .collect(),
    ))
}
