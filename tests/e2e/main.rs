//! End-to-end: Postgres, the control plane and the edge under workerd, with
//! the official MCP TypeScript SDK as the client. One binary, so the world
//! links once.

mod admin_sign_in;
mod admin_ui;
mod conformance;
mod edge_hardening;
mod http_tools;
mod live_config;
mod local_stack;
mod memory;
mod oauth;
mod openapi_import;
mod publish_retries;
mod python_client;
mod sessions;
mod upstream_mcp;
mod user_assertions;
mod user_tokens;
mod walking_skeleton;
