//! A tenant secret an HTTP tool sends to its backend: an API key header, a
//! bearer token or basic auth. Write-only: the admin's `secret` is taken
//! on save and never stored, shown or published; what is kept is the whole
//! header value, sealed for the edge ([`crate::sealing`]) and bound to the
//! tenant, the backend's origin and the header ([`credential_aad`]). A
//! secret kept while an admin points the tool at another origin would no
//! longer open — and the control plane refuses to keep it in the first
//! place, asking for the secret again.

use serde::{Deserialize, Serialize};

use crate::encoding::encode_base64;

/// The longest secret accepted.
const MAX_SECRET: usize = 4096;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CredentialScheme {
    /// The secret is the value of the header `header` names.
    Header,
    /// `Authorization: Bearer <secret>`.
    Bearer,
    /// `Authorization: Basic base64(<username>:<secret>)`.
    Basic,
}

/// How an HTTP tool authenticates to its backend as the tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Credential {
    pub scheme: CredentialScheme,
    /// The header's name, for the `header` scheme.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header: Option<String>,
    /// The user name, for the `basic` scheme.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// The secret, on its way in only: never serialized.
    #[serde(default, skip_serializing)]
    pub secret: Option<String>,
    /// The header value, sealed for the edge; set by the control plane,
    /// never shown by its API.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sealed: Option<String>,
    /// In the API's answers only: whether a secret is saved.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub saved: bool,
}

/// The associated data a tool's sealed header value is bound to.
pub fn credential_aad(tenant: &str, origin: &str, header: &str) -> String {
    let parts = serde_json::to_string(&[origin, header]).unwrap_or_default();
    format!("portcullis/tool-credential/{tenant}/{parts}")
}

impl Credential {
    /// The header it sets, lower case.
    pub fn header_name(&self) -> String {
        match (self.scheme, &self.header) {
            (CredentialScheme::Header, Some(name)) => name.to_ascii_lowercase(),
            _ => "authorization".into(),
        }
    }

    /// Whether a secret saved for `self` may be kept for `other`: the same
    /// scheme, header and user name.
    pub fn same_binding(&self, other: &Self) -> bool {
        self.scheme == other.scheme
            && self.header_name() == other.header_name()
            && self.username == other.username
    }

    /// Checks everything but the secret's presence, naming the field.
    pub fn validate(&self) -> Result<(), (&'static str, String)> {
        let printable = |s: &str| s.bytes().all(|b| b == b' ' || b.is_ascii_graphic());
        match (self.scheme, &self.header, &self.username) {
            (CredentialScheme::Header, Some(header), None) => {
                if !crate::http_tool::is_header_name(header) {
                    let message = format!("{header:?} is not a header name");
                    return Err(("http.credential.header", message));
                }
            }
            (CredentialScheme::Header, None, _) => {
                return Err((
                    "http.credential.header",
                    "the header scheme names a header".into(),
                ));
            }
            (CredentialScheme::Basic, None, Some(username))
                if !username.is_empty() && !username.contains(':') && printable(username) => {}
            (CredentialScheme::Basic, _, _) => {
                let message = "basic needs a username (printable, no colon) and no header".into();
                return Err(("http.credential.username", message));
            }
            (CredentialScheme::Bearer, None, None) => {}
            (_, Some(_), _) => {
                let message = "only the header scheme names a header".into();
                return Err(("http.credential.header", message));
            }
            (_, _, Some(_)) => {
                let message = "only the basic scheme has a username".into();
                return Err(("http.credential.username", message));
            }
        }
        // An empty secret is none: keep the saved one.
        if let Some(secret) = self.secret.as_ref().filter(|s| !s.is_empty())
            && (secret.len() > MAX_SECRET || !printable(secret))
        {
            let message = format!("1 to {MAX_SECRET} printable characters, no line breaks");
            return Err(("http.credential.secret", message));
        }
        Ok(())
    }

    /// The header value the secret makes.
    pub fn header_value(&self, secret: &str) -> String {
        match self.scheme {
            CredentialScheme::Header => secret.to_owned(),
            CredentialScheme::Bearer => format!("Bearer {secret}"),
            CredentialScheme::Basic => {
                let pair = format!("{}:{secret}", self.username.as_deref().unwrap_or_default());
                format!("Basic {}", encode_base64(pair.as_bytes()))
            }
        }
    }

    /// The form the API answers with: no sealed value, `saved` instead.
    pub fn answered(&self) -> Self {
        Self {
            secret: None,
            saved: self.sealed.is_some(),
            sealed: None,
            ..self.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn credential(scheme: CredentialScheme) -> Credential {
        Credential {
            scheme,
            header: None,
            username: None,
            secret: Some("s3cret".into()),
            sealed: None,
            saved: false,
        }
    }

    #[test]
    fn the_secret_is_never_serialized() {
        let mut bearer = credential(CredentialScheme::Bearer);
        bearer.sealed = Some("pcs1.x".into());
        let text = serde_json::to_string(&bearer).unwrap();
        assert!(!text.contains("s3cret"), "{text}");
        let answered = serde_json::to_string(&bearer.answered()).unwrap();
        assert!(
            !answered.contains("pcs1") && answered.contains(r#""saved":true"#),
            "{answered}"
        );
    }

    #[test]
    fn each_scheme_makes_its_header() {
        let bearer = credential(CredentialScheme::Bearer);
        assert_eq!(
            (bearer.header_name(), bearer.header_value("k")),
            ("authorization".into(), "Bearer k".into())
        );
        let basic = Credential {
            username: Some("ops".into()),
            ..credential(CredentialScheme::Basic)
        };
        assert_eq!(basic.header_value("pw"), "Basic b3BzOnB3");
        let header = Credential {
            header: Some("X-Api-Key".into()),
            ..credential(CredentialScheme::Header)
        };
        assert_eq!(
            (header.header_name(), header.header_value("k")),
            ("x-api-key".into(), "k".into())
        );
    }

    #[test]
    fn bad_credentials_name_their_field() {
        let field = |c: Credential| c.validate().unwrap_err().0;
        assert_eq!(
            field(credential(CredentialScheme::Header)),
            "http.credential.header"
        );
        assert_eq!(
            field(credential(CredentialScheme::Basic)),
            "http.credential.username"
        );
        let with_colon = Credential {
            username: Some("a:b".into()),
            ..credential(CredentialScheme::Basic)
        };
        assert_eq!(field(with_colon), "http.credential.username");
        let crlf = Credential {
            secret: Some("a\r\nX-Admin: 1".into()),
            ..credential(CredentialScheme::Bearer)
        };
        assert_eq!(field(crlf), "http.credential.secret");
        let header_on_bearer = Credential {
            header: Some("X-Key".into()),
            ..credential(CredentialScheme::Bearer)
        };
        assert_eq!(field(header_on_bearer), "http.credential.header");
    }

    #[test]
    fn a_secret_is_bound_to_its_origin_and_header() {
        assert_ne!(
            credential_aad("acme", "https://api.acme.com", "authorization"),
            credential_aad("acme", "https://evil.example", "authorization")
        );
        assert_ne!(
            credential_aad("acme", "https://api.acme.com", "x-key"),
            credential_aad("globex", "https://api.acme.com", "x-key")
        );
    }
}
