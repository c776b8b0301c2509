//! A tenant's backend for HTTP tools on a loopback port
//! (`tests/clients/python/tool_backend.py`, Python's standard library):
//! it answers by path and records exactly what each request carried.

use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::{free_port, repo_root};

pub struct ToolBackend {
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    _child: Child,
}

impl ToolBackend {
    pub async fn start() -> Self {
        let port = free_port();
        let mut child = Command::new("python3")
            .current_dir(repo_root().join("tests/clients/python"))
            .args(["tool_backend.py", &port.to_string()])
            .stdout(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("python3 runs");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut lines = BufReader::new(stdout).lines();
        let ready = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
            .await
            .expect("the backend starts within 30 s")
            .expect("its output is readable")
            .expect("it prints a ready line");
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        let base = ready
            .strip_prefix("ready ")
            .unwrap_or_else(|| panic!("unexpected first line {ready:?}"))
            .to_owned();
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
