//! What the UI's server functions need from the control plane: its JSON
//! API, called in process with the admin's own session.
//!
//! The control plane implements [`AdminBackend`] by handing the call to its
//! API router, so every page goes through the same handlers, authorization
//! and validation as API clients, and the control plane's crate is not a
//! dependency of this one.

#[cfg(feature = "ssr")]
mod ssr {
    use std::future::Future;
    use std::pin::Pin;
    use std::sync::Arc;

    use serde_json::Value;

    pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

    /// One API request on behalf of the browser's request being handled.
    #[derive(Debug, Clone)]
    pub struct ApiCall {
        pub method: &'static str,
        /// Below `/api`, e.g. `/v1/tenants`.
        pub path: String,
        pub body: Option<Value>,
        /// The browser request's `Cookie` header (the admin's session).
        pub cookie: Option<String>,
        /// The browser request's `Origin` header: changes must come from
        /// the control plane's own pages.
        pub origin: Option<String>,
        /// `If-Match`: the version (`ETag`) a change was made on.
        pub if_match: Option<String>,
    }

    /// The API's answer.
    #[derive(Debug, Clone)]
    pub struct ApiAnswer {
        pub status: u16,
        pub body: Value,
        /// The answer's `ETag`, if it has one.
        pub etag: Option<String>,
    }

    pub trait AdminBackend: Send + Sync {
        fn call(&self, call: ApiCall) -> BoxFuture<'_, ApiAnswer>;
    }

    /// How the control plane hands its backend to the UI.
    pub type SharedBackend = Arc<dyn AdminBackend>;
}

#[cfg(feature = "ssr")]
pub use ssr::{AdminBackend, ApiAnswer, ApiCall, BoxFuture, SharedBackend};
