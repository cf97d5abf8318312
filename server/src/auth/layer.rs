//! The one authorisation layer every request passes, before any page,
//! server function, REST handler or the live stream runs:
//!
//! 1. who is asking: a bearer token, or a session cookie (a kiosk's token
//!    in `/screen?token=` is exchanged for one);
//! 2. cross-site requests refused: a state-changing request from another
//!    origin (`Sec-Fetch-Site`, `Origin`), and a plain form posted without
//!    its form token;
//! 3. the route's rule ([`super::routes`]) against the permission table
//!    (`domain::access::grant`): 401 (a page: the login page) or 403, and
//!    the refusal audited;
//! 4. the principal, its form token and the page's script nonce handed to
//!    the handler as request extensions;
//! 5. a person's input keeps their session alive (background requests do not);
//! 6. every change audited with its outcome; security headers on every answer.
//!
//! Handlers then check the resource itself with `Principal::may` (this
//! incident's station, this unit), against the same table.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use domain::access::Principal;
use serde_json::json;

use super::routes::{Access, Rule, RuleTable};
use super::{Auth, Authenticated, SessionCheck, Via, secret};

/// The layer's state.
#[derive(Clone)]
pub struct Gate {
    pub auth: Auth,
    pub table: Arc<RuleTable>,
    /// `https://command.police.internal`: the only origin state-changing
    /// requests may come from, and the only `Host` served. Without it, the
    /// request's own `Host`.
    pub public_origin: Option<String>,
    /// Origins the pages may load images from besides their own (a tile server).
    pub image_origins: Vec<String>,
}

/// The client's address, as the layer saw it.
#[derive(Debug, Clone)]
pub struct ClientIp(pub String);

/// The nonce this page's inline scripts carry (and its CSP allows).
#[derive(Debug, Clone)]
pub struct CspNonce(pub String);

/// The form token a page's forms carry, and the one a plain form post must carry.
pub use app::security::CsrfToken;

impl Gate {
    pub fn session_cookie(&self) -> &'static str {
        if self.auth.config().secure_cookies { "__Host-cr_session" } else { "cr_session" }
    }
    pub fn csrf_cookie(&self) -> &'static str {
        if self.auth.config().secure_cookies { "__Host-cr_csrf" } else { "cr_csrf" }
    }

    /// A `Set-Cookie` value: `HttpOnly`, `SameSite=Strict`, the whole site,
    /// `Secure` behind TLS; `None` clears it.
    pub fn cookie(&self, name: &str, value: Option<&str>) -> String {
        let secure = if self.auth.config().secure_cookies { "; Secure" } else { "" };
        match value {
            Some(v) => format!("{name}={v}; Path=/; HttpOnly; SameSite=Strict{secure}"),
            None => format!("{name}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{secure}"),
        }
    }

    /// Whether an `Origin` header names this server.
    pub fn same_origin_value(&self, origin: &HeaderValue, headers: &HeaderMap) -> bool {
        let origin = origin.to_str().unwrap_or("null");
        self.own_origin(headers).is_some_and(|own| own.eq_ignore_ascii_case(origin))
    }

    /// The origin a browser's request to this server comes from.
    fn own_origin(&self, headers: &HeaderMap) -> Option<String> {
        if let Some(o) = &self.public_origin {
            return Some(o.clone());
        }
        let host = headers.get(header::HOST)?.to_str().ok()?;
        let scheme = if self.auth.config().secure_cookies { "https" } else { "http" };
        Some(format!("{scheme}://{host}"))
    }
}

/// A cookie's value from the request.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then_some(token.trim())
}

fn wants_html(headers: &HeaderMap) -> bool {
    headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("text/html"))
}

fn content_type(headers: &HeaderMap) -> &str {
    headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("")
}

/// `{"error": {"code", "message"}}` with a status.
fn refusal(status: StatusCode, code: &str, message: &str) -> Response {
    (status, axum::Json(json!({ "error": { "code": code, "message": message } }))).into_response()
}

/// A small page for a refused page request.
fn refusal_page(status: StatusCode, title: &str, message: &str, link: (&str, &str)) -> Response {
    let esc = crate::web::esc;
    let html = format!(
        "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" \
         content=\"width=device-width, initial-scale=1\"><title>{t} · 指挥室</title>\
         <link rel=\"stylesheet\" href=\"/pkg/command_room.css\"></head><body class=\"refused\">\
         <main class=\"refused-panel\" role=\"alert\"><h1>{t}</h1><p>{m}</p>\
         <p><a href=\"{href}\">{label}</a></p>\
         <form method=\"post\" action=\"/logout\"><button type=\"submit\">退出登录 · Log out</button></form>\
         </main></body></html>",
        t = esc(title),
        m = esc(message),
        href = esc(link.0),
        label = esc(link.1)
    );
    (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response()
}

/// Where an anonymous visitor of a page goes: the login page, then back.
fn to_login(req: &Request, ended: Option<&str>) -> Response {
    let next = req.uri().path_and_query().map(|pq| pq.as_str()).unwrap_or("/");
    let mut location = format!("/login?next={}", urlencode(next));
    if let Some(why) = ended {
        location.push_str(&format!("&ended={}", urlencode(why)));
    }
    (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response()
}

pub fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// The layer. See the module's documentation for the steps.
pub async fn layer(State(gate): State<Gate>, mut req: Request, next: Next) -> Response {
    let ip = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string()).unwrap_or_default();
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let auth = &gate.auth;
    let mut set_cookies: Vec<String> = vec![];

    if let Some(origin) = &gate.public_origin {
        let host = req.headers().get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("");
        let expected = origin.split_once("://").map(|(_, h)| h).unwrap_or(origin);
        if !host.eq_ignore_ascii_case(expected) && path != "/healthz" {
            return refusal(StatusCode::MISDIRECTED_REQUEST, "wrong_host", "this server does not answer for that host");
        }
    }

    // 1. who is asking
    let mut who: Option<Authenticated> = None;
    let mut ended: Option<&'static str> = None;
    let bearer_token = bearer(req.headers()).map(str::to_owned);
    let session_cookie = cookie(req.headers(), gate.session_cookie()).map(str::to_owned);
    if let Some(token) = bearer_token {
        match auth.token(&token, &ip).await {
            Ok(Some((id, principal))) => who = Some(Authenticated { principal, via: Via::Token { id } }),
            Ok(None) => {
                if auth.first_refusal(&ip, "bearer") {
                    let e = auth.entry(None, "token_refused", format!("{method} {path}"), "refused", "", &ip);
                    let _ = auth.audit(&[e]).await;
                }
                return refusal(
                    StatusCode::UNAUTHORIZED,
                    "unauthorized",
                    "the token is not valid (unknown or revoked)",
                );
            }
            Err(e) => return unavailable(e),
        }
    } else if let Some(c) = session_cookie {
        match auth.session(&c, &ip).await {
            Ok(SessionCheck::Valid(a)) => who = Some(a),
            Ok(SessionCheck::Ended(why)) => {
                ended = Some(why);
                set_cookies.push(gate.cookie(gate.session_cookie(), None));
            }
            Err(e) => return unavailable(e),
        }
    }

    // a wall screen's first visit: its token for a session cookie
    if method == Method::GET
        && path == "/screen"
        && let Some(token) = query_param(req.uri().query(), "token")
    {
        let query = req.uri().query().unwrap_or("").to_owned();
        return kiosk_exchange(&gate, &query, &token, &ip).await;
    }

    let rule = match gate.table.find(&method, &path) {
        Some(r) => r,
        // unknown API and server-function paths: for the logged in only
        // (they get the 404); everything else (static files, the not-found
        // page) is public
        None if path.starts_with("/api/") || path.starts_with("/sf/") => {
            Rule::read(domain::access::Permission::OwnSession)
        }
        None => Rule::public(),
    };

    // 2. cross-site requests
    let by_cookie = !matches!(who, Some(Authenticated { via: Via::Token { .. }, .. }));
    if !method.is_safe()
        && by_cookie
        && let Err(why) = same_origin(&gate, req.headers())
    {
        return refuse_csrf(&gate, who.as_ref(), &method, &path, &ip, why).await;
    }
    let expected_csrf = match &who {
        Some(Authenticated { via: Via::Session { csrf, .. }, .. }) => Some(csrf.clone()),
        _ => cookie(req.headers(), gate.csrf_cookie()).filter(|c| secret::looks_like_secret(c)).map(str::to_owned),
    };
    let plain_form = !method.is_safe()
        && by_cookie
        && wants_html(req.headers())
        && content_type(req.headers()).starts_with("application/x-www-form-urlencoded");
    if plain_form {
        let (parts, body) = req.into_parts();
        let bytes = match axum::body::to_bytes(body, 2 * 1024 * 1024).await {
            Ok(b) => b,
            Err(_) => return refusal(StatusCode::PAYLOAD_TOO_LARGE, "too_large", "the form is too large"),
        };
        let sent = form_field(&bytes, "csrf");
        let ok = matches!((&sent, &expected_csrf), (Some(s), Some(e)) if secret::same(s, e));
        req = Request::from_parts(parts, Body::from(bytes));
        if !ok {
            let why =
                if sent.is_none() { "the form has no form token" } else { "the form token is not this session's" };
            return refuse_csrf(&gate, who.as_ref(), &method, &path, &ip, why).await;
        }
    }

    // 3. the rule
    let needs: &[domain::access::Permission] = match &rule.access {
        Access::Public => &[],
        Access::Needs(p) => std::slice::from_ref(p),
        Access::AnyOf(ps) => ps,
    };
    if !needs.is_empty() {
        match &who {
            None => {
                if auth.first_refusal(&ip, &path) {
                    let e = auth.entry(None, "refused", format!("{method} {path}"), "refused", "not logged in", &ip);
                    let _ = auth.audit(&[e]).await;
                }
                let mut res = if rule.page && method == Method::GET {
                    to_login(&req, ended)
                } else {
                    let message = match ended {
                        Some("idle") => "the session ended after a time without input; log in again",
                        Some("expired") => "the session ended (logins last at most a working day); log in again",
                        Some(_) => "the session ended; log in again",
                        None => "log in first (POST /api/v1/session), or send Authorization: Bearer TOKEN",
                    };
                    refusal(StatusCode::UNAUTHORIZED, "unauthorized", message)
                };
                add_cookies(&mut res, &set_cookies);
                return res;
            }
            Some(a) => {
                let refused = needs.iter().map(|p| a.principal.scope(*p)).find_map(|r| r.err());
                if needs.iter().all(|p| a.principal.scope(*p).is_err()) {
                    let why = refused.map(|r| r.to_string()).unwrap_or_default();
                    let e = auth.entry(Some(&a.principal), "refused", format!("{method} {path}"), "refused", &why, &ip);
                    let _ = auth.audit(&[e]).await;
                    return if rule.page && method == Method::GET {
                        let home = a.principal.role.home();
                        refusal_page(StatusCode::FORBIDDEN, "无权访问 · Not permitted", &why, (home, "返回 · Back"))
                    } else {
                        refusal(StatusCode::FORBIDDEN, "forbidden", &why)
                    };
                }
            }
        }
    }

    // 4. what the handler may need
    // a nonce for what may answer with a page (not the API, the stream or a server function)
    let may_be_html = !(path.starts_with("/api/") || path.starts_with("/sf/") || path == "/ws");
    let nonce = CspNonce(if may_be_html { secret::random() } else { String::new() });
    let csrf = match expected_csrf {
        Some(c) => c,
        None => {
            let fresh = secret::random();
            if method == Method::GET && (rule.page || who.is_none()) {
                set_cookies.push(gate.cookie(gate.csrf_cookie(), Some(&fresh)));
            }
            fresh
        }
    };
    req.extensions_mut().insert(ClientIp(ip.clone()));
    req.extensions_mut().insert(nonce.clone());
    req.extensions_mut().insert(CsrfToken(csrf));
    req.extensions_mut().insert(rule);
    if let Some(a) = &who {
        req.extensions_mut().insert(a.principal.clone());
        req.extensions_mut().insert(a.clone());
    }

    // 5. a person's input
    if let Some(Authenticated { principal, via: Via::Session { hash, last_input, .. } }) = &who
        && principal.is_person()
        && !rule.background
        && let Err(e) = auth.touch(hash, *last_input).await
    {
        return unavailable(e);
    }

    let mut res = next.run(req).await;
    if path.starts_with("/sf/") {
        res = server_fn_status(res).await;
    }

    // 6. the change, audited with its outcome
    if rule.change && !rule.quiet && !needs.is_empty() {
        let status = res.status();
        let outcome = if status.is_success() || status.is_redirection() { "ok" } else { "failed" };
        let e = auth.entry(
            who.as_ref().map(|a| &a.principal),
            "change",
            format!("{method} {path}"),
            outcome,
            status.as_u16().to_string(),
            &ip,
        );
        if let Err(err) = auth.audit(&[e]).await {
            tracing::error!(error = %err, "the audit log could not be written");
        }
    }
    add_cookies(&mut res, &set_cookies);
    security_headers(&gate, &mut res, &nonce.0);
    res
}

/// A server function's error answers with its own status (403, 409, …),
/// not the 500 the server-function layer gives every error: the page's
/// script decodes any 4xx or 5xx the same way, and logs and monitoring see
/// what happened.
async fn server_fn_status(res: Response) -> Response {
    if res.status() != StatusCode::INTERNAL_SERVER_ERROR || !res.headers().contains_key("serverfnerror") {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response();
    };
    if let Ok(e) = serde_json::from_slice::<app::error::AppError>(&bytes) {
        parts.status = StatusCode::from_u16(e.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    }
    Response::from_parts(parts, Body::from(bytes))
}

fn unavailable(e: crate::store::StoreError) -> Response {
    tracing::error!(error = %e, "the session store failed");
    refusal(StatusCode::SERVICE_UNAVAILABLE, "unavailable", "the service is not available; try again")
}

fn add_cookies(res: &mut Response, cookies: &[String]) {
    for c in cookies {
        if let Ok(v) = HeaderValue::from_str(c) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
}

/// Whether a state-changing request comes from this site (browsers say so
/// in `Sec-Fetch-Site` and `Origin`; other clients send neither and carry
/// no ambient cookie to abuse).
fn same_origin(gate: &Gate, headers: &HeaderMap) -> Result<(), &'static str> {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok())
        && !matches!(site, "same-origin" | "none")
    {
        return Err("a request from another site");
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        let origin = origin.to_str().unwrap_or("null");
        match gate.own_origin(headers) {
            Some(own) if own.eq_ignore_ascii_case(origin) => {}
            _ => return Err("a request from another origin"),
        }
    }
    Ok(())
}

async fn refuse_csrf(
    gate: &Gate,
    who: Option<&Authenticated>,
    method: &Method,
    path: &str,
    ip: &str,
    why: &'static str,
) -> Response {
    let auth = &gate.auth;
    let e = auth.entry(who.map(|a| &a.principal), "refused", format!("{method} {path}"), "refused", why, ip);
    let _ = auth.audit(&[e]).await;
    refusal(StatusCode::FORBIDDEN, "cross_site", &format!("refused: {why}; reload the page and try again"))
}

/// The value of `name` in a URL-encoded form.
pub fn form_field(body: &Bytes, name: &str) -> Option<String> {
    form_urlencoded::parse(body).find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
}

fn query_param(query: Option<&str>, name: &str) -> Option<String> {
    form_urlencoded::parse(query?.as_bytes()).find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
}

/// `/screen?token=…`: a kiosk's token exchanged for a session cookie, and
/// the screen opened without the token in its address.
async fn kiosk_exchange(gate: &Gate, query: &str, token: &str, ip: &str) -> Response {
    let auth = &gate.auth;
    let rest: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form_urlencoded::parse(query.as_bytes()).filter(|(k, _)| k != "token"))
        .finish();
    let location = if rest.is_empty() { "/screen".to_owned() } else { format!("/screen?{rest}") };
    match auth.kiosk_session(token, ip).await {
        Ok(Some((cookie, _))) => {
            let mut res = (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response();
            add_cookies(&mut res, &[gate.cookie(gate.session_cookie(), Some(&cookie))]);
            res.headers_mut().insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
            res
        }
        Ok(None) => {
            let e = auth.entry(None, "login_failed", "kiosk", "failed", "a wall-screen token that is not valid", ip);
            let _ = auth.audit(&[e]).await;
            refusal_page(
                StatusCode::UNAUTHORIZED,
                "大屏令牌无效 · Screen token not valid",
                "This wall screen's token is unknown or was revoked; ask an administrator for a new one.",
                ("/login", "登录 · Log in"),
            )
        }
        Err(e) => unavailable(e),
    }
}

/// Headers on every answer: what the page may load and run, no framing, no
/// sniffing, no referrer to other sites.
fn security_headers(gate: &Gate, res: &mut Response, nonce: &str) {
    let h = res.headers_mut();
    let html = h.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("text/html"));
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        let images = gate.image_origins.join(" ");
        let nonce = if nonce.is_empty() { String::new() } else { format!(" 'nonce-{nonce}'") };
        let csp = if html {
            format!(
                "default-src 'self'; script-src 'self'{nonce} 'wasm-unsafe-eval'; \
                 style-src 'self'; style-src-attr 'unsafe-inline'; img-src 'self' data: blob: {images}; \
                 connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; \
                 form-action 'self'; frame-ancestors 'none'"
            )
        } else {
            "default-src 'none'; frame-ancestors 'none'".to_owned()
        };
        if let Ok(v) = HeaderValue::from_str(&csp) {
            h.insert(header::CONTENT_SECURITY_POLICY, v);
        }
    }
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if !h.contains_key(header::REFERRER_POLICY) {
        h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    }
    h.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
    h.insert("permissions-policy", HeaderValue::from_static("geolocation=(self), camera=(), microphone=()"));
    if html {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
}

/// Who a request is from, for handlers: the principal the layer
/// established, or 401.
#[derive(Debug, Clone)]
pub struct Caller(pub Principal);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Caller {
    type Rejection = crate::api::ApiError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Principal>()
            .cloned()
            .map(Caller)
            .ok_or_else(|| crate::api::ApiError::Unauthorized("log in first".into()))
    }
}

impl std::ops::Deref for Caller {
    type Target = Principal;
    fn deref(&self) -> &Principal {
        &self.0
    }
}

/// The client's address for a handler (set by the layer).
impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts.extensions.get::<ClientIp>().cloned().unwrap_or(ClientIp(String::new())))
    }
}
