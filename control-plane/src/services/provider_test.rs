//! "Test connection" for an identity provider before (or after) it is
//! saved: the control plane fetches what the edge will need from it — an
//! OpenID Provider's discovery document and keys, or GitHub's API — and
//! says what it found, check by check, in words for the admin.
//!
//! Only https URLs (http on loopback) are fetched, through
//! [`crate::outbound`]: never to a loopback (unless the development flag is
//! set), private, link-local, CGNAT or metadata address, without redirects,
//! with a timeout and a size cap. A failure says only that the host could
//! not be reached, not how, so the check cannot be used to map ports.

use std::time::Duration;

use portcullis_tenant_config::auth::{ProviderKind, is_https_or_loopback};
use serde_json::Value;

use super::{ServiceError, Services};
use crate::context::{RequestContext, grant};
use portcullis_api::auth::{Check, ProviderTest, ProviderTestResult};

/// The most of a document that is read.
const MAX_BODY: usize = 256 * 1024;

/// The checks so far; the first failure ends the run.
#[derive(Default)]
struct Checks(Vec<Check>);

impl Checks {
    fn pass(&mut self, name: &str, detail: impl Into<String>) {
        self.0.push(Check {
            name: name.into(),
            ok: true,
            detail: detail.into(),
        });
    }

    fn fail(mut self, name: &str, detail: impl Into<String>) -> ProviderTestResult {
        self.0.push(Check {
            name: name.into(),
            ok: false,
            detail: detail.into(),
        });
        self.done()
    }

    fn done(self) -> ProviderTestResult {
        ProviderTestResult {
            ok: self.0.iter().all(|c| c.ok),
            checks: self.0,
        }
    }
}

impl Services {
    /// Tries the provider described by `input` from here.
    pub async fn provider_test(
        &self,
        ctx: &RequestContext,
        tenant: &str,
        input: ProviderTest,
    ) -> Result<ProviderTestResult, ServiceError> {
        self.tenant_for::<grant::Write>(ctx, tenant).await?;
        let http = Fetcher {
            outbound: &self.outbound,
            client: self
                .outbound
                .client(Duration::from_secs(5))
                .map_err(|e| ServiceError::Internal(e.to_string()))?,
        };
        Ok(match input.kind {
            ProviderKind::Github => {
                let api = input
                    .api_base
                    .as_deref()
                    .unwrap_or("https://api.github.com");
                test_github(&http, api).await
            }
            ProviderKind::Google | ProviderKind::Oidc => {
                let issuer = match (input.issuer, input.kind) {
                    (Some(issuer), _) => issuer,
                    (None, ProviderKind::Google) => "https://accounts.google.com".into(),
                    (None, _) => {
                        return Err(ServiceError::invalid(
                            "issuer",
                            "an OpenID provider needs its issuer",
                        ));
                    }
                };
                test_openid(&http, &issuer).await
            }
        })
    }
}

async fn test_github(http: &Fetcher<'_>, api: &str) -> ProviderTestResult {
    let mut checks = Checks::default();
    if !is_https_or_loopback(api) {
        return checks.fail("url", "the API base must be an https URL");
    }
    match fetch_json(http, api).await {
        Ok(_) => checks.pass("api", format!("{api} answers")),
        Err(e) => return checks.fail("api", e),
    }
    checks.done()
}

async fn test_openid(http: &Fetcher<'_>, issuer: &str) -> ProviderTestResult {
    let mut checks = Checks::default();
    if !is_https_or_loopback(issuer) {
        return checks.fail(
            "issuer",
            "the issuer must be an https URL (http only on loopback)",
        );
    }
    let url = format!(
        "{}/.well-known/openid-configuration",
        issuer.trim_end_matches('/')
    );
    let discovery = match fetch_json(http, &url).await {
        Ok(document) => document,
        Err(e) => return checks.fail("discovery", e),
    };
    checks.pass("discovery", format!("found {url}"));
    let said = discovery["issuer"].as_str().unwrap_or_default();
    if said.trim_end_matches('/') != issuer.trim_end_matches('/') {
        return checks.fail(
            "issuer",
            format!("the document names the issuer {said:?}, not {issuer:?}"),
        );
    }
    checks.pass("issuer", "matches");
    for endpoint in ["authorization_endpoint", "token_endpoint", "jwks_uri"] {
        match discovery[endpoint].as_str() {
            Some(url) if is_https_or_loopback(url) => checks.pass(endpoint, url),
            Some(url) => return checks.fail(endpoint, format!("{url} is not https")),
            None => return checks.fail(endpoint, "missing from the discovery document"),
        }
    }
    if let Some(methods) = discovery["code_challenge_methods_supported"].as_array()
        && !methods.iter().any(|m| m == "S256")
    {
        return checks.fail("pkce", "the provider does not list S256 for PKCE");
    }
    let jwks_uri = discovery["jwks_uri"].as_str().unwrap_or_default();
    match fetch_json(http, jwks_uri).await {
        Ok(keys) => match keys["keys"].as_array() {
            Some(keys) if !keys.is_empty() => {
                checks.pass("keys", format!("{} signing keys", keys.len()))
            }
            _ => return checks.fail("keys", "the key set has no keys"),
        },
        Err(e) => return checks.fail("keys", e),
    }
    checks.done()
}

/// The guarded client and the check of IP-literal URLs it needs.
struct Fetcher<'a> {
    outbound: &'a crate::outbound::Outbound,
    client: reqwest::Client,
}

/// GETs a JSON document, in words the admin can act on when it fails.
async fn fetch_json(http: &Fetcher<'_>, url: &str) -> Result<Value, String> {
    http.outbound.check_url(url)?;
    let response = http
        .client
        .get(url)
        .header("accept", "application/json")
        .send()
        .await
        .map_err(|e| format!("{url} could not be reached{}", refused_because(&e)))?;
    let status = response.status();
    if !status.is_success() {
        return Err(format!("{url} answered {status}"));
    }
    let body = response
        .bytes()
        .await
        .map_err(|_| format!("{url} broke off"))?;
    if body.len() > MAX_BODY {
        return Err(format!("{url} sent more than {MAX_BODY} bytes"));
    }
    serde_json::from_slice(&body).map_err(|_| format!("{url} did not send JSON"))
}

/// The guard's reason when it refused the address; nothing otherwise: how a
/// connection failed (refused, reset, timed out) would tell an open port
/// from a closed one.
fn refused_because(e: &reqwest::Error) -> String {
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let text = s.to_string();
        if text.contains("only public addresses are fetched") {
            return format!(": {text}");
        }
        source = s.source();
    }
    String::new()
}
