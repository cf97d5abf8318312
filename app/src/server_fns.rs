//! Server functions: how the pages read and write. Devices and other systems
//! use the REST API instead; both end in the same engine.

use leptos::prelude::*;

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::security::caller;
use crate::wire::{
    Board, CheckInView, IncidentDetail, IncidentView, IntakeForm, RecommendationView, UnitPage, UnitView,
};

/// Who is logged in, and the token the page's forms carry (anyone may ask).
#[server(prefix = "/sf", endpoint = "session")]
pub async fn get_session() -> Result<crate::security::SessionView, AppError> {
    let who = caller().ok();
    crate::backend::backend()?.session(who, crate::security::csrf_token()).await
}

/// A person's keystroke or click: their session's idle time starts again
/// (the authorisation layer does that for every request that is not
/// background; this one carries nothing else).
#[server(prefix = "/sf", endpoint = "touch")]
pub async fn touch() -> Result<(), AppError> {
    caller().map(|_| ())
}

/// The map and a snapshot of everything live.
#[server(prefix = "/sf", endpoint = "board")]
pub async fn get_board() -> Result<Board, AppError> {
    crate::backend::backend()?.board(caller()?).await
}

/// One incident with its reporter contact and timeline (dispatchers only).
#[server(prefix = "/sf", endpoint = "incident")]
pub async fn get_incident(id: i64) -> Result<IncidentDetail, AppError> {
    let id = domain::IncidentId::from_i64(id).map_err(|e| AppError::Invalid(e.to_string()))?;
    crate::backend::backend()?.incident(caller()?, id).await
}

/// The best units for an incident, best first.
#[server(prefix = "/sf", endpoint = "recommend")]
pub async fn get_recommendations(incident: i64, k: usize) -> Result<Vec<RecommendationView>, AppError> {
    let id = domain::IncidentId::from_i64(incident).map_err(|e| AppError::Invalid(e.to_string()))?;
    crate::backend::backend()?.recommend(caller()?, id, k.clamp(1, 20)).await
}

/// The best units for a point (the intake form's location), best first.
#[server(prefix = "/sf", endpoint = "recommend_at")]
pub async fn get_recommendations_at(lat: f64, lon: f64, k: usize) -> Result<Vec<RecommendationView>, AppError> {
    crate::backend::backend()?.recommend_at(caller()?, lat, lon, k.clamp(1, 20)).await
}

/// What the posts and available units reach by road in 1, 3 and 5 minutes.
#[server(prefix = "/sf", endpoint = "street_reach")]
pub async fn get_street_reach() -> Result<Option<crate::wire::StreetReach>, AppError> {
    crate::backend::backend()?.street_reach(caller()?).await
}

/// Sends `to` in place of `from`.
#[server(prefix = "/sf", endpoint = "reassign")]
pub async fn reassign_unit(incident: i64, from: i64, to: i64) -> Result<IncidentView, AppError> {
    let id = domain::IncidentId::from_i64(incident).map_err(|e| AppError::Invalid(e.to_string()))?;
    let from = domain::UnitId::from_i64(from).map_err(|e| AppError::Invalid(e.to_string()))?;
    let to = domain::UnitId::from_i64(to).map_err(|e| AppError::Invalid(e.to_string()))?;
    if from == to {
        return Err(AppError::Invalid(format!("unit {from} is already on incident {id}")));
    }
    crate::backend::backend()?.reassign(caller()?, id, from, to).await
}

/// Sends a unit to an incident.
#[server(prefix = "/sf", endpoint = "assign")]
pub async fn assign_unit(incident: i64, unit: i64) -> Result<IncidentView, AppError> {
    let id = domain::IncidentId::from_i64(incident).map_err(|e| AppError::Invalid(e.to_string()))?;
    let unit = domain::UnitId::from_i64(unit).map_err(|e| AppError::Invalid(e.to_string()))?;
    crate::backend::backend()?.assign(caller()?, id, unit).await
}

/// Takes a call: the intake form's fields as text (`form[channel]`, ...),
/// parsed by the domain's intake rules, the same as the REST API's.
#[server(prefix = "/sf", endpoint = "create")]
pub async fn create_incident(form: IntakeForm) -> Result<IncidentView, AppError> {
    let number = |field: &str, s: &str| -> Result<f64, AppError> {
        s.trim().parse::<f64>().map_err(|_| {
            AppError::Invalid(format!("{field} must be a number, got {:?}", s.chars().take(30).collect::<String>()))
        })
    };
    let draft = domain::IncidentDraft {
        priority: match form.priority.trim() {
            "" => None,
            p => Some(
                p.parse::<i64>().map_err(|_| AppError::Invalid(format!("priority must be 1, 2 or 3, got {p:?}")))?,
            ),
        },
        lat: Some(number("lat", &form.lat)?),
        lon: Some(number("lon", &form.lon)?),
        channel: Some(form.channel),
        category: Some(form.category),
        address: Some(form.address),
        description: Some(form.description),
        reporter_contact: Some(form.reporter_contact),
        external_id: None,
    };
    crate::backend::backend()?.create_incident(caller()?, draft).await
}

/// Moves an incident along its stages (resolve, close, cancel).
#[server(prefix = "/sf", endpoint = "status")]
pub async fn set_incident_status(incident: i64, status: String, reason: String) -> Result<IncidentView, AppError> {
    let id = domain::IncidentId::from_i64(incident).map_err(|e| AppError::Invalid(e.to_string()))?;
    let to: domain::IncidentStatus =
        status.parse().map_err(|e: domain::UnknownName| AppError::Invalid(e.to_string()))?;
    crate::backend::backend()?.incident_status(caller()?, id, to, reason).await
}

/// The station chiefs' review of a selection.
#[server(prefix = "/sf", endpoint = "review")]
pub async fn get_review(q: crate::review::ReviewParams) -> Result<crate::review::ReviewReport, AppError> {
    crate::backend::backend()?.review(caller()?, q).await
}

/// A page of the incidents behind a review figure.
#[server(prefix = "/sf", endpoint = "review_incidents")]
pub async fn get_review_incidents(q: crate::review::ReviewParams) -> Result<crate::review::IncidentList, AppError> {
    crate::backend::backend()?.review_incidents(caller()?, q).await
}

/// An officer's phone page: the unit by callsign and the incident it works.
#[server(prefix = "/sf", endpoint = "unit_page")]
pub async fn get_unit_page(callsign: String) -> Result<UnitPage, AppError> {
    crate::backend::backend()?.unit_page(caller()?, callsign).await
}

/// An officer moves their own unit: en route, on scene, back available, off
/// duty. The status log records the logged-in officer as the actor.
#[server(prefix = "/sf", endpoint = "officer_status")]
pub async fn officer_status(callsign: String, status: String) -> Result<UnitView, AppError> {
    let to: domain::UnitStatus = status.parse().map_err(|e: domain::UnknownName| AppError::Invalid(e.to_string()))?;
    let backend = crate::backend::backend()?;
    let who = caller()?;
    let page = backend.unit_page(who.clone(), callsign.clone()).await?;
    backend.unit_status(who, page.unit.id, to).await
}

/// An officer reports their incident handled. Only the incident the unit is
/// working can be resolved from its phone.
#[server(prefix = "/sf", endpoint = "officer_resolve")]
pub async fn officer_resolve(callsign: String, incident: i64) -> Result<IncidentView, AppError> {
    let id = domain::IncidentId::from_i64(incident).map_err(|e| AppError::Invalid(e.to_string()))?;
    let backend = crate::backend::backend()?;
    let who = caller()?;
    let page = backend.unit_page(who.clone(), callsign).await?;
    if page.unit.incident != Some(id) {
        return Err(AppError::Conflict(format!(
            "{} is not working incident {id} (any more); the page shows its current assignment",
            page.unit.callsign
        )));
    }
    backend.incident_status(who, id, domain::IncidentStatus::Resolved, String::new()).await
}

/// An officer checks in at a must-patrol point. `lat`/`lon` are the phone's
/// position when it shares one (empty without it: the unit's latest
/// reported position must prove it alone).
#[server(prefix = "/sf", endpoint = "officer_check_in")]
pub async fn officer_check_in(
    callsign: String,
    point: String,
    #[server(default)] lat: String,
    #[server(default)] lon: String,
    #[server(default)] qr_token: String,
) -> Result<CheckInView, AppError> {
    let submitted = match (lat.trim(), lon.trim()) {
        ("", "") => None,
        (a, b) => Some((
            a.parse::<f64>().map_err(|_| AppError::Invalid(format!("lat must be a number, got {a:?}")))?,
            b.parse::<f64>().map_err(|_| AppError::Invalid(format!("lon must be a number, got {b:?}")))?,
        )),
    };
    let backend = crate::backend::backend()?;
    let who = caller()?;
    let page = backend.unit_page(who.clone(), callsign).await?;
    let qr = Some(qr_token).filter(|t| !t.trim().is_empty());
    backend.check_in(who, page.unit.id, point, submitted, qr).await
}

/// Patrol compliance by station and point (the review's patrol section).
#[server(prefix = "/sf", endpoint = "patrol_report")]
pub async fn get_patrol_report(
    from: String,
    to: String,
    station: Option<String>,
) -> Result<crate::review::PatrolReport, AppError> {
    crate::backend::backend()?.patrol_report(caller()?, from, to, station).await
}

/// Notices and monthly tasks for the review's period (the review's
/// community-policing section).
#[server(prefix = "/sf", endpoint = "community_review")]
pub async fn get_community_review(from: String, to: String) -> Result<crate::review::CommunityReview, AppError> {
    crate::backend::backend()?.community_review(caller()?, from, to).await
}

/// The origin check-in links point to: the request's host (the server
/// replaces it with its configured public origin when it has one).
#[cfg(feature = "ssr")]
async fn request_origin() -> Result<String, AppError> {
    let headers: http::HeaderMap = leptos_axum::extract().await.map_err(|_| AppError::Internal)?;
    let host = headers.get(http::header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1:3000").to_owned();
    Ok(format!("http://{host}"))
}

/// A point's printable QR code (station chiefs print and post it).
#[server(prefix = "/sf", endpoint = "point_qr")]
pub async fn get_point_qr(code: String) -> Result<crate::wire::PointQr, AppError> {
    let origin = request_origin().await?;
    crate::backend::backend()?.point_qr(caller()?, code, origin).await
}

/// A new secret for a point's QR code: the printed sheet stops working and
/// a new one is to be printed.
#[server(prefix = "/sf", endpoint = "rotate_point_token")]
pub async fn rotate_point_token(code: String) -> Result<crate::wire::PointQr, AppError> {
    let origin = request_origin().await?;
    crate::backend::backend()?.rotate_point_token(caller()?, code, origin).await
}

/// A station chief's edit form: every field as typed (windows separated by
/// commas or spaces); checked on the server.
#[server(prefix = "/sf", endpoint = "edit_point")]
pub async fn edit_point(
    code: String,
    name: String,
    lat: String,
    lon: String,
    radius_m: String,
    windows: String,
) -> Result<crate::wire::PointPage, AppError> {
    let number = |field: &str, s: &str| {
        s.trim().parse::<f64>().map_err(|_| AppError::Invalid(format!("{field} must be a number, got {:?}", s.trim())))
    };
    let edit = domain::patrol::PointEdit {
        name: Some(name),
        lat: Some(number("lat", &lat)?),
        lon: Some(number("lon", &lon)?),
        radius_m: Some(number("radius_m", &radius_m)?),
        windows: Some(windows.split([',', ' ', '，']).filter(|w| !w.is_empty()).map(str::to_owned).collect()),
    };
    crate::backend::backend()?.edit_point(caller()?, code, edit).await
}

/// The page a point's QR code opens.
#[server(prefix = "/sf", endpoint = "point_page")]
pub async fn get_point_page(code: String) -> Result<crate::wire::PointPage, AppError> {
    crate::backend::backend()?.point_page(caller()?, code).await
}

// ── The chat-group desk ─────────────────────────────────────────────────────

/// The desk's first load: the board and the latest messages.
#[server(prefix = "/sf", endpoint = "desk")]
pub async fn get_desk() -> Result<crate::wire::DeskData, AppError> {
    crate::backend::backend()?.desk(caller()?).await
}

/// One message with the sender's phone, the replies and the triage proposal.
#[server(prefix = "/sf", endpoint = "desk_message")]
pub async fn get_desk_message(id: i64) -> Result<crate::wire::DeskMessage, AppError> {
    crate::backend::backend()?.desk_message(caller()?, id).await
}

/// The first answer to a message: `disposition` is `replied` (text
/// required), `consultation` or `not_police`. A message someone answered
/// first is a conflict naming them.
#[server(prefix = "/sf", endpoint = "desk_answer")]
pub async fn desk_answer(
    id: i64,
    disposition: String,
    #[server(default)] text: String,
) -> Result<crate::wire::ChatMessageView, AppError> {
    let d: domain::chat::Disposition =
        disposition.parse().map_err(|e: domain::UnknownName| AppError::Invalid(e.to_string()))?;
    crate::backend::backend()?.desk_answer(caller()?, id, d, text).await
}

/// Turns a message into an incident (the convert form's fields as text).
#[server(prefix = "/sf", endpoint = "desk_convert")]
pub async fn desk_convert(id: i64, form: crate::wire::ConvertForm) -> Result<IncidentView, AppError> {
    crate::backend::backend()?.desk_convert(caller()?, id, form).await
}

/// Sends the closing reply ("已处理，谢谢。") once the incident is resolved.
#[server(prefix = "/sf", endpoint = "desk_close")]
pub async fn desk_close(id: i64, text: String) -> Result<crate::wire::ChatMessageView, AppError> {
    crate::backend::backend()?.desk_close(caller()?, id, text).await
}

/// The desk's figures for a period (the review's desk section).
#[server(prefix = "/sf", endpoint = "desk_review")]
pub async fn get_desk_review(
    #[server(default)] from: String,
    #[server(default)] to: String,
) -> Result<crate::wire::DeskReview, AppError> {
    crate::backend::backend()?.desk_review(caller()?, from, to).await
}

/// The resident's report form: the public map and places, and (when a post
/// of the form came back with a problem) the problem and what was typed,
/// which the server's form handler puts in context.
#[server(prefix = "/sf", endpoint = "report_form")]
pub async fn get_report_form() -> Result<crate::report::ReportFormPage, AppError> {
    let mut page = crate::backend::backend()?.report_form().await?;
    page.posted = use_context::<crate::report::ReportPosted>();
    Ok(page)
}

/// The stage of a resident's report, by its tracking code (public).
#[server(prefix = "/sf", endpoint = "report_track")]
pub async fn get_report_track(code: String) -> Result<crate::report::ReportTrack, AppError> {
    let code = crate::report::parse_code(&code)
        .ok_or_else(|| AppError::Invalid("a tracking code looks like ABCD-2345".to_owned()))?;
    crate::backend::backend()?.report_track(code).await
}

// ── Administration ──────────────────────────────────────────────────────────

/// Accounts and tokens.
#[server(prefix = "/sf", endpoint = "admin")]
pub async fn get_admin() -> Result<crate::wire::AdminData, AppError> {
    crate::backend::backend()?.admin(caller()?).await
}

/// A page of the audit log.
#[server(prefix = "/sf", endpoint = "admin_audit")]
pub async fn get_audit(q: crate::wire::AuditQuery) -> Result<crate::wire::AuditPage, AppError> {
    crate::backend::backend()?.admin_audit(caller()?, q).await
}

/// Makes an account; answers what was done.
#[server(prefix = "/sf", endpoint = "admin_add_user")]
pub async fn admin_add_user(form: crate::wire::NewUserForm) -> Result<String, AppError> {
    crate::backend::backend()?.admin_add_user(caller()?, form).await
}

/// Unlocks, disables or enables an account, or sets its password.
#[server(prefix = "/sf", endpoint = "admin_user")]
pub async fn admin_user(id: i64, action: String, #[server(default)] password: String) -> Result<String, AppError> {
    crate::backend::backend()?.admin_user(caller()?, id, action, password).await
}

/// Makes a device token; answers it, once.
#[server(prefix = "/sf", endpoint = "admin_add_token")]
pub async fn admin_add_token(form: crate::wire::NewTokenForm) -> Result<String, AppError> {
    crate::backend::backend()?.admin_add_token(caller()?, form).await
}

/// Revokes a device token.
#[server(prefix = "/sf", endpoint = "admin_revoke_token")]
pub async fn admin_revoke_token(id: i64) -> Result<String, AppError> {
    crate::backend::backend()?.admin_revoke_token(caller()?, id).await
}
