//! Residents' reports from the public form (`POST /report`) and the API
//! (`POST /api/v1/reports`, JSON or multipart): reading a multipart body
//! with its limits, checking every field at the edge (the category, the
//! location, the sizes of the texts, the photo's type by its first bytes and
//! its size), the per-address rate limit, then one engine command that
//! stores the incident, its tracking code and the photo in one transaction.
//! Nothing is acknowledged before that transaction is committed.
//!
//! The form posts without JavaScript: an accepted report is redirected to
//! its tracking page (303); a refused one gets the form again with the
//! problem, in the page's language, and everything typed (the photo has to
//! be chosen again), with the status of the problem (400, 413, 415, 429).
//!
//! Personal data: the contact is stored for dispatchers and never logged.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Instant;

use app::backend::SharedBackend;
use app::i18n::Lang;
use app::report::{PHOTO_MAX_BYTES, ReportField, ReportFields, ReportPosted, ReportProblem};
use axum::body::Body;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{ConnectInfo, Multipart, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, Request, StatusCode, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use domain::{Category, Channel, Coordinates, IncidentDraft, NewIncident, Text};
use rand::Rng;
use serde::Deserialize;

use crate::auth::layer::{Caller, ClientIp, CspNonce, CsrfToken};
use crate::engine::{EngineError, NewPhoto};
use crate::state::AppState;

/// The largest multipart body read (the photo, the texts and the framing).
/// A photo over `PHOTO_MAX_BYTES` but within this is refused with a clear
/// 413 on the form; beyond it the body is cut off (still 413).
pub const FORM_BODY_LIMIT: usize = 12 * 1024 * 1024;

/// The most read of one text field; the domain's limits are far lower, so
/// anything longer is refused as too long without being kept whole.
const TEXT_FIELD_LIMIT: usize = 64 * 1024;

/// The type of an image, decided from its first bytes (never from the file
/// name or the declared Content-Type): JPEG, PNG or WebP.
pub fn photo_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.len() >= 4 && bytes[..3] == [0xFF, 0xD8, 0xFF] {
        Some("image/jpeg")
    } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Some("image/png")
    } else if bytes.len() >= 16 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

/// A report as read from a form or a JSON body, before it is checked.
#[derive(Debug, Default)]
pub struct Submission {
    pub fields: ReportFields,
    pub photo: Option<Vec<u8>>,
    /// A problem found while reading (a photo or a text over its limit);
    /// reported after the rest is read, so the form keeps every field.
    pub problem: Option<ReportProblem>,
    /// The form's token against cross-site posts (the page's form only).
    pub csrf: String,
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

/// A checked photo: its type (from its bytes) and the bytes.
pub type CheckedPhoto = (&'static str, Vec<u8>);

/// A checked report, ready to store.
pub struct CheckedReport {
    pub incident: NewIncident,
    pub photo: Option<CheckedPhoto>,
    /// As posted, for the form when storing it fails (rate limit, busy).
    pub fields: ReportFields,
}

fn text(field: ReportField, raw: &str, max: usize) -> Result<Text, ReportProblem> {
    Text::parse(field.as_str(), raw, max, false).map_err(|e| match e {
        domain::TextError::TooLong { len, max, .. } => ReportProblem::TooLong { field, len, max },
        _ => ReportProblem::Control { field },
    })
}

/// Checks a submission against the intake rules. `places`: the public
/// places a resident can choose by name.
pub fn check(sub: Submission, places: &[app::wire::Place]) -> Result<CheckedReport, Box<ReportPosted>> {
    let Submission { fields, photo, problem, .. } = sub;
    if let Some(problem) = problem {
        return Err(Box::new(ReportPosted { problem, fields }));
    }
    match check_fields(&fields, photo, places) {
        Ok((incident, photo)) => Ok(CheckedReport { incident, photo, fields }),
        Err(problem) => Err(Box::new(ReportPosted { problem, fields })),
    }
}

fn check_fields(
    f: &ReportFields,
    photo: Option<Vec<u8>>,
    places: &[app::wire::Place],
) -> Result<(NewIncident, Option<CheckedPhoto>), ReportProblem> {
    let category: Category = match f.category.trim() {
        "" => return Err(ReportProblem::CategoryMissing),
        c => c.parse().map_err(|_| ReportProblem::CategoryUnknown(c.chars().take(40).collect()))?,
    };
    let number = |field: &str, s: &str| -> Result<f64, ReportProblem> {
        s.trim().parse::<f64>().map_err(|_| ReportProblem::NotANumber {
            field: field.to_owned(),
            got: s.trim().chars().take(30).collect(),
        })
    };
    let mut address = f.address.clone();
    let location = match (f.lat.trim(), f.lon.trim()) {
        ("", "") => {
            let name = f.place.trim();
            if name.is_empty() {
                return Err(ReportProblem::LocationMissing);
            }
            let place = places
                .iter()
                .find(|p| p.name == name || (!p.name_en.is_empty() && p.name_en == name))
                .ok_or_else(|| ReportProblem::UnknownPlace(name.chars().take(40).collect()))?;
            if address.trim().is_empty() {
                address = place.name.clone();
            }
            (place.lat, place.lon)
        }
        ("", _) | (_, "") => return Err(ReportProblem::HalfCoordinates),
        (lat, lon) => (number("lat", lat)?, number("lon", lon)?),
    };
    let at = Coordinates::parse(location.0, location.1).map_err(|e| match e {
        domain::CoordinatesError::Latitude(_) => ReportProblem::Latitude(f.lat.trim().chars().take(30).collect()),
        domain::CoordinatesError::Longitude(_) => ReportProblem::Longitude(f.lon.trim().chars().take(30).collect()),
    })?;
    let description = text(ReportField::Description, &f.description, domain::intake::DESCRIPTION_MAX)?;
    let address = text(ReportField::Address, &address, domain::intake::ADDRESS_MAX)?;
    let contact = text(ReportField::Contact, &f.contact, domain::intake::CONTACT_MAX)?;
    let photo = match photo {
        None => None,
        Some(bytes) if bytes.len() > PHOTO_MAX_BYTES => {
            return Err(ReportProblem::PhotoTooLarge { max_bytes: PHOTO_MAX_BYTES });
        }
        Some(bytes) => Some((photo_type(&bytes).ok_or(ReportProblem::PhotoType)?, bytes)),
    };
    let draft = IncidentDraft {
        channel: Some(Channel::Web.as_str().to_owned()),
        category: Some(category.as_str().to_owned()),
        priority: None,
        lat: Some(at.lat()),
        lon: Some(at.lon()),
        address: Some(address.into_string()),
        description: Some(description.into_string()),
        reporter_contact: Some(contact.into_string()),
        external_id: None,
    };
    // the same rules as every other channel (already met above)
    let incident = draft.parse().map_err(|e| ReportProblem::Malformed(e.to_string()))?;
    Ok((incident, photo))
}

/// Tracking codes avoid look-alike characters (0/O, 1/I/L).
fn tracking_code() -> String {
    let alphabet = app::report::CODE_ALPHABET;
    let mut rng = rand::rng();
    let mut s = String::with_capacity(9);
    for i in 0..8 {
        if i == 4 {
            s.push('-');
        }
        s.push(alphabet[rng.random_range(0..alphabet.len())] as char);
    }
    s
}

/// 128 random bits as 32 hex digits: a photo's only name.
fn photo_id() -> String {
    let mut rng = rand::rng();
    let bytes: [u8; 16] = rng.random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Why a checked report was not stored.
pub enum SubmitError {
    Problem(ReportProblem),
    Engine(EngineError),
}

/// Counts the report against its address's allowance, then stores it (the
/// incident, its code and its photo in one transaction). Answers the code.
pub async fn submit(state: &AppState, client: IpAddr, report: CheckedReport) -> Result<String, SubmitError> {
    if let Err(wait) = state.reports_limiter.check(client, Instant::now()) {
        let minutes = wait.as_secs().div_ceil(60).max(1);
        return Err(SubmitError::Problem(ReportProblem::RateLimited { minutes, retry_after_s: wait.as_secs().max(1) }));
    }
    // decoded and written again: no EXIF (the phone's position), nothing appended
    let photo = match report.photo {
        None => None,
        Some((_, data)) => match tokio::task::spawn_blocking(move || crate::photo::clean(&data)).await {
            Ok(Ok((content_type, data))) => Some(NewPhoto { id: photo_id(), content_type, data }),
            Ok(Err(e)) => {
                tracing::info!(error = %e, "a resident's photo could not be read");
                return Err(SubmitError::Problem(ReportProblem::PhotoType));
            }
            Err(_) => return Err(SubmitError::Problem(ReportProblem::Unavailable)),
        },
    };
    for _ in 0..3 {
        let code = tracking_code();
        match state.engine.create_reported_incident(report.incident.clone(), code.clone(), photo.clone()).await {
            Ok(incident) => {
                // no contact, no description, no position at info level
                tracing::info!(incident = %incident.id, photo = photo.is_some(), "resident's report stored");
                return Ok(code);
            }
            Err(EngineError::Conflict(_)) => continue,
            Err(e) => return Err(SubmitError::Engine(e)),
        }
    }
    tracing::error!("three tracking codes in a row were taken");
    Err(SubmitError::Problem(ReportProblem::Unavailable))
}

/// The public places a resident can choose: landmarks only.
pub fn public_places(state: &AppState) -> Vec<app::wire::Place> {
    state
        .map
        .landmarks
        .iter()
        .filter(|l| l.kind != domain::district::LandmarkKind::Station)
        .map(|l| app::wire::Place {
            name: l.name.clone(),
            name_en: l.name_en.clone(),
            initials: String::new(),
            lat: l.at.lat(),
            lon: l.at.lon(),
        })
        .collect()
}

#[derive(Debug, Deserialize)]
pub struct LangQuery {
    lang: Option<String>,
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
    let (problem, fields) = match check(sub, &public_places(&state)) {
        Err(refused) => (refused.problem, refused.fields),
        Ok(report) => {
            let mut fields = report.fields.clone();
            // the photo was fine; it still has to be chosen again
            fields.had_photo = report.photo.is_some();
            match submit(&state, peer.ip(), report).await {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn photo_types_come_from_the_bytes() {
        assert_eq!(photo_type(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F']), Some("image/jpeg"));
        assert_eq!(photo_type(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), Some("image/png"));
        assert_eq!(photo_type(b"RIFF\x24\0\0\0WEBPVP8 \x18\0\0\0"), Some("image/webp"));
        assert_eq!(photo_type(b"RIFF\x24\0\0\0WAVEfmt \x10\0\0\0"), None, "a RIFF that is not WebP");
        assert_eq!(photo_type(b"hello, this is a text file named photo.jpg"), None);
        assert_eq!(photo_type(b"GIF89a"), None);
        assert_eq!(photo_type(b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>"), None);
        assert_eq!(photo_type(&[0xFF, 0xD8]), None, "too short to be anything");
        assert_eq!(photo_type(&[]), None);
    }

    fn fields(category: &str, lat: &str, lon: &str, place: &str) -> ReportFields {
        ReportFields {
            category: category.into(),
            lat: lat.into(),
            lon: lon.into(),
            place: place.into(),
            ..ReportFields::default()
        }
    }

    fn problem(f: ReportFields, photo: Option<Vec<u8>>) -> Option<ReportProblem> {
        let places = vec![app::wire::Place {
            name: "金山广场".into(),
            name_en: "Jinshan Square".into(),
            initials: String::new(),
            lat: 25.248,
            lon: 110.208,
        }];
        check(Submission { fields: f, photo, problem: None, csrf: String::new() }, &places).err().map(|r| r.problem)
    }

    #[test]
    fn every_field_is_checked_with_a_precise_problem() {
        assert_eq!(problem(fields("", "25.2", "110.2", ""), None), Some(ReportProblem::CategoryMissing));
        assert!(matches!(problem(fields("arson", "25.2", "110.2", ""), None), Some(ReportProblem::CategoryUnknown(_))));
        assert_eq!(problem(fields("noise", "", "", ""), None), Some(ReportProblem::LocationMissing));
        assert_eq!(problem(fields("noise", "25.2", "", ""), None), Some(ReportProblem::HalfCoordinates));
        assert!(matches!(problem(fields("noise", "north", "110.2", ""), None), Some(ReportProblem::NotANumber { .. })));
        assert_eq!(problem(fields("noise", "95", "110.2", ""), None), Some(ReportProblem::Latitude("95".into())));
        assert_eq!(problem(fields("noise", "NaN", "110.2", ""), None).map(|p| p.http_status()), Some(400));
        assert!(matches!(problem(fields("noise", "", "", "火星"), None), Some(ReportProblem::UnknownPlace(_))));
        assert_eq!(problem(fields("noise", "", "", "金山广场"), None), None, "a known place is a location");
        assert_eq!(problem(fields("noise", "", "", "Jinshan Square"), None), None, "by its English name too");
        let mut long = fields("noise", "25.2", "110.2", "");
        long.description = "很".repeat(2001);
        assert_eq!(
            problem(long, None),
            Some(ReportProblem::TooLong { field: ReportField::Description, len: 2001, max: 2000 })
        );
        assert_eq!(
            problem(fields("noise", "25.2", "110.2", ""), Some(b"just text".to_vec())),
            Some(ReportProblem::PhotoType)
        );
        assert_eq!(problem(fields("noise", "25.2", "110.2", ""), Some(b"\x89PNG\r\n\x1a\n....".to_vec())), None);
    }
}
