//! The edge: one Cloudflare Worker serving every tenant's OAuth 2.1
//! authorization server and MCP endpoint, the tenant chosen by the Host
//! header (`acme.<edge-domain>`).
//!
//! A request's road, one way down:
//!
//! ```text
//! runtime   the Workers shell: converts the request, binds KV, Durable
//!   │       Objects, Web Crypto and the Worker's variables (runtime/vars.rs),
//!   │       then carries out what it is told (runtime/mod.rs `perform`)
//!   ▼
//! app       routing: which site (routing), rate limits (rate), signed
//!   │       control-plane commands and config pushes (config_push), the
//!   │       caller (auth); answers with an `Outcome`
//!   ▼
//! mcp       the MCP core: transport rules per era, the methods (one
//! oauth     `Call::run`), session rules over `SessionStore`; the OAuth
//!   │       server over `AuthStore`. Pure: they return effects and usage as
//!   │       values (`mcp::effect`), never doing them
//!   ▼
//! leaves    http (request/response values), tokens (access tokens, PKCE,
//!           purpose MACs), store (storage traits), usage, log; outside
//!           (what a tool needs from outside the core: backend, an HTTP
//!           tool's call and its answer, or memory, an operation on the
//!           user's notes; the core asks, the shell obtains it and runs the
//!           request again with it), upstream_sessions (what the shell
//!           remembers of the MCP servers it forwards to)
//! ```
//!
//! Everything above the shell is plain Rust, unit-tested natively; only
//! [`runtime`] needs workerd.

// Tests read replies however is clearest; the bundle never holds them.
#![cfg_attr(test, allow(clippy::disallowed_methods))]

pub mod app;
pub mod auth;
pub mod backend;
pub mod cache;
pub mod config_push;
pub mod http;
pub mod log;
pub mod mcp;
pub mod memory;
pub mod oauth;
pub mod outside;
pub mod rate;
pub mod routing;
pub mod runtime;
pub mod store;
pub mod tokens;
pub mod upstream_sessions;
pub mod usage;

#[cfg(test)]
mod robustness;
#[cfg(test)]
mod test_fixtures;
