//! Pushing signed configs to the edge Worker.

use std::time::Duration;

use portcullis_tenant_config::SignedConfig;

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
}

impl EdgeClient {
    pub fn new(base_url: &str) -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(15))
            .build()?;
        Ok(Self {
            http,
            base_url: base_url.trim_end_matches('/').to_owned(),
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
