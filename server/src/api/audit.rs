//! `GET /api/v1/audit` and `/api/v1/audit.csv`: the audit log, newest first,
//! filtered by actor, action, outcome and local dates (administrators only).

use app::wire::{AuditPage, AuditQuery, AuditView};
use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{Duration, NaiveDate};

use super::doc::Error;
use super::{ApiError, ApiQuery};
use crate::state::AppState;
use crate::store::access::AuditFilter;
use crate::store::time;

/// The most lines one CSV carries (a year of a busy district's logins and
/// changes; narrow the dates for more).
pub const CSV_MAX: u32 = 100_000;

fn date(field: &str, s: &str) -> Result<Option<NaiveDate>, ApiError> {
    match s.trim() {
        "" => Ok(None),
        d => NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| ApiError::BadRequest(format!("{field} must be a date like 2026-12-05, got {d:?}"))),
    }
}

fn text(field: &str, s: &str, max: usize) -> Result<Option<String>, ApiError> {
    let t = domain::Text::parse("filter", s, max, false)
        .map_err(|_| ApiError::BadRequest(format!("{field} has at most {max} characters and no control characters")))?;
    Ok(Some(t.into_string()).filter(|t| !t.is_empty()))
}

/// The filter a query asks for, checked.
pub fn filter(state: &AppState, q: &AuditQuery, limit: u32) -> Result<AuditFilter, ApiError> {
    let offset = Duration::minutes(i64::from(state.map.utc_offset_minutes));
    let start = |d: NaiveDate| d.and_hms_opt(0, 0, 0).map(|t| t.and_utc() - offset);
    let outcome = text("outcome", &q.outcome, 10)?;
    if let Some(o) = &outcome
        && !["ok", "refused", "failed"].contains(&o.as_str())
    {
        return Err(ApiError::BadRequest(format!("outcome is ok, refused or failed, got {o:?}")));
    }
    Ok(AuditFilter {
        actor: text("actor", &q.actor, 40)?,
        action: text("action", &q.action, 40)?,
        outcome,
        from: date("from", &q.from)?.and_then(start),
        to: date("to", &q.to)?.and_then(|d| start(d + chrono::Days::new(1))),
        before: q.before,
        limit,
    })
}

/// A page of the audit log (`limit` lines and whether there are more).
pub async fn audit_page(state: &AppState, q: &AuditQuery, limit: u32) -> Result<AuditPage, ApiError> {
    let mut f = filter(state, q, limit + 1)?;
    f.limit = limit + 1;
    let mut rows = state.store.audit_log(&f).await?;
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let next = if more { rows.last().map(|r| r.id) } else { None };
    Ok(AuditPage {
        rows: rows
            .into_iter()
            .map(|r| AuditView {
                id: r.id,
                at: time(r.at),
                actor: r.actor,
                role: r.role,
                action: r.action,
                target: r.target,
                outcome: r.outcome,
                detail: r.detail,
                ip: r.ip,
            })
            .collect(),
        next,
        utc_offset_minutes: state.map.utc_offset_minutes,
    })
}

/// `GET /api/v1/audit?actor=&action=&outcome=&from=&to=&before=`: 100 lines
/// a page, newest first; `next` is the `before` of the next page.
#[utoipa::path(get, path = "/audit", summary = "The audit log, newest first, 100 a page",
    description = "`next` is the `before` of the next page.",
    params(AuditQuery),
    responses(
        (status = 200, description = "A page", body = AuditPage),
        (status = 400, response = Error),
    ))]
pub async fn list(State(state): State<AppState>, ApiQuery(q): ApiQuery<AuditQuery>) -> Result<Response, ApiError> {
    Ok(Json(audit_page(&state, &q, 100).await?).into_response())
}

/// `GET /api/v1/audit.csv?...`: the same lines as CSV (at most 100,000).
#[utoipa::path(get, path = "/audit.csv", summary = "The audit log as CSV (at most 100,000 lines)",
    params(AuditQuery),
    responses(
        (status = 200, description = "CSV: id, at, actor, role, action, target, outcome, detail, ip", content_type = "text/csv", body = String),
        (status = 400, response = Error),
    ))]
pub async fn csv(State(state): State<AppState>, ApiQuery(q): ApiQuery<AuditQuery>) -> Result<Response, ApiError> {
    let f = filter(&state, &q, CSV_MAX)?;
    let rows = state.store.audit_log(&f).await?;
    let mut w = csv::Writer::from_writer(vec![]);
    let fail = |e: csv::Error| {
        tracing::error!(error = %e, "writing the audit CSV");
        ApiError::Internal
    };
    w.write_record(["id", "at", "actor", "role", "action", "target", "outcome", "detail", "ip"]).map_err(fail)?;
    for r in rows {
        let at = time(r.at).to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let cells = [r.id.to_string(), at, r.actor, r.role, r.action, r.target, r.outcome, r.detail, r.ip];
        // a cell a spreadsheet would run as a formula is quoted as text
        let cells: Vec<String> = cells.iter().map(|c| neutralise(c)).collect();
        w.write_record(&cells).map_err(fail)?;
    }
    let body = w.into_inner().map_err(|e| fail(e.into_error().into()))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"audit.csv\""),
        ],
        body,
    )
        .into_response())
}

/// A spreadsheet runs a cell starting with `=`, `+`, `-` or `@` as a formula.
fn neutralise(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@']) { format!("'{cell}") } else { cell.to_owned() }
}
