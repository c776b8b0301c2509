//! The control plane's JSON API as types, one module per resource: what
//! each route takes and answers, the roles and permissions its access
//! rules speak of, and the paths that reach it ([`paths`]).
//!
//! The server (`portcullis-control-plane`) and the admin UI
//! (`portcullis-web-ui`) both use these and define none of their own, so a
//! field renamed here is renamed for both. Nothing here depends on a server
//! crate: the browser build stays small. With `openapi`, every type also
//! describes itself for the OpenAPI document; with `sqlx`, the push status
//! is a column type.

pub mod access;
pub mod audit;
pub mod auth;
pub mod clients;
pub mod error;
pub mod imports;
pub mod keys;
pub mod members;
pub mod page;
pub mod paths;
pub mod publish;
pub mod session;
pub mod tenants;
pub mod tools;
pub mod usage;

pub use access::{May, Permission, Role};
pub use page::Page;
