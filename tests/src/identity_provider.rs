//! Upstream identity providers for a tenant, on loopback ports: a real
//! OpenID Provider (npm `oidc-provider`, `tests/clients/oidc-provider.mjs`)
//! and a stand-in speaking GitHub's OAuth and REST wire format
//! (`tests/clients/github-standin.mjs`).

use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::{free_port, repo_root};

pub struct IdentityProvider {
    /// The OpenID issuer, or GitHub's base URL (site and API in one).
    pub base: String,
    pub client_id: String,
    pub client_secret: String,
    _child: Child,
}

impl IdentityProvider {
    /// An OpenID Provider with one confidential client allowed to redirect
    /// to `redirect_uri`.
    pub async fn openid(redirect_uri: &str) -> Self {
        Self::start("oidc-provider.mjs", &[redirect_uri], &[]).await
    }

    /// Like [`Self::openid`], in the library's default, spec-conformant
    /// setting: the ID token names the subject only; `email`, `name` and
    /// `groups` come from the userinfo endpoint.
    pub async fn openid_conformant(redirect_uri: &str) -> Self {
        Self::start(
            "oidc-provider.mjs",
            &[redirect_uri],
            &[("OIDC_CLAIMS", "userinfo")],
        )
        .await
    }

    /// The GitHub stand-in, with one OAuth app.
    pub async fn github() -> Self {
        Self::start("github-standin.mjs", &[], &[]).await
    }

    /// Runs `script <port> <client-id> <client-secret> <extra>…` and returns
    /// once it prints `ready <base-url>`.
    async fn start(script: &str, extra: &[&str], env: &[(&str, &str)]) -> Self {
        let port = free_port();
        let (client_id, client_secret) = ("portcullis-edge", "edge-secret-for-tests");
        let mut child = Command::new("node")
            .current_dir(repo_root().join("tests/clients"))
            .arg(script)
            .args([&port.to_string(), client_id, client_secret])
            .args(extra)
            .envs(env.iter().copied())
            .stdout(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("node runs (npm ci in tests/clients)");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut lines = BufReader::new(stdout).lines();
        let ready = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
            .await
            .unwrap_or_else(|_| panic!("{script} starts within 30 s"))
            .expect("its output is readable")
            .expect("it prints a ready line");
        // Keep reading: a closed pipe would kill it at its next log line.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        let base = ready
            .strip_prefix("ready ")
            .unwrap_or_else(|| panic!("unexpected first line {ready:?}"))
            .to_owned();
        Self {
            base,
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            _child: child,
        }
    }
}
