//! An MCP server a tenant already runs, on a loopback port: the official
//! "everything" server (`tests/clients/upstream-everything.mjs`, npm
//! `@modelcontextprotocol/server-everything`) over Streamable HTTP, or one
//! built with the official SDK whose tool changes on demand
//! (`tests/clients/upstream-changing.mjs`).

use tokio::process::{Child, Command};

use crate::{free_port, repo_root, spawn_ready};

pub struct UpstreamMcp {
    /// Its endpoint, `http://127.0.0.1:<port>/mcp`.
    pub url: String,
    _child: Child,
}

impl UpstreamMcp {
    pub async fn everything() -> Self {
        Self::start("upstream-everything.mjs").await
    }

    /// One tool, `forecast`, until [`Self::change`].
    pub async fn changing() -> Self {
        Self::start("upstream-changing.mjs").await
    }

    /// Gives the changing server's `forecast` an argument and new words.
    pub async fn change(&self) {
        self.tell("/_change").await;
    }

    /// Makes the changing server answer calls on streams it leaves open.
    pub async fn hold(&self) {
        self.tell("/_hold").await;
    }

    /// The JSON-RPC methods the changing server was sent, in order.
    pub async fn methods(&self) -> Vec<String> {
        reqwest::get(self.url.replace("/mcp", "/_log"))
            .await
            .expect("the upstream answers")
            .json()
            .await
            .expect("its log is JSON")
    }

    /// Makes the changing server forget its client once.
    pub async fn forget(&self) {
        self.tell("/_forget").await;
    }

    /// POSTs to one of the changing server's controls.
    async fn tell(&self, control: &str) {
        let status = reqwest::Client::new()
            .post(self.url.replace("/mcp", control))
            .send()
            .await
            .expect("the upstream answers")
            .status();
        assert!(status.is_success(), "{status}");
    }

    async fn start(script: &str) -> Self {
        let mut command = Command::new("node");
        command
            .current_dir(repo_root().join("tests/clients"))
            .args([script, &free_port().to_string()]);
        let (child, url) = spawn_ready(script, command).await;
        Self { url, _child: child }
    }
}
