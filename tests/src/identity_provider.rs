//! A real OpenID Provider (npm `oidc-provider`) on a loopback port, as a
//! tenant's upstream identity provider (`tests/clients/oidc-provider.mjs`).

use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::{free_port, repo_root};

pub struct OpenIdProvider {
    /// `http://127.0.0.1:<port>`
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    _child: Child,
}

impl OpenIdProvider {
    /// Starts it with one confidential client allowed to redirect to
    /// `redirect_uri`, and returns once it listens.
    pub async fn start(redirect_uri: &str) -> Self {
        let port = free_port();
        let (client_id, client_secret) = ("portcullis-edge", "edge-secret-for-tests");
        let mut child = Command::new("node")
            .current_dir(repo_root().join("tests/clients"))
            .arg("oidc-provider.mjs")
            .args([&port.to_string(), client_id, client_secret, redirect_uri])
            .stdout(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("node runs (npm ci in tests/clients)");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut lines = BufReader::new(stdout).lines();
        let ready = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
            .await
            .expect("the OpenID provider starts within 30 s")
            .expect("its output is readable")
            .expect("it prints a ready line");
        // Keep reading: a closed pipe would kill it at its next log line.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        let issuer = ready
            .strip_prefix("ready ")
            .unwrap_or_else(|| panic!("unexpected first line {ready:?}"))
            .to_owned();
        Self {
            issuer,
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            _child: child,
        }
    }
}
