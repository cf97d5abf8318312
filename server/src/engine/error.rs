//! What can go wrong in the engine, in terms each edge can translate.

use domain::InvalidTransition;

use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The request is not valid; the message says why.
    #[error("{0}")]
    Invalid(String),
    #[error("{what} {id} not found")]
    NotFound { what: &'static str, id: String },
    /// A status move the machine does not allow.
    #[error(transparent)]
    Transition(#[from] InvalidTransition),
    /// The state changed meanwhile or forbids this (e.g. the unit was taken).
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A leader's write refused: another server leads now (fencing).
    #[error("this server no longer leads")]
    NotLeader,
    /// The engine task is gone (shutting down).
    #[error("the engine is not running")]
    Stopped,
}

impl From<sqlx::Error> for EngineError {
    fn from(e: sqlx::Error) -> Self {
        EngineError::Store(StoreError::Sqlx(e))
    }
}
