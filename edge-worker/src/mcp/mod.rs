//! MCP for one tenant: JSON-RPC framing, the Streamable HTTP transport rules
//! and the methods themselves, kept apart so each is tested on its own.

pub mod jsonrpc;
pub mod methods;
pub mod transport;

#[cfg(test)]
mod schema_conformance;

/// Protocol revisions this server speaks over Streamable HTTP, newest first.
pub const SUPPORTED_VERSIONS: &[&str] = &["2025-11-25", "2025-06-18", "2025-03-26"];

/// What a server answers when the client asks for a version it does not know.
pub const LATEST_VERSION: &str = SUPPORTED_VERSIONS[0];

/// The version a client without an `MCP-Protocol-Version` header is assumed
/// to speak (Streamable HTTP, "Protocol Version Header").
pub const DEFAULT_HEADER_VERSION: &str = "2025-03-26";
