//! `/api/v1/tasks`: community officers' monthly task lists. An officer sees
//! and reports their unit's tasks (text, up to 3 photos, the phone's
//! position, as `multipart/form-data` or JSON); a station chief makes the
//! month's lists, sees every task of the station, accepts or returns
//! reports, and reads the progress by officer (`/api/v1/review/tasks`, CSV).

use axum::Json;
use axum::extract::multipart::Multipart;
use axum::extract::{FromRequest, Path, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use domain::Coordinates;
use domain::tasks::TaskAction;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::doc::Error;
use super::{ApiError, ApiJson, ApiQuery};
use crate::auth::layer::Caller;
use crate::state::AppState;
use crate::store::tasks::TaskRow;
use crate::store::time;
use crate::tasks::{TaskScope, TaskServiceError, parse_month};

/// The most a report's body may hold: 3 photos of at most 5 MB and the text.
pub const REPORT_BODY_LIMIT: usize = 16 * 1024 * 1024;
const PHOTOS_MAX: usize = 3;

impl From<TaskServiceError> for ApiError {
    fn from(e: TaskServiceError) -> Self {
        match e {
            TaskServiceError::Invalid(m) => ApiError::BadRequest(m),
            TaskServiceError::Move(domain::tasks::TaskError::Move { .. }) => ApiError::Conflict(e.to_string()),
            TaskServiceError::Move(err) => ApiError::BadRequest(err.to_string()),
            TaskServiceError::NotFound(_) => ApiError::NotFound(e.to_string()),
            TaskServiceError::Conflict(m) => ApiError::Conflict(m),
            TaskServiceError::Store(err) => err.into(),
        }
    }
}

fn scope_of(who: &Caller) -> Result<TaskScope, ApiError> {
    TaskScope::viewing(who).map_err(ApiError::refused)
}

fn manage_scope(who: &Caller) -> Result<TaskScope, ApiError> {
    TaskScope::managing(who).map_err(ApiError::refused)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TaskView {
    id: i64,
    station: String,
    /// The community officer's unit.
    unit: String,
    /// `2026-12`.
    month: String,
    /// visit, hazard_check, follow_up or publicity.
    kind: String,
    title: String,
    /// Why it was generated.
    reason: String,
    lat: Option<f64>,
    lon: Option<f64>,
    /// open, submitted, accepted or returned.
    status: String,
    /// Still open or returned after its month ended.
    overdue: bool,
    report_text: Option<String>,
    report_lat: Option<f64>,
    report_lon: Option<f64>,
    reported_at: Option<DateTime<Utc>>,
    reported_by: Option<String>,
    reviewed_at: Option<DateTime<Utc>>,
    reviewed_by: Option<String>,
    /// The chief's note (why it was returned).
    review_note: Option<String>,
    /// The report's photos (`/api/v1/tasks/photos/{id}`).
    photos: Vec<String>,
}

async fn view(state: &AppState, t: TaskRow) -> Result<TaskView, ApiError> {
    let photos = state
        .store
        .task_photos(t.id)
        .await?
        .into_iter()
        .map(|(id, _, _)| format!("/api/v1/tasks/photos/{id}"))
        .collect();
    let month = parse_month(&t.month).ok();
    let overdue = (t.status == "open" || t.status == "returned") && month.is_some_and(|m| state.tasks.ended(m));
    Ok(TaskView {
        id: t.id,
        station: t.station,
        unit: t.callsign,
        month: t.month,
        kind: t.kind,
        title: t.title,
        reason: t.reason,
        lat: t.lat,
        lon: t.lon,
        status: t.status,
        overdue,
        report_text: t.report_text,
        report_lat: t.report_lat,
        report_lon: t.report_lon,
        reported_at: t.reported_at.map(time),
        reported_by: t.reported_by,
        reviewed_at: t.reviewed_at.map(time),
        reviewed_by: t.reviewed_by,
        review_note: t.review_note,
        photos,
    })
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// `2026-12` (default: this month).
    month: Option<String>,
}

fn month_of(state: &AppState, m: Option<&str>) -> Result<domain::time::Month, ApiError> {
    match m {
        Some(m) => Ok(parse_month(m)?),
        None => Ok(state.tasks.this_month()),
    }
}

/// `GET /api/v1/tasks?month=`.
#[utoipa::path(get, path = "/tasks", summary = "Monthly tasks: an officer's own, a chief's station's",
    params(ListQuery),
    responses((status = 200, description = "The month's tasks", body = Vec<TaskView>), (status = 400, response = Error)))]
pub async fn list(
    State(state): State<AppState>,
    who: Caller,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<Vec<TaskView>>, ApiError> {
    let scope = scope_of(&who)?;
    let month = month_of(&state, q.month.as_deref())?.to_string();
    let rows = match &scope {
        TaskScope::All => state.store.tasks(&month, None, None).await?,
        TaskScope::Station(s) => state.store.tasks(&month, Some(s.as_str()), None).await?,
        TaskScope::Units(units) => {
            let mut all = vec![];
            for u in units {
                all.extend(state.store.tasks(&month, None, Some(*u)).await?);
            }
            all
        }
    };
    let mut out = vec![];
    for t in rows {
        out.push(view(&state, t).await?);
    }
    Ok(Json(out))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GenerateBody {
    /// `2026-12`.
    month: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Generated {
    /// How many tasks were made now (none when the month's list was made before).
    made: usize,
}

/// `POST /api/v1/tasks/generate`.
#[utoipa::path(post, path = "/tasks/generate", summary = "Make a month's task lists from the rules",
    description = "For the chief's station (an administrator: every station), from config/tasks.toml: visits to the area's places, hazard checks at last month's hot spots, follow-ups of last month's disputes, publicity for the month's notices; shared in turn among the station's community officers. Each task is made once.",
    request_body = GenerateBody,
    responses((status = 201, description = "How many were made", body = Generated), (status = 400, response = Error)))]
pub async fn generate(
    State(state): State<AppState>,
    who: Caller,
    ApiJson(b): ApiJson<GenerateBody>,
) -> Result<Response, ApiError> {
    let scope = manage_scope(&who)?;
    let month = parse_month(&b.month)?;
    let stations = match scope {
        TaskScope::Station(s) => vec![s],
        _ => state.tasks.stations(),
    };
    let mut made = 0;
    for s in stations {
        made += state.tasks.generate(&s, month, &who.name).await?.len();
    }
    Ok((StatusCode::CREATED, Json(Generated { made })).into_response())
}

fn path_id(id: &str) -> Result<i64, ApiError> {
    match id.parse::<i64>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(ApiError::NotFound(format!("no task has the id {:?}", id.chars().take(20).collect::<String>()))),
    }
}

/// `GET /api/v1/tasks/{id}`.
#[utoipa::path(get, path = "/tasks/{id}", summary = "One task with its report",
    params(("id" = i64, Path, description = "The task's id")),
    responses((status = 200, description = "The task", body = TaskView), (status = 404, response = Error)))]
pub async fn one(
    State(state): State<AppState>,
    who: Caller,
    Path(id): Path<String>,
) -> Result<Json<TaskView>, ApiError> {
    let t = state.tasks.get(&scope_of(&who)?, path_id(&id)?).await?;
    Ok(Json(view(&state, t).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportBody {
    /// What was done (at most 2,000 characters).
    text: String,
    /// The phone's position, both or neither.
    lat: Option<f64>,
    lon: Option<f64>,
}

/// `POST /api/v1/tasks/{id}/report`: JSON `{text, lat?, lon?}`, or
/// `multipart/form-data` with `text`, `lat`, `lon` and up to 3 `photo` files.
#[utoipa::path(post, path = "/tasks/{id}/report", summary = "Report a task done",
    description = "The officer whose unit has the task: what was done, the phone's position and up to 3 photos (multipart; JPEG, PNG or WebP, at most 5 MB each, re-encoded without EXIF). A returned task may be reported again.",
    params(("id" = i64, Path, description = "The task's id")),
    request_body = ReportBody,
    responses(
        (status = 200, description = "The task, submitted", body = TaskView),
        (status = 400, response = Error),
        (status = 404, response = Error),
        (status = 409, response = Error),
        (status = 413, response = Error),
        (status = 415, response = Error),
    ))]
pub async fn report(
    State(state): State<AppState>,
    who: Caller,
    Path(id): Path<String>,
    req: Request,
) -> Result<Json<TaskView>, ApiError> {
    let scope = TaskScope::owning(&who).map_err(ApiError::refused)?;
    let id = path_id(&id)?;
    let multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.starts_with("multipart/form-data"));
    let (text, lat, lon, photos) = if multipart {
        let mp = Multipart::from_request(req, &state).await.map_err(|e| ApiError::BadRequest(e.body_text()))?;
        read_report(mp).await?
    } else {
        let ApiJson(b) = ApiJson::<ReportBody>::from_request(req, &state).await?;
        (b.text, b.lat, b.lon, vec![])
    };
    let at = match (lat, lon) {
        (Some(lat), Some(lon)) => Some(Coordinates::parse(lat, lon).map_err(ApiError::bad)?),
        (None, None) => None,
        _ => return Err(ApiError::BadRequest("lat and lon go together: give both or neither".into())),
    };
    // decoded and written again: no EXIF (the phone's position), nothing appended
    let mut cleaned = vec![];
    for data in photos {
        match tokio::task::spawn_blocking(move || crate::photo::clean(&data)).await {
            Ok(Ok((ct, data))) => cleaned.push((ct, data)),
            Ok(Err(e)) => return Err(ApiError::UnsupportedMediaType(format!("a photo could not be read: {e}"))),
            Err(_) => return Err(ApiError::Unavailable),
        }
    }
    let t = state.tasks.report(&scope, id, &text, at, cleaned, &who.name).await?;
    Ok(Json(view(&state, t).await?))
}

pub type ReportParts = (String, Option<f64>, Option<f64>, Vec<Vec<u8>>);

/// Reads a task report's multipart body: `text`, `lat`, `lon`, up to 3 `photo` files.
pub async fn read_report(mut mp: Multipart) -> Result<ReportParts, ApiError> {
    let (mut text, mut lat, mut lon, mut photos) = (None, None, None, vec![]);
    while let Some(field) = mp.next_field().await.map_err(|e| ApiError::BadRequest(e.body_text()))? {
        let name = field.name().unwrap_or_default().to_owned();
        let data = field.bytes().await.map_err(|e| ApiError::BadRequest(e.body_text()))?;
        let number = |what: &str, d: &[u8]| -> Result<Option<f64>, ApiError> {
            let s = std::str::from_utf8(d).map_err(|_| ApiError::BadRequest(format!("{what} is not text")))?.trim();
            if s.is_empty() {
                return Ok(None);
            }
            s.parse().map(Some).map_err(|_| ApiError::BadRequest(format!("{what} must be a number, got {s:?}")))
        };
        match name.as_str() {
            "csrf" => {}
            "text" => {
                if data.len() > 16 * 1024 {
                    return Err(ApiError::BadRequest("the report is too long".into()));
                }
                text = Some(
                    String::from_utf8(data.to_vec()).map_err(|_| ApiError::BadRequest("text is not UTF-8".into()))?,
                );
            }
            "lat" => lat = number("lat", &data)?,
            "lon" => lon = number("lon", &data)?,
            "photo" if data.is_empty() => {}
            "photo" => {
                if photos.len() == PHOTOS_MAX {
                    return Err(ApiError::BadRequest(format!("at most {PHOTOS_MAX} photos")));
                }
                if data.len() > app::report::PHOTO_MAX_BYTES {
                    return Err(ApiError::TooLarge("a photo has at most 5 MB".into()));
                }
                photos.push(data.to_vec());
            }
            other => {
                return Err(ApiError::BadRequest(format!("unknown field {other:?}; expected text, lat, lon, photo")));
            }
        }
    }
    Ok((text.unwrap_or_default(), lat, lon, photos))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewBody {
    /// Why (required to return; optional to accept; at most 500 characters).
    note: Option<String>,
}

/// `POST /api/v1/tasks/{id}/accept`.
#[utoipa::path(post, path = "/tasks/{id}/accept", summary = "Accept a task's report",
    params(("id" = i64, Path, description = "The task's id")), request_body = ReviewBody,
    responses((status = 200, description = "The task, accepted", body = TaskView), (status = 404, response = Error), (status = 409, response = Error)))]
pub async fn accept(
    State(state): State<AppState>,
    who: Caller,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ReviewBody>,
) -> Result<Json<TaskView>, ApiError> {
    let t = state
        .tasks
        .review(&manage_scope(&who)?, path_id(&id)?, TaskAction::Accept, b.note.as_deref(), &who.name)
        .await?;
    Ok(Json(view(&state, t).await?))
}

/// `POST /api/v1/tasks/{id}/return`.
#[utoipa::path(post, path = "/tasks/{id}/return", summary = "Return a task's report to the officer",
    params(("id" = i64, Path, description = "The task's id")), request_body = ReviewBody,
    responses((status = 200, description = "The task, returned", body = TaskView), (status = 400, response = Error), (status = 404, response = Error), (status = 409, response = Error)))]
pub async fn give_back(
    State(state): State<AppState>,
    who: Caller,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ReviewBody>,
) -> Result<Json<TaskView>, ApiError> {
    let t = state
        .tasks
        .review(&manage_scope(&who)?, path_id(&id)?, TaskAction::Return, b.note.as_deref(), &who.name)
        .await?;
    Ok(Json(view(&state, t).await?))
}

/// `GET /api/v1/tasks/photos/{id}`: a report's photo (the officer's own
/// task, or the chief's station's).
#[utoipa::path(get, path = "/tasks/photos/{id}", summary = "A task report's photo",
    params(("id" = String, Path, description = "The photo's id")),
    responses((status = 200, description = "The image"), (status = 404, response = Error)))]
pub async fn photo(State(state): State<AppState>, who: Caller, Path(id): Path<String>) -> Result<Response, ApiError> {
    let missing = || ApiError::NotFound("no such photo".into());
    if id.len() != 32 || !id.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
        return Err(missing());
    }
    let (task, content_type, data) = state.store.task_photo(&id).await?.ok_or_else(missing)?;
    state.tasks.get(&scope_of(&who)?, task).await.map_err(|_| missing())?;
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            (header::CACHE_CONTROL, "private, max-age=3600".to_owned()),
            (header::CONTENT_SECURITY_POLICY, "default-src 'none'; sandbox".to_owned()),
        ],
        data,
    )
        .into_response())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProgressRow {
    station: String,
    unit: String,
    total: i64,
    open: i64,
    submitted: i64,
    accepted: i64,
    returned: i64,
    /// Open or returned after the month ended.
    overdue: i64,
    /// accepted ÷ total.
    done_share: f64,
}

async fn progress_rows(
    state: &AppState,
    who: &Caller,
    month: Option<&str>,
) -> Result<(String, Vec<ProgressRow>), ApiError> {
    let scope = manage_scope(who)?;
    let m = month_of(state, month)?;
    let key = m.to_string();
    let station = match &scope {
        TaskScope::Station(s) => Some(s.as_str().to_owned()),
        _ => None,
    };
    let rows = state.tasks.progress(m, station.as_deref()).await?;
    Ok((
        key,
        rows.into_iter()
            .map(|(r, overdue)| ProgressRow {
                overdue,
                done_share: if r.total > 0 { r.accepted as f64 / r.total as f64 } else { 0.0 },
                station: r.station,
                unit: r.callsign,
                total: r.total,
                open: r.open,
                submitted: r.submitted,
                accepted: r.accepted,
                returned: r.returned,
            })
            .collect(),
    ))
}

/// `GET /api/v1/review/tasks?month=`: progress by officer (unit) and station.
#[utoipa::path(get, path = "/review/tasks", summary = "Monthly tasks: progress by officer and station",
    params(ListQuery),
    responses((status = 200, description = "One row per officer", body = Vec<ProgressRow>), (status = 400, response = Error)))]
pub async fn progress(
    State(state): State<AppState>,
    who: Caller,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<Vec<ProgressRow>>, ApiError> {
    Ok(Json(progress_rows(&state, &who, q.month.as_deref()).await?.1))
}

/// `GET /api/v1/review/tasks.csv?month=`.
#[utoipa::path(get, path = "/review/tasks.csv", summary = "Monthly tasks' progress as CSV",
    params(ListQuery),
    responses((status = 200, description = "CSV: month, station, unit, total, open, submitted, accepted, returned, overdue", content_type = "text/csv"), (status = 400, response = Error)))]
pub async fn progress_csv(
    State(state): State<AppState>,
    who: Caller,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Response, ApiError> {
    let (month, rows) = progress_rows(&state, &who, q.month.as_deref()).await?;
    let mut csv = String::from("month,station,unit,total,open,submitted,accepted,returned,overdue\r\n");
    for r in rows {
        // codes and callsigns are letters, digits and '-': nothing to quote
        csv.push_str(&format!(
            "{month},{},{},{},{},{},{},{},{}\r\n",
            r.station, r.unit, r.total, r.open, r.submitted, r.accepted, r.returned, r.overdue
        ));
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"tasks-{month}.csv\"")),
        ],
        csv,
    )
        .into_response())
}
