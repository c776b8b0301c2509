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

pub use portcullis_api::auth::{AuthMode, AuthSettings, Check, ProviderTestResult, ProviderView};
pub use portcullis_api::publish::{Change, Deployment, Diff};
pub use portcullis_api::tenants::Tenant;
pub use portcullis_api::tools::Tool;
pub use portcullis_api::usage::{UsagePoint, UsageSeries};
pub use portcullis_api::{May, Page, paths};
pub use portcullis_tenant_config::auth::{
    ClientConfig, RoleConfig as Role, ScopeConfig as Scope, UserMatch,
};
pub use portcullis_tenant_config::encoding::percent_encode as segment;

/// A time as admins read it: `2026-11-26 22:27 UTC`.
pub fn when(at: &chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
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

/// What a change the admin asked for came to: done, or the problem to
/// show next to the form (an answer like any other, not a failed request).
pub type Outcome<T> = Result<T, Problem>;

#[cfg(feature = "ssr")]
pub use server::{attempt, call, may, versioned};

#[cfg(feature = "ssr")]
mod server {
    use leptos::prelude::{ServerFnError, use_context};
    use serde::de::DeserializeOwned;
    use serde_json::Value;

    use super::Problem;
    use crate::backend::{ApiAnswer, ApiCall, SharedBackend};

    /// What the admin may do in the tenant `slug`, as its answer says.
    pub async fn may(slug: &str) -> Result<super::May, ServerFnError> {
        let tenant: super::Tenant = call("GET", &super::paths::tenant(slug).root(), None).await?;
        Ok(tenant.may)
    }

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
