//! The UI's side of the JSON API: the shapes it reads, the problem a call
//! can end in (shown next to the form field at fault), and, on the server,
//! [`call`], which every server function goes through.

use leptos::prelude::ServerFnError;
use serde::{Deserialize, Serialize};

/// Why a call failed, as the API says it: `code`, words for the admin, and
/// the field at fault.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Problem {
    pub status: u16,
    pub code: String,
    pub message: String,
    pub field: Option<String>,
}

impl Problem {
    /// The problem a server function failed with (carried as its message).
    pub fn of(error: &ServerFnError) -> Self {
        let text = match error {
            ServerFnError::ServerError(text) => text.clone(),
            other => other.to_string(),
        };
        serde_json::from_str(&text).unwrap_or(Self {
            status: 0,
            code: "unavailable".into(),
            message: "The control plane could not be reached; try again.".into(),
            field: None,
        })
    }

    /// Whether the admin must sign in (again).
    pub fn signed_out(&self) -> bool {
        self.status == 401
    }

    /// The problem as a server function's error.
    pub fn into_error(self) -> ServerFnError {
        ServerFnError::ServerError(serde_json::to_string(&self).unwrap_or_default())
    }
}

pub use portcullis_tenant_config::encoding::percent_encode as segment;

/// An RFC 3339 time as admins read it: `2026-11-26 22:27 UTC`.
pub fn when(at: &str) -> String {
    match at.split_once('T') {
        Some((date, time)) => format!("{date} {} UTC", time.get(..5).unwrap_or(time)),
        None => at.to_owned(),
    }
}

/// One page of a list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Tenant {
    pub slug: String,
    pub display_name: String,
    pub mcp_url: String,
    pub tool_count: i64,
    pub live_version: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Tool {
    pub name: String,
    pub title: Option<String>,
    pub description: String,
    pub scopes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Deployment {
    pub version: i64,
    pub status: String,
    pub detail: Option<String>,
    pub published_by: Option<String>,
    pub rollback_of: Option<i64>,
    pub created_at: String,
}

/// One bucket of a tenant's usage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UsagePoint {
    pub at: String,
    pub tool_calls: i64,
    pub errors: i64,
    pub logins: i64,
    pub active_users: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Usage {
    /// `minute`, `hour` or `day`.
    pub bucket: String,
    /// Every bucket of the range, quiet ones as zeros.
    pub points: Vec<UsagePoint>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    pub path: String,
    pub kind: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Diff {
    pub changes: Vec<Change>,
}

pub use portcullis_tenant_config::auth::{
    ClientConfig, RoleConfig as Role, ScopeConfig as Scope, UserMatch,
};

/// A tenant's sign-in settings as the API shows them (secrets never).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthSettings {
    /// `public` or `oauth`.
    pub mode: String,
    pub providers: Vec<Provider>,
    pub scopes: Vec<Scope>,
    pub allow: Vec<UserMatch>,
    pub roles: Vec<Role>,
    pub clients: Vec<ClientConfig>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Provider {
    pub id: String,
    /// `github`, `google` or `oidc`.
    pub kind: String,
    pub display_name: String,
    pub client_id: String,
    pub client_secret_set: bool,
    pub issuer: String,
    pub api_base: Option<String>,
    pub upstream_scopes: Vec<String>,
}

/// A rule in words, e.g. "email domain acme.com; group staff".
pub fn rule_summary(rule: &UserMatch) -> String {
    let parts: Vec<String> = [
        ("email domain", &rule.email_domains),
        ("email", &rule.emails),
        ("GitHub login", &rule.github_logins),
        ("GitHub organisation", &rule.github_orgs),
        ("group", &rule.groups),
    ]
    .into_iter()
    .filter(|(_, values)| !values.is_empty())
    .map(|(what, values)| format!("{what} {}", values.join(" or ")))
    .collect();
    if parts.is_empty() {
        "every signed-in user".to_owned()
    } else {
        parts.join("; ")
    }
}

/// The result of "Test connection".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProviderCheck {
    pub ok: bool,
    pub checks: Vec<Check>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Check {
    pub name: String,
    pub ok: bool,
    pub detail: String,
}

/// What a change the admin asked for came to: done, or the problem to
/// show next to the form (an answer like any other, not a failed request).
pub type Outcome<T> = Result<T, Problem>;

#[cfg(feature = "ssr")]
pub use server::{attempt, call, versioned};

#[cfg(feature = "ssr")]
mod server {
    use leptos::prelude::{ServerFnError, use_context};
    use serde::de::DeserializeOwned;
    use serde_json::Value;

    use super::Problem;
    use crate::backend::{ApiAnswer, ApiCall, SharedBackend};

    /// Calls the JSON API (`path` below `/api`) as the admin whose request
    /// is being handled, and reads the answer as `T`.
    pub async fn call<T: DeserializeOwned>(
        method: &'static str,
        path: &str,
        body: Option<Value>,
    ) -> Result<T, ServerFnError> {
        attempt(method, path, body)
            .await?
            .map_err(Problem::into_error)
    }

    /// Like [`call`], with the API's refusal as an [`super::Outcome`]
    /// rather than an error.
    pub async fn attempt<T: DeserializeOwned>(
        method: &'static str,
        path: &str,
        body: Option<Value>,
    ) -> Result<super::Outcome<T>, ServerFnError> {
        Ok(versioned(method, path, body, None).await?.0)
    }

    /// Like [`attempt`], sending `if_match` (a change made on that version)
    /// and answering with the answer's `ETag` too.
    pub async fn versioned<T: DeserializeOwned>(
        method: &'static str,
        path: &str,
        body: Option<Value>,
        if_match: Option<String>,
    ) -> Result<(super::Outcome<T>, Option<String>), ServerFnError> {
        let backend = use_context::<SharedBackend>()
            .ok_or_else(|| ServerFnError::new("the admin backend is not configured"))?;
        let headers: axum::http::HeaderMap = leptos_axum::extract().await?;
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let ApiAnswer {
            status,
            body: answer,
            etag,
        } = backend
            .call(ApiCall {
                method,
                path: path.to_owned(),
                body,
                cookie: header("cookie"),
                origin: header("origin"),
                if_match,
            })
            .await;
        if (200..300).contains(&status) {
            let read = serde_json::from_value(if answer.is_null() {
                Value::Object(Default::default())
            } else {
                answer
            })
            .map_err(|e| ServerFnError::new(format!("unexpected answer from the API: {e}")))?;
            return Ok((Ok(read), etag));
        }
        let error = &answer["error"];
        let text = |v: &Value| v.as_str().map(str::to_owned);
        let problem = Problem {
            status,
            code: text(&error["code"]).unwrap_or_else(|| "error".into()),
            message: text(&error["message"])
                .unwrap_or_else(|| format!("the API answered {status}")),
            field: text(&error["field"]),
        };
        Ok((Err(problem), etag))
    }
}
