//! The pages' backend: what the `app` crate's server functions call, for a
//! principal. Each call checks that principal against the permission table
//! for the very thing asked (the route itself was allowed by the
//! authorisation layer already), narrows what it answers to what the
//! principal may see, and records the principal as the actor of a change.

use app::backend::{Backend, BoxFuture};
use app::error::AppError;
use app::review::{IncidentList, PatrolReport, ReviewParams, ReviewReport};
use app::security::{SessionInfo, SessionView};
use app::wire::{
    AdminData, AuditPage, AuditQuery, Board, CheckInView, IncidentDetail, IncidentView, MapData, NewTokenForm,
    NewUserForm, RecommendationView, Snapshot, TokenView, UnitPage, UnitView, UserView,
};
use chrono::Utc;
use domain::access::{Permission, Principal, Role, Scope, Target};
use domain::{ChatMessageId, IncidentDraft, IncidentId, IncidentStatus, UnitId, UnitStatus};

use crate::api::ApiError;
use crate::engine::EngineError;
use crate::state::AppState;
use crate::store::time;

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

pub fn app_error(e: EngineError) -> AppError {
    match e {
        EngineError::Invalid(m) => AppError::Invalid(m),
        EngineError::NotFound { .. } => AppError::NotFound(e.to_string()),
        EngineError::Transition(t) => AppError::Conflict(t.to_string()),
        EngineError::Conflict(m) => AppError::Conflict(m),
        EngineError::Store(err) => {
            tracing::error!(error = %err, "store error behind a page");
            AppError::Internal
        }
        EngineError::Stopped | EngineError::NotLeader => AppError::Unavailable,
    }
}

/// A chat message id from a server function, checked.
fn chat_id(id: i64) -> Result<ChatMessageId, AppError> {
    ChatMessageId::from_i64(id).map_err(|e| AppError::Invalid(e.to_string()))
}

/// A point's code from a page: one that cannot be a code names no point.
fn point_code(code: &str) -> Result<domain::PointCode, AppError> {
    domain::PointCode::parse(code)
        .map_err(|_| AppError::NotFound(format!("no must-patrol point has the code {code:?}")))
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

fn forbidden(r: domain::access::Refusal) -> AppError {
    AppError::Forbidden(r.to_string())
}

fn store_error(e: crate::store::StoreError) -> AppError {
    tracing::error!(error = %e, "store error behind a page");
    AppError::Internal
}

/// The request's client address (set by the authorisation layer), for the audit log.
fn client_ip() -> String {
    leptos::prelude::use_context::<axum::http::request::Parts>()
        .and_then(|p| p.extensions.get::<crate::auth::layer::ClientIp>().map(|c| c.0.clone()))
        .unwrap_or_default()
}

/// Whether `scope` may see unit `u` on the live board.
fn sees_unit(scope: &Scope, u: &app::wire::UnitView) -> bool {
    match scope {
        Scope::All | Scope::Screen => true,
        Scope::Desk | Scope::Groups(_) => false,
        Scope::Station(own) => &u.station == own,
        Scope::Units(own) => own.binary_search(&u.id).is_ok(),
    }
}

/// A snapshot narrowed to what `scope` may see of the live board.
fn narrow(snapshot: &Snapshot, scope: &Scope) -> Snapshot {
    match scope {
        Scope::All | Scope::Screen => snapshot.clone(),
        Scope::Desk => Snapshot { units: vec![], points: vec![], filtered: true, ..snapshot.clone() },
        Scope::Station(own) => Snapshot {
            epoch: snapshot.epoch.clone(),
            units: snapshot.units.iter().filter(|u| sees_unit(scope, u)).cloned().collect(),
            incidents: snapshot.incidents.iter().filter(|i| i.station.as_ref() == Some(own)).cloned().collect(),
            figures: snapshot.figures.clone(),
            alerts: snapshot.alerts.iter().filter(|a| a.station.as_ref() == Some(own)).cloned().collect(),
            points: snapshot.points.iter().filter(|p| p.station == own.as_str()).cloned().collect(),
            filtered: true,
        },
        Scope::Units(own) => Snapshot {
            epoch: snapshot.epoch.clone(),
            units: snapshot.units.iter().filter(|u| sees_unit(scope, u)).cloned().collect(),
            incidents: snapshot
                .incidents
                .iter()
                .filter(|i| i.units.iter().any(|u| own.binary_search(u).is_ok()))
                .cloned()
                .collect(),
            figures: snapshot.figures.clone(),
            alerts: vec![],
            points: vec![],
            filtered: true,
        },
        Scope::Groups(_) => Snapshot { epoch: snapshot.epoch.clone(), filtered: true, ..Snapshot::default() },
    }
}

impl AppState {
    /// The board as `scope` may see it; `stream`: what the principal's live
    /// stream will be narrowed to (the page must know whether its sequence
    /// numbers skip events).
    async fn board_for(&self, scope: &Scope, stream: Option<&Scope>) -> Result<Board, AppError> {
        let (snapshot, seq) = self.engine.board().await.map_err(app_error)?;
        // the points as a station chief last left them
        let mut map = MapData { patrol_points: self.engine.patrol_points().to_vec(), ..(*self.map).clone() };
        match scope {
            Scope::Desk | Scope::Units(_) | Scope::Groups(_) => map.patrol_points.clear(),
            Scope::Station(own) => map.patrol_points.retain(|p| &p.station == own),
            Scope::All | Scope::Screen => {}
        }
        let mut snapshot = narrow(&snapshot, scope);
        if !matches!(stream, Some(Scope::All)) {
            snapshot.filtered = true;
        }
        Ok(Board { map, snapshot, seq, server_time: Utc::now() })
    }

    /// Who `who` is, as a page shows it.
    pub fn session_info(&self, who: &Principal) -> SessionInfo {
        let callsign = who.units.first().and_then(|u| self.engine.unit(*u)).map(|u| u.callsign);
        SessionInfo {
            name: who.name.clone(),
            role: who.role,
            station: who.station.clone(),
            home: who.home(callsign.as_deref()),
            unit: callsign,
        }
    }
}

impl Backend for AppState {
    fn session(&self, who: Option<Principal>, csrf: String) -> BoxFuture<'_, Result<SessionView, AppError>> {
        Box::pin(async move {
            Ok(SessionView {
                who: who.map(|w| self.session_info(&w)),
                csrf,
                utc_offset_minutes: self.map.utc_offset_minutes,
            })
        })
    }

    fn board(&self, who: Principal) -> BoxFuture<'_, Result<Board, AppError>> {
        Box::pin(async move {
            let scope = who.scope(Permission::ViewLive).map_err(forbidden)?;
            self.board_for(&scope, who.scope(Permission::Stream).ok().as_ref()).await
        })
    }

    fn incident(&self, who: Principal, id: IncidentId) -> BoxFuture<'_, Result<IncidentDetail, AppError>> {
        Box::pin(async move { Ok(self.incident_for(&who, id, &client_ip()).await?) })
    }

    fn recommend(
        &self,
        who: Principal,
        id: IncidentId,
        k: usize,
    ) -> BoxFuture<'_, Result<Vec<RecommendationView>, AppError>> {
        Box::pin(async move {
            who.scope(Permission::Recommend).map_err(forbidden)?;
            self.engine.recommend(id, k, Utc::now()).map_err(app_error)
        })
    }

    fn street_reach(&self, who: Principal) -> BoxFuture<'_, Result<Option<app::wire::StreetReach>, AppError>> {
        Box::pin(async move {
            let scope = who.scope(Permission::ViewLive).map_err(forbidden)?;
            let Some(street) = self.engine.street_cover() else { return Ok(None) };
            let now = Utc::now();
            let travel = &self.map.travel;
            // the units this caller may see (the live fleet, not a whole
            // snapshot of the board), and of them those that give cover
            let sources: Vec<(domain::UnitKind, domain::Coordinates)> = self
                .engine
                .units()
                .iter()
                .filter(|u| sees_unit(&scope, u))
                .filter(|u| domain::reach::gives_cover(u.kind, u.status, u.seen_at, now, travel))
                .filter_map(|u| Some((u.kind, domain::Coordinates::parse(u.lat?, u.lon?).ok()?)))
                .collect();
            let policy = self.map.policy.clone();
            let reach = tokio::task::spawn_blocking(move || street.reach(&sources, &policy))
                .await
                .map_err(|_| AppError::Internal)?;
            Ok(Some(reach))
        })
    }

    fn recommend_at(
        &self,
        who: Principal,
        lat: f64,
        lon: f64,
        k: usize,
    ) -> BoxFuture<'_, Result<Vec<RecommendationView>, AppError>> {
        Box::pin(async move {
            who.scope(Permission::Recommend).map_err(forbidden)?;
            let at = domain::Coordinates::parse(lat, lon).map_err(|e| AppError::Invalid(e.to_string()))?;
            Ok(self.engine.recommend_at(at, k, Utc::now()))
        })
    }

    fn reassign(
        &self,
        who: Principal,
        id: IncidentId,
        from: UnitId,
        to: UnitId,
    ) -> BoxFuture<'_, Result<IncidentView, AppError>> {
        Box::pin(async move {
            who.scope(Permission::Dispatch).map_err(forbidden)?;
            let old = self.engine.unit(from).ok_or_else(|| AppError::NotFound(format!("unit {from} not found")))?;
            if old.incident != Some(id) {
                return Err(AppError::Conflict(format!("{} is not on incident {id} (any more)", old.callsign)));
            }
            // the new unit first: if it was taken meanwhile, the old one stays
            let incident = self.engine.assign(id, to, who.actor()).await.map_err(app_error)?;
            let new = incident.units.iter().find(|u| **u == to).and_then(|u| self.engine.unit(*u));
            let why = format!("reassigned: {} sent instead", new.map(|u| u.callsign).unwrap_or_else(|| to.to_string()));
            self.engine.unit_status(from, UnitStatus::Available, why, who.actor()).await.map_err(app_error)?;
            self.incident_detail(id).await.map(|d| d.incident).map_err(app_error)
        })
    }

    fn create_incident(&self, who: Principal, draft: IncidentDraft) -> BoxFuture<'_, Result<IncidentView, AppError>> {
        Box::pin(async move {
            who.scope(Permission::TakeCall).map_err(forbidden)?;
            let new = draft.parse().map_err(|e| AppError::Invalid(e.to_string()))?;
            self.engine.create_incident(new, who.actor()).await.map(|(i, _)| i).map_err(app_error)
        })
    }

    fn assign(&self, who: Principal, id: IncidentId, unit: UnitId) -> BoxFuture<'_, Result<IncidentView, AppError>> {
        Box::pin(async move {
            who.scope(Permission::Dispatch).map_err(forbidden)?;
            self.engine.assign(id, unit, who.actor()).await.map_err(app_error)
        })
    }

    fn incident_status(
        &self,
        who: Principal,
        id: IncidentId,
        to: IncidentStatus,
        reason: String,
    ) -> BoxFuture<'_, Result<IncidentView, AppError>> {
        Box::pin(async move {
            let reason =
                domain::Text::parse("reason", &reason, 500, false).map_err(|e| AppError::Invalid(e.to_string()))?;
            self.may_move_incident(&who, id, to).await?;
            self.engine.incident_status(id, to, reason.into_string(), who.actor()).await.map_err(app_error)
        })
    }

    fn unit_page(&self, who: Principal, callsign: String) -> BoxFuture<'_, Result<UnitPage, AppError>> {
        Box::pin(async move {
            let callsign = callsign.trim();
            if callsign.is_empty() || callsign.chars().count() > 32 {
                return Err(AppError::Invalid("a callsign has 1 to 32 characters".into()));
            }
            let (snapshot, seq) = self.engine.board().await.map_err(app_error)?;
            let snap: &Snapshot = &snapshot;
            let unit = snap
                .units
                .iter()
                .find(|u| u.callsign == callsign)
                .ok_or_else(|| AppError::NotFound(format!("no unit has the callsign {callsign:?}")))?
                .clone();
            who.may(Permission::OfficerPage, Target::Unit { id: unit.id, station: &unit.station })
                .map_err(forbidden)?;
            let incident = unit.incident.and_then(|id| snap.incidents.iter().find(|i| i.id == id).cloned());
            let station_name =
                self.map.stations.iter().find(|s| s.code == unit.station).map(|s| s.name.clone()).unwrap_or_default();
            let points = self.patrol.points_due(&unit.station).await.map_err(store_error)?;
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

    fn unit_status(&self, who: Principal, unit: UnitId, to: UnitStatus) -> BoxFuture<'_, Result<UnitView, AppError>> {
        Box::pin(async move {
            self.unit_for(&who, Permission::UnitStatus, unit)?;
            self.engine.unit_status(unit, to, String::new(), who.actor()).await.map_err(app_error)
        })
    }

    fn check_in(
        &self,
        who: Principal,
        unit: UnitId,
        point: String,
        submitted: Option<(f64, f64)>,
        qr_token: Option<String>,
    ) -> BoxFuture<'_, Result<CheckInView, AppError>> {
        Box::pin(async move {
            self.unit_for(&who, Permission::CheckIn, unit)?;
            let submitted = submitted
                .map(|(lat, lon)| domain::Coordinates::parse(lat, lon))
                .transpose()
                .map_err(|e| AppError::Invalid(e.to_string()))?;
            self.patrol
                .check_in(unit, &point_code(&point)?, submitted, qr_token.as_deref())
                .await
                .map_err(check_in_error)
        })
    }

    fn patrol_report(
        &self,
        who: Principal,
        from: String,
        to: String,
        station: Option<String>,
    ) -> BoxFuture<'_, Result<PatrolReport, AppError>> {
        Box::pin(async move {
            who.scope(Permission::ReviewFigures).map_err(forbidden)?;
            let (from, to, station) = self
                .patrol
                .parse_report_query(Some(&from), Some(&to), station.as_deref())
                .map_err(AppError::Invalid)?;
            self.patrol.report(from, to, station.as_ref()).await.map_err(store_error)
        })
    }

    fn community_review(
        &self,
        who: Principal,
        from: String,
        to: String,
    ) -> BoxFuture<'_, Result<app::review::CommunityReview, AppError>> {
        Box::pin(async move {
            who.scope(Permission::ReviewFigures).map_err(forbidden)?;
            let clock = domain::time::LocalClock::new(self.map.utc_offset_minutes);
            let range = domain::time::DateRange::parse(Some(&from), Some(&to), clock.date(chrono::Utc::now()))
                .map_err(|e| AppError::Invalid(e.to_string()))?;
            let (from_ms, to_ms) = range.bounds(clock);
            let (from_ms, to_ms) = (from_ms.timestamp_millis(), to_ms.timestamp_millis());
            let offset_minutes = clock.offset_minutes();
            let notices = self
                .store
                .notice_months(from_ms, to_ms, offset_minutes)
                .await
                .map_err(store_error)?
                .into_iter()
                .map(|r| app::review::NoticeMonthRow {
                    month: r.month,
                    station: r.station,
                    published: r.published,
                    delivered: r.delivered,
                    failed: r.failed,
                    pending: r.pending,
                })
                .collect();
            // task progress: a chief sees their station's officers; the months the period touches
            let station = match who.scope(Permission::ManageTasks) {
                Ok(domain::access::Scope::Station(s)) => Some(s.to_string()),
                Ok(_) => None,
                Err(_) => return Ok(app::review::CommunityReview { notices, tasks: vec![] }),
            };
            let mut tasks = vec![];
            for month in domain::time::Month::spanning(&range) {
                let rows = self
                    .tasks
                    .progress(month, station.as_deref())
                    .await
                    .map_err(|e| AppError::from(crate::api::ApiError::from(e)))?;
                for (r, overdue) in rows {
                    tasks.push(app::review::TaskProgressRow {
                        month: month.to_string(),
                        overdue,
                        station: r.station,
                        unit: r.callsign,
                        total: r.total,
                        open: r.open,
                        submitted: r.submitted,
                        accepted: r.accepted,
                        returned: r.returned,
                    });
                }
            }
            Ok(app::review::CommunityReview { notices, tasks })
        })
    }

    fn point_qr(
        &self,
        who: Principal,
        code: String,
        origin: String,
    ) -> BoxFuture<'_, Result<app::wire::PointQr, AppError>> {
        Box::pin(async move {
            let code = point_code(&code)?;
            self.point_for(&who, Permission::EditPoint, &code)?;
            self.patrol.qr(&code, &self.origin_or(&origin)).await.map_err(check_in_error)
        })
    }

    fn rotate_point_token(
        &self,
        who: Principal,
        code: String,
        origin: String,
    ) -> BoxFuture<'_, Result<app::wire::PointQr, AppError>> {
        Box::pin(async move {
            let code = point_code(&code)?;
            self.point_for(&who, Permission::EditPoint, &code)?;
            self.patrol.rotate_token(&code, &self.origin_or(&origin), &who.actor()).await.map_err(check_in_error)
        })
    }

    fn point_page(&self, who: Principal, code: String) -> BoxFuture<'_, Result<app::wire::PointPage, AppError>> {
        Box::pin(async move {
            let code = point_code(&code)?;
            let p = self.patrol.find_point(&code).map_err(check_in_error)?;
            let target = Target::Station(&p.station);
            let officer_here = who.scope(Permission::CheckIn).is_ok()
                && (who.role != Role::Officer
                    || who.units.iter().any(|u| self.engine.unit(*u).is_some_and(|u| u.station == p.station)));
            if !officer_here && who.may(Permission::EditPoint, target).is_err() {
                return Err(AppError::Forbidden(format!("point {} belongs to another station", p.code)));
            }
            self.patrol.point_page(&code).await.map_err(check_in_error)
        })
    }

    fn edit_point(
        &self,
        who: Principal,
        code: String,
        edit: domain::patrol::PointEdit,
    ) -> BoxFuture<'_, Result<app::wire::PointPage, AppError>> {
        Box::pin(async move {
            let code = point_code(&code)?;
            self.point_for(&who, Permission::EditPoint, &code)?;
            self.patrol.edit(&code, &edit, &who.actor()).await.map_err(check_in_error)?;
            self.patrol.point_page(&code).await.map_err(check_in_error)
        })
    }

    fn review(&self, who: Principal, q: ReviewParams) -> BoxFuture<'_, Result<ReviewReport, AppError>> {
        Box::pin(async move {
            who.scope(Permission::ReviewFigures).map_err(forbidden)?;
            self.review.report(&q, true).await.map_err(review_error)
        })
    }

    fn review_incidents(&self, who: Principal, q: ReviewParams) -> BoxFuture<'_, Result<IncidentList, AppError>> {
        Box::pin(async move {
            let q = crate::guard::review_incidents_for(&who, q)?;
            self.review.incidents(&q, true).await.map_err(review_error)
        })
    }

    // ── the chat-group desk ──
    fn desk(&self, who: Principal) -> BoxFuture<'_, Result<app::wire::DeskData, AppError>> {
        Box::pin(async move {
            who.scope(Permission::ReadDesk).map_err(forbidden)?;
            // the desk's map shows incidents, not where the units are
            let scope = who.scope(Permission::ViewLive).unwrap_or(Scope::Desk);
            let board = self.board_for(&scope, who.scope(Permission::Stream).ok().as_ref()).await?;
            let messages = self.store.chat_messages(false, 200).await.map_err(|e| app_error(e.into()))?;
            Ok(app::wire::DeskData { board, messages })
        })
    }

    fn desk_message(&self, who: Principal, id: i64) -> BoxFuture<'_, Result<app::wire::DeskMessage, AppError>> {
        Box::pin(async move {
            who.scope(Permission::ReadDesk).map_err(forbidden)?;
            self.desk.detail(&who, chat_id(id)?, &client_ip()).await.map_err(app_error)
        })
    }

    fn desk_answer(
        &self,
        who: Principal,
        id: i64,
        disposition: domain::chat::Disposition,
        text: String,
    ) -> BoxFuture<'_, Result<app::wire::ChatMessageView, AppError>> {
        Box::pin(async move {
            who.scope(Permission::AnswerChat).map_err(forbidden)?;
            self.desk.answer(chat_id(id)?, &who.actor(), disposition, Some(&text)).await.map_err(app_error)
        })
    }

    fn desk_convert(
        &self,
        who: Principal,
        id: i64,
        form: app::wire::ConvertForm,
    ) -> BoxFuture<'_, Result<IncidentView, AppError>> {
        Box::pin(async move {
            who.scope(Permission::AnswerChat).map_err(forbidden)?;
            self.desk.convert(chat_id(id)?, &who.actor(), form).await.map(|(_, i)| i).map_err(app_error)
        })
    }

    fn desk_close(
        &self,
        who: Principal,
        id: i64,
        text: String,
    ) -> BoxFuture<'_, Result<app::wire::ChatMessageView, AppError>> {
        Box::pin(async move {
            who.scope(Permission::AnswerChat).map_err(forbidden)?;
            self.desk.close(chat_id(id)?, &who.actor(), &text).await.map_err(app_error)
        })
    }

    fn desk_review(
        &self,
        who: Principal,
        from: String,
        to: String,
    ) -> BoxFuture<'_, Result<app::wire::DeskReview, AppError>> {
        Box::pin(async move {
            who.scope(Permission::ReviewFigures).map_err(forbidden)?;
            let f = Some(from.as_str()).filter(|s| !s.trim().is_empty());
            let t = Some(to.as_str()).filter(|s| !s.trim().is_empty());
            self.desk.review(f, t).await.map_err(app_error)
        })
    }

    fn report_form(&self) -> BoxFuture<'_, Result<app::report::ReportFormPage, AppError>> {
        Box::pin(async move {
            // the public layers only: no patrol points, no tile server of
            // the police network, and (below) no units or incidents at all
            let map = MapData { patrol_points: vec![], places: vec![], tiles: None, ..(*self.map).clone() };
            Ok(app::report::ReportFormPage {
                map,
                places: self.reports.public_places(),
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
                    station: s.station,
                }),
                Ok(None) => Err(AppError::NotFound(format!("no report with tracking code {code}"))),
                Err(e) => Err(store_error(e)),
            }
        })
    }

    // ── administration ──
    fn admin(&self, who: Principal) -> BoxFuture<'_, Result<AdminData, AppError>> {
        Box::pin(async move {
            who.scope(Permission::Administer).map_err(forbidden)?;
            Ok(self.admin_data().await?)
        })
    }

    fn admin_audit(&self, who: Principal, q: AuditQuery) -> BoxFuture<'_, Result<AuditPage, AppError>> {
        Box::pin(async move {
            who.scope(Permission::Administer).map_err(forbidden)?;
            Ok(crate::api::audit_page(self, &q, 100).await?)
        })
    }

    fn admin_add_user(&self, who: Principal, form: NewUserForm) -> BoxFuture<'_, Result<String, AppError>> {
        Box::pin(async move {
            who.scope(Permission::Administer).map_err(forbidden)?;
            let role: Role =
                form.role.trim().parse().map_err(|e: domain::UnknownName| AppError::Invalid(e.to_string()))?;
            let station = Some(form.station.as_str()).filter(|s| !s.trim().is_empty());
            let unit = Some(form.unit.as_str()).filter(|s| !s.trim().is_empty());
            let account = crate::auth::NewAccount {
                name: &form.name,
                role,
                station,
                unit,
                password: &form.password,
                demo: false,
            };
            self.auth.add_user(&who.actor(), &account).await.map_err(ApiError::from)?;
            Ok(format!("account {} made", form.name.trim()))
        })
    }

    fn admin_user(
        &self,
        who: Principal,
        id: i64,
        action: String,
        password: String,
    ) -> BoxFuture<'_, Result<String, AppError>> {
        Box::pin(async move {
            who.scope(Permission::Administer).map_err(forbidden)?;
            let ip = client_ip();
            let r = match action.as_str() {
                "unlock" => self.auth.unlock(&who, id, &ip).await.map(|_| "unlocked"),
                "disable" => self.auth.set_disabled(&who, id, true, &ip).await.map(|_| "disabled"),
                "enable" => self.auth.set_disabled(&who, id, false, &ip).await.map(|_| "enabled"),
                "password" => {
                    self.auth.set_password(&who.actor(), id, &password, &ip).await.map(|_| "given a new password")
                }
                other => {
                    return Err(AppError::Invalid(format!(
                        "unknown action {:?}; expected unlock, disable, enable or password",
                        other.chars().take(20).collect::<String>()
                    )));
                }
            };
            let done = r.map_err(ApiError::from)?;
            Ok(format!("account {id} {done}"))
        })
    }

    fn admin_add_token(&self, who: Principal, form: NewTokenForm) -> BoxFuture<'_, Result<String, AppError>> {
        Box::pin(async move {
            who.scope(Permission::Administer).map_err(forbidden)?;
            let role: Role =
                form.role.trim().parse().map_err(|e: domain::UnknownName| AppError::Invalid(e.to_string()))?;
            let split = |s: &str| -> Vec<String> {
                s.split([' ', ',', '，', '\n']).filter(|x| !x.trim().is_empty()).map(|x| x.trim().to_owned()).collect()
            };
            let (_, token) = self
                .auth
                .add_token(&who.actor(), &form.name, role, &split(&form.units), &split(&form.groups), None)
                .await
                .map_err(ApiError::from)?;
            Ok(token)
        })
    }

    fn admin_revoke_token(&self, who: Principal, id: i64) -> BoxFuture<'_, Result<String, AppError>> {
        Box::pin(async move {
            who.scope(Permission::Administer).map_err(forbidden)?;
            self.auth.revoke_token(&who, id, &client_ip()).await.map_err(ApiError::from)?;
            Ok(format!("token {id} revoked"))
        })
    }
}

impl AppState {
    /// Accounts and tokens as the admin page lists them.
    pub async fn admin_data(&self) -> Result<AdminData, ApiError> {
        let policy = self.auth.policy().clone();
        let sessions: std::collections::HashMap<i64, i64> = self.store.open_sessions().await?.into_iter().collect();
        let callsign = |id: i64| self.engine.unit(UnitId(id)).map(|u| u.callsign);
        let users = self
            .store
            .users()
            .await?
            .into_iter()
            .map(|u| {
                let locked_at = u.locked_at.map(time);
                let lock = policy.lock(
                    &domain::login::Failures {
                        count: u32::try_from(u.failed_count).unwrap_or(0),
                        since: u.failed_since.map(time),
                        locked_at,
                    },
                    Utc::now(),
                );
                UserView {
                    id: u.id,
                    name: u.name.clone(),
                    role: u.role.parse().unwrap_or(Role::Officer),
                    station: u.station.as_deref().and_then(|s| domain::StationCode::parse(s).ok()),
                    unit: u.unit_id.and_then(callsign),
                    demo: u.demo,
                    created_at: time(u.created_at),
                    created_by: u.created_by.clone(),
                    last_login_at: u.last_login_at.map(time),
                    failed_count: u32::try_from(u.failed_count).unwrap_or(0),
                    locked_at: lock.map(|l| l.since),
                    locked_until: lock.and_then(|l| l.until),
                    disabled_at: u.disabled_at.map(time),
                    disabled_why: u.disabled_why.clone(),
                    sessions: u32::try_from(sessions.get(&u.id).copied().unwrap_or(0)).unwrap_or(0),
                }
            })
            .collect();
        let tokens = self
            .store
            .tokens()
            .await?
            .into_iter()
            .map(|k| TokenView {
                id: k.id,
                name: k.name.clone(),
                role: k.role.parse().unwrap_or(Role::Kiosk),
                hint: k.hint.clone(),
                units: k.unit_ids().into_iter().filter_map(callsign).collect(),
                groups: k.group_ids(),
                demo: k.demo,
                created_at: time(k.created_at),
                created_by: k.created_by.clone(),
                revoked_at: k.revoked_at.map(time),
                last_used_at: k.last_used_at.map(time),
            })
            .collect();
        let mut callsigns: Vec<String> = self.engine.units().into_iter().map(|u| u.callsign).collect();
        callsigns.sort();
        Ok(AdminData {
            users,
            tokens,
            stations: self.map.stations.iter().map(|s| (s.code.clone(), s.name.clone())).collect(),
            callsigns,
            utc_offset_minutes: self.map.utc_offset_minutes,
        })
    }
}
