//! What the pages need from the server, as a trait the server crate
//! implements. The server functions below call it through context, so the
//! same engine serves a page whether it is rendered on the server or called
//! from the browser, and `app` never depends on the server's internals.
//!
//! Every call names who makes it (`who`: the principal the server's
//! authorisation layer established for the request). The server checks it
//! against the permission table for the very thing asked for (this
//! incident's station, this unit) and records it as the actor of any change.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use domain::access::Principal;
use domain::{IncidentDraft, IncidentId, IncidentStatus, UnitId, UnitStatus};

use crate::error::AppError;
use crate::review::{IncidentList, PatrolReport, ReviewParams, ReviewReport};
use crate::security::SessionView;
use crate::wire::{
    AdminData, AuditPage, AuditQuery, Board, CheckInView, IncidentDetail, IncidentView, NewTokenForm, NewUserForm,
    PointPage, PointQr, RecommendationView, UnitPage, UnitView,
};

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

pub trait Backend: Send + Sync + 'static {
    /// Who is logged in (anyone may ask about themselves), and the form token.
    fn session(&self, who: Option<Principal>, csrf: String) -> BoxFuture<'_, Result<SessionView, AppError>>;
    /// The map and a snapshot of everything live (narrowed to what `who` may see).
    fn board(&self, who: Principal) -> BoxFuture<'_, Result<Board, AppError>>;
    /// One incident; the reporter's contact and photos only for those who
    /// may see them (and every such view is audited).
    fn incident(&self, who: Principal, id: IncidentId) -> BoxFuture<'_, Result<IncidentDetail, AppError>>;
    fn recommend(
        &self,
        who: Principal,
        id: IncidentId,
        k: usize,
    ) -> BoxFuture<'_, Result<Vec<RecommendationView>, AppError>>;
    /// Reach along streets now (`None` when ETAs are not routed).
    fn street_reach(&self, who: Principal) -> BoxFuture<'_, Result<Option<crate::wire::StreetReach>, AppError>>;
    /// The best units for a point, before any incident exists there.
    fn recommend_at(
        &self,
        who: Principal,
        lat: f64,
        lon: f64,
        k: usize,
    ) -> BoxFuture<'_, Result<Vec<RecommendationView>, AppError>>;
    /// Sends `to` to the incident in place of `from`, which becomes available
    /// again; when `to` cannot be sent (taken meanwhile), nothing changes.
    fn reassign(
        &self,
        who: Principal,
        id: IncidentId,
        from: UnitId,
        to: UnitId,
    ) -> BoxFuture<'_, Result<IncidentView, AppError>>;
    fn create_incident(&self, who: Principal, draft: IncidentDraft) -> BoxFuture<'_, Result<IncidentView, AppError>>;
    fn assign(&self, who: Principal, id: IncidentId, unit: UnitId) -> BoxFuture<'_, Result<IncidentView, AppError>>;
    fn incident_status(
        &self,
        who: Principal,
        id: IncidentId,
        to: IncidentStatus,
        reason: String,
    ) -> BoxFuture<'_, Result<IncidentView, AppError>>;
    /// An officer's phone page: the unit by callsign and the incident it works.
    fn unit_page(&self, who: Principal, callsign: String) -> BoxFuture<'_, Result<UnitPage, AppError>>;
    /// Moves a unit along its status machine (not to `dispatched`: that is an assignment).
    fn unit_status(&self, who: Principal, unit: UnitId, to: UnitStatus) -> BoxFuture<'_, Result<UnitView, AppError>>;
    /// Checks a unit in at a must-patrol point (`submitted`: the phone's
    /// own position); a refusal comes back as `Conflict` with its reason.
    fn check_in(
        &self,
        who: Principal,
        unit: UnitId,
        point: String,
        submitted: Option<(f64, f64)>,
        qr_token: Option<String>,
    ) -> BoxFuture<'_, Result<CheckInView, AppError>>;
    /// Patrol compliance from `from` to `to` (dates; empty: the last 30
    /// days ending yesterday), optionally for one station.
    fn patrol_report(
        &self,
        who: Principal,
        from: String,
        to: String,
        station: Option<String>,
    ) -> BoxFuture<'_, Result<PatrolReport, AppError>>;
    /// Notices per month and station, and the monthly tasks' progress, for
    /// the review's period (dates).
    fn community_review(
        &self,
        who: Principal,
        from: String,
        to: String,
    ) -> BoxFuture<'_, Result<crate::review::CommunityReview, AppError>>;
    /// A point's printable QR code, for check-ins on `origin` (scheme and host).
    fn point_qr(&self, who: Principal, code: String, origin: String) -> BoxFuture<'_, Result<PointQr, AppError>>;
    /// A new secret for a point's QR code (the printed one stops working).
    fn rotate_point_token(
        &self,
        who: Principal,
        code: String,
        origin: String,
    ) -> BoxFuture<'_, Result<PointQr, AppError>>;
    /// What the page behind a point's QR code shows.
    fn point_page(&self, who: Principal, code: String) -> BoxFuture<'_, Result<PointPage, AppError>>;
    /// A station chief's change to a point; answers the point's page.
    fn edit_point(
        &self,
        who: Principal,
        code: String,
        edit: domain::patrol::PointEdit,
    ) -> BoxFuture<'_, Result<PointPage, AppError>>;
    /// The review of a selection (the last 30 days when no dates are given).
    fn review(&self, who: Principal, q: ReviewParams) -> BoxFuture<'_, Result<ReviewReport, AppError>>;
    /// A page of the incidents behind a review figure.
    fn review_incidents(&self, who: Principal, q: ReviewParams) -> BoxFuture<'_, Result<IncidentList, AppError>>;

    // ── the chat-group desk ──
    /// The live board and the latest chat messages, newest first.
    fn desk(&self, who: Principal) -> BoxFuture<'_, Result<crate::wire::DeskData, AppError>>;
    /// One message as the steward works on it (with the sender's phone; audited).
    fn desk_message(&self, who: Principal, id: i64) -> BoxFuture<'_, Result<crate::wire::DeskMessage, AppError>>;
    /// The first answer (`replied`, `consultation`, `not_police`).
    fn desk_answer(
        &self,
        who: Principal,
        id: i64,
        disposition: domain::chat::Disposition,
        text: String,
    ) -> BoxFuture<'_, Result<crate::wire::ChatMessageView, AppError>>;
    /// Turns a message into an incident.
    fn desk_convert(
        &self,
        who: Principal,
        id: i64,
        form: crate::wire::ConvertForm,
    ) -> BoxFuture<'_, Result<IncidentView, AppError>>;
    /// The closing reply once the incident is resolved.
    fn desk_close(
        &self,
        who: Principal,
        id: i64,
        text: String,
    ) -> BoxFuture<'_, Result<crate::wire::ChatMessageView, AppError>>;
    /// The desk's figures for local dates `from..=to` (empty: the last 30 days).
    fn desk_review(
        &self,
        who: Principal,
        from: String,
        to: String,
    ) -> BoxFuture<'_, Result<crate::wire::DeskReview, AppError>>;

    // ── residents' reports (public pages): only what a resident may see ──
    /// The report form's public map and places (no units, incidents or
    /// patrol points).
    fn report_form(&self) -> BoxFuture<'_, Result<crate::report::ReportFormPage, AppError>>;
    /// The stage of the report with this tracking code (already canonical).
    fn report_track(&self, code: String) -> BoxFuture<'_, Result<crate::report::ReportTrack, AppError>>;

    // ── administration ──
    /// Accounts and tokens.
    fn admin(&self, who: Principal) -> BoxFuture<'_, Result<AdminData, AppError>>;
    /// A page of the audit log.
    fn admin_audit(&self, who: Principal, q: AuditQuery) -> BoxFuture<'_, Result<AuditPage, AppError>>;
    fn admin_add_user(&self, who: Principal, form: NewUserForm) -> BoxFuture<'_, Result<String, AppError>>;
    /// `action`: unlock, disable, enable, or password (with `password`).
    fn admin_user(
        &self,
        who: Principal,
        id: i64,
        action: String,
        password: String,
    ) -> BoxFuture<'_, Result<String, AppError>>;
    /// Makes a token; answers it (shown once).
    fn admin_add_token(&self, who: Principal, form: NewTokenForm) -> BoxFuture<'_, Result<String, AppError>>;
    fn admin_revoke_token(&self, who: Principal, id: i64) -> BoxFuture<'_, Result<String, AppError>>;
}

/// The backend as the server provides it in context.
pub type SharedBackend = Arc<dyn Backend>;

/// The backend from the request's context.
pub fn backend() -> Result<SharedBackend, AppError> {
    leptos::prelude::use_context::<SharedBackend>().ok_or(AppError::Internal)
}
