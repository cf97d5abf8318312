//! Residents' reports over REST: `POST /reports` (JSON or multipart, with a
//! photo) and `GET /reports/{code}` (the stage, nothing else).

use std::net::SocketAddr;

use app::i18n::Lang;
use app::report::{ReportFields, ReportProblem};
use axum::Json;
use axum::extract::{ConnectInfo, FromRequest, Multipart, Path, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::ToSchema;

use super::doc::{Error, ErrorBody};
use super::{ApiError, ApiJson};
use crate::report::SubmitError;
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportBody {
    #[schema(value_type = domain::Category)]
    category: String,
    #[serde(default)]
    #[schema(max_length = 2000)]
    description: String,
    lat: f64,
    lon: f64,
    #[serde(default)]
    #[schema(max_length = 200)]
    address: String,
    /// How to reach the resident (personal data: dispatchers only).
    #[serde(default)]
    #[schema(max_length = 100)]
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
#[utoipa::path(post, path = "/reports",
    summary = "A resident's report (no account; rate-limited per client address), optionally with a photo",
    description = "JSON, or multipart/form-data with the same fields as text plus an optional `photo` file (the public form at /report posts the same fields; it may also give `place`, a landmark's name, instead of lat/lon). The photo's type is decided from its bytes (JPEG, PNG or WebP; the file name and declared type are ignored), at most 5 MB; the whole body at most 12 MB. Everything is checked before the report counts against the address's allowance (5 per 10 minutes by default); the incident, its tracking code and the photo are committed in one transaction before the answer. The photo is shown to dispatchers only, never on the public tracking page.",
    request_body(content(
        (ReportBody = "application/json"),
        (super::doc::ReportForm = "multipart/form-data"),
    )),
    responses(
        (status = 201, description = "The tracking code", body = super::doc::TrackingCode),
        (status = 400, response = Error),
        (status = 413, description = "The photo is over 5 MB (`too_large`), or the body over 12 MB", body = ErrorBody),
        (status = 415, description = "The photo is not a JPEG, PNG or WebP image by its content (`unsupported_photo`)", body = ErrorBody),
        (status = 429, description = "Too many reports from this address; see Retry-After", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds until the address may report again"))),
    ))]
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
#[utoipa::path(get, path = "/reports/{code}", summary = "The stage of a report, and nothing else",
    params(("code" = String, Path, description = "The tracking code", example = "ABCD-2345")),
    responses(
        (status = 200, description = "The stage", body = super::doc::ReportStatus),
        (status = 400, response = Error),
        (status = 404, response = Error),
    ))]
pub async fn report_status(State(state): State<AppState>, Path(code): Path<String>) -> Result<Response, ApiError> {
    let Some(code) = app::report::parse_code(&code) else {
        return Err(ApiError::BadRequest("a tracking code looks like ABCD-2345".into()));
    };
    match state.store.report_status(&code).await? {
        Some(s) => Ok(Json(s).into_response()),
        None => Err(ApiError::NotFound(format!("no report with tracking code {code}"))),
    }
}
