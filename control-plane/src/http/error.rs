//! Every API error is `{"error": {"code", "message", "field"?}}` with a 4xx
//! status naming the problem, or a 500 that names nothing internal.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::services::ServiceError;
pub use portcullis_api::error::{ErrorBody, ErrorDetail};
use portcullis_api::publish::Deployment;

#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    body: ErrorBody,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            body: ErrorBody {
                error: ErrorDetail {
                    code: code.into(),
                    message: message.into(),
                    field: None,
                },
                deployment: None,
            },
        }
    }

    /// A version recorded but not taken by the edge: 502 with the
    /// deployment and the edge's reason.
    pub fn edge_push_failed(deployment: Deployment) -> Self {
        let reason = deployment.detail.clone().unwrap_or_default();
        let mut err = Self::new(StatusCode::BAD_GATEWAY, "edge_push_failed", reason);
        err.body.deployment = Some(Box::new(deployment));
        err
    }
}

impl ApiError {
    /// Names the request field at fault.
    pub fn with_field(mut self, field: &'static str) -> Self {
        self.body.error.field = Some(field.into());
        self
    }
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::Invalid { field, message } => {
                let mut err = Self::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid_input",
                    format!("{field}: {message}"),
                );
                err.body.error.field = Some(field.into());
                err
            }
            ServiceError::NotFound(what) => Self::new(
                StatusCode::NOT_FOUND,
                "not_found",
                format!("{what} not found"),
            ),
            ServiceError::Conflict(message) => Self::new(StatusCode::CONFLICT, "conflict", message),
            ServiceError::Stale(message) => Self::new(
                StatusCode::PRECONDITION_FAILED,
                "precondition_failed",
                message,
            ),
            ServiceError::Forbidden(message) => {
                Self::new(StatusCode::FORBIDDEN, "forbidden", message)
            }
            ServiceError::Unauthenticated => Self::new(
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "sign in, or send an API token as `Authorization: Bearer …`",
            ),
            ServiceError::EdgeUnavailable(detail) => {
                tracing::warn!(%detail, "edge unavailable");
                Self::new(
                    StatusCode::BAD_GATEWAY,
                    "edge_unavailable",
                    "the edge could not be reached; try again shortly",
                )
            }
            e @ (ServiceError::Storage(_) | ServiceError::Internal(_)) => {
                tracing::error!(error = %e, "request failed");
                Self::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal_error",
                    "internal error; see the control plane's log",
                )
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(self.body)).into_response()
    }
}
