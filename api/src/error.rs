//! Every API error is `{"error": {"code", "message", "field"?}}` with a 4xx
//! status naming the problem, or a 500 that names nothing internal.

use serde::{Deserialize, Serialize};

use crate::publish::Deployment;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub error: ErrorDetail,
    /// With `edge_push_failed`: the version as recorded, with the edge's
    /// answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployment: Option<Box<Deployment>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorDetail {
    /// Stable, machine-readable: `invalid_input`, `not_found`, `conflict`,
    /// `precondition_failed`, `unauthenticated`, `forbidden`, `csrf`, `malformed_json`,
    /// `edge_push_failed`, `edge_unavailable`, `internal_error`.
    pub code: String,
    pub message: String,
    /// The request field at fault, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}
