//! The error the pages' server functions answer with: precise for bad input
//! and conflicts, generic for internal failures (their details stay in the
//! server log).

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// The input was wrong; the message says how.
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    NotFound(String),
    /// Nobody is logged in (or the session ended).
    #[error("log in first (the session may have ended)")]
    Unauthorized,
    /// The principal may not do this; the message says which rule refused it.
    #[error("{0}")]
    Forbidden(String),
    /// The world changed meanwhile (e.g. the unit was taken); the message
    /// says what happened.
    #[error("{0}")]
    Conflict(String),
    #[error("the server is busy; try again in a moment")]
    Unavailable,
    #[error("internal error; the details are in the server log")]
    Internal,
    /// The request did not reach the server function (network, encoding).
    #[error("could not reach the server: {0}")]
    Transport(String),
}

impl AppError {
    /// The HTTP status a page or API answers this error with.
    pub fn http_status(&self) -> u16 {
        match self {
            AppError::Invalid(_) => 400,
            AppError::NotFound(_) => 404,
            AppError::Unauthorized => 401,
            AppError::Forbidden(_) => 403,
            AppError::Conflict(_) => 409,
            AppError::Unavailable | AppError::Transport(_) => 503,
            AppError::Internal => 500,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(m) | ServerFnErrorErr::MissingArg(m) => AppError::Invalid(m),
            other => AppError::Transport(other.to_string()),
        }
    }
}
