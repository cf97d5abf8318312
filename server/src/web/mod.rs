//! The router: pages, API, live stream, health and static files, all behind
//! the one authorisation layer (`crate::auth::layer`).

/// Text in HTML (element content or a quoted attribute).
pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

pub mod notices_page;
pub mod plan_page;
pub mod report_form;
pub mod tasks_page;

use std::sync::{Arc, OnceLock};

use app::backend::SharedBackend;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use leptos::prelude::*;
use leptos_axum::{AxumRouteListing, LeptosRoutes, generate_route_list};
use serde_json::json;
use tower_http::trace::{DefaultMakeSpan, DefaultOnFailure, DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::auth::layer::CspNonce;
use crate::state::AppState;

/// What every page render and server function gets in context: the
/// backend, and the nonce this answer's CSP allows its inline scripts (the
/// hydration script and the serialised resources carry it).
pub fn page_context(backend: SharedBackend) {
    provide_context(backend);
    let nonce = use_context::<axum::http::request::Parts>().and_then(|p| p.extensions.get::<CspNonce>().cloned());
    if let Some(n) = nonce {
        provide_context(leptos::nonce::Nonce::from_value(n.0));
    }
}

/// The app's pages, listed once per process.
///
/// Listing them renders the whole app with resource loading switched off,
/// and Leptos switches it off for the whole process
/// (`leptos_server::SuppressResourceLoad`, a global flag): a resource made
/// meanwhile by a page being rendered for a request, on any thread, never
/// loads, and that page never answers. So the list is made once, before the
/// first server can answer anything, and never again (several servers in one
/// process, as the API tests run them, share it).
pub fn page_routes() -> Vec<AxumRouteListing> {
    static ROUTES: OnceLock<Vec<AxumRouteListing>> = OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(app::App)).clone()
}

/// `GET /healthz`: 200 when the server and its database answer, 503 when
/// the database does not. Says which backend, whether this server leads
/// (`single` alone on SQLite, else `leader` or `follower`), the last event
/// it published and how far that is behind the shared journal (`lag`).
async fn healthz(State(state): State<AppState>) -> Response {
    let shared = state.engine.shared();
    let seq = shared.hub.seq();
    let last = if state.store.is_shared() { state.store.last_event().await } else { Ok(seq) };
    match (state.store.ping().await, last) {
        (Ok(()), Ok(last)) => (
            StatusCode::OK,
            axum::Json(json!({
                "status": "ok",
                "database": "ok",
                "backend": state.store.backend().as_str(),
                "role": shared.cluster.role().as_str(),
                "term": shared.cluster.term(),
                "seq": seq,
                "lag": last.saturating_sub(seq),
                "roads": shared.settings.roads.state(),
            })),
        )
            .into_response(),
        (Err(e), _) | (_, Err(e)) => {
            tracing::error!(error = %e, "health check: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, axum::Json(json!({ "status": "unavailable", "database": "unreachable" })))
                .into_response()
        }
    }
}

/// Pages, API, live stream, health and static files, behind the
/// authorisation layer.
pub fn router(state: AppState) -> Router {
    let routes = page_routes();
    let backend: SharedBackend = Arc::new(state.clone());
    let backend404 = backend.clone();
    let options = state.leptos_options.clone();
    let (api, _) = crate::api::router();
    Router::new()
        .route("/healthz", get(healthz))
        .route("/ws", get(crate::ws::handler))
        // residents' reports: the form posts here (GET /report is the page)
        .route(
            "/report",
            post(report_form::form_post).layer(axum::extract::DefaultBodyLimit::max(report_form::FORM_BODY_LIMIT)),
        )
        .route("/login", post(crate::auth::handlers::login_form))
        .route("/logout", post(crate::auth::handlers::logout_form))
        .route("/unit", get(crate::auth::handlers::own_unit))
        .route("/dispatch/photo/{id}", get(report_form::photo))
        .route("/notices", get(notices_page::page))
        .route("/notices/new", post(notices_page::create))
        .route("/notices/calendar", post(notices_page::calendar))
        .route("/notices/{id}/schedule", post(notices_page::schedule))
        .route("/notices/{id}/unschedule", post(notices_page::unschedule))
        .route("/notices/{id}/cancel", post(notices_page::cancel))
        .route("/notices/{id}/edit", post(notices_page::edit))
        .route("/plan", get(plan_page::page))
        .route("/tasks", get(tasks_page::page))
        .route("/tasks/generate", post(tasks_page::generate))
        .route(
            "/tasks/{id}/report",
            post(tasks_page::report).layer(axum::extract::DefaultBodyLimit::max(crate::api::tasks_report_limit())),
        )
        .route("/tasks/{id}/accept", post(tasks_page::accept))
        .route("/tasks/{id}/return", post(tasks_page::give_back))
        .route("/cap/feed.atom", get(crate::api::cap_feed))
        .route("/cap/{file}", get(crate::api::cap_document))
        .nest("/api/v1", api)
        .leptos_routes_with_context(
            &state,
            routes,
            move || page_context(backend.clone()),
            move || app::shell(options.clone()),
        )
        .fallback(leptos_axum::file_and_error_handler_with_context::<AppState, _>(
            move || page_context(backend404.clone()),
            app::shell,
        ))
        .layer(axum::middleware::from_fn_with_state(state.gate.clone(), crate::auth::layer::layer))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(DefaultMakeSpan::new().level(Level::DEBUG))
                .on_response(DefaultOnResponse::new().level(Level::DEBUG))
                .on_failure(DefaultOnFailure::new().level(Level::WARN)),
        )
        .with_state(state)
}
