//! Who is logged in, as the pages see it, and the form token every form
//! carries. The server's authorisation layer establishes both for each
//! request (see `server/src/auth`); server functions read the principal
//! from the request with [`caller`] and hand it to the backend, which checks
//! it against the permission table (`domain::access`).

use domain::StationCode;
use domain::access::Role;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// The form token of the request (a request extension on the server): the
/// session's, or, before a login, the visitor's form cookie.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsrfToken(pub String);

/// Who the page is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SessionInfo {
    pub name: String,
    pub role: Role,
    pub station: Option<StationCode>,
    /// An officer's unit's callsign.
    pub unit: Option<String>,
    /// Where this principal starts.
    pub home: String,
}

/// The page's session: who (if anyone) and the token its forms carry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionView {
    pub who: Option<SessionInfo>,
    pub csrf: String,
    /// The deployment's local time (clocks and dates on the page).
    pub utc_offset_minutes: i32,
}

/// The principal the request was made by (server side), or 401.
#[cfg(feature = "ssr")]
pub fn caller() -> Result<domain::access::Principal, AppError> {
    use_context::<http::request::Parts>()
        .and_then(|p| p.extensions.get::<domain::access::Principal>().cloned())
        .ok_or(AppError::Unauthorized)
}

/// The request's form token (server side).
#[cfg(feature = "ssr")]
pub fn csrf_token() -> String {
    use_context::<http::request::Parts>()
        .and_then(|p| p.extensions.get::<CsrfToken>().map(|c| c.0.clone()))
        .unwrap_or_default()
}

/// The session resource every page shares (provided by the app's root).
pub type SessionResource = Resource<Result<SessionView, AppError>>;

pub fn use_session() -> Option<SessionResource> {
    use_context::<SessionResource>()
}

/// The hidden field a form carries its token in. Every form that changes
/// something has one: without JavaScript, the server refuses a form without it.
#[component]
pub fn CsrfField() -> impl IntoView {
    let session = use_session();
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let csrf = match session {
                    Some(s) => s.await.map(|s| s.csrf).unwrap_or_default(),
                    None => String::new(),
                };
                view! { <input type="hidden" name="csrf" value=csrf /> }
            })}
        </Suspense>
    }
}
