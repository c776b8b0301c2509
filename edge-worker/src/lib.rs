//! The edge: one Cloudflare Worker serving every tenant's MCP endpoint.
//!
//! The tenant is chosen by the Host header (`acme.<edge-domain>`). Everything
//! that decides an answer is plain Rust over two small traits — where configs
//! are kept ([`store::ConfigStore`]) and how signatures are checked
//! ([`portcullis_tenant_config::SignatureVerifier`]) — so it is unit-tested
//! natively. [`runtime`] is the thin shell that binds those traits to KV and
//! Web Crypto and converts requests; it is the only code that needs workerd.

pub mod app;
pub mod auth;
pub mod config_push;
pub mod http;
pub mod log;
pub mod mcp;
pub mod oauth;
pub mod rate;
pub mod routing;
pub mod runtime;
pub mod store;
pub mod tokens;
pub mod usage;

#[cfg(test)]
mod robustness;
#[cfg(test)]
mod test_fixtures;
