//! Settings from the environment, with a clear error naming each missing or
//! malformed variable.

use std::net::SocketAddr;
use std::path::PathBuf;

use portcullis_tenant_config::encoding::decode_hex;
use thiserror::Error;

/// Everything the control plane reads from its environment.
/// Its `Debug` leaves every secret out (keys, tokens, the database URL,
/// which may hold a password), so settings can be logged safely.
#[derive(Clone)]
pub struct Settings {
    /// `DATABASE_URL`: the Postgres to use.
    pub database_url: String,
    /// `PORTCULLIS_LISTEN` (default `127.0.0.1:8080`).
    pub listen: SocketAddr,
    /// `PORTCULLIS_SIGNING_KEY`: Ed25519 seed, 64 hex digits. The edge holds
    /// the matching public key (`portcullis-control-plane public-key`).
    pub signing_key_hex: String,
    /// `PORTCULLIS_EDGE_SEAL_KEY`: 32 bytes as 64 hex digits, shared with the
    /// edge (its `SEAL_KEY`); identity providers' client secrets are sealed
    /// with it (AES-256-GCM) before they are stored or published.
    pub edge_seal_key: [u8; 32],
    /// `PORTCULLIS_EDGE_SEAL_KEY_PREVIOUS` (optional): the seal key before
    /// a rotation, while `rotate-seal-key` re-seals what is under it.
    pub edge_seal_key_previous: Option<[u8; 32]>,
    /// `PORTCULLIS_EDGE_URL`: where configs are pushed (the edge apex).
    pub edge_url: String,
    /// `PORTCULLIS_EDGE_CA_FILE` (optional): a PEM certificate authority
    /// trusted for the edge besides the system's (the local stack's
    /// development CA).
    pub edge_ca_pem: Option<Vec<u8>>,
    /// `PORTCULLIS_TENANT_ORIGIN` (default `http://{tenant}.localhost:8787`):
    /// a tenant's public origin, `{tenant}` replaced by its slug.
    pub tenant_origin: String,
    /// `PORTCULLIS_SITE_ROOT` (default `target/site`): the built admin UI
    /// (`pkg/` with its wasm, JS and CSS).
    pub site_root: PathBuf,
    /// `PORTCULLIS_PUBLIC_URL` (default `http://<PORTCULLIS_LISTEN>`): where
    /// admins reach the control plane; sign-in links and the OpenID Connect
    /// redirect start with it, and over https the session cookie is `Secure`.
    pub public_url: String,
    /// Admin sign-in with OpenID Connect, when `PORTCULLIS_ADMIN_OIDC_ISSUER`
    /// is set (then `…_CLIENT_ID` and `…_CLIENT_SECRET` are required; the
    /// client's redirect URI is `<PORTCULLIS_PUBLIC_URL>/auth/oidc/callback`).
    pub admin_oidc: Option<AdminOidc>,
    /// `PORTCULLIS_PUSH_RETRY_SECONDS` (default 15): how often versions the
    /// edge has not accepted are pushed again.
    pub push_retry_interval: std::time::Duration,
    /// `PORTCULLIS_INGEST_TOKEN` (optional): the secret the edge signs its
    /// usage reports with (its `INGEST_TOKEN`); without it, reports are
    /// refused.
    pub ingest_token: Option<String>,
    /// `PORTCULLIS_BEHIND_PROXY` (default `false`): whether a proxy in front
    /// appends the client's address to `X-Forwarded-For` (then the audit log
    /// records that address; otherwise the connection's).
    pub behind_proxy: bool,
    /// `PORTCULLIS_ALLOW_LOOPBACK_FETCH` (default `false`): whether URLs
    /// tenant admins give (identity providers' issuers) may be fetched on
    /// loopback. For the local stack and tests only; private, link-local
    /// and metadata addresses are refused regardless.
    pub allow_loopback_fetch: bool,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("listen", &self.listen)
            .field("edge_url", &self.edge_url)
            .field("tenant_origin", &self.tenant_origin)
            .field("site_root", &self.site_root)
            .field("public_url", &self.public_url)
            .field("admin_oidc", &self.admin_oidc)
            .field("push_retry_interval", &self.push_retry_interval)
            .finish_non_exhaustive()
    }
}

/// The identity provider admins sign in with.
#[derive(Clone)]
pub struct AdminOidc {
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
}

impl std::fmt::Debug for AdminOidc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdminOidc")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Error)]
pub enum SettingsError {
    #[error("environment variable {0} is required but not set")]
    Missing(&'static str),
    #[error("environment variable {name} is invalid: {reason}")]
    Invalid { name: &'static str, reason: String },
}

impl Settings {
    pub fn from_env() -> Result<Self, SettingsError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup`, so tests need not touch the process env.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, SettingsError> {
        let required = |name: &'static str| {
            lookup(name)
                .filter(|v| !v.is_empty())
                .ok_or(SettingsError::Missing(name))
        };
        let listen_text = lookup("PORTCULLIS_LISTEN").unwrap_or_else(|| "127.0.0.1:8080".into());
        let listen = listen_text.parse().map_err(|e| SettingsError::Invalid {
            name: "PORTCULLIS_LISTEN",
            reason: format!("{listen_text:?} is not host:port ({e})"),
        })?;
        let tenant_origin = lookup("PORTCULLIS_TENANT_ORIGIN")
            .unwrap_or_else(|| "http://{tenant}.localhost:8787".into());
        if !tenant_origin.contains("{tenant}") {
            return Err(SettingsError::Invalid {
                name: "PORTCULLIS_TENANT_ORIGIN",
                reason: "must contain {tenant}".into(),
            });
        }
        Ok(Self {
            database_url: required("DATABASE_URL")?,
            listen,
            signing_key_hex: required("PORTCULLIS_SIGNING_KEY")?,
            edge_seal_key: decode_hex(&required("PORTCULLIS_EDGE_SEAL_KEY")?)
                .and_then(|k| <[u8; 32]>::try_from(k).ok())
                .ok_or(SettingsError::Invalid {
                    name: "PORTCULLIS_EDGE_SEAL_KEY",
                    reason: "must be 32 bytes as 64 hex digits".into(),
                })?,
            edge_seal_key_previous: match lookup("PORTCULLIS_EDGE_SEAL_KEY_PREVIOUS")
                .filter(|v| !v.is_empty())
            {
                None => None,
                Some(hex) => Some(
                    decode_hex(&hex)
                        .and_then(|k| <[u8; 32]>::try_from(k).ok())
                        .ok_or(SettingsError::Invalid {
                            name: "PORTCULLIS_EDGE_SEAL_KEY_PREVIOUS",
                            reason: "must be 32 bytes as 64 hex digits".into(),
                        })?,
                ),
            },
            edge_url: required("PORTCULLIS_EDGE_URL")?
                .trim_end_matches('/')
                .to_owned(),
            tenant_origin,
            edge_ca_pem: match lookup("PORTCULLIS_EDGE_CA_FILE").filter(|v| !v.is_empty()) {
                None => None,
                Some(path) => Some(std::fs::read(&path).map_err(|e| SettingsError::Invalid {
                    name: "PORTCULLIS_EDGE_CA_FILE",
                    reason: format!("cannot read {path:?}: {e}"),
                })?),
            },
            site_root: lookup("PORTCULLIS_SITE_ROOT")
                .unwrap_or_else(|| "target/site".into())
                .into(),
            public_url: public_url(lookup("PORTCULLIS_PUBLIC_URL"), &listen_text)?,
            ingest_token: lookup("PORTCULLIS_INGEST_TOKEN").filter(|t| !t.is_empty()),
            behind_proxy: matches!(
                lookup("PORTCULLIS_BEHIND_PROXY").as_deref(),
                Some("1" | "true" | "yes")
            ),
            allow_loopback_fetch: matches!(
                lookup("PORTCULLIS_ALLOW_LOOPBACK_FETCH").as_deref(),
                Some("1" | "true" | "yes")
            ),
            push_retry_interval: std::time::Duration::from_secs(
                match lookup("PORTCULLIS_PUSH_RETRY_SECONDS") {
                    None => 15,
                    Some(text) => {
                        text.parse()
                            .ok()
                            .filter(|s| *s > 0)
                            .ok_or(SettingsError::Invalid {
                                name: "PORTCULLIS_PUSH_RETRY_SECONDS",
                                reason: format!("{text:?} is not a positive number of seconds"),
                            })?
                    }
                },
            ),
            admin_oidc: match lookup("PORTCULLIS_ADMIN_OIDC_ISSUER").filter(|v| !v.is_empty()) {
                None => None,
                Some(issuer) => Some(AdminOidc {
                    issuer,
                    client_id: required("PORTCULLIS_ADMIN_OIDC_CLIENT_ID")?,
                    client_secret: required("PORTCULLIS_ADMIN_OIDC_CLIENT_SECRET")?,
                }),
            },
        })
    }

    /// Where a one-time sign-in link with `token` signs its admin in.
    pub fn sign_in_link_url(&self, token: &str) -> String {
        format!("{}/auth/link/{token}", self.public_url)
    }

    /// A tenant's MCP endpoint as clients should be given it.
    pub fn mcp_url(&self, tenant: &str) -> String {
        format!("{}/mcp", self.tenant_origin.replace("{tenant}", tenant))
    }
}

fn public_url(given: Option<String>, listen: &str) -> Result<String, SettingsError> {
    let url = given
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| format!("http://{listen}"));
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        return Err(SettingsError::Invalid {
            name: "PORTCULLIS_PUBLIC_URL",
            reason: "must be an http(s) URL".into(),
        });
    }
    Ok(url.trim_end_matches('/').to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_holds_no_secret() {
        let settings = Settings::from_lookup(|name| match name {
            "DATABASE_URL" => Some("postgres://u:db-password@h/d".into()),
            "PORTCULLIS_SIGNING_KEY" => Some("ab".repeat(32)),
            "PORTCULLIS_EDGE_SEAL_KEY" => Some("cd".repeat(32)),
            "PORTCULLIS_EDGE_URL" => Some("http://edge".into()),
            "PORTCULLIS_INGEST_TOKEN" => Some("ingest-secret".into()),
            "PORTCULLIS_ADMIN_OIDC_ISSUER" => Some("https://sso".into()),
            "PORTCULLIS_ADMIN_OIDC_CLIENT_ID" => Some("cp".into()),
            "PORTCULLIS_ADMIN_OIDC_CLIENT_SECRET" => Some("oidc-secret".into()),
            _ => None,
        })
        .unwrap();
        let shown = format!("{settings:?}");
        for secret in [
            "db-password",
            "abab",
            "cdcd",
            "ingest-secret",
            "oidc-secret",
        ] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
    }

    fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        }
    }

    #[test]
    fn names_the_missing_variable() {
        let err = Settings::from_lookup(lookup(&[("DATABASE_URL", "postgres://x")])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "environment variable PORTCULLIS_SIGNING_KEY is required but not set"
        );
        let err = Settings::from_lookup(lookup(&[])).unwrap_err();
        assert!(err.to_string().contains("DATABASE_URL"));
    }

    #[test]
    fn defaults_and_invalid_values() {
        let base = [
            ("DATABASE_URL", "postgres://x"),
            ("PORTCULLIS_SIGNING_KEY", "00"),
            ("PORTCULLIS_EDGE_URL", "http://localhost:8787/"),
            ("PORTCULLIS_EDGE_SEAL_KEY", &"ab".repeat(32)),
        ];
        let s = Settings::from_lookup(lookup(&base)).unwrap();
        assert_eq!(s.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(s.edge_url, "http://localhost:8787");
        assert_eq!(s.mcp_url("acme"), "http://acme.localhost:8787/mcp");
        let mut bad = base.to_vec();
        bad.push(("PORTCULLIS_LISTEN", "nowhere"));
        assert!(
            Settings::from_lookup(lookup(&bad))
                .unwrap_err()
                .to_string()
                .contains("PORTCULLIS_LISTEN")
        );
        let mut short_key = base.to_vec();
        short_key[3].1 = "abcd";
        let err = Settings::from_lookup(lookup(&short_key)).unwrap_err();
        assert!(
            err.to_string().contains("PORTCULLIS_EDGE_SEAL_KEY"),
            "{err}"
        );
    }
}
