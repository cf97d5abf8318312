//! The versioned REST API for devices, chat bots and other systems
//! (`/api/v1`), described by the OpenAPI document at
//! `/api/v1/openapi.json`. People use the pages; both end in the engine.

mod alerts;
mod desk;
mod error;
mod history;
mod incidents;
mod intake;
mod patrol;
mod positions;
mod review;
mod units;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};

pub use error::{ApiError, ApiJson, ApiQuery};

use crate::web::AppState;

/// The largest request body the API reads (a batch of positions); a history
/// import takes up to `history::IMPORT_LIMIT`.
pub const BODY_LIMIT: usize = 2 * 1024 * 1024;

/// A chat message is at most 4,000 characters and 10 attachment URLs: a
/// body larger than this is refused (413) before it is parsed.
pub const CHAT_BODY_LIMIT: usize = 64 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi))
        .route("/incidents", post(incidents::create).get(incidents::list))
        .route("/incidents/{id}", get(incidents::one))
        .route("/incidents/{id}/recommendations", get(incidents::recommendations))
        .route("/incidents/{id}/assign", post(incidents::assign))
        .route("/incidents/{id}/status", post(incidents::status))
        .route("/units", get(units::list).post(units::register))
        .route("/units/{id}/status", post(units::status))
        .route("/positions", post(positions::ingest))
        .route("/alerts", get(alerts::list))
        .route("/checkins", post(patrol::create).get(patrol::list))
        .route("/patrol/points", get(patrol::points))
        .route("/patrol/points/{code}", axum::routing::put(patrol::edit))
        .route("/patrol/misses", get(patrol::misses))
        .route("/review/patrol", get(patrol::report))
        .route("/review", get(review::figures))
        .route("/review.csv", get(review::csv))
        .route("/review/heat.csv", get(review::heat_csv))
        .route("/review/days.csv", get(review::days_csv))
        .route("/review/hotspots.csv", get(review::hotspots_csv))
        .route("/review/incidents", get(review::incidents))
        .route("/review/incidents.csv", get(review::incidents_csv))
        .route("/review/import", post(history::import).layer(DefaultBodyLimit::max(history::IMPORT_LIMIT)))
        .route("/reports", post(intake::report_create).layer(DefaultBodyLimit::max(crate::report::FORM_BODY_LIMIT)))
        .route("/reports/{code}", get(intake::report_status))
        // the chat-group desk
        .route(
            "/chat/messages",
            post(intake::chat_create).get(intake::chat_list).layer(DefaultBodyLimit::max(CHAT_BODY_LIMIT)),
        )
        .route("/chat/messages/{id}", get(desk::one))
        .route("/chat/messages/{id}/reply", post(desk::reply))
        .route("/chat/messages/{id}/answer", post(desk::answer))
        .route("/chat/messages/{id}/incident", post(desk::convert))
        .route("/chat/messages/{id}/close", post(desk::close))
        .route("/review/desk", get(desk::review))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
}

async fn not_found() -> ApiError {
    ApiError::NotFound("no such API endpoint; see /api/v1/openapi.json".into())
}

pub const OPENAPI: &str = include_str!("openapi.json");

async fn openapi() -> impl IntoResponse {
    (StatusCode::OK, [(header::CONTENT_TYPE, "application/json")], OPENAPI)
}

/// Who is acting, for the status log: the `X-Actor` header (1–40 printable
/// characters) or `api`.
pub fn actor(headers: &HeaderMap) -> Result<String, ApiError> {
    match headers.get("x-actor") {
        None => Ok("api".to_owned()),
        Some(v) => {
            let s = v.to_str().map_err(|_| ApiError::BadRequest("X-Actor must be text".into()))?;
            let t = domain::Text::parse("X-Actor", s, 40, true).map_err(ApiError::bad)?;
            Ok(format!("api:{t}"))
        }
    }
}
