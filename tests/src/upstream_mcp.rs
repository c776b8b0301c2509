//! An MCP server a tenant already runs, on a loopback port: the official
//! "everything" server (`tests/clients/upstream-everything.mjs`, npm
//! `@modelcontextprotocol/server-everything`) over Streamable HTTP.

use tokio::process::{Child, Command};

use crate::{free_port, repo_root, spawn_ready};

pub struct UpstreamMcp {
    /// Its endpoint, `http://127.0.0.1:<port>/mcp`.
    pub url: String,
    _child: Child,
}

impl UpstreamMcp {
    pub async fn everything() -> Self {
        let mut command = Command::new("node");
        command
            .current_dir(repo_root().join("tests/clients"))
            .args(["upstream-everything.mjs", &free_port().to_string()]);
        let (child, url) = spawn_ready("upstream-everything.mjs", command).await;
        Self { url, _child: child }
    }
}
