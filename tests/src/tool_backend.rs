//! A tenant's backend for HTTP tools on a loopback port
//! (`tests/clients/python/tool_backend.py`, Python's standard library):
//! it answers by path and records exactly what each request carried.

use serde_json::Value;
use tokio::process::{Child, Command};

use crate::{free_port, repo_root, spawn_ready};

pub struct ToolBackend {
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    _child: Child,
}

impl ToolBackend {
    pub async fn start() -> Self {
        let mut command = Command::new("python3");
        command
            .current_dir(repo_root().join("tests/clients/python"))
            .args(["tool_backend.py", &free_port().to_string()]);
        let (child, base) = spawn_ready("tool_backend.py", command).await;
        Self {
            base,
            _child: child,
        }
    }

    /// Every request it received, in order: `{method, path, query,
    /// headers, body}`.
    pub async fn received(&self) -> Vec<Value> {
        reqwest::get(format!("{}/_log", self.base))
            .await
            .expect("the backend answers")
            .json()
            .await
            .expect("its log is JSON")
    }
}
