//! `POST /api/v1/positions`: batches from vehicle trackers and phones. Each
//! report is checked on its own: the answer says how many were accepted
//! (stored durably before the answer) and why any were rejected.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use domain::{Coordinates, UnitId};
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;

use domain::access::{Permission, Scope};

use super::ApiError;
use super::doc::Error;
use crate::auth::layer::Caller;
use crate::engine::{PositionReport, Rejection};
use crate::state::AppState;

/// The most reports one request may carry.
pub const MAX_BATCH: usize = 10_000;

/// A batch as sent: a bare array, or `{"positions": [...]}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(untagged)]
#[schema(as = PositionBatch)]
pub enum Body<T> {
    Wrapped { positions: Vec<T> },
    Bare(Vec<T>),
}

impl<T> Body<T> {
    fn into_items(self) -> Vec<T> {
        match self {
            Body::Wrapped { positions } => positions,
            Body::Bare(v) => v,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = PositionReport)]
struct RawReport {
    unit_id: i64,
    lat: f64,
    lon: f64,
    at: DateTime<Utc>,
}

fn parse_one(index: usize, v: Value) -> Result<PositionReport, Rejection> {
    let raw: RawReport = serde_json::from_value(v).map_err(|e| Rejection { index, reason: e.to_string() })?;
    check_one(index, raw)
}

fn check_one(index: usize, raw: RawReport) -> Result<PositionReport, Rejection> {
    let reject = |reason: String| Rejection { index, reason };
    Ok(PositionReport {
        index,
        unit_id: UnitId::from_i64(raw.unit_id).map_err(|e| reject(e.to_string()))?,
        at_position: Coordinates::parse(raw.lat, raw.lon).map_err(|e| reject(e.to_string()))?,
        at: raw.at,
    })
}

fn check_size(n: usize) -> Result<(), ApiError> {
    if n == 0 {
        return Err(ApiError::BadRequest("the batch is empty".into()));
    }
    if n > MAX_BATCH {
        return Err(ApiError::TooLarge(format!("at most {MAX_BATCH} positions per request, got {n}")));
    }
    Ok(())
}

/// Reports that are all well-formed are read straight into their types;
/// only a batch with a bad item is read item by item, so each problem is
/// answered with its index.
fn read_batch(body: &[u8]) -> Result<(Vec<PositionReport>, Vec<Rejection>), ApiError> {
    match serde_json::from_slice::<Body<RawReport>>(body) {
        Ok(batch) => sort(batch.into_items(), check_one),
        Err(_) => {
            let batch: Body<Value> = serde_json::from_slice(body).map_err(|e| {
                ApiError::BadRequest(format!(
                    "send an array of {{unit_id, lat, lon, at}}, or {{\"positions\": [...]}}: {e}"
                ))
            })?;
            sort(batch.into_items(), parse_one)
        }
    }
}

/// Checks each item, keeping the good ones and the reasons for the others.
fn sort<T>(
    items: Vec<T>,
    check: impl Fn(usize, T) -> Result<PositionReport, Rejection>,
) -> Result<(Vec<PositionReport>, Vec<Rejection>), ApiError> {
    check_size(items.len())?;
    let mut reports = Vec::with_capacity(items.len());
    let mut rejected = vec![];
    for (index, item) in items.into_iter().enumerate() {
        match check(index, item) {
            Ok(r) => reports.push(r),
            Err(r) => rejected.push(r),
        }
    }
    Ok((reports, rejected))
}

/// `POST /api/v1/positions`: a tracker reports its own units, an officer's
/// phone its officer's unit; a report for any other unit is rejected (with
/// its index and the reason), the rest are taken.
#[utoipa::path(post, path = "/positions", summary = "A batch of positions from trackers and phones (at most 10,000)",
    description = "A tracker reports its own units, an officer's phone its officer's unit; a report for any other unit is rejected with its index and the reason, the rest are taken. Each report is checked on its own.",
    request_body(content = Body<RawReport>, content_type = "application/json"),
    responses(
        (status = 200, description = "How many were accepted (durable) and why any were rejected", body = super::doc::PositionOutcome),
        (status = 400, response = Error),
        (status = 413, response = Error),
        (status = 415, response = Error),
    ))]
pub async fn ingest(
    State(state): State<AppState>,
    who: Caller,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !json {
        return Err(ApiError::UnsupportedMediaType("send JSON with Content-Type: application/json".into()));
    }
    let (mut reports, mut rejected) = read_batch(&body)?;
    if let Scope::Units(_) = who.scope(Permission::ReportPosition).map_err(ApiError::refused)? {
        reports.retain(|r| {
            let mine = who.has_unit(r.unit_id);
            if !mine {
                rejected.push(Rejection {
                    index: r.index,
                    reason: format!("{} {:?} may not report unit {}", who.role, who.name, r.unit_id),
                });
            }
            mine
        });
    }
    let mut outcome = if reports.is_empty() {
        crate::engine::PositionOutcome { accepted: 0, rejected: vec![] }
    } else {
        state.engine.positions(reports).await?
    };
    outcome.rejected.extend(rejected);
    outcome.rejected.sort_by_key(|r| r.index);
    Ok(Json(outcome).into_response())
}
