//! A tool's call to the tenant's backend, as values: what the MCP core asks
//! the shell to send ([`BackendCall`]) and what came back ([`Fetched`]).
//! The core never sends anything itself: it answers "call the backend"
//! (`Effect::CallBackend`), the shell sends the request and runs the MCP
//! request again with the answer, and the core turns it into the result.

use portcullis_tenant_config::assertion::ALGORITHM;
use portcullis_tenant_config::encoding::encode_base64url;
pub use portcullis_tenant_config::http_tool::Planned;
use serde_json::{Map, Value, json};

/// One request to a backend, with its limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackendCall {
    pub planned: Planned,
    pub timeout_ms: u32,
    pub max_response_bytes: u32,
    /// The user assertion the shell signs and adds, if the tool sends one.
    pub assertion: Option<Assertion>,
    /// The tenant's secret the shell opens and adds, if the tool sends one.
    pub credential: Option<SealedHeader>,
    /// The signed-in user's grant, whose token at their identity provider
    /// the shell gets (renewed if need be) and sends as the bearer, if the
    /// tool acts as the user.
    pub user_token: Option<UserTokenRef>,
    /// The backend is an MCP server: the shell opens a session
    /// (`initialize`) before sending the planned `tools/call`, or uses one
    /// it knows ([`crate::upstream_sessions`]).
    pub mcp: bool,
    /// Whose upstream session the call may reuse: the signed-in user's
    /// grant (`tenant:grant`); `None` for an anonymous caller.
    pub holder: Option<String>,
}

/// Whose provider token a call carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserTokenRef {
    pub tenant: String,
    pub grant: String,
}

/// A header whose value is a tenant secret, sealed until the shell sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedHeader {
    /// Lower case.
    pub name: String,
    pub sealed: String,
    /// What it is bound to: the tenant, the backend's origin, the header.
    pub aad: String,
}

/// A user assertion to sign: everything but the moment it is signed at
/// (`iat`, `exp`, `jti`), which the shell adds, so the two runs of a
/// request ask for the same call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assertion {
    /// Lower-case header name; `authorization` carries `Bearer <jwt>`.
    pub header: String,
    pub kid: String,
    /// The tenant's PKCS #8 private key, sealed, and what it is bound to.
    pub sealed_key: String,
    pub key_aad: String,
    pub claims: Map<String, Value>,
    pub lifetime_secs: u32,
    /// Whose grant to ask for what the provider said about the user
    /// (`email`, `name`), added when known.
    pub user: UserTokenRef,
}

impl Assertion {
    /// The user's `email` and `name` added, where known.
    pub fn with_identity(mut self, email: Option<String>, name: Option<String>) -> Self {
        for (claim, value) in [("email", email), ("name", name)] {
            if let Some(value) = value.filter(|v| !v.is_empty()) {
                self.claims.insert(claim.into(), value.into());
            }
        }
        self
    }

    /// The JWS signing input (`header.payload`, base64url) of the
    /// assertion signed at `now` with id `jti`.
    pub fn signing_input(&self, now: u64, jti: &str) -> String {
        let header = json!({ "alg": ALGORITHM, "typ": "JWT", "kid": self.kid });
        let mut claims = self.claims.clone();
        claims.insert("iat".into(), now.into());
        claims.insert("exp".into(), (now + u64::from(self.lifetime_secs)).into());
        claims.insert("jti".into(), jti.into());
        format!(
            "{}.{}",
            encode_base64url(header.to_string().as_bytes()),
            encode_base64url(Value::Object(claims).to_string().as_bytes())
        )
    }

    /// The header's value carrying the signed JWT.
    pub fn header_value(&self, signing_input: &str, signature: &[u8]) -> String {
        let jwt = format!("{signing_input}.{}", encode_base64url(signature));
        if self.header == "authorization" {
            format!("Bearer {jwt}")
        } else {
            jwt
        }
    }
}

/// What a backend did with a [`BackendCall`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BackendAnswer {
    Answered {
        status: u16,
        /// Lower-case media type without parameters.
        content_type: Option<String>,
        body: Vec<u8>,
    },
    /// The answer was longer than the call's limit.
    TooLarge,
    /// No answer within the call's timeout.
    TimedOut,
    /// The connection failed (refused, reset, no such host, TLS).
    Unreachable,
    /// The user assertion could not be signed or the tenant's secret not
    /// opened (a key that does not open): nothing was sent.
    Unprepared,
    /// The user's token at their identity provider could not be had, for
    /// this reason (their sign-in ended, or the provider is unreachable):
    /// nothing was sent.
    NoUserToken(String),
    /// An MCP server's session could not be opened, for this reason (its
    /// `initialize` answer unreadable, refused, or in a revision not
    /// forwarded to): the call was not sent.
    NoSession(String),
}

/// A call and its answer, for the second run of the request that made it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    pub call: BackendCall,
    pub answer: BackendAnswer,
}

impl BackendAnswer {
    /// What the backend did, for usage: its status, or why there is none.
    pub fn label(&self) -> String {
        match self {
            Self::Answered { status, .. } => status.to_string(),
            Self::TooLarge => "too_large".into(),
            Self::TimedOut => "timeout".into(),
            Self::Unreachable => "unreachable".into(),
            Self::Unprepared | Self::NoUserToken(_) | Self::NoSession(_) => "unsent".into(),
        }
    }
}

impl Fetched {
    /// What was sent and what came of it, for an admin's "Try it": every
    /// header's value redacted (they may carry the tenant's secret, the
    /// user's assertion or what the admin typed), the body left out.
    pub fn shown(&self) -> Value {
        let planned = &self.call.planned;
        let added = [
            self.call.assertion.as_ref().map(|a| a.header.clone()),
            self.call.credential.as_ref().map(|c| c.name.clone()),
            self.call
                .user_token
                .as_ref()
                .map(|_| "authorization".to_owned()),
        ];
        let mut headers = Map::new();
        headers.extend(
            planned
                .headers
                .iter()
                .map(|(name, _)| name.clone())
                .chain(added.into_iter().flatten())
                .map(|name| (name, "[redacted]".into())),
        );
        let outcome = match &self.answer {
            BackendAnswer::Answered { status, .. } => json!({ "status": status }),
            BackendAnswer::TooLarge => json!({ "failed": "the answer was too long" }),
            BackendAnswer::TimedOut => json!({ "failed": "no answer in time" }),
            BackendAnswer::Unreachable => json!({ "failed": "could not be reached" }),
            BackendAnswer::Unprepared => {
                json!({ "failed": "not sent: its secret or key does not open" })
            }
            BackendAnswer::NoUserToken(why) | BackendAnswer::NoSession(why) => {
                json!({ "failed": format!("not sent: {why}") })
            }
        };
        json!({
            "method": planned.method.as_str(),
            "url": planned.url,
            "headers": headers,
            "answer": outcome,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use portcullis_tenant_config::encoding::decode_base64url;

    fn assertion(header: &str) -> Assertion {
        Assertion {
            header: header.into(),
            kid: "k1".into(),
            sealed_key: "pcs1.x".into(),
            key_aad: "aad".into(),
            claims: json!({"sub": "gh:1", "aud": "https://api.acme.test"})
                .as_object()
                .cloned()
                .unwrap_or_default(),
            lifetime_secs: 120,
            user: UserTokenRef {
                tenant: "acme".into(),
                grant: "grant-1".into(),
            },
        }
    }

    fn part(input: &str, index: usize) -> Value {
        let text = input
            .split('.')
            .nth(index)
            .and_then(decode_base64url)
            .unwrap();
        serde_json::from_slice(&text).unwrap()
    }

    #[test]
    fn the_signing_input_adds_the_moment_and_names_the_key() {
        let input = assertion("authorization").signing_input(1_000, "id-1");
        assert_eq!(
            part(&input, 0),
            json!({"alg": "EdDSA", "typ": "JWT", "kid": "k1"})
        );
        let claims = part(&input, 1);
        assert_eq!(
            (
                &claims["iat"],
                &claims["exp"],
                &claims["jti"],
                &claims["sub"]
            ),
            (&json!(1_000), &json!(1_120), &json!("id-1"), &json!("gh:1"))
        );
    }

    #[test]
    fn what_an_admin_is_shown_never_holds_a_header_value() {
        let fetched = Fetched {
            call: BackendCall {
                planned: Planned {
                    method: portcullis_tenant_config::http_tool::HttpMethod::Get,
                    url: "https://api.acme.test/w/Oslo".into(),
                    headers: vec![("x-trace".into(), "typed-by-admin".into())],
                    body: None,
                },
                timeout_ms: 1_000,
                max_response_bytes: 1_000,
                assertion: Some(assertion("x-user")),
                credential: Some(SealedHeader {
                    name: "x-api-key".into(),
                    sealed: "pcs1.secret".into(),
                    aad: "aad".into(),
                }),
                user_token: None,
                mcp: false,
                holder: None,
            },
            answer: BackendAnswer::Answered {
                status: 404,
                content_type: None,
                body: b"nope".to_vec(),
            },
        };
        let shown = fetched.shown();
        assert_eq!(
            shown,
            json!({"method": "GET", "url": "https://api.acme.test/w/Oslo",
                "headers": {"x-trace": "[redacted]", "x-user": "[redacted]", "x-api-key": "[redacted]"},
                "answer": {"status": 404}})
        );
        assert!(!shown.to_string().contains("pcs1"));
    }

    #[test]
    fn email_and_name_are_added_when_known() {
        let claims = assertion("x-user")
            .with_identity(Some("ada@acme.test".into()), None)
            .claims;
        assert_eq!(claims["email"], "ada@acme.test");
        assert!(claims.get("name").is_none());
        let blank = assertion("x-user").with_identity(Some(String::new()), Some("Ada".into()));
        assert!(blank.claims.get("email").is_none());
        assert_eq!(blank.claims["name"], "Ada");
    }

    #[test]
    fn authorization_carries_a_bearer_and_other_headers_the_jwt() {
        let bearer = assertion("authorization").header_value("a.b", &[1, 2]);
        assert_eq!(bearer, "Bearer a.b.AQI");
        assert_eq!(assertion("x-user").header_value("a.b", &[1, 2]), "a.b.AQI");
    }
}
