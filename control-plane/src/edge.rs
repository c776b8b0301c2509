//! Pushing signed configs to the edge Worker.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ed25519_dalek::{Signer, SigningKey};
use portcullis_tenant_config::encoding::encode_hex;
use portcullis_tenant_config::{SignedConfig, command};
use reqwest::Method;

/// The edge's answer to one push, as recorded in the deployment history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushOutcome {
    pub accepted: bool,
    /// Whether trying again may help (the edge was unreachable or failing),
    /// as opposed to the edge refusing the document.
    pub retryable: bool,
    /// The edge's response body, or why it could not be reached.
    pub detail: String,
}

pub struct EdgeClient {
    http: reqwest::Client,
    base_url: String,
    /// The edge's domain as its commands name it: the host of `base_url`.
    domain: String,
}

impl EdgeClient {
    /// `extra_ca`: a PEM certificate authority trusted besides the system's.
    /// An edge named `localhost` or `*.localhost` is reached on loopback
    /// (RFC 6761), whatever the system resolver makes of the name.
    pub fn new(base_url: &str, extra_ca: Option<&[u8]>) -> Result<Self, reqwest::Error> {
        let mut builder = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(15));
        if let Some(pem) = extra_ca {
            builder = builder.add_root_certificate(reqwest::Certificate::from_pem(pem)?);
        }
        let base_url = base_url.trim_end_matches('/').to_owned();
        let host = host_of(&base_url);
        if host == "localhost" || host.ends_with(".localhost") {
            // Port 0: the URL's own port is used.
            builder = builder.resolve(&host, std::net::SocketAddr::from(([127, 0, 0, 1], 0)));
        }
        let http = builder.build()?;
        Ok(Self {
            http,
            domain: host_of(&base_url),
            base_url,
        })
    }

    /// Pushes one document. Never fails: an unreachable or refusing edge is
    /// an outcome to record, not an error to lose.
    pub async fn push(&self, tenant: &str, config: &SignedConfig) -> PushOutcome {
        let url = format!("{}/internal/tenants/{tenant}/config", self.base_url);
        match self.http.put(&url).json(config).send().await {
            Err(e) => PushOutcome {
                accepted: false,
                retryable: true,
                detail: format!("edge unreachable at {url}: {}", error_chain(&e)),
            },
            Ok(response) => {
                let status = response.status();
                let body = response.text().await.unwrap_or_default();
                let body: String = body.chars().take(2000).collect();
                PushOutcome {
                    accepted: status.is_success(),
                    retryable: status.is_server_error(),
                    detail: if status.is_success() {
                        body
                    } else {
                        format!("edge answered {status}: {body}")
                    },
                }
            }
        }
    }
}

impl EdgeClient {
    /// The version the edge serves for `tenant` (`None`: nothing yet), or
    /// why it could not say.
    pub async fn served_version(&self, tenant: &str) -> Result<Option<i64>, String> {
        let url = format!("{}/internal/tenants/{tenant}/config", self.base_url);
        let response = self
            .http
            .get(&url)
            .send()
            .await
            .map_err(|e| format!("edge unreachable at {url}: {}", error_chain(&e)))?;
        match response.status().as_u16() {
            404 => Ok(None),
            200 => {
                let body: serde_json::Value = response
                    .json()
                    .await
                    .map_err(|e| format!("edge answered with something else: {e}"))?;
                Ok(body["version"].as_i64())
            }
            other => Err(format!("edge answered {other}")),
        }
    }
}

impl EdgeClient {
    /// Sends a command about `tenant`'s clients and grants (`rest` below
    /// `/internal/tenants/{tenant}/`, already percent-encoded), signed with
    /// the key that signs configs; the edge's status and JSON body, or why
    /// it could not be asked.
    pub async fn command(
        &self,
        key: &SigningKey,
        method: Method,
        tenant: &str,
        rest: &str,
    ) -> Result<(u16, serde_json::Value), String> {
        let path = format!("/internal/tenants/{tenant}/{rest}");
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_err(|e| e.to_string())?
            .as_secs();
        let mut nonce = [0u8; 16];
        getrandom::fill(&mut nonce).map_err(|e| e.to_string())?;
        let nonce = encode_hex(&nonce);
        let signed = command::Signed {
            edge_domain: &self.domain,
            method: method.as_str(),
            path: &path,
            timestamp: now,
            nonce: &nonce,
        };
        let signature = key.sign(signed.message().as_bytes());
        let url = format!("{}{path}", self.base_url);
        let response = self
            .http
            .request(method.clone(), &url)
            .header(command::HEADER, signed.header_value(&signature.to_bytes()))
            .send()
            .await
            .map_err(|e| format!("edge unreachable at {url}: {}", error_chain(&e)))?;
        let status = response.status().as_u16();
        if status >= 500 || status == 401 {
            return Err(format!("edge answered {status} to {path}"));
        }
        let body = response.bytes().await.map_err(|e| e.to_string())?;
        let json = if body.is_empty() {
            serde_json::Value::Null
        } else {
            serde_json::from_slice(&body)
                .map_err(|e| format!("edge answered with something else: {e}"))?
        };
        Ok((status, json))
    }
}

/// The host of the edge's URL, as its `EDGE_DOMAIN` names it.
fn host_of(url: &str) -> String {
    reqwest::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_default()
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    #[test]
    fn commands_name_the_host_of_the_edge_url() {
        assert_eq!(super::host_of("http://localhost:8787"), "localhost");
        assert_eq!(
            super::host_of("https://MCP.Example.com/"),
            "mcp.example.com"
        );
    }
}
