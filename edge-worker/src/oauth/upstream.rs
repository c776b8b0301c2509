//! Signing users in with the tenant's identity provider: OpenID Connect
//! (any provider, and Google) and GitHub's OAuth apps.
//!
//! Small code of our own over two traits rather than the `openidconnect`
//! crate, which alone would cost the edge ~430 KB gzip: the ID token's
//! signature is checked by the runtime's Web Crypto ([`EdgeCrypto`]), and
//! every claim rule (`iss`, `aud`/`azp`, `exp`, `nonce`) is plain Rust here.

use portcullis_tenant_config::auth::{IdentityProvider, ProviderKind, UserClaims};
use portcullis_tenant_config::encoding::{decode_base64url, encode_base64url};
use portcullis_tenant_config::json;
use serde::Deserialize;
use serde_json::Value;

use super::form::{encode_pairs, with_query};
use super::records::UpstreamAttempt;
use crate::tokens::pkce_challenge;

/// An outbound HTTP request to a provider.
#[derive(Debug, Clone, PartialEq)]
pub struct Outbound {
    pub method: &'static str,
    pub url: String,
    pub headers: Vec<(&'static str, String)>,
    pub body: Option<String>,
}

/// A provider's answer; bodies are capped by the runtime.
#[derive(Debug, Clone)]
pub struct Fetched {
    pub status: u16,
    pub body: Vec<u8>,
}

/// Provider responses larger than this are refused.
pub const MAX_UPSTREAM_BODY: usize = 256 * 1024;

#[allow(async_fn_in_trait)]
pub trait Fetch {
    async fn fetch(&self, request: Outbound) -> Result<Fetched, String>;
}

/// The cryptography the authorization server needs from its runtime.
#[allow(async_fn_in_trait)]
pub trait EdgeCrypto {
    /// 256 bits from a CSPRNG, base64url.
    fn random_token(&self) -> String;
    /// Opens a value sealed for the edge (`None` if it does not open).
    async fn open_sealed(&self, aad: &str, sealed: &str) -> Option<Vec<u8>>;
    async fn seal(&self, aad: &str, plaintext: &[u8]) -> Option<String>;
    /// Verifies a JWS signature with a public key given as a JWK.
    async fn verify_jws(&self, alg: &str, jwk: &Value, signed: &[u8], signature: &[u8]) -> bool;
}

/// Why a sign-in failed, in words fit for the user's page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpstreamError(pub String);

fn fail<T>(message: impl Into<String>) -> Result<T, UpstreamError> {
    Err(UpstreamError(message.into()))
}

/// A provider's verdict on the user.
#[derive(Debug, Clone, PartialEq)]
pub struct UpstreamLogin {
    pub user: UserClaims,
    /// The provider's tokens, for tools acting as the user; never handed
    /// to MCP clients.
    pub tokens: UpstreamTokens,
}

/// A provider's tokens for the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpstreamTokens {
    pub access_token: String,
    /// When the provider gave one, to renew the access token with.
    pub refresh_token: Option<String>,
    /// Seconds the access token lasts, when the provider said.
    pub expires_in: Option<u64>,
}

impl From<&TokenResponse> for UpstreamTokens {
    fn from(tokens: &TokenResponse) -> Self {
        Self {
            access_token: tokens.access_token.clone(),
            refresh_token: tokens.refresh_token.clone().filter(|t| !t.is_empty()),
            expires_in: tokens.expires_in,
        }
    }
}

/// Why a provider's token could not be renewed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RenewalError {
    /// The provider said no: the user must sign in again.
    Refused(String),
    /// The provider could not be asked, or answered nonsense: try later.
    Unavailable(String),
}

/// The redirect URI the edge registers with every provider.
pub fn callback_uri(origin: &str) -> String {
    format!("{origin}/oauth/callback")
}

const GITHUB_API: &str = "https://api.github.com";

/// Where to send the user to sign in.
pub async fn authorization_url(
    provider: &IdentityProvider,
    origin: &str,
    state: &str,
    attempt: &UpstreamAttempt,
    fetch: &impl Fetch,
) -> Result<String, UpstreamError> {
    let challenge = pkce_challenge(&attempt.code_verifier);
    let redirect_uri = callback_uri(origin);
    let mut scopes: Vec<&str> = if provider.kind.is_openid() {
        vec!["openid", "email", "profile"]
    } else {
        vec!["read:user", "user:email", "read:org"]
    };
    scopes.extend(provider.upstream_scopes.iter().map(String::as_str));
    let scope = scopes.join(" ");
    let mut pairs = vec![
        ("response_type", "code"),
        ("client_id", provider.client_id.as_str()),
        ("redirect_uri", redirect_uri.as_str()),
        ("scope", scope.as_str()),
        ("state", state),
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];
    let endpoint = if provider.kind.is_openid() {
        pairs.push(("nonce", attempt.nonce.as_str()));
        discover(provider, fetch).await?.authorization_endpoint
    } else {
        format!(
            "{}/login/oauth/authorize",
            provider.issuer.trim_end_matches('/')
        )
    };
    Ok(with_query(&endpoint, &pairs))
}

/// Where a sign-in is completed: the tenant, its origin, and the time.
pub struct Site<'a> {
    pub tenant: &'a str,
    pub origin: &'a str,
    pub now: u64,
}

/// Redeems the provider's code and finds out who the user is.
pub async fn complete(
    provider: &IdentityProvider,
    site: &Site<'_>,
    code: &str,
    attempt: &UpstreamAttempt,
    fetch: &impl Fetch,
    crypto: &impl EdgeCrypto,
) -> Result<UpstreamLogin, UpstreamError> {
    let (tenant, origin, now) = (site.tenant, site.origin, site.now);
    let secret = crypto
        .open_sealed(&provider.secret_aad(tenant), &provider.client_secret)
        .await
        .and_then(|s| String::from_utf8(s).ok());
    let Some(secret) = secret else {
        return fail(
            "the provider's client secret cannot be read by the edge (was it sealed with this edge's key?)",
        );
    };
    let redirect_uri = callback_uri(origin);
    if provider.kind.is_openid() {
        let discovery = discover(provider, fetch).await?;
        let mut pairs = vec![
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", &redirect_uri),
            ("code_verifier", &attempt.code_verifier),
        ];
        // OpenID Connect's default is HTTP Basic; the body only for
        // providers that say they take nothing else.
        let post_only = discovery
            .token_endpoint_auth_methods_supported
            .as_deref()
            .is_some_and(|m| {
                m.iter().any(|m| m == "client_secret_post")
                    && !m.iter().any(|m| m == "client_secret_basic")
            });
        let basic = if post_only {
            pairs.extend([
                ("client_id", provider.client_id.as_str()),
                ("client_secret", secret.as_str()),
            ]);
            None
        } else {
            Some(basic_credentials(&provider.client_id, &secret))
        };
        let tokens: TokenResponse = post_form(
            fetch,
            &discovery.token_endpoint,
            encode_pairs(&pairs),
            basic,
        )
        .await?;
        let Some(id_token) = tokens.id_token.clone() else {
            return fail("the provider answered without an ID token");
        };
        let jwks = get_json(fetch, &discovery.jwks_uri, None).await?;
        let expected = IdTokenExpectations {
            issuer: &discovery.issuer,
            client_id: &provider.client_id,
            nonce: &attempt.nonce,
            now,
        };
        let mut claims = verify_id_token(&id_token, &expected, &jwks, crypto).await?;
        if let Some(userinfo) = &discovery.userinfo_endpoint
            && (claims.get("email").is_none() || claims.get("groups").is_none())
            && !tokens.access_token.is_empty()
        {
            let more = get_json(fetch, userinfo, Some(&tokens.access_token)).await?;
            add_userinfo(&mut claims, &more)?;
        }
        Ok(UpstreamLogin {
            user: user_from_id_token(&provider.id, &claims),
            tokens: UpstreamTokens::from(&tokens),
        })
    } else {
        let body = encode_pairs(&[
            ("code", code),
            ("redirect_uri", &redirect_uri),
            ("code_verifier", &attempt.code_verifier),
            ("client_id", &provider.client_id),
            ("client_secret", &secret),
        ]);
        let url = format!(
            "{}/login/oauth/access_token",
            provider.issuer.trim_end_matches('/')
        );
        let tokens: TokenResponse = post_form(fetch, &url, body, None).await?;
        let user = github_user(provider, &tokens.access_token, fetch).await?;
        Ok(UpstreamLogin {
            user,
            tokens: UpstreamTokens::from(&tokens),
        })
    }
}

#[derive(Debug, Deserialize)]
struct Discovery {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    jwks_uri: String,
    #[serde(default)]
    userinfo_endpoint: Option<String>,
    #[serde(default)]
    token_endpoint_auth_methods_supported: Option<Vec<String>>,
}

/// Claims a provider in its default, spec-conformant setting sends from
/// its userinfo endpoint rather than in the ID token.
const USERINFO_CLAIMS: &[&str] = &["email", "email_verified", "name", "groups"];

/// Adds the userinfo answer's claims the ID token lacks; the answer must be
/// about the same user (OpenID Connect Core §5.3.4).
fn add_userinfo(claims: &mut Value, userinfo: &Value) -> Result<(), UpstreamError> {
    if userinfo["sub"].as_str().is_none() || userinfo["sub"] != claims["sub"] {
        return fail("the provider's userinfo answer is about another user");
    }
    for name in USERINFO_CLAIMS {
        if claims.get(name).is_none()
            && let Some(value) = userinfo.get(name)
        {
            claims[*name] = value.clone();
        }
    }
    Ok(())
}

async fn discover(
    provider: &IdentityProvider,
    fetch: &impl Fetch,
) -> Result<Discovery, UpstreamError> {
    let issuer = provider.issuer.trim_end_matches('/');
    let url = format!("{issuer}/.well-known/openid-configuration");
    let value = get_json(fetch, &url, None).await?;
    let discovery: Discovery = json::from_value(value).or_else(|e| {
        fail(format!(
            "the provider's discovery document is incomplete: {e}"
        ))
    })?;
    // OpenID Connect Discovery §4.3: the document must name the issuer asked for.
    if discovery.issuer.trim_end_matches('/') != issuer {
        return fail("the provider's discovery document names a different issuer");
    }
    Ok(discovery)
}

#[derive(Debug, Deserialize)]
struct TokenResponse {
    #[serde(default)]
    access_token: String,
    #[serde(default)]
    id_token: Option<String>,
    #[serde(default)]
    refresh_token: Option<String>,
    #[serde(default)]
    expires_in: Option<u64>,
    #[serde(default)]
    error: Option<String>,
}

/// Renews the user's access token at `provider` with `refresh_token`
/// (RFC 6749 §6; GitHub's form of it for GitHub).
pub async fn renew(
    provider: &IdentityProvider,
    tenant: &str,
    refresh_token: &str,
    fetch: &impl Fetch,
    crypto: &impl EdgeCrypto,
) -> Result<UpstreamTokens, RenewalError> {
    let unavailable = |e: UpstreamError| RenewalError::Unavailable(e.0);
    let secret = crypto
        .open_sealed(&provider.secret_aad(tenant), &provider.client_secret)
        .await
        .and_then(|s| String::from_utf8(s).ok())
        .ok_or_else(|| {
            RenewalError::Unavailable("the provider's client secret does not open".into())
        })?;
    let mut pairs = vec![
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh_token),
    ];
    let (url, basic) = if provider.kind.is_openid() {
        let discovery = discover(provider, fetch).await.map_err(unavailable)?;
        let basic = basic_credentials(&provider.client_id, &secret);
        (discovery.token_endpoint, Some(basic))
    } else {
        pairs.extend([
            ("client_id", provider.client_id.as_str()),
            ("client_secret", secret.as_str()),
        ]);
        let url = format!(
            "{}/login/oauth/access_token",
            provider.issuer.trim_end_matches('/')
        );
        (url, None)
    };
    let mut headers = vec![
        (
            "content-type",
            "application/x-www-form-urlencoded".to_owned(),
        ),
        ("accept", "application/json".to_owned()),
    ];
    headers.extend(basic.map(|b| ("authorization", b)));
    let request = Outbound {
        method: "POST",
        url,
        headers,
        body: Some(encode_pairs(&pairs)),
    };
    let fetched = send(fetch, request).await.map_err(unavailable)?;
    let tokens: Option<TokenResponse> = json::parse(&fetched.body).ok();
    match tokens {
        Some(t) if fetched.status == 200 && t.error.is_none() && !t.access_token.is_empty() => {
            Ok(UpstreamTokens::from(&t))
        }
        // GitHub refuses with 200 and an error; OAuth with 400 or 401.
        Some(TokenResponse {
            error: Some(error), ..
        }) => Err(RenewalError::Refused(error)),
        _ if matches!(fetched.status, 400 | 401) => {
            Err(RenewalError::Refused(format!("status {}", fetched.status)))
        }
        _ => Err(RenewalError::Unavailable(format!(
            "the provider's token endpoint answered {}",
            fetched.status
        ))),
    }
}

/// `Authorization: Basic` for a client (RFC 6749 §2.3.1: each part
/// form-encoded first).
fn basic_credentials(client_id: &str, secret: &str) -> String {
    let pair = format!(
        "{}:{}",
        portcullis_tenant_config::encoding::percent_encode(client_id),
        portcullis_tenant_config::encoding::percent_encode(secret)
    );
    let mut encoded = encode_base64url(pair.as_bytes())
        .replace('-', "+")
        .replace('_', "/");
    while !encoded.len().is_multiple_of(4) {
        encoded.push('=');
    }
    format!("Basic {encoded}")
}

async fn post_form(
    fetch: &impl Fetch,
    url: &str,
    body: String,
    authorization: Option<String>,
) -> Result<TokenResponse, UpstreamError> {
    let mut headers = vec![
        (
            "content-type",
            "application/x-www-form-urlencoded".to_owned(),
        ),
        ("accept", "application/json".to_owned()),
    ];
    if let Some(authorization) = authorization {
        headers.push(("authorization", authorization));
    }
    let request = Outbound {
        method: "POST",
        url: url.to_owned(),
        headers,
        body: Some(body),
    };
    let fetched = send(fetch, request).await?;
    let tokens: TokenResponse = json::parse(&fetched.body)
        .or_else(|_| fail("the provider's token response is not JSON"))?;
    if let Some(error) = tokens.error {
        return fail(format!("the provider refused the sign-in ({error})"));
    }
    if fetched.status != 200 || tokens.access_token.is_empty() {
        return fail(format!(
            "the provider's token endpoint answered {}",
            fetched.status
        ));
    }
    Ok(tokens)
}

async fn get_json(
    fetch: &impl Fetch,
    url: &str,
    bearer: Option<&str>,
) -> Result<Value, UpstreamError> {
    let mut headers = vec![("accept", "application/json".to_owned())];
    if let Some(token) = bearer {
        headers.push(("authorization", format!("Bearer {token}")));
        // GitHub's API refuses requests without one.
        headers.push(("user-agent", "portcullis-edge".to_owned()));
    }
    let fetched = send(
        fetch,
        Outbound {
            method: "GET",
            url: url.to_owned(),
            headers,
            body: None,
        },
    )
    .await?;
    if fetched.status != 200 {
        return fail(format!("{url} answered {}", fetched.status));
    }
    json::parse(&fetched.body).or_else(|_| fail(format!("{url} did not answer JSON")))
}

async fn send(fetch: &impl Fetch, request: Outbound) -> Result<Fetched, UpstreamError> {
    let url = request.url.clone();
    let fetched = fetch
        .fetch(request)
        .await
        .or_else(|e| fail(format!("the provider could not be reached at {url}: {e}")))?;
    if fetched.body.len() > MAX_UPSTREAM_BODY {
        return fail(format!("{url} answered with an oversized body"));
    }
    Ok(fetched)
}

/// What an ID token must say to be accepted.
pub struct IdTokenExpectations<'a> {
    pub issuer: &'a str,
    pub client_id: &'a str,
    pub nonce: &'a str,
    pub now: u64,
}

/// Clock skew tolerated on `exp` and `iat`.
const SKEW: u64 = 60;

/// Verifies an ID token (OpenID Connect Core §3.1.3.7) and returns its claims.
pub async fn verify_id_token(
    token: &str,
    expected: &IdTokenExpectations<'_>,
    jwks: &Value,
    crypto: &impl EdgeCrypto,
) -> Result<Value, UpstreamError> {
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return fail("the ID token is not a signed JWT");
    };
    let decode = |part: &str| -> Option<Value> { json::parse(&decode_base64url(part)?).ok() };
    let (Some(header), Some(claims), Some(signature)) =
        (decode(header), decode(payload), decode_base64url(signature))
    else {
        return fail("the ID token is malformed");
    };
    let alg = header["alg"].as_str().unwrap_or_default();
    if !matches!(alg, "RS256" | "ES256" | "PS256") {
        return fail(format!("the ID token's algorithm {alg:?} is not accepted"));
    }
    let kid = header["kid"].as_str();
    let keys = jwks["keys"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    let key = keys.iter().find(|k| {
        kid.is_none_or(|kid| k["kid"].as_str() == Some(kid))
            && k["use"].as_str().is_none_or(|u| u == "sig")
            && k["alg"].as_str().is_none_or(|a| a == alg)
    });
    let Some(key) = key else {
        return fail("no key of the provider matches the ID token");
    };
    let signed_len = token.len() - token.rsplit('.').next().map_or(0, str::len) - 1;
    if !crypto
        .verify_jws(alg, key, &token.as_bytes()[..signed_len], &signature)
        .await
    {
        return fail("the ID token's signature is invalid");
    }
    if claims["iss"].as_str() != Some(expected.issuer) {
        return fail("the ID token comes from another issuer");
    }
    let audience_ok = match &claims["aud"] {
        Value::String(aud) => aud == expected.client_id,
        Value::Array(auds) => {
            auds.iter().any(|a| a.as_str() == Some(expected.client_id))
                && (auds.len() == 1 || claims["azp"].as_str() == Some(expected.client_id))
        }
        _ => false,
    };
    if !audience_ok {
        return fail("the ID token was issued to another client");
    }
    let exp = claims["exp"].as_u64().unwrap_or(0);
    if exp + SKEW < expected.now {
        return fail("the ID token has expired");
    }
    if claims["iat"]
        .as_u64()
        .is_some_and(|iat| iat > expected.now + SKEW)
    {
        return fail("the ID token was issued in the future");
    }
    if claims["nonce"].as_str() != Some(expected.nonce) {
        return fail("the ID token's nonce does not match this sign-in");
    }
    if claims["sub"].as_str().is_none_or(str::is_empty) {
        return fail("the ID token names no subject");
    }
    Ok(claims)
}

fn user_from_id_token(provider: &str, claims: &Value) -> UserClaims {
    let text = |name: &str| claims[name].as_str().map(str::to_owned);
    UserClaims {
        user_id: format!("{provider}:{}", claims["sub"].as_str().unwrap_or_default()),
        email: text("email"),
        // Some providers send the boolean as a string.
        email_verified: matches!(&claims["email_verified"], Value::Bool(true))
            || claims["email_verified"].as_str() == Some("true"),
        name: text("name"),
        github_login: None,
        github_orgs: Vec::new(),
        groups: claims["groups"]
            .as_array()
            .map(|g| {
                g.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default(),
    }
}

async fn github_user(
    provider: &IdentityProvider,
    token: &str,
    fetch: &impl Fetch,
) -> Result<UserClaims, UpstreamError> {
    debug_assert_eq!(provider.kind, ProviderKind::Github);
    let api = provider
        .api_base
        .as_deref()
        .unwrap_or(GITHUB_API)
        .trim_end_matches('/');
    let user = get_json(fetch, &format!("{api}/user"), Some(token)).await?;
    let (Some(id), Some(login)) = (user["id"].as_u64(), user["login"].as_str()) else {
        return fail("GitHub's user API did not name the user");
    };
    let emails = get_json(fetch, &format!("{api}/user/emails"), Some(token)).await?;
    let primary = emails
        .as_array()
        .and_then(|all| all.iter().find(|e| e["primary"] == true));
    let orgs = get_json(fetch, &format!("{api}/user/orgs"), Some(token)).await?;
    Ok(UserClaims {
        user_id: format!("{}:{id}", provider.id),
        email: primary.and_then(|e| e["email"].as_str()).map(str::to_owned),
        email_verified: primary.is_some_and(|e| e["verified"] == true),
        name: user["name"].as_str().map(str::to_owned),
        github_login: Some(login.to_owned()),
        github_orgs: orgs
            .as_array()
            .map(|o| {
                o.iter()
                    .filter_map(|o| o["login"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default(),
        groups: Vec::new(),
    })
}
