//! What the UI's server functions need from the control plane.
//!
//! The control plane implements [`AdminBackend`] over its service layer and
//! provides it as Leptos context, so server functions run the same
//! authorization and business rules as the JSON API.

use serde::{Deserialize, Serialize};

/// A tenant as the tenant list shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TenantSummary {
    pub slug: String,
    pub display_name: String,
    pub tool_count: i64,
    /// The newest config version the edge accepted, if any.
    pub live_version: Option<i64>,
    /// Where MCP clients connect.
    pub mcp_url: String,
}

#[cfg(feature = "ssr")]
mod ssr {
    use std::future::Future;
    use std::pin::Pin;
    use std::sync::Arc;

    use super::TenantSummary;

    /// A failure the UI may show: its text is meant for the admin.
    pub type BackendResult<T> = Result<T, String>;

    pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

    pub trait AdminBackend: Send + Sync {
        fn list_tenants(&self) -> BoxFuture<'_, BackendResult<Vec<TenantSummary>>>;
    }

    /// How the control plane hands its backend to the UI.
    pub type SharedBackend = Arc<dyn AdminBackend>;
}

#[cfg(feature = "ssr")]
pub use ssr::{AdminBackend, BackendResult, BoxFuture, SharedBackend};
