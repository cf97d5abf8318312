//! The REST API's error: a status and a JSON body
//! `{"error": {"code": "...", "message": "..."}}`. Bad input gets a precise
//! message; internal failures are logged with context and answered
//! generically.

use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde_json::json;

use crate::engine::EngineError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    NotFound(String),
    /// Nobody is logged in, or the credentials are not valid (401).
    #[error("{0}")]
    Unauthorized(String),
    /// The principal may not do this (403); the message names the rule.
    #[error("{0}")]
    Forbidden(String),
    /// The account is locked (423).
    #[error("{0}")]
    Locked(String),
    #[error("{0}")]
    Conflict(String),
    /// A status move the machine does not allow, with the allowed ones.
    #[error("{message}")]
    Transition { message: String, allowed: Vec<&'static str> },
    /// Lines of an import that are not valid (422): the first few, and how
    /// many more.
    #[error("{message}")]
    InvalidRows { message: String, rows: Vec<RowReport>, more: usize },
    /// A well-formed request the rules refuse (422), e.g. a check-in
    /// outside its point's radius; the message says why.
    #[error("{0}")]
    Refused(String),
    #[error("{0}")]
    TooLarge(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("the service is not available; try again")]
    Unavailable,
    #[error("internal error; the details are in the server log")]
    Internal,
}

/// One problem with one line of an uploaded file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct RowReport {
    pub line: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<&'static str>,
    pub reason: String,
}

impl ApiError {
    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::Unauthorized(_) => (StatusCode::UNAUTHORIZED, "unauthorized"),
            ApiError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            ApiError::Locked(_) => (StatusCode::LOCKED, "locked"),
            ApiError::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            ApiError::Transition { .. } => (StatusCode::CONFLICT, "invalid_transition"),
            ApiError::InvalidRows { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "invalid_rows"),
            ApiError::Refused(_) => (StatusCode::UNPROCESSABLE_ENTITY, "refused"),
            ApiError::TooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "too_large"),
            ApiError::UnsupportedMediaType(_) => (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type"),
            ApiError::Unavailable => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
            ApiError::Internal => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }

    pub fn bad(e: impl std::fmt::Display) -> ApiError {
        ApiError::BadRequest(e.to_string())
    }

    /// A refusal by the permission table (403).
    pub fn refused(r: domain::access::Refusal) -> ApiError {
        ApiError::Forbidden(r.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        let mut body = json!({ "error": { "code": code, "message": self.to_string() } });
        if let ApiError::Transition { allowed, .. } = &self {
            body["error"]["allowed"] = json!(allowed);
        }
        if let ApiError::InvalidRows { rows, more, .. } = &self {
            body["error"]["rows"] = json!(rows);
            body["error"]["more"] = json!(more);
        }
        (status, Json(body)).into_response()
    }
}

impl From<EngineError> for ApiError {
    fn from(e: EngineError) -> Self {
        match e {
            EngineError::Invalid(m) => ApiError::BadRequest(m),
            EngineError::NotFound { .. } => ApiError::NotFound(e.to_string()),
            EngineError::Transition(t) => ApiError::Transition { message: t.to_string(), allowed: t.allowed },
            EngineError::Conflict(m) => ApiError::Conflict(m),
            EngineError::Store(err) => {
                tracing::error!(error = %err, "store error behind an API request");
                ApiError::Internal
            }
            EngineError::Stopped | EngineError::NotLeader => ApiError::Unavailable,
        }
    }
}

impl From<crate::patrol::CheckInError> for ApiError {
    fn from(e: crate::patrol::CheckInError) -> Self {
        use crate::patrol::CheckInError;
        match e {
            CheckInError::NotFound(m) => ApiError::NotFound(m),
            CheckInError::Refused(r) => ApiError::Refused(r.to_string()),
            CheckInError::Store(err) => err.into(),
            CheckInError::Engine(err) => err.into(),
            CheckInError::Edit(err) => ApiError::BadRequest(err.to_string()),
        }
    }
}

impl From<crate::auth::AuthError> for ApiError {
    fn from(e: crate::auth::AuthError) -> Self {
        use crate::auth::AuthError;
        match e {
            AuthError::Invalid(m) => ApiError::BadRequest(m),
            AuthError::NotFound(m) => ApiError::NotFound(m),
            AuthError::Conflict(m) => ApiError::Conflict(m),
            AuthError::Store(e) => e.into(),
            AuthError::Hash(e) => {
                tracing::error!(error = %e, "password hashing failed");
                ApiError::Internal
            }
        }
    }
}

/// The pages' error for the same failure: the same status and message.
impl From<ApiError> for app::error::AppError {
    fn from(e: ApiError) -> Self {
        use app::error::AppError;
        match e {
            ApiError::BadRequest(m)
            | ApiError::Refused(m)
            | ApiError::TooLarge(m)
            | ApiError::UnsupportedMediaType(m) => AppError::Invalid(m),
            ApiError::InvalidRows { message, .. } => AppError::Invalid(message),
            ApiError::NotFound(m) => AppError::NotFound(m),
            ApiError::Unauthorized(_) => AppError::Unauthorized,
            ApiError::Forbidden(m) => AppError::Forbidden(m),
            ApiError::Locked(m) | ApiError::Conflict(m) => AppError::Conflict(m),
            ApiError::Transition { message, .. } => AppError::Conflict(message),
            ApiError::Unavailable => AppError::Unavailable,
            ApiError::Internal => AppError::Internal,
        }
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(e: crate::store::StoreError) -> Self {
        tracing::error!(error = %e, "store error behind an API request");
        ApiError::Internal
    }
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        match r.status() {
            StatusCode::PAYLOAD_TOO_LARGE => ApiError::TooLarge("the request body is too large".into()),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => {
                ApiError::UnsupportedMediaType("send JSON with Content-Type: application/json".into())
            }
            _ => ApiError::BadRequest(r.body_text()),
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> Self {
        ApiError::BadRequest(r.body_text())
    }
}

/// `Json<T>` whose rejections are [`ApiError`]s.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let Json(v) = Json::<T>::from_request(req, state).await?;
        Ok(ApiJson(v))
    }
}

/// `Query<T>` whose rejections are [`ApiError`]s.
pub struct ApiQuery<T>(pub T);

impl<S, T> axum::extract::FromRequestParts<S> for ApiQuery<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self, Self::Rejection> {
        let axum::extract::Query(v) = axum::extract::Query::<T>::from_request_parts(parts, state).await?;
        Ok(ApiQuery(v))
    }
}
