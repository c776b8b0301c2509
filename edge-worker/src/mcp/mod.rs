//! MCP for one tenant: JSON-RPC framing, the Streamable HTTP transport rules
//! and the methods themselves, kept apart so each is tested on its own.

pub mod asking;
pub mod effect;
pub mod jsonrpc;
pub mod methods;
pub mod modern;
pub mod session_store;
pub mod sessions;
pub mod sse;
pub mod subscriptions;
pub mod transport;

#[cfg(test)]
mod schema_conformance;

/// Protocol revisions negotiated with `initialize`, newest first.
pub const SUPPORTED_VERSIONS: &[&str] = &["2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"];

/// Stateless revisions, named in every request's `_meta`, newest first.
pub const MODERN_VERSIONS: &[&str] = &["2026-07-28"];

/// Every revision this server speaks, newest first.
pub fn all_versions() -> Vec<&'static str> {
    MODERN_VERSIONS
        .iter()
        .chain(SUPPORTED_VERSIONS)
        .copied()
        .collect()
}

/// What a server answers when the client asks for a version it does not know.
pub const LATEST_VERSION: &str = SUPPORTED_VERSIONS[0];

/// The version a client without an `MCP-Protocol-Version` header is assumed
/// to speak (Streamable HTTP, "Protocol Version Header").
pub const DEFAULT_HEADER_VERSION: &str = "2025-03-26";
