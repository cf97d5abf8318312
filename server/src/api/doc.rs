//! The OpenAPI document at `/api/v1/openapi.json`, generated: each handler's
//! `#[utoipa::path]` describes its operation, the wire types derive their
//! schemas, and the route table (`super::router`) fills in what each
//! operation needs: its `x-permission`, the 401 and 403 answers of the
//! operations that need a principal, and an empty `security` on the public
//! ones. So the permission the document names is the one the router
//! enforces; a test holds the paths and methods of both to each other.

use std::sync::LazyLock;

use axum::http::Method;
use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{OpenApi as Document, Ref, RefOr};
use utoipa::{OpenApi, ToResponse, ToSchema};

use super::error::RowReport;
use crate::auth::routes::{Access, RouteRule};

const DESCRIPTION: &str = "For devices, chat bots and other systems inside the police network. JSON; times are UTC \
RFC 3339; positions are WGS-84 `lat`/`lon`. Errors are `{\"error\": {\"code\", \"message\"}}` with a precise message \
for bad input (400), unknown ids (404), conflicts (409, e.g. a unit that is no longer available or a status move the \
machine does not allow, with `allowed`), bodies over 2 MB (413), too many reports from one address (429). Every \
accepted write is on disk before the answer. The live event stream is `GET /ws` (websocket, not described here): a \
`snapshot` first, then events with `seq` and `server_time`; reconnect with `?since=SEQ&epoch=EPOCH` to receive \
exactly what was missed. Who acts is the logged-in principal: the status log, replies and the audit log record it.\n\n\
Every endpoint but the public ones (`x-permission: public`) needs a principal: a person's session cookie \
(`POST /session`) or a device's `Authorization: Bearer TOKEN`. `x-permission` names the line of the permission table \
(`domain::access`) the endpoint needs; a principal without it gets 403, nobody 401. Changes from a browser must come \
from this origin (`Origin`, `Sec-Fetch-Site`).";

#[derive(OpenApi)]
#[openapi(
    info(title = "Command Room API", version = "1.0.0"),
    servers((url = "/api/v1")),
    security(("session" = []), ("device" = [])),
    paths(
        openapi_json,
        crate::auth::handlers::login_api,
        crate::auth::handlers::session_api,
        crate::auth::handlers::logout_api,
        super::incidents::create,
        super::incidents::list,
        super::incidents::one,
        super::incidents::recommendations,
        super::incidents::assign,
        super::incidents::status,
        super::units::list,
        super::units::register,
        super::units::status,
        super::positions::ingest,
        super::alerts::list,
        super::patrol::create,
        super::patrol::list,
        super::patrol::points,
        super::patrol::edit,
        super::patrol::rotate_token,
        super::patrol::misses,
        super::patrol::report,
        super::review::figures,
        super::review::csv,
        super::review::heat_csv,
        super::review::days_csv,
        super::review::hotspots_csv,
        super::review::incidents,
        super::review::incidents_csv,
        super::history::import,
        super::desk::review,
        super::report::report_create,
        super::report::report_status,
        super::desk::chat_create,
        super::desk::chat_list,
        super::desk::one,
        super::desk::reply,
        super::desk::answer,
        super::desk::convert,
        super::desk::close,
        super::audit::list,
        super::audit::csv,
        super::notices::list,
        super::notices::create,
        super::notices::one,
        super::notices::edit,
        super::notices::schedule,
        super::notices::unschedule,
        super::notices::cancel,
        super::notices::calendar,
        super::notices::current,
        super::notices::review,
        super::tasks::list,
        super::tasks::generate,
        super::tasks::one,
        super::tasks::report,
        super::tasks::accept,
        super::tasks::give_back,
        super::tasks::photo,
        super::tasks::progress,
        super::tasks::progress_csv,
        super::volunteers::list,
        super::volunteers::csv,
    ),
    components(
        responses(Error, Unauthorized, Forbidden),
        // what parameters refer to (bodies' and answers' schemas are collected from the paths)
        schemas(
            ErrorBody,
            domain::IncidentId,
            domain::UnitId,
            domain::ChatMessageId,
            domain::IncidentStatus,
            app::review::ZoneClassParam,
            app::review::ReviewBy,
            app::review::ReviewOnly,
            app::review::ReviewOrder,
        ),
    ),
)]
struct ApiDoc;

/// `GET /openapi.json`: this document.
#[utoipa::path(get, path = "/openapi.json", summary = "This document",
    responses((status = 200, description = "OpenAPI 3", content_type = "application/json", body = Object)))]
#[allow(dead_code)]
fn openapi_json() {}

/// An error: `{"error": {"code", "message"}}`, and for some the details.
#[derive(ToSchema)]
#[schema(as = Error)]
#[allow(dead_code)]
pub struct ErrorBody {
    error: ErrorDetail,
}

#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ErrorDetail {
    /// `bad_request`, `not_found`, `unauthorized`, `forbidden`, `locked`,
    /// `conflict`, `invalid_transition`, `invalid_rows`, `refused`,
    /// `too_large`, `unsupported_media_type`, `rate_limited`, `unavailable`,
    /// `internal`, or a resident's report's problem.
    code: String,
    message: String,
    /// 409 `invalid_transition`: the moves the machine allows from here.
    allowed: Option<Vec<String>>,
    /// 422 from an import: the first 200 problems, by line.
    rows: Option<Vec<RowReport>>,
    /// 422 from an import: how many problems are not listed.
    more: Option<u64>,
}

/// An error
#[derive(ToResponse)]
#[allow(dead_code)]
pub struct Error(ErrorBody);

/// Nobody is logged in, the session ended, or the token is not valid
#[derive(ToResponse)]
#[allow(dead_code)]
pub struct Unauthorized(ErrorBody);

/// The principal may not do this (the message names the rule), or the request came from another origin
#[derive(ToResponse)]
#[allow(dead_code)]
pub struct Forbidden(ErrorBody);

/// The document: generated, then completed from the route table.
pub fn document(rules: &[RouteRule]) -> Document {
    let mut doc = ApiDoc::openapi();
    doc.info.description = Some(DESCRIPTION.to_owned());
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "session",
        SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
            "cr_session",
            "A person's session, from POST /session (HttpOnly, SameSite=Strict; __Host-cr_session behind TLS).",
        ))),
    );
    components.add_security_scheme(
        "device",
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .description(Some(
                    "A device token (crt_…): kiosk, tracker or bridge, made by an administrator and shown once.",
                ))
                .build(),
        ),
    );
    // operations named by their module and handler (`incidents_list`), tagged by
    // the first segment of their path (`incidents`)
    for (path, item) in doc.paths.paths.iter_mut() {
        let tag = path.trim_start_matches('/').split(['/', '.']).next().unwrap_or_default().to_owned();
        for op in [&mut item.get, &mut item.post, &mut item.put, &mut item.delete].into_iter().flatten() {
            let module = op.tags.as_ref().and_then(|t| t.first()).and_then(|t| t.rsplit("::").next());
            let module = match module {
                Some("handlers") => "session",
                Some(m) => m,
                None => "doc",
            };
            op.operation_id = op.operation_id.as_ref().map(|id| format!("{module}_{}", id.trim_end_matches("_api")));
            op.tags = Some(vec![tag.clone()]);
        }
    }
    for rule in rules {
        let Some(path) = rule.path.strip_prefix("/api/v1") else { continue };
        let Some(item) = doc.paths.paths.get_mut(path) else { continue };
        let op = match rule.method {
            Method::GET => item.get.as_mut(),
            Method::POST => item.post.as_mut(),
            Method::PUT => item.put.as_mut(),
            Method::DELETE => item.delete.as_mut(),
            Method::PATCH => item.patch.as_mut(),
            _ => None,
        };
        if let Some(op) = op {
            permit(op, rule);
        }
    }
    doc
}

/// An operation's permission, and what follows from it.
fn permit(op: &mut Operation, rule: &RouteRule) {
    let permission = match rule.rule.access {
        Access::Public => "public".to_owned(),
        Access::Needs(p) => p.as_str().to_owned(),
        Access::AnyOf(ps) => ps.iter().map(|p| p.as_str()).collect::<Vec<_>>().join(" | "),
    };
    op.extensions.get_or_insert_with(Default::default).insert("x-permission".into(), permission.into());
    if rule.rule.access == Access::Public {
        // anyone: no credentials
        op.security = Some(vec![]);
        return;
    }
    let answers = &mut op.responses.responses;
    answers.entry("401".into()).or_insert_with(|| RefOr::Ref(Ref::from_response_name("Unauthorized")));
    answers.entry("403".into()).or_insert_with(|| RefOr::Ref(Ref::from_response_name("Forbidden")));
}

/// The document as served.
pub fn json() -> &'static str {
    static JSON: LazyLock<String> = LazyLock::new(|| {
        let (_, rules) = super::router();
        document(&rules).to_json().unwrap_or_else(|e| {
            tracing::error!(error = %e, "the OpenAPI document could not be written");
            "{}".to_owned()
        })
    });
    &JSON
}

// What some operations answer, described here because the types they
// serialise live in the engine and the store.

/// How a batch of positions went.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct PositionOutcome {
    /// Stored durably before the answer.
    accepted: u64,
    rejected: Vec<Rejection>,
}

/// A position report that was not taken.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct Rejection {
    /// Its place in the batch, from 0.
    index: u64,
    reason: String,
}

/// What an import wrote.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ImportSummary {
    imported: u64,
    /// The earliest received_at imported.
    from: Option<chrono::DateTime<chrono::Utc>>,
    /// The latest received_at imported.
    to: Option<chrono::DateTime<chrono::Utc>>,
}

/// What a resident may learn from a tracking code: the stage, nothing else.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ReportStatus {
    #[schema(example = "ABCD-2345")]
    code: String,
    stage: app::report::ReportStage,
    received_at: chrono::DateTime<chrono::Utc>,
}

/// A report's tracking code.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct TrackingCode {
    #[schema(example = "ABCD-2345")]
    tracking_code: String,
    /// The public page that tells the report's stage: `/report/{code}`.
    status_url: String,
}

/// A point's new check-in address.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct PointAddress {
    code: String,
    /// What the new QR code opens: `/checkin/{code}?token=...` on this server.
    url: String,
}

/// A must-patrol point as it is now.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct PatrolPoint {
    code: String,
    name: String,
    station: String,
    lat: f64,
    lon: f64,
    radius_m: f64,
    /// Local times, e.g. `00:00-04:00`.
    windows: Vec<String>,
}

/// A chat message turned into an incident.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct Converted {
    message: app::wire::ChatMessageView,
    incident: app::wire::IncidentView,
}

/// A resident's report as a form, with an optional photo.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ReportForm {
    category: domain::Category,
    #[schema(max_length = 2000)]
    description: Option<String>,
    /// A number as text; with lon, or give place.
    lat: Option<String>,
    /// A number as text.
    lon: Option<String>,
    /// A landmark's name (Chinese or English) instead of lat/lon.
    place: Option<String>,
    #[schema(max_length = 200)]
    address: Option<String>,
    #[schema(max_length = 100)]
    contact: Option<String>,
    /// JPEG, PNG or WebP (by content), at most 5 MB.
    #[schema(value_type = Option<String>, format = Binary, content_media_type = "image/jpeg, image/png, image/webp")]
    photo: Option<Vec<u8>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> (serde_json::Value, Vec<RouteRule>) {
        let (_, rules) = crate::api::router();
        let doc = serde_json::to_value(document(&rules)).expect("the document is JSON");
        (doc, rules)
    }

    /// Every routed `/api/v1` method and path is documented with the
    /// permission it needs, and every documented operation is routed.
    #[test]
    fn the_document_and_the_router_agree() {
        let (doc, rules) = doc();
        let paths = doc["paths"].as_object().expect("paths");
        let mut ids = std::collections::HashSet::new();
        for r in &rules {
            let path = r.path.strip_prefix("/api/v1").expect("under /api/v1");
            let op = &paths.get(path).unwrap_or_else(|| panic!("{} {} is documented", r.method, r.path))
                [r.method.as_str().to_lowercase()];
            assert!(op.is_object(), "{} {} is documented", r.method, r.path);
            let want = match r.rule.access {
                Access::Public => "public".to_owned(),
                Access::Needs(p) => p.as_str().to_owned(),
                Access::AnyOf(ps) => ps.iter().map(|p| p.as_str()).collect::<Vec<_>>().join(" | "),
            };
            assert_eq!(op["x-permission"], want.as_str(), "{} {}", r.method, r.path);
            assert!(op["summary"].as_str().is_some_and(|s| !s.is_empty()), "{} {} has a summary", r.method, r.path);
            let id = op["operationId"].as_str().expect("an operation id");
            assert!(ids.insert(id.to_owned()), "{id} names one operation");
            if r.rule.access == Access::Public {
                assert_eq!(op["security"], serde_json::json!([]), "{} {} needs no credentials", r.method, r.path);
            } else {
                for status in ["401", "403"] {
                    assert!(op["responses"][status].is_object(), "{} {} answers {status}", r.method, r.path);
                }
            }
        }
        for (path, item) in paths {
            for method in item.as_object().expect("operations").keys() {
                let full = format!("/api/v1{path}");
                let routed = rules.iter().any(|r| r.path == full && r.method.as_str().eq_ignore_ascii_case(method));
                assert!(routed, "{method} {full} is documented but not routed");
            }
        }
    }

    /// Every `$ref` points at a component that is there.
    #[test]
    fn every_reference_resolves() {
        let (doc, _) = doc();
        if let Ok(out) = std::env::var("OPENAPI_OUT") {
            std::fs::write(out, serde_json::to_string_pretty(&doc).expect("json")).expect("written");
        }
        fn walk(v: &serde_json::Value, doc: &serde_json::Value, seen: &mut usize) {
            match v {
                serde_json::Value::Object(m) => {
                    if let Some(r) = m.get("$ref").and_then(|r| r.as_str()) {
                        let pointer = r.strip_prefix('#').expect("a local reference");
                        assert!(doc.pointer(pointer).is_some(), "{r} resolves");
                        *seen += 1;
                    }
                    m.values().for_each(|v| walk(v, doc, seen));
                }
                serde_json::Value::Array(a) => a.iter().for_each(|v| walk(v, doc, seen)),
                _ => {}
            }
        }
        let mut seen = 0;
        walk(&doc, &doc, &mut seen);
        assert!(seen > 50, "{seen} references");
        assert!(doc["components"]["securitySchemes"]["session"].is_object());
        assert!(doc["components"]["securitySchemes"]["device"].is_object());
    }

    /// The review's enumerated parameters are documented by schema-only
    /// enums (`app::review`): each value they list is one the server takes,
    /// and the breakdowns and zone classes are all listed.
    #[test]
    fn the_documented_review_values_are_the_ones_the_server_takes() {
        use crate::store::review::{Dimension, Only};
        let (doc, _) = doc();
        let values = |name: &str| -> Vec<String> {
            doc["components"]["schemas"][name]["enum"]
                .as_array()
                .unwrap_or_else(|| panic!("{name} lists its values"))
                .iter()
                .map(|v| v.as_str().expect("a name").to_owned())
                .collect()
        };
        let by = values("ReviewBy");
        assert!(by.iter().all(|v| Dimension::parse(v).is_some()), "{by:?}");
        assert_eq!(by.join(", "), Dimension::NAMES.replace(" or ", ", "), "every breakdown is documented");
        let only = values("ReviewOnly");
        assert!(only.iter().all(|v| Only::parse(v).is_some()), "{only:?}");
        let order = values("ReviewOrder");
        let stages: Vec<&str> = domain::review::Stage::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(order[0], "received");
        assert_eq!(order[1..], stages[..], "newest first, or longest first by a stage");
        assert_eq!(values("ZoneClassParam"), domain::review::CLASS_NAMES, "every zone class, and outside");
    }
}
