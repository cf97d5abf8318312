//! The web application: shared state, the pages' backend, and the router
//! that puts pages, API, live stream and static files together.

use std::sync::Arc;

use app::backend::{Backend, BoxFuture, SharedBackend};
use app::error::AppError;
use app::review::{IncidentList, ReviewParams, ReviewReport};
use app::wire::{Board, IncidentDetail, IncidentView, MapData, RecommendationView};
use axum::Router;
use axum::extract::{FromRef, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::Utc;
use domain::{District, IncidentDraft, IncidentId, IncidentStatus, UnitId};
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, generate_route_list};
use serde_json::json;
use tokio::sync::watch;
use tower_http::trace::{DefaultMakeSpan, DefaultOnFailure, DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::engine::{EngineError, EngineHandle};
use crate::store::Store;

/// Everything a request handler may need; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub store: Store,
    pub engine: EngineHandle,
    pub map: Arc<MapData>,
    /// Turns true when the server is shutting down (websockets close).
    pub shutdown: watch::Receiver<bool>,
    /// Residents' reports per client address.
    pub reports_limiter: Arc<crate::limiter::RateLimiter>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(s: &AppState) -> Self {
        s.leptos_options.clone()
    }
}

/// The static map for pages, from the district and the rules.
pub fn map_data(d: &District, settings: &crate::engine::Settings) -> MapData {
    MapData {
        name: d.name.clone(),
        stations: d.stations.clone(),
        zones: d.zones.clone(),
        patrol_points: d.patrol_points.clone(),
        landmarks: d.landmarks.clone(),
        roads: d.roads.clone(),
        policy: settings.policy.clone(),
        travel: settings.travel.clone(),
        utc_offset_minutes: settings.utc_offset_minutes,
        // set from the config at start-up, when it names a tile server
        tiles: None,
    }
}

impl AppState {
    pub async fn incident_detail(&self, id: IncidentId) -> Result<IncidentDetail, EngineError> {
        let (incident, reporter_contact) =
            self.store.incident(id).await?.ok_or(EngineError::NotFound { what: "incident", id: id.to_string() })?;
        let timeline = self.store.timeline(id).await?;
        Ok(IncidentDetail {
            incident,
            reporter_contact,
            timeline,
            utc_offset_minutes: self.engine.shared().settings.utc_offset_minutes,
        })
    }
}

fn app_error(e: EngineError) -> AppError {
    match e {
        EngineError::Invalid(m) => AppError::Invalid(m),
        EngineError::NotFound { .. } => AppError::NotFound(e.to_string()),
        EngineError::Transition(t) => AppError::Conflict(t.to_string()),
        EngineError::Conflict(m) => AppError::Conflict(m),
        EngineError::Store(err) => {
            tracing::error!(error = %err, "store error behind a page");
            AppError::Internal
        }
        EngineError::Stopped => AppError::Unavailable,
    }
}

impl Backend for AppState {
    fn board(&self) -> BoxFuture<'_, Result<Board, AppError>> {
        Box::pin(async move {
            let (snapshot, seq) = self.engine.board().await.map_err(app_error)?;
            Ok(Board { map: (*self.map).clone(), snapshot: (*snapshot).clone(), seq, server_time: Utc::now() })
        })
    }

    fn incident(&self, id: IncidentId) -> BoxFuture<'_, Result<IncidentDetail, AppError>> {
        Box::pin(async move { self.incident_detail(id).await.map_err(app_error) })
    }

    fn recommend(&self, id: IncidentId, k: usize) -> BoxFuture<'_, Result<Vec<RecommendationView>, AppError>> {
        Box::pin(async move { self.engine.recommend(id, k, Utc::now()).map_err(app_error) })
    }

    fn create_incident(&self, draft: IncidentDraft, actor: String) -> BoxFuture<'_, Result<IncidentView, AppError>> {
        Box::pin(async move {
            let new = draft.parse().map_err(|e| AppError::Invalid(e.to_string()))?;
            self.engine.create_incident(new, actor).await.map(|(i, _)| i).map_err(app_error)
        })
    }

    fn assign(&self, id: IncidentId, unit: UnitId, actor: String) -> BoxFuture<'_, Result<IncidentView, AppError>> {
        Box::pin(async move { self.engine.assign(id, unit, actor).await.map_err(app_error) })
    }

    fn incident_status(
        &self,
        id: IncidentId,
        to: IncidentStatus,
        reason: String,
        actor: String,
    ) -> BoxFuture<'_, Result<IncidentView, AppError>> {
        Box::pin(async move {
            let reason =
                domain::Text::parse("reason", &reason, 500, false).map_err(|e| AppError::Invalid(e.to_string()))?;
            self.engine.incident_status(id, to, reason.into_string(), actor).await.map_err(app_error)
        })
    }

    fn review(&self, q: ReviewParams) -> BoxFuture<'_, Result<ReviewReport, AppError>> {
        Box::pin(async move { crate::review::report(self, &q, true).await.map_err(review_error) })
    }

    fn review_incidents(&self, q: ReviewParams) -> BoxFuture<'_, Result<IncidentList, AppError>> {
        Box::pin(async move { crate::review::incidents(self, &q, true).await.map_err(review_error) })
    }
}

fn review_error(e: crate::review::ReviewError) -> AppError {
    match e {
        crate::review::ReviewError::Invalid(m) => AppError::Invalid(m),
        crate::review::ReviewError::Store(e) => {
            tracing::error!(error = %e, "review failed");
            AppError::Internal
        }
    }
}

/// `GET /healthz`: 200 when the server and its database answer, 503 when
/// the database does not.
async fn healthz(State(state): State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(()) => (
            StatusCode::OK,
            axum::Json(json!({ "status": "ok", "database": "ok", "seq": state.engine.shared().hub.seq() })),
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, axum::Json(json!({ "status": "unavailable", "database": "unreachable" })))
                .into_response()
        }
    }
}

/// Pages, API, live stream, health and static files.
pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(app::App);
    let backend: SharedBackend = Arc::new(state.clone());
    let options = state.leptos_options.clone();
    Router::new()
        .route("/healthz", get(healthz))
        .route("/ws", get(crate::ws::handler))
        .nest("/api/v1", crate::api::router())
        .leptos_routes_with_context(
            &state,
            routes,
            move || provide_context(backend.clone()),
            move || app::shell(options.clone()),
        )
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(app::shell))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(DefaultMakeSpan::new().level(Level::DEBUG))
                .on_response(DefaultOnResponse::new().level(Level::DEBUG))
                .on_failure(DefaultOnFailure::new().level(Level::WARN)),
        )
        .with_state(state)
}
