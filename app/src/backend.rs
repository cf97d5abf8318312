//! What the pages need from the server, as a trait the server crate
//! implements. The server functions below call it through context, so the
//! same engine serves a page whether it is rendered on the server or called
//! from the browser, and `app` never depends on the server's internals.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use domain::{IncidentDraft, IncidentId, IncidentStatus, UnitId, UnitStatus};

use crate::error::AppError;
use crate::review::{IncidentList, PatrolReport, ReviewParams, ReviewReport};
use crate::wire::{
    Board, CheckInView, IncidentDetail, IncidentView, PointPage, PointQr, RecommendationView, UnitPage, UnitView,
};

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Who did something, for the status log ("dispatcher", "api", a callsign).
pub type Actor = String;

pub trait Backend: Send + Sync + 'static {
    /// The map and a snapshot of everything live.
    fn board(&self) -> BoxFuture<'_, Result<Board, AppError>>;
    fn incident(&self, id: IncidentId) -> BoxFuture<'_, Result<IncidentDetail, AppError>>;
    fn recommend(&self, id: IncidentId, k: usize) -> BoxFuture<'_, Result<Vec<RecommendationView>, AppError>>;
    /// The best units for a point, before any incident exists there.
    fn recommend_at(&self, lat: f64, lon: f64, k: usize) -> BoxFuture<'_, Result<Vec<RecommendationView>, AppError>>;
    /// Sends `to` to the incident in place of `from`, which becomes available
    /// again; when `to` cannot be sent (taken meanwhile), nothing changes.
    fn reassign(
        &self,
        id: IncidentId,
        from: UnitId,
        to: UnitId,
        actor: Actor,
    ) -> BoxFuture<'_, Result<IncidentView, AppError>>;
    fn create_incident(&self, draft: IncidentDraft, actor: Actor) -> BoxFuture<'_, Result<IncidentView, AppError>>;
    fn assign(&self, id: IncidentId, unit: UnitId, actor: Actor) -> BoxFuture<'_, Result<IncidentView, AppError>>;
    fn incident_status(
        &self,
        id: IncidentId,
        to: IncidentStatus,
        reason: String,
        actor: Actor,
    ) -> BoxFuture<'_, Result<IncidentView, AppError>>;
    /// An officer's phone page: the unit by callsign and the incident it works.
    fn unit_page(&self, callsign: String) -> BoxFuture<'_, Result<UnitPage, AppError>>;
    /// Moves a unit along its status machine (not to `dispatched`: that is an assignment).
    fn unit_status(&self, unit: UnitId, to: UnitStatus, actor: Actor) -> BoxFuture<'_, Result<UnitView, AppError>>;
    /// Checks a unit in at a must-patrol point (`submitted`: the phone's
    /// own position); a refusal comes back as `Conflict` with its reason.
    fn check_in(
        &self,
        unit: UnitId,
        point: String,
        submitted: Option<(f64, f64)>,
        qr_token: Option<String>,
    ) -> BoxFuture<'_, Result<CheckInView, AppError>>;
    /// Patrol compliance from `from` to `to` (dates; empty: the last 30
    /// days ending yesterday), optionally for one station.
    fn patrol_report(
        &self,
        from: String,
        to: String,
        station: Option<String>,
    ) -> BoxFuture<'_, Result<PatrolReport, AppError>>;
    /// A point's printable QR code, for check-ins on `origin` (scheme and host).
    fn point_qr(&self, code: String, origin: String) -> BoxFuture<'_, Result<PointQr, AppError>>;
    /// What the page behind a point's QR code shows.
    fn point_page(&self, code: String) -> BoxFuture<'_, Result<PointPage, AppError>>;
    /// A station chief's change to a point, by `by`; answers the point's page.
    fn edit_point(
        &self,
        code: String,
        edit: domain::patrol::PointEdit,
        by: String,
    ) -> BoxFuture<'_, Result<PointPage, AppError>>;
    /// The review of a selection (the last 30 days when no dates are given).
    fn review(&self, q: ReviewParams) -> BoxFuture<'_, Result<ReviewReport, AppError>>;
    /// A page of the incidents behind a review figure.
    fn review_incidents(&self, q: ReviewParams) -> BoxFuture<'_, Result<IncidentList, AppError>>;

    // ── the chat-group desk ──
    /// The live board and the latest chat messages, newest first.
    fn desk(&self) -> BoxFuture<'_, Result<crate::wire::DeskData, AppError>>;
    /// One message as the steward works on it (with the sender's phone).
    fn desk_message(&self, id: i64) -> BoxFuture<'_, Result<crate::wire::DeskMessage, AppError>>;
    /// The first answer (`replied`, `consultation`, `not_police`).
    fn desk_answer(
        &self,
        id: i64,
        steward: String,
        disposition: domain::chat::Disposition,
        text: String,
    ) -> BoxFuture<'_, Result<crate::wire::ChatMessageView, AppError>>;
    /// Turns a message into an incident.
    fn desk_convert(
        &self,
        id: i64,
        steward: String,
        form: crate::wire::ConvertForm,
    ) -> BoxFuture<'_, Result<IncidentView, AppError>>;
    /// The closing reply once the incident is resolved.
    fn desk_close(
        &self,
        id: i64,
        steward: String,
        text: String,
    ) -> BoxFuture<'_, Result<crate::wire::ChatMessageView, AppError>>;
    /// The desk's figures for local dates `from..=to` (empty: the last 30 days).
    fn desk_review(&self, from: String, to: String) -> BoxFuture<'_, Result<crate::wire::DeskReview, AppError>>;
    // Residents' reports (public pages): only what a resident may see.
    /// The report form's public map and places (no units, incidents or
    /// patrol points).
    fn report_form(&self) -> BoxFuture<'_, Result<crate::report::ReportFormPage, AppError>>;
    /// The stage of the report with this tracking code (already canonical).
    fn report_track(&self, code: String) -> BoxFuture<'_, Result<crate::report::ReportTrack, AppError>>;
}

/// The backend as the server provides it in context.
pub type SharedBackend = Arc<dyn Backend>;

/// The backend from the request's context.
pub fn backend() -> Result<SharedBackend, AppError> {
    leptos::prelude::use_context::<SharedBackend>().ok_or(AppError::Internal)
}
