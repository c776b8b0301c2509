//! Upstream identity providers for a tenant, on loopback ports: a real
//! OpenID Provider (npm `oidc-provider`, `tests/clients/oidc-provider.mjs`)
//! and a stand-in speaking GitHub's OAuth and REST wire format
//! (`tests/clients/github-standin.mjs`).

use tokio::process::{Child, Command};

use crate::{free_port, repo_root, spawn_ready};

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

    /// The GitHub stand-in with user tokens lasting `seconds`, renewed with
    /// refresh tokens (a GitHub App's user-to-server tokens).
    pub async fn github_expiring(seconds: u64) -> Self {
        let seconds = seconds.to_string();
        Self::start(
            "github-standin.mjs",
            &[],
            &[("GITHUB_TOKEN_SECONDS", &seconds)],
        )
        .await
    }

    /// Runs `script <port> <client-id> <client-secret> <extra>…` and returns
    /// once it prints `ready <base-url>`.
    async fn start(script: &str, extra: &[&str], env: &[(&str, &str)]) -> Self {
        let port = free_port();
        let (client_id, client_secret) = ("portcullis-edge", "edge-secret-for-tests");
        let mut command = Command::new("node");
        command
            .current_dir(repo_root().join("tests/clients"))
            .arg(script)
            .args([&port.to_string(), client_id, client_secret])
            .args(extra)
            .envs(env.iter().copied());
        let (child, base) = spawn_ready(script, command).await;
        Self {
            base,
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            _child: child,
        }
    }
}
