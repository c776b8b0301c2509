//! A tenant's backend for HTTP tools on a loopback port
//! (`tests/clients/python/tool_backend.py`, Python's standard library and
//! PyJWT): it answers by path, records exactly what each request carried,
//! and verifies user assertions against a tenant's JWKS.

use serde_json::{Value, json};
use tokio::process::{Child, Command};

use crate::{free_port, repo_root, spawn_ready};

pub struct ToolBackend {
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    _child: Child,
}

impl ToolBackend {
    pub async fn start() -> Self {
        let python = std::env::var("PORTCULLIS_PYTHON")
            .expect("PORTCULLIS_PYTHON names the venv with PyJWT (tests/run.sh sets it)");
        let mut command = Command::new(python);
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

    /// Makes `/whoami` trust assertions from `issuer` (a tenant origin)
    /// for any of `audience`.
    pub async fn trust(&self, issuer: &str, audience: &[&str]) {
        self.post("/_trust", json!({"issuer": issuer, "audience": audience}))
            .await;
    }

    /// The backend's own verdict on `token` now: `{ok, claims}` or
    /// `{ok: false, error}`.
    pub async fn check(&self, token: &str, issuer: &str, audience: &str) -> Value {
        self.post(
            "/_check",
            json!({"token": token, "issuer": issuer, "audience": audience}),
        )
        .await
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        reqwest::Client::new()
            .post(format!("{}{path}", self.base))
            .json(&body)
            .send()
            .await
            .expect("the backend answers")
            .json()
            .await
            .expect("its answer is JSON")
    }
}
