//! The web application: shared state, the pages' backend, and the router
//! that puts pages, API, live stream and static files together.

use std::sync::Arc;

use app::backend::{Backend, BoxFuture, SharedBackend};
use app::error::AppError;
use app::review::{IncidentList, PatrolReport, ReviewParams, ReviewReport};
use app::wire::{Board, CheckInView, IncidentDetail, IncidentView, MapData, RecommendationView, UnitPage, UnitView};
use axum::Router;
use axum::extract::{FromRef, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::Utc;
use domain::{District, IncidentDraft, IncidentId, IncidentStatus, UnitId, UnitStatus};
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
    /// The chat-group desk: triage rules, webhooks, the delivery task's wake-up.
    pub desk: Arc<crate::desk::Desk>,
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
        places: places(d),
        // set from the config at start-up, when it names a tile server
        tiles: None,
    }
}

/// The places a dispatcher can search: landmarks (with the initials the
/// district data gives, or computed) and must-patrol points.
fn places(d: &District) -> Vec<app::wire::Place> {
    let landmarks = d.landmarks.iter().map(|l| app::wire::Place {
        name: l.name.clone(),
        name_en: l.name_en.clone(),
        initials: if l.initials.is_empty() { initials(&l.name) } else { l.initials.to_lowercase() },
        lat: l.at.lat(),
        lon: l.at.lon(),
    });
    let points = d.patrol_points.iter().map(|p| app::wire::Place {
        name: p.name.clone(),
        name_en: p.code.clone(),
        initials: initials(&p.name),
        lat: p.at.lat(),
        lon: p.at.lon(),
    });
    landmarks.chain(points).collect()
}

/// Pinyin initials of a Chinese name ("金山广场东门" → "jsgcdm"); letters and
/// digits are kept as they are, lower case.
pub fn initials(name: &str) -> String {
    use pinyin::ToPinyin;
    name.chars()
        .filter_map(|c| match c.to_pinyin() {
            Some(p) => p.first_letter().chars().next(),
            None if c.is_ascii_alphanumeric() => Some(c.to_ascii_lowercase()),
            None => None,
        })
        .collect()
}

impl AppState {
    pub async fn incident_detail(&self, id: IncidentId) -> Result<IncidentDetail, EngineError> {
        let (incident, reporter_contact) =
            self.store.incident(id).await?.ok_or(EngineError::NotFound { what: "incident", id: id.to_string() })?;
        let timeline = self.store.timeline(id).await?;
        let photos = self.store.photos_of(id).await?;
        Ok(IncidentDetail {
            incident,
            reporter_contact,
            timeline,
            utc_offset_minutes: self.engine.shared().settings.utc_offset_minutes,
            photos,
        })
    }
}

fn check_in_error(e: crate::patrol::CheckInError) -> AppError {
    use crate::patrol::CheckInError;
    match e {
        CheckInError::NotFound(m) => AppError::NotFound(m),
        CheckInError::Refused(r) => AppError::Conflict(r.to_string()),
        CheckInError::Store(err) => {
            tracing::error!(error = %err, "store error behind a page");
            AppError::Internal
        }
        CheckInError::Engine(err) => app_error(err),
        CheckInError::Edit(err) => AppError::Invalid(err.to_string()),
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
            // the points as a station chief last left them
            let map = MapData { patrol_points: self.engine.patrol_points().to_vec(), ..(*self.map).clone() };
            Ok(Board { map, snapshot: (*snapshot).clone(), seq, server_time: Utc::now() })
        })
    }

    fn incident(&self, id: IncidentId) -> BoxFuture<'_, Result<IncidentDetail, AppError>> {
        Box::pin(async move { self.incident_detail(id).await.map_err(app_error) })
    }

    fn recommend(&self, id: IncidentId, k: usize) -> BoxFuture<'_, Result<Vec<RecommendationView>, AppError>> {
        Box::pin(async move { self.engine.recommend(id, k, Utc::now()).map_err(app_error) })
    }

    fn recommend_at(&self, lat: f64, lon: f64, k: usize) -> BoxFuture<'_, Result<Vec<RecommendationView>, AppError>> {
        Box::pin(async move {
            let at = domain::Coordinates::parse(lat, lon).map_err(|e| AppError::Invalid(e.to_string()))?;
            Ok(self.engine.recommend_at(at, k, Utc::now()))
        })
    }

    fn reassign(
        &self,
        id: IncidentId,
        from: UnitId,
        to: UnitId,
        actor: String,
    ) -> BoxFuture<'_, Result<IncidentView, AppError>> {
        Box::pin(async move {
            let old = self.engine.unit(from).ok_or_else(|| AppError::NotFound(format!("unit {from} not found")))?;
            if old.incident != Some(id) {
                return Err(AppError::Conflict(format!("{} is not on incident {id} (any more)", old.callsign)));
            }
            // the new unit first: if it was taken meanwhile, the old one stays
            let incident = self.engine.assign(id, to, actor.clone()).await.map_err(app_error)?;
            let new = incident.units.iter().find(|u| **u == to).and_then(|u| self.engine.unit(*u));
            let why = format!("reassigned: {} sent instead", new.map(|u| u.callsign).unwrap_or_else(|| to.to_string()));
            self.engine.unit_status(from, UnitStatus::Available, why, actor).await.map_err(app_error)?;
            self.incident_detail(id).await.map(|d| d.incident).map_err(app_error)
        })
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

    fn unit_page(&self, callsign: String) -> BoxFuture<'_, Result<UnitPage, AppError>> {
        Box::pin(async move {
            let callsign = callsign.trim();
            if callsign.is_empty() || callsign.chars().count() > 32 {
                return Err(AppError::Invalid("a callsign has 1 to 32 characters".into()));
            }
            let (snapshot, seq) = self.engine.board().await.map_err(app_error)?;
            let snap: &app::wire::Snapshot = &snapshot;
            let unit = snap
                .units
                .iter()
                .find(|u| u.callsign == callsign)
                .ok_or_else(|| AppError::NotFound(format!("no unit has the callsign {callsign:?}")))?
                .clone();
            let incident = unit.incident.and_then(|id| snap.incidents.iter().find(|i| i.id == id).cloned());
            let station_name =
                self.map.stations.iter().find(|s| s.code == unit.station).map(|s| s.name.clone()).unwrap_or_default();
            let points = crate::patrol::points_due(self, &unit.station).await.map_err(|e| {
                tracing::error!(error = %e, "store error behind a page");
                AppError::Internal
            })?;
            Ok(UnitPage {
                points,
                unit,
                station_name,
                incident,
                seq,
                epoch: snap.epoch.clone(),
                server_time: Utc::now(),
                utc_offset_minutes: self.map.utc_offset_minutes,
            })
        })
    }

    fn unit_status(&self, unit: UnitId, to: UnitStatus, actor: String) -> BoxFuture<'_, Result<UnitView, AppError>> {
        Box::pin(async move { self.engine.unit_status(unit, to, String::new(), actor).await.map_err(app_error) })
    }

    fn check_in(
        &self,
        unit: UnitId,
        point: String,
        submitted: Option<(f64, f64)>,
        qr_token: Option<String>,
    ) -> BoxFuture<'_, Result<CheckInView, AppError>> {
        Box::pin(async move {
            let submitted = submitted
                .map(|(lat, lon)| domain::Coordinates::parse(lat, lon))
                .transpose()
                .map_err(|e| AppError::Invalid(e.to_string()))?;
            crate::patrol::check_in(self, unit, &point, submitted, qr_token.as_deref()).await.map_err(check_in_error)
        })
    }

    fn patrol_report(
        &self,
        from: String,
        to: String,
        station: Option<String>,
    ) -> BoxFuture<'_, Result<PatrolReport, AppError>> {
        Box::pin(async move {
            let (from, to, station) =
                crate::patrol::parse_report_query(self, Some(&from), Some(&to), station.as_deref())
                    .map_err(AppError::Invalid)?;
            crate::patrol::report(self, from, to, station.as_ref()).await.map_err(|e| {
                tracing::error!(error = %e, "store error behind a page");
                AppError::Internal
            })
        })
    }

    fn point_qr(&self, code: String, origin: String) -> BoxFuture<'_, Result<app::wire::PointQr, AppError>> {
        Box::pin(async move { crate::patrol::qr(self, &code, &origin).await.map_err(check_in_error) })
    }

    fn point_page(&self, code: String) -> BoxFuture<'_, Result<app::wire::PointPage, AppError>> {
        Box::pin(async move { crate::patrol::point_page(self, &code).await.map_err(check_in_error) })
    }

    fn edit_point(
        &self,
        code: String,
        edit: domain::patrol::PointEdit,
        by: String,
    ) -> BoxFuture<'_, Result<app::wire::PointPage, AppError>> {
        Box::pin(async move {
            crate::patrol::edit(self, &code, &edit, &by).await.map_err(check_in_error)?;
            crate::patrol::point_page(self, &code).await.map_err(check_in_error)
        })
    }

    fn review(&self, q: ReviewParams) -> BoxFuture<'_, Result<ReviewReport, AppError>> {
        Box::pin(async move { crate::review::report(self, &q, true).await.map_err(review_error) })
    }

    fn review_incidents(&self, q: ReviewParams) -> BoxFuture<'_, Result<IncidentList, AppError>> {
        Box::pin(async move { crate::review::incidents(self, &q, true).await.map_err(review_error) })
    }

    // ── the chat-group desk ──
    fn desk(&self) -> BoxFuture<'_, Result<app::wire::DeskData, AppError>> {
        Box::pin(async move {
            let board = self.board().await?;
            let messages = self.store.chat_messages(false, 200).await.map_err(|e| app_error(e.into()))?;
            Ok(app::wire::DeskData { board, messages })
        })
    }

    fn desk_message(&self, id: i64) -> BoxFuture<'_, Result<app::wire::DeskMessage, AppError>> {
        Box::pin(async move { crate::desk::detail(self, id).await.map_err(app_error) })
    }

    fn desk_answer(
        &self,
        id: i64,
        steward: String,
        disposition: domain::chat::Disposition,
        text: String,
    ) -> BoxFuture<'_, Result<app::wire::ChatMessageView, AppError>> {
        Box::pin(
            async move { crate::desk::answer(self, id, &steward, disposition, Some(&text)).await.map_err(app_error) },
        )
    }

    fn desk_convert(
        &self,
        id: i64,
        steward: String,
        form: app::wire::ConvertForm,
    ) -> BoxFuture<'_, Result<IncidentView, AppError>> {
        Box::pin(async move { crate::desk::convert(self, id, &steward, form).await.map(|(_, i)| i).map_err(app_error) })
    }

    fn desk_close(
        &self,
        id: i64,
        steward: String,
        text: String,
    ) -> BoxFuture<'_, Result<app::wire::ChatMessageView, AppError>> {
        Box::pin(async move { crate::desk::close(self, id, &steward, &text).await.map_err(app_error) })
    }

    fn desk_review(&self, from: String, to: String) -> BoxFuture<'_, Result<app::wire::DeskReview, AppError>> {
        Box::pin(async move {
            let f = Some(from.as_str()).filter(|s| !s.trim().is_empty());
            let t = Some(to.as_str()).filter(|s| !s.trim().is_empty());
            crate::desk::review(self, f, t).await.map_err(app_error)
        })
    }

    fn report_form(&self) -> BoxFuture<'_, Result<app::report::ReportFormPage, AppError>> {
        Box::pin(async move {
            // the public layers only: no patrol points, no tile server of
            // the police network, and (below) no units or incidents at all
            let map = MapData { patrol_points: vec![], places: vec![], tiles: None, ..(*self.map).clone() };
            Ok(app::report::ReportFormPage {
                map,
                places: crate::report::public_places(self),
                posted: None,
                server_time: Utc::now(),
            })
        })
    }

    fn report_track(&self, code: String) -> BoxFuture<'_, Result<app::report::ReportTrack, AppError>> {
        Box::pin(async move {
            match self.store.report_status(&code).await {
                Ok(Some(s)) => Ok(app::report::ReportTrack {
                    code: s.code,
                    stage: s.stage,
                    received_at: s.received_at,
                    utc_offset_minutes: self.map.utc_offset_minutes,
                }),
                Ok(None) => Err(AppError::NotFound(format!("no report with tracking code {code}"))),
                Err(e) => {
                    tracing::error!(error = %e, "store error behind a page");
                    Err(AppError::Internal)
                }
            }
        })
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
        // residents' reports: the form posts here (GET /report is the page)
        .route(
            "/report",
            axum::routing::post(crate::report::form_post)
                .layer(axum::extract::DefaultBodyLimit::max(crate::report::FORM_BODY_LIMIT)),
        )
        .route("/dispatch/photo/{id}", get(crate::report::photo))
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

#[cfg(test)]
mod tests {
    #[test]
    fn initials_of_chinese_names() {
        assert_eq!(super::initials("金山广场东门"), "jsgcdm");
        assert_eq!(super::initials("临桂区人民医院"), "lgqrmyy");
        assert_eq!(super::initials("万达广场 B2 出口"), "wdgcb2ck");
    }
}
