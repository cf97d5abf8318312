//! The versioned REST API for devices, chat bots and other systems
//! (`/api/v1`), described by the OpenAPI document at
//! `/api/v1/openapi.json`. People use the pages; both end in the engine.

mod alerts;
mod audit;
mod desk;
pub mod doc;
mod error;
mod history;
mod incidents;
mod notices;
mod patrol;
mod positions;
mod report;
mod review;
mod tasks;
mod units;
mod volunteers;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;

use crate::auth::routes::{ApiRoutes, RouteRule, Rule};

pub use audit::audit_page;
pub use error::{ApiError, ApiJson, ApiQuery};
pub use notices::{cap_document, cap_feed, current_for, parse_current};
pub use tasks::read_report as read_task_report;

use crate::state::AppState;

/// The largest task report (3 photos and the text).
pub fn tasks_report_limit() -> usize {
    tasks::REPORT_BODY_LIMIT
}

/// The largest request body the API reads (a batch of positions); a history
/// import takes up to `history::IMPORT_LIMIT`.
pub const BODY_LIMIT: usize = 2 * 1024 * 1024;

/// A chat message is at most 4,000 characters and 10 attachment URLs: a
/// body larger than this is refused (413) before it is parsed.
pub const CHAT_BODY_LIMIT: usize = 64 * 1024;

/// The API's routes, each with its rule in the permission table (see
/// `crate::auth::routes`): the router to nest under `/api/v1`, and the rules.
pub fn router() -> (Router<AppState>, Vec<RouteRule>) {
    use domain::access::Permission as P;
    let mut r = ApiRoutes::new("/api/v1");
    r.get("/openapi.json", Rule::read(P::OwnSession), openapi)
        // sessions
        .post("/session", Rule::public_change(), crate::auth::handlers::login_api)
        .get("/session", Rule::read(P::OwnSession).background(), crate::auth::handlers::session_api)
        .delete("/session", Rule::change(P::OwnSession), crate::auth::handlers::logout_api)
        // incidents
        .post("/incidents", Rule::change(P::TakeCall), incidents::create)
        .get("/incidents", Rule::read(P::ReadIncidents), incidents::list)
        .get("/incidents/{id}", Rule::read(P::ReadIncidents), incidents::one)
        .get("/incidents/{id}/recommendations", Rule::read(P::Recommend), incidents::recommendations)
        .post("/incidents/{id}/assign", Rule::change(P::Dispatch), incidents::assign)
        .post("/incidents/{id}/status", Rule::change(P::IncidentStatus), incidents::status)
        // units and positions
        .get("/units", Rule::read(P::ViewLive), units::list)
        .post("/units", Rule::change(P::RegisterUnit), units::register)
        .post("/units/{id}/status", Rule::change(P::UnitStatus), units::status)
        .post("/positions", Rule::change(P::ReportPosition).background().quiet(), positions::ingest)
        .get("/alerts", Rule::read(P::ReadAlerts), alerts::list)
        // proof of patrol
        .post("/checkins", Rule::change(P::CheckIn), patrol::create)
        .get("/checkins", Rule::read(P::ReadPatrol), patrol::list)
        .get("/patrol/points", Rule::read(P::ReadPatrol), patrol::points)
        .put("/patrol/points/{code}", Rule::change(P::EditPoint), patrol::edit)
        .post("/patrol/points/{code}/token", Rule::change(P::EditPoint), patrol::rotate_token)
        .get("/patrol/misses", Rule::read(P::ReadPatrol), patrol::misses)
        // the review
        .get("/review/patrol", Rule::read(P::ReviewFigures), patrol::report)
        .get("/review", Rule::read(P::ReviewFigures), review::figures)
        .get("/review.csv", Rule::read(P::ReviewFigures), review::csv)
        .get("/review/heat.csv", Rule::read(P::ReviewFigures), review::heat_csv)
        .get("/review/days.csv", Rule::read(P::ReviewFigures), review::days_csv)
        .get("/review/hotspots.csv", Rule::read(P::ReviewFigures), review::hotspots_csv)
        .get("/review/incidents", Rule::read(P::ReviewIncidents), review::incidents)
        .get("/review/incidents.csv", Rule::read(P::ReviewIncidents), review::incidents_csv)
        .post_limited("/review/import", Rule::change(P::ImportHistory), history::IMPORT_LIMIT, history::import)
        .get("/review/desk", Rule::read(P::ReviewFigures), desk::review)
        // residents' reports (public)
        .post_limited(
            "/reports",
            Rule::public_change(),
            crate::web::report_form::FORM_BODY_LIMIT,
            report::report_create,
        )
        .get("/reports/{code}", Rule::public(), report::report_status)
        // the chat-group desk
        .post_limited("/chat/messages", Rule::change(P::PostChat), CHAT_BODY_LIMIT, desk::chat_create)
        .get("/chat/messages", Rule::read(P::ReadDesk), desk::chat_list)
        .get("/chat/messages/{id}", Rule::read(P::ReadDesk), desk::one)
        .post("/chat/messages/{id}/reply", Rule::change(P::AnswerChat), desk::reply)
        .post("/chat/messages/{id}/answer", Rule::change(P::AnswerChat), desk::answer)
        .post("/chat/messages/{id}/incident", Rule::change(P::AnswerChat), desk::convert)
        .post("/chat/messages/{id}/close", Rule::change(P::AnswerChat), desk::close)
        // safety notices (chiefs), the notices in force (public)
        .get("/notices", Rule::read(P::WriteNotices), notices::list)
        .post("/notices", Rule::change(P::WriteNotices), notices::create)
        .get("/notices/current", Rule::public(), notices::current)
        .post("/notices/calendar", Rule::change(P::WriteNotices), notices::calendar)
        .get("/notices/{id}", Rule::read(P::WriteNotices), notices::one)
        .put("/notices/{id}", Rule::change(P::WriteNotices), notices::edit)
        .post("/notices/{id}/schedule", Rule::change(P::WriteNotices), notices::schedule)
        .post("/notices/{id}/unschedule", Rule::change(P::WriteNotices), notices::unschedule)
        .post("/notices/{id}/cancel", Rule::change(P::WriteNotices), notices::cancel)
        .get("/review/notices", Rule::read(P::ReviewFigures), notices::review)
        // community officers' monthly tasks
        .get("/tasks", Rule::any_of(&[P::OwnTasks, P::ManageTasks], false), tasks::list)
        .post("/tasks/generate", Rule::change(P::ManageTasks), tasks::generate)
        .get("/tasks/photos/{id}", Rule::any_of(&[P::OwnTasks, P::ManageTasks], false), tasks::photo)
        .get("/tasks/{id}", Rule::any_of(&[P::OwnTasks, P::ManageTasks], false), tasks::one)
        .post_limited("/tasks/{id}/report", Rule::change(P::OwnTasks), tasks::REPORT_BODY_LIMIT, tasks::report)
        .post("/tasks/{id}/accept", Rule::change(P::ManageTasks), tasks::accept)
        .post("/tasks/{id}/return", Rule::change(P::ManageTasks), tasks::give_back)
        .get("/review/tasks", Rule::read(P::ManageTasks), tasks::progress)
        .get("/review/tasks.csv", Rule::read(P::ManageTasks), tasks::progress_csv)
        // volunteers' and security's month (群防群治)
        .get("/review/volunteers", Rule::read(P::ReadPatrol), volunteers::list)
        .get("/review/volunteers.csv", Rule::read(P::ReadPatrol), volunteers::csv)
        // the audit log
        .get("/audit", Rule::read(P::Administer), audit::list)
        .get("/audit.csv", Rule::read(P::Administer), audit::csv);
    let (router, rules) = r.build();
    (router.fallback(not_found).layer(DefaultBodyLimit::max(BODY_LIMIT)), rules)
}

async fn not_found() -> ApiError {
    ApiError::NotFound("no such API endpoint; see /api/v1/openapi.json".into())
}

/// `GET /api/v1/openapi.json`: the document generated from the handlers
/// and the route table (see [`doc`]).
async fn openapi() -> impl IntoResponse {
    (StatusCode::OK, [(header::CONTENT_TYPE, "application/json")], doc::json())
}
