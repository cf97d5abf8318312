//! The residents' report form without JavaScript (`POST /report`), the
//! multipart reading shared with `POST /api/v1/reports`, and the photo
//! behind a dispatcher's incident detail: the web side of `crate::report`.

use std::net::SocketAddr;
use std::sync::Arc;

use app::backend::SharedBackend;
use app::i18n::Lang;
use app::report::{PHOTO_MAX_BYTES, ReportField, ReportPosted, ReportProblem};
use axum::body::Body;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{ConnectInfo, Multipart, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, Request, StatusCode, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::auth::layer::{Caller, ClientIp, CspNonce, CsrfToken};
use crate::report::{Submission, SubmitError};
use crate::state::AppState;

/// The largest multipart body read (the photo, the texts and the framing).
/// A photo over `PHOTO_MAX_BYTES` but within this is refused with a clear
/// 413 on the form; beyond it the body is cut off (still 413).
pub const FORM_BODY_LIMIT: usize = 12 * 1024 * 1024;

/// The most read of one text field; the domain's limits are far lower, so
/// anything longer is refused as too long without being kept whole.
const TEXT_FIELD_LIMIT: usize = 64 * 1024;

#[derive(Debug, Deserialize)]
pub struct LangQuery {
    lang: Option<String>,
}

/// Reads a multipart body: `category`, `description`, `lat`, `lon`,
/// `place`, `address`, `contact` as text and `photo` as a file. An empty
/// file part (no file chosen) is no photo.
pub async fn read_multipart(mut mp: Multipart) -> Submission {
    let mut sub = Submission::default();
    loop {
        let mut field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                sub.problem = Some(multipart_problem(&e));
                break;
            }
        };
        let name = field.name().unwrap_or_default().to_owned();
        let is_photo = name == "photo";
        let limit = if is_photo { PHOTO_MAX_BYTES } else { TEXT_FIELD_LIMIT };
        let mut data: Vec<u8> = Vec::new();
        let mut over = false;
        loop {
            match field.chunk().await {
                Ok(Some(chunk)) => {
                    // past the limit the rest is read and dropped, so the
                    // browser gets the answer rather than a reset connection
                    if !over && data.len() + chunk.len() <= limit {
                        data.extend_from_slice(&chunk);
                    } else {
                        over = true;
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    sub.problem.get_or_insert(multipart_problem(&e));
                    return sub;
                }
            }
        }
        if is_photo {
            if over {
                sub.fields.had_photo = true;
                sub.problem.get_or_insert(ReportProblem::PhotoTooLarge { max_bytes: PHOTO_MAX_BYTES });
            } else if !data.is_empty() {
                sub.fields.had_photo = true;
                sub.photo = Some(data);
            }
            continue;
        }
        let text = String::from_utf8_lossy(&data).into_owned();
        if name == "csrf" {
            sub.csrf = text.chars().take(64).collect();
            continue;
        }
        let slot = match name.as_str() {
            "category" => &mut sub.fields.category,
            "description" => &mut sub.fields.description,
            "lat" => &mut sub.fields.lat,
            "lon" => &mut sub.fields.lon,
            "place" => &mut sub.fields.place,
            "address" => &mut sub.fields.address,
            "contact" => &mut sub.fields.contact,
            other => {
                let shown: String = other.chars().take(40).collect();
                sub.problem.get_or_insert(ReportProblem::Malformed(format!("unknown field {shown:?}")));
                continue;
            }
        };
        if over {
            let field = match name.as_str() {
                "description" => ReportField::Description,
                "address" => ReportField::Address,
                "contact" => ReportField::Contact,
                "category" => ReportField::Category,
                _ => ReportField::Location,
            };
            let max = match field {
                ReportField::Description => domain::intake::DESCRIPTION_MAX,
                ReportField::Address => domain::intake::ADDRESS_MAX,
                ReportField::Contact => domain::intake::CONTACT_MAX,
                _ => 100,
            };
            sub.problem.get_or_insert(ReportProblem::TooLong { field, len: text.chars().count(), max });
            // keep what fits the form, not 64 KiB of it
            *slot = text.chars().take(max).collect();
        } else {
            *slot = text;
        }
    }
    sub
}

fn multipart_problem(e: &axum::extract::multipart::MultipartError) -> ReportProblem {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ReportProblem::TooLarge { max_bytes: FORM_BODY_LIMIT }
    } else {
        ReportProblem::Malformed(e.body_text())
    }
}

/// `POST /report`: the public form, as a browser without JavaScript posts
/// it. 303 to `/report/{code}` when stored; otherwise the form again with
/// the problem and the fields kept.
#[allow(clippy::too_many_arguments)]
pub async fn form_post(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Query(q): Query<LangQuery>,
    axum::Extension(csrf): axum::Extension<CsrfToken>,
    axum::Extension(nonce): axum::Extension<CspNonce>,
    uri: Uri,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    let lang = Lang::from_query(q.lang.as_deref());
    let readable = multipart.is_ok();
    let sub = match multipart {
        Ok(mp) => read_multipart(mp).await,
        Err(rejection) => Submission {
            problem: Some(ReportProblem::Malformed(format!("{rejection}; the form is sent as multipart/form-data"))),
            ..Submission::default()
        },
    };
    // the page's form carries its token: a post from another site does not
    // (a body that is not a form at all is refused as such below, storing nothing)
    if readable && !crate::auth::secret::same(&sub.csrf, &csrf.0) {
        let ip = peer.ip().to_string();
        let why =
            if sub.csrf.is_empty() { "the form has no form token" } else { "the form token is not this visitor's" };
        let e = state.auth.entry(None, "refused", "POST /report", "refused", why, &ip);
        let _ = state.auth.audit(&[e]).await;
        return (
            StatusCode::FORBIDDEN,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            format!("refused: {why}; open the report form again (/report) and send it from there"),
        )
            .into_response();
    }
    let (problem, fields) = match crate::report::check(sub, &state.reports.public_places()) {
        Err(refused) => (refused.problem, refused.fields),
        Ok(report) => {
            let mut fields = report.fields.clone();
            // the photo was fine; it still has to be chosen again
            fields.had_photo = report.photo.is_some();
            match state.reports.submit(peer.ip(), report).await {
                Ok(code) => {
                    let to =
                        if lang == Lang::En { format!("/report/{code}?lang=en") } else { format!("/report/{code}") };
                    return Redirect::to(&to).into_response();
                }
                Err(SubmitError::Problem(p)) => (p, fields),
                Err(SubmitError::Engine(e)) => {
                    tracing::error!(error = %e, "a resident's report could not be stored");
                    (ReportProblem::Unavailable, fields)
                }
            }
        }
    };
    render_form(&state, uri, headers, (csrf, nonce), ReportPosted { problem, fields }).await
}

/// The report page again, rendered with the refused post in context (the
/// page's server function picks it up), with the problem's status.
async fn render_form(
    state: &AppState,
    uri: Uri,
    headers: HeaderMap,
    (csrf, nonce): (CsrfToken, CspNonce),
    posted: ReportPosted,
) -> Response {
    let status = StatusCode::from_u16(posted.problem.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
    let retry_after = match &posted.problem {
        ReportProblem::RateLimited { retry_after_s, .. } => Some(*retry_after_s),
        _ => None,
    };
    let backend: SharedBackend = Arc::new(state.clone());
    let options = state.leptos_options.clone();
    let handler = leptos_axum::render_app_async_with_context(
        move || {
            crate::web::page_context(backend.clone());
            leptos::prelude::provide_context(posted.clone());
        },
        move || app::shell(options.clone()),
    );
    let mut req = Request::new(Body::empty());
    *req.method_mut() = Method::GET;
    *req.uri_mut() = uri;
    for name in [header::ACCEPT_LANGUAGE, header::USER_AGENT, header::HOST] {
        if let Some(v) = headers.get(&name) {
            req.headers_mut().insert(name, v.clone());
        }
    }
    // the form comes back with the same token, and its scripts with the nonce the answer's CSP allows
    req.extensions_mut().insert(csrf);
    req.extensions_mut().insert(nonce);
    let mut res = handler(req).await.into_response();
    *res.status_mut() = status;
    if let Some(s) = retry_after
        && let Ok(v) = HeaderValue::from_str(&s.to_string())
    {
        res.headers_mut().insert(header::RETRY_AFTER, v);
    }
    res
}

/// `GET /dispatch/photo/{id}`: a report's photo for the dispatcher's
/// incident detail. Only by its random id (nothing lists photos, and no
/// public page links here); served as the type its bytes showed, never
/// sniffed into anything else, never cached by a shared cache.
pub async fn photo(
    State(state): State<AppState>,
    who: Caller,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
) -> Response {
    let valid = id.len() == 32 && id.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if !valid {
        return (StatusCode::NOT_FOUND, "no such photo").into_response();
    }
    match state.store.photo(&id).await {
        Ok(Some((content_type, data))) => {
            // written before the photo goes out
            let e = state.auth.entry(Some(&who), "photo_viewed", format!("photo {}…", &id[..8]), "ok", "", &ip);
            if let Err(e) = state.auth.audit(&[e]).await {
                tracing::error!(error = %e, "the audit log could not be written; the photo is not shown");
                return (StatusCode::SERVICE_UNAVAILABLE, "try again").into_response();
            }
            (
                StatusCode::OK,
                [
                    (header::CONTENT_TYPE, content_type),
                    (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
                    (header::CACHE_CONTROL, "private, max-age=3600".to_owned()),
                    (header::CONTENT_SECURITY_POLICY, "default-src 'none'; sandbox".to_owned()),
                    (header::REFERRER_POLICY, "no-referrer".to_owned()),
                ],
                data,
            )
                .into_response()
        }
        Ok(None) => (StatusCode::NOT_FOUND, "no such photo").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "cannot read a photo");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error; the details are in the server log").into_response()
        }
    }
}
