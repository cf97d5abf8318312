//! `POST /review/import`: past incidents from an older system, as CSV (the
//! columns are in `domain::history`). Every line is checked; one bad line
//! and nothing is imported, and the answer lists every problem with its line
//! (the first [`ROWS_SHOWN`], and how many more). The file is parsed off
//! the async workers; the writing transaction runs as an engine command, so
//! live writes queue behind it rather than fail on the database's write lock.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use domain::history::RowError;

use super::ApiError;
use super::doc::Error;
use super::error::RowReport;
use crate::auth::layer::Caller;
use crate::state::AppState;

/// The largest file an import takes (about 150,000 incidents with every
/// column).
pub const IMPORT_LIMIT: usize = 32 * 1024 * 1024;

/// At most this many problems are listed in an answer.
pub const ROWS_SHOWN: usize = 200;

/// Whether the request says it is CSV (`text/csv`, optionally with
/// `charset=utf-8`).
fn is_csv(content_type: Option<&str>) -> bool {
    let Some(ct) = content_type else { return false };
    let mut parts = ct.split(';').map(str::trim);
    let media = parts.next().unwrap_or("");
    media.eq_ignore_ascii_case("text/csv")
        && parts.all(|p| match p.split_once('=') {
            Some((k, v)) if k.trim().eq_ignore_ascii_case("charset") => {
                v.trim().trim_matches('"').eq_ignore_ascii_case("utf-8")
            }
            _ => true,
        })
}

/// The 422 answer: every problem counted, sorted by line, the first few
/// shown. `not_kept`: problems the parser counted without keeping.
fn refused(mut errors: Vec<RowError>, not_kept: usize) -> ApiError {
    errors.sort_by_key(|e| e.line);
    let total = errors.len() + not_kept;
    let lines = {
        let mut l: Vec<u64> = errors.iter().map(|e| e.line).collect();
        l.dedup();
        l.len()
    };
    let message = format!(
        "nothing was imported: {total} problem{} on {}{lines} line{}",
        if total == 1 { "" } else { "s" },
        if not_kept > 0 { "more than " } else { "" },
        if lines == 1 && not_kept == 0 { "" } else { "s" }
    );
    let rows = errors
        .iter()
        .take(ROWS_SHOWN)
        .map(|e| RowReport { line: e.line, column: e.column().map(|c| c.as_str()), reason: e.problem.to_string() })
        .collect();
    ApiError::InvalidRows { message, rows, more: total.saturating_sub(ROWS_SHOWN) }
}

/// `POST /api/v1/review/import` with a `text/csv` body: 201 with
/// `{imported, from, to}`, or 422 with every problem.
#[utoipa::path(post, path = "/review/import",
    summary = "Import past incidents from an older system (CSV), all or nothing",
    description = "The first line names the columns, in any order: external_id, received_at, channel, category, lat, lon (required), priority (default by category), address, description, unit (callsign of the first unit sent), dispatched_at, en_route_at, on_scene_at, resolved_at, closed_at, cancelled_at (at least one of the last three). Times are RFC 3339 with an offset. Every line is checked: stage times in order, en route and on scene only after dispatch, ended (resolved, closed or cancelled; cancelled only before a unit is on scene and last), nothing in the future, external_id unique in the file and not imported before, unit a known callsign. Any problem and nothing is written: 422 lists the first 200 problems with their line (the header is line 1; line breaks inside quoted fields count), column and reason, and `more` counts the rest. At most 32 MiB (413). Imported incidents are ended: they appear in reviews and lists, never as live incidents.",
    request_body(content = String, content_type = "text/csv",
        example = "external_id,received_at,channel,category,priority,lat,lon,address,description,unit,dispatched_at,en_route_at,on_scene_at,resolved_at,closed_at,cancelled_at\r\nold-1,2025-03-01T08:00:00+08:00,phone,fight,1,25.248,110.208,金水广场,two men fighting,JS-P1,2025-03-01T08:00:40+08:00,2025-03-01T08:01:00+08:00,2025-03-01T08:01:50+08:00,2025-03-01T08:20:00+08:00,2025-03-01T09:00:00+08:00,\r\n"),
    responses(
        (status = 201, description = "Imported", body = super::doc::ImportSummary),
        (status = 400, response = Error),
        (status = 413, response = Error),
        (status = 415, response = Error),
        (status = 422, description = "Nothing was imported: `rows` lists the first 200 problems by line, `more` counts the rest", body = super::doc::ErrorBody),
    ))]
pub async fn import(State(state): State<AppState>, who: Caller, req: Request) -> Result<Response, ApiError> {
    let content_type = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
    if !is_csv(content_type) {
        return Err(ApiError::UnsupportedMediaType(
            "send the history as CSV in UTF-8 with Content-Type: text/csv".into(),
        ));
    }
    let actor = who.actor();
    let body = Bytes::from_request(req, &state).await.map_err(|r| match r.status() {
        StatusCode::PAYLOAD_TOO_LARGE => {
            ApiError::TooLarge(format!("an import is at most {} MiB; split the file", IMPORT_LIMIT >> 20))
        }
        _ => ApiError::BadRequest(r.body_text()),
    })?;
    // parsing a large file is CPU work: off the async workers
    let now = Utc::now();
    let parsed = tokio::task::spawn_blocking(move || domain::history::parse_csv(&body, now)).await.map_err(|e| {
        tracing::error!(error = %e, "the history parser failed");
        ApiError::Internal
    })?;
    if !parsed.is_valid() {
        // what the database would refuse too, so one answer lists everything
        let not_kept = parsed.errors_not_kept;
        let mut errors = parsed.errors;
        errors.extend(state.store.history_conflicts(&parsed.rows).await?);
        return Err(refused(errors, not_kept));
    }
    match state.engine.import_history(parsed.rows, actor).await? {
        Ok(summary) => Ok((StatusCode::CREATED, Json(summary)).into_response()),
        Err(errors) => Err(refused(errors, 0)),
    }
}

#[cfg(test)]
mod tests {
    use super::is_csv;

    #[test]
    fn csv_content_types() {
        assert!(is_csv(Some("text/csv")));
        assert!(is_csv(Some("Text/CSV; charset=UTF-8")));
        assert!(is_csv(Some("text/csv; header=present")));
        assert!(!is_csv(Some("text/csv; charset=gbk")));
        assert!(!is_csv(Some("application/json")));
        assert!(!is_csv(Some("text/csvx")));
        assert!(!is_csv(None));
    }
}
