//! The compiled tenant config: the one document the control plane publishes
//! and the edge serves.
//!
//! It is the contract between the two halves of Portcullis, so it lives in a
//! crate both build: the control plane natively, the edge for `wasm32`. It
//! holds only serde types and pure rules — names, the compact argument schema
//! the edge can check cheaply, and the signed envelope — never I/O.

// Tests read replies however is clearest; the bundle never holds them.
#![cfg_attr(test, allow(clippy::disallowed_methods))]

pub mod args;
pub mod assertion;
pub mod auth;
pub mod catalog;
pub mod command;
pub mod compare;
pub mod content;
pub mod credential;
pub mod document;
pub mod encoding;
pub mod envelope;
pub mod http_tool;
pub mod ingest;
pub mod inputs;
pub mod json;
pub mod limits;
pub mod memory;
pub mod names;
pub mod notifications;
pub mod redirect_uri;
pub mod sealing;
pub mod upstream_mcp;

#[cfg(test)]
mod robustness;
#[cfg(any(test, feature = "strategies"))]
pub mod strategies;

pub use args::{ArgSchema, CompileError, Violation};
pub use auth::OAuthConfig;
pub use catalog::{
    PromptArgument, PromptConfig, PromptMessage, ResourceConfig, ResourceTemplateConfig,
};
pub use content::{ContentBlock, ResourceContents};
pub use document::{Branding, ConfigError, FORMAT, TenantConfig, ToolAnnotations, ToolConfig};
pub use envelope::{EnvelopeError, SignatureVerifier, SignedConfig};
pub use limits::RateLimits;
