//! `POST /api/v1/positions`: batches from vehicle trackers and phones. Each
//! report is checked on its own: the answer says how many were accepted
//! (stored durably before the answer) and why any were rejected.

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use domain::{Coordinates, UnitId};
use serde::Deserialize;
use serde_json::Value;

use super::{ApiError, ApiJson};
use crate::engine::{PositionReport, Rejection};
use crate::web::AppState;

/// The most reports one request may carry.
pub const MAX_BATCH: usize = 10_000;

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum Body {
    Wrapped { positions: Vec<Value> },
    Bare(Vec<Value>),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawReport {
    unit_id: i64,
    lat: f64,
    lon: f64,
    at: DateTime<Utc>,
}

fn parse_one(index: usize, v: Value) -> Result<PositionReport, Rejection> {
    let reject = |reason: String| Rejection { index, reason };
    let raw: RawReport = serde_json::from_value(v).map_err(|e| reject(e.to_string()))?;
    Ok(PositionReport {
        index,
        unit_id: UnitId::from_i64(raw.unit_id).map_err(|e| reject(e.to_string()))?,
        at_position: Coordinates::parse(raw.lat, raw.lon).map_err(|e| reject(e.to_string()))?,
        at: raw.at,
    })
}

pub async fn ingest(State(state): State<AppState>, ApiJson(body): ApiJson<Body>) -> Result<Response, ApiError> {
    let items = match body {
        Body::Wrapped { positions } => positions,
        Body::Bare(v) => v,
    };
    if items.is_empty() {
        return Err(ApiError::BadRequest("the batch is empty".into()));
    }
    if items.len() > MAX_BATCH {
        return Err(ApiError::TooLarge(format!("at most {MAX_BATCH} positions per request, got {}", items.len())));
    }
    let mut reports = Vec::with_capacity(items.len());
    let mut rejected = vec![];
    for (i, v) in items.into_iter().enumerate() {
        match parse_one(i, v) {
            Ok(r) => reports.push(r),
            Err(r) => rejected.push(r),
        }
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
