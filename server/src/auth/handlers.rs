//! Logging in and out: the login form (`POST /login`, works without
//! JavaScript), the API's `POST /api/v1/session` and `DELETE
//! /api/v1/session`, `POST /logout`, and `/unit` (an officer's own page).

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::SecondsFormat;
use domain::access::{Principal, Role};
use serde::Deserialize;
use serde_json::json;

use super::layer::{Caller, ClientIp, urlencode};
use super::{Authenticated, LoginOutcome, Via};
use crate::api::{ApiError, ApiJson};
use crate::state::AppState;

/// Where a principal starts: their role's page (an officer's unit's page).
pub fn home(state: &AppState, p: &Principal) -> String {
    let callsign = p.units.first().and_then(|u| state.engine.unit(*u)).map(|u| u.callsign);
    p.home(callsign.as_deref())
}

/// `next` if it is a path on this site, else `None`.
fn local_path(next: &str) -> Option<&str> {
    let ok = next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') && !next.contains("://");
    ok.then_some(next).filter(|n| n.len() <= 2000 && !n.starts_with("/login"))
}

fn with_cookie(mut res: Response, cookie: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(cookie) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
    /// checked by the layer
    #[serde(default)]
    #[allow(dead_code)]
    csrf: String,
}

/// `POST /login`: the login page's plain form. Success goes to `next` (or
/// the role's page) with a new session cookie; a refusal back to the login
/// page, which says why.
pub async fn login_form(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    axum::Form(f): axum::Form<LoginForm>,
) -> Response {
    let next = local_path(f.next.trim()).map(str::to_owned);
    let back = |error: &str, extra: String| {
        let mut location = format!("/login?error={error}{extra}");
        if let Some(n) = &next {
            location.push_str(&format!("&next={}", urlencode(n)));
        }
        (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response()
    };
    match state.auth.login(&f.name, &f.password, &ip).await {
        Ok(LoginOutcome::Ok { cookie, principal }) => {
            let to = next.clone().unwrap_or_else(|| home(&state, &principal));
            let res = (StatusCode::SEE_OTHER, [(header::LOCATION, to)]).into_response();
            with_cookie(res, &state.gate.cookie(state.gate.session_cookie(), Some(&cookie)))
        }
        Ok(LoginOutcome::Wrong) => back("wrong", String::new()),
        Ok(LoginOutcome::Locked(lock)) => {
            back("locked", lock.until.map(|u| format!("&until={}", u.timestamp())).unwrap_or_default())
        }
        Ok(LoginOutcome::Disabled) => back("disabled", String::new()),
        Err(e) => {
            tracing::error!(error = %e, "login failed in the store");
            back("unavailable", String::new())
        }
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginBody {
    name: String,
    password: String,
}

/// Who the session's principal is, as the API answers it.
fn whoami(state: &AppState, p: &Principal) -> serde_json::Value {
    let callsign = p.units.first().and_then(|u| state.engine.unit(*u)).map(|u| u.callsign);
    json!({
        "name": p.name,
        "role": p.role,
        "station": p.station,
        "unit": callsign,
        "home": home(state, p),
    })
}

/// `POST /api/v1/session {name, password}`: 200 with who logged in and the
/// session cookie; 401 for a wrong name or password, 423 when the account
/// is locked, 403 when it is disabled.
#[utoipa::path(post, path = "/session", summary = "Log in (a person): sets the session cookie",
    request_body = LoginBody,
    responses(
        (status = 200, description = "Logged in: who, and their page", body = app::security::SessionInfo),
        (status = 401, description = "Wrong name or password", body = crate::api::doc::ErrorBody),
        (status = 403, description = "The account is disabled", body = crate::api::doc::ErrorBody),
        (status = 423, description = "The account is locked after failed logins (the right password does not open it); the message says until when, or that an administrator must unlock it", body = crate::api::doc::ErrorBody),
    ))]
pub async fn login_api(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(b): ApiJson<LoginBody>,
) -> Result<Response, ApiError> {
    match state.auth.login(&b.name, &b.password, &ip).await? {
        LoginOutcome::Ok { cookie, principal } => {
            let res = (StatusCode::OK, Json(whoami(&state, &principal))).into_response();
            Ok(with_cookie(res, &state.gate.cookie(state.gate.session_cookie(), Some(&cookie))))
        }
        LoginOutcome::Wrong => Err(ApiError::Unauthorized("wrong name or password".into())),
        LoginOutcome::Locked(lock) => Err(ApiError::Locked(match lock.until {
            Some(u) => format!(
                "the account is locked after too many failed logins, until {}",
                u.to_rfc3339_opts(SecondsFormat::Secs, true)
            ),
            None => "the account is locked after too many failed logins; an administrator must unlock it".into(),
        })),
        LoginOutcome::Disabled => {
            Err(ApiError::Forbidden("the account is disabled; an administrator can enable it".into()))
        }
    }
}

/// `GET /api/v1/session`: who is logged in.
#[utoipa::path(get, path = "/session", summary = "Who is logged in",
    responses((status = 200, description = "The principal", body = app::security::SessionInfo)))]
pub async fn session_api(State(state): State<AppState>, who: Caller) -> Response {
    Json(whoami(&state, &who)).into_response()
}

/// `DELETE /api/v1/session`: logs out (204) and clears the cookie.
#[utoipa::path(delete, path = "/session", summary = "Log out (ends the session, clears the cookie)",
    responses((status = 204, description = "Logged out")))]
pub async fn logout_api(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    axum::Extension(a): axum::Extension<Authenticated>,
) -> Result<Response, ApiError> {
    end(&state, &a, &ip).await?;
    let res = StatusCode::NO_CONTENT.into_response();
    Ok(with_cookie(res, &state.gate.cookie(state.gate.session_cookie(), None)))
}

/// `POST /logout`: the form on every page; back to the login page.
pub async fn logout_form(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    axum::Extension(a): axum::Extension<Authenticated>,
) -> Result<Response, ApiError> {
    end(&state, &a, &ip).await?;
    let res = (StatusCode::SEE_OTHER, [(header::LOCATION, "/login?out=1")]).into_response();
    Ok(with_cookie(res, &state.gate.cookie(state.gate.session_cookie(), None)))
}

async fn end(state: &AppState, a: &Authenticated, ip: &str) -> Result<(), ApiError> {
    match &a.via {
        Via::Session { hash, .. } => Ok(state.auth.logout(hash, &a.principal, ip).await?),
        Via::Token { .. } => {
            Err(ApiError::BadRequest("a device's token is not a session: an administrator revokes it on /admin".into()))
        }
    }
}

/// `GET /unit`: an officer's own page.
pub async fn own_unit(State(state): State<AppState>, who: Caller) -> Response {
    let to = if who.role == Role::Officer { home(&state, &who) } else { "/".to_owned() };
    (StatusCode::SEE_OTHER, [(header::LOCATION, to)]).into_response()
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_local_paths_are_followed_after_login() {
        use super::local_path;
        assert_eq!(local_path("/dispatch?incident=3"), Some("/dispatch?incident=3"));
        assert_eq!(local_path("//evil.example/x"), None);
        assert_eq!(local_path("https://evil.example"), None);
        assert_eq!(local_path("/\\evil.example"), None);
        assert_eq!(local_path("dispatch"), None);
        assert_eq!(local_path("/login?next=/x"), None);
    }
}
