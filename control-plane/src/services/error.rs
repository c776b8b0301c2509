//! What a service call can fail with; the HTTP layer maps each to a status.

use thiserror::Error;

use crate::storage::StorageError;

#[derive(Debug, Error)]
pub enum ServiceError {
    /// Input that breaks a rule; `field` names the offending input field.
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    #[error("{0} not found")]
    NotFound(String),
    /// The caller may see the thing but not do this to it.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// No valid credentials (only the HTTP layer's authentication says so).
    #[error("sign in first")]
    Unauthenticated,
    #[error("{0}")]
    Conflict(String),
    /// A write conditional on a version (`If-Match`) that is no longer the
    /// current one: someone else changed the thing since it was read.
    #[error("{0}")]
    Stale(String),
    /// The edge could not be asked (unreachable, or failing).
    #[error("the edge is unavailable: {0}")]
    EdgeUnavailable(String),
    #[error("storage failure: {0}")]
    Storage(#[from] StorageError),
    #[error("internal failure: {0}")]
    Internal(String),
}

impl ServiceError {
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid {
            field,
            message: message.into(),
        }
    }
}
