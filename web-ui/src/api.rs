//! The UI's side of the JSON API: the shapes it reads, the problem a call
//! can end in (shown next to the form field at fault), and, on the server,
//! [`call`], which every server function goes through.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// Why a call failed, as the API says it (`code`, words for the admin,
/// the field at fault), or why the control plane could not be asked
/// (status 0). Every server function's error, typed end to end; a change
/// the API refused is also an answer ([`Outcome`]), shown next to the form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Problem {
    pub status: u16,
    pub code: String,
    pub message: String,
    pub field: Option<String>,
}

impl Problem {
    /// The control plane could not be reached, or did not answer sense.
    pub fn unavailable(detail: impl std::fmt::Display) -> Self {
        Self {
            status: 0,
            code: "unavailable".into(),
            message: format!("The control plane could not be reached; try again. ({detail})"),
            field: None,
        }
    }

    /// A form's input refused before the API need be asked.
    pub fn invalid(field: &str, message: &str) -> Self {
        Self {
            status: 422,
            code: "invalid_input".into(),
            message: message.into(),
            field: Some(field.into()),
        }
    }

    /// Whether the admin must sign in (again).
    pub fn signed_out(&self) -> bool {
        self.status == 401
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Problem {}

impl FromServerFnError for Problem {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(error: ServerFnErrorErr) -> Self {
        Self::unavailable(error)
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
    use leptos::prelude::use_context;
    use serde::de::DeserializeOwned;
    use serde_json::Value;

    use super::Problem;
    use crate::backend::{ApiAnswer, ApiCall, SharedBackend};

    /// What the admin may do in the tenant `slug`, as its answer says.
    pub async fn may(slug: &str) -> Result<super::May, Problem> {
        let tenant: super::Tenant = call("GET", &super::paths::tenant(slug).root(), None).await?;
        Ok(tenant.may)
    }

    /// Calls the JSON API (`path` below `/api`) as the admin whose request
    /// is being handled, and reads the answer as `T`; a refusal is the
    /// call's error.
    pub async fn call<T: DeserializeOwned>(
        method: &'static str,
        path: &str,
        body: Option<Value>,
    ) -> Result<T, Problem> {
        attempt(method, path, body).await?
    }

    /// Like [`call`], with the API's refusal as an [`super::Outcome`]
    /// rather than an error.
    pub async fn attempt<T: DeserializeOwned>(
        method: &'static str,
        path: &str,
        body: Option<Value>,
    ) -> Result<super::Outcome<T>, Problem> {
        Ok(versioned(method, path, body, None).await?.0)
    }

    /// Like [`attempt`], sending `if_match` (a change made on that version)
    /// and answering with the answer's `ETag` too.
    pub async fn versioned<T: DeserializeOwned>(
        method: &'static str,
        path: &str,
        body: Option<Value>,
        if_match: Option<String>,
    ) -> Result<(super::Outcome<T>, Option<String>), Problem> {
        let backend = use_context::<SharedBackend>()
            .ok_or_else(|| Problem::unavailable("the admin backend is not configured"))?;
        let headers: axum::http::HeaderMap =
            leptos_axum::extract().await.map_err(Problem::unavailable)?;
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
            .map_err(|e| Problem::unavailable(format!("unexpected answer from the API: {e}")))?;
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
