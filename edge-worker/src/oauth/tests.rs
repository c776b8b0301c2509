//! The authorization server end to end, natively: a client registers, a user
//! signs in at a fake OpenID provider that speaks the real wire format,
//! consents, and the client gets and uses tokens; then one test per attack.

use std::cell::{Cell, RefCell};

use portcullis_tenant_config::TenantConfig;
use portcullis_tenant_config::auth::{
    ClientConfig, IdentityProvider, OAuthConfig, ProviderKind, RoleConfig, ScopeConfig, UserMatch,
};
use portcullis_tenant_config::encoding::{decode_base64url, encode_base64url};
use portcullis_tenant_config::sealing;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::form::{Params, encode_pairs};
use super::records::memory::MemoryAuthStore;
use super::upstream::{EdgeCrypto, Fetch, Fetched, Outbound};
use super::{Authority, records};
use crate::http::{HttpRequest, HttpResponse};
use crate::rate::RateCounter;
use crate::tokens::{AccessTokens, pkce_challenge};
use portcullis_tenant_config::encoding::percent_encode;

pub const ORIGIN: &str = "https://acme.localhost";
pub const IDP: &str = "https://idp.example";
pub const SEAL_KEY: [u8; 32] = [5; 32];
pub const TOKEN_KEY: [u8; 32] = [9; 32];
pub const REDIRECT: &str = "http://127.0.0.1:5555/callback";
pub const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
pub const NOW: u64 = 1_000;
pub const CIMD_URL: &str = "https://app.example.com/oauth/client.json";

/// Real AES-GCM (the native twin of the edge's Web Crypto sealing), a
/// deterministic token source, and JWS "signatures" that are a SHA-256 of
/// the signed part: enough to tell a genuine token from a doctored one.
#[derive(Default)]
pub struct TestCrypto {
    counter: Cell<u32>,
}

impl EdgeCrypto for TestCrypto {
    fn random_token(&self) -> String {
        self.counter.set(self.counter.get() + 1);
        encode_base64url(&Sha256::digest(self.counter.get().to_be_bytes()))
    }
    async fn open_sealed(&self, aad: &str, sealed: &str) -> Option<Vec<u8>> {
        sealing::open(&SEAL_KEY, aad, sealed)
    }
    async fn seal(&self, aad: &str, plaintext: &[u8]) -> Option<String> {
        Some(sealing::seal(&SEAL_KEY, aad, plaintext))
    }
    async fn verify_jws(&self, alg: &str, jwk: &Value, signed: &[u8], signature: &[u8]) -> bool {
        alg == "RS256" && jwk["kid"] == "k1" && signature == Sha256::digest(signed).as_slice()
    }
}

/// An OpenID provider answering discovery, token and JWKS requests.
pub struct FakeIdp {
    /// Claims of the next ID token; `nonce` is filled from the sign-in.
    pub claims: RefCell<Value>,
    pub nonce: RefCell<String>,
    pub requests: RefCell<Vec<Outbound>>,
    /// What `CIMD_URL` serves.
    pub client_document: RefCell<Value>,
    /// What the userinfo endpoint answers; without one, discovery names
    /// none.
    pub userinfo: RefCell<Option<Value>>,
    /// Whether renewing the user's token is refused (`invalid_grant`).
    pub refuse_renewal: Cell<bool>,
}

impl Default for FakeIdp {
    fn default() -> Self {
        Self {
            claims: RefCell::new(json!({
                "iss": IDP, "aud": "acme-client", "sub": "alice",
                "email": "alice@acme.com", "email_verified": true, "exp": NOW + 300, "iat": NOW,
            })),
            nonce: RefCell::default(),
            requests: RefCell::default(),
            client_document: RefCell::new(json!({
                "client_id": CIMD_URL, "client_name": "Documented App",
                "redirect_uris": [REDIRECT], "token_endpoint_auth_method": "none"
            })),
            userinfo: RefCell::default(),
            refuse_renewal: Cell::new(false),
        }
    }
}

pub fn id_token(claims: &Value) -> String {
    let header = encode_base64url(br#"{"alg":"RS256","kid":"k1"}"#);
    let payload = encode_base64url(claims.to_string().as_bytes());
    let signed = format!("{header}.{payload}");
    let signature = encode_base64url(&Sha256::digest(signed.as_bytes()));
    format!("{signed}.{signature}")
}

impl Fetch for FakeIdp {
    async fn fetch(&self, request: Outbound) -> Result<Fetched, String> {
        self.requests.borrow_mut().push(request.clone());
        let ok = |body: Value| {
            Ok(Fetched {
                status: 200,
                body: body.to_string().into_bytes(),
            })
        };
        match (request.method, request.url.strip_prefix(IDP)) {
            ("GET", Some("/.well-known/openid-configuration")) => {
                let mut discovery = json!({
                    "issuer": IDP,
                    "authorization_endpoint": format!("{IDP}/auth"),
                    "token_endpoint": format!("{IDP}/token"),
                    "jwks_uri": format!("{IDP}/jwks"),
                });
                if self.userinfo.borrow().is_some() {
                    discovery["userinfo_endpoint"] = json!(format!("{IDP}/userinfo"));
                }
                ok(discovery)
            }
            ("GET", Some("/userinfo")) => {
                let bearer = request
                    .headers
                    .iter()
                    .any(|(n, v)| *n == "authorization" && v == "Bearer upstream-token");
                match self.userinfo.borrow().clone() {
                    Some(userinfo) if bearer => ok(userinfo),
                    _ => Ok(Fetched {
                        status: 401,
                        body: Vec::new(),
                    }),
                }
            }
            ("GET", Some("/jwks")) => {
                ok(json!({"keys": [{"kid": "k1", "kty": "RSA", "n": "AQAB", "e": "AQAB"}]}))
            }
            ("POST", Some("/token")) => {
                let form = Params::parse(request.body.as_deref().unwrap_or_default()).unwrap();
                if form.get("grant_type") == Some("refresh_token") {
                    let known = form.get("refresh_token") == Some("upstream-refresh");
                    if !known || self.refuse_renewal.get() {
                        return Ok(Fetched {
                            status: 400,
                            body: br#"{"error":"invalid_grant"}"#.to_vec(),
                        });
                    }
                    return ok(json!({"access_token": "upstream-token-2", "expires_in": 600}));
                }
                // HTTP Basic, OpenID Connect's default: "acme-client:s3cret".
                let basic = request
                    .headers
                    .iter()
                    .any(|(n, v)| *n == "authorization" && v == "Basic YWNtZS1jbGllbnQ6czNjcmV0");
                if form.get("code") != Some("idp-code")
                    || !basic
                    || form.get("client_secret").is_some()
                {
                    return Ok(Fetched {
                        status: 400,
                        body: br#"{"error":"invalid_grant"}"#.to_vec(),
                    });
                }
                let mut claims = self.claims.borrow().clone();
                if claims.get("nonce").is_none() {
                    claims["nonce"] = json!(self.nonce.borrow().clone());
                }
                ok(
                    json!({"access_token": "upstream-token", "token_type": "Bearer",
                    "refresh_token": "upstream-refresh", "expires_in": 600, "id_token": id_token(&claims)}),
                )
            }
            _ if request.url == CIMD_URL => ok(self.client_document.borrow().clone()),
            _ => Err("unreachable host".into()),
        }
    }
}

pub fn oauth_config() -> OAuthConfig {
    let scope = |name: &str, description: &str| ScopeConfig {
        name: name.into(),
        description: description.into(),
    };
    let mut provider = IdentityProvider {
        id: "acme-sso".into(),
        kind: ProviderKind::Oidc,
        display_name: "Acme SSO".into(),
        client_id: "acme-client".into(),
        client_secret: String::new(),
        issuer: IDP.into(),
        api_base: None,
        upstream_scopes: vec![],
    };
    provider.client_secret = sealing::seal(&SEAL_KEY, &provider.secret_aad("acme"), b"s3cret");
    OAuthConfig {
        providers: vec![provider],
        scopes: vec![
            scope("weather:read", "Read the weather"),
            scope("admin", "Change everything"),
        ],
        allow: vec![UserMatch {
            email_domains: vec!["acme.com".into()],
            ..Default::default()
        }],
        roles: vec![
            RoleConfig {
                name: "staff".into(),
                when: UserMatch::default(),
                scopes: vec!["weather:read".into()],
            },
            RoleConfig {
                name: "admins".into(),
                when: UserMatch {
                    emails: vec!["root@acme.com".into()],
                    ..Default::default()
                },
                scopes: vec!["admin".into()],
            },
        ],
        clients: vec![ClientConfig {
            client_id: "pre-registered".into(),
            client_name: "Acme Desktop".into(),
            redirect_uris: vec![REDIRECT.into()],
        }],
    }
}

/// `acme` with two tools: `forecast` (weather:read) and `wipe` (admin).
pub fn oauth_tenant() -> TenantConfig {
    let mut config = crate::test_fixtures::tenant("acme", 1, &["forecast", "wipe"]);
    config.tools[0].scopes = vec!["weather:read".into()];
    config.tools[1].scopes = vec!["admin".into()];
    config.oauth = Some(oauth_config());
    config.validate().expect("the fixture is valid");
    config
}

pub struct Harness {
    pub config: TenantConfig,
    pub store: MemoryAuthStore,
    pub crypto: TestCrypto,
    pub idp: FakeIdp,
    pub now: Cell<u64>,
    /// The auth object's count of metadata document fetches.
    pub fetches: RefCell<RateCounter>,
    /// The browser's cookie jar: the one cookie the edge sets.
    pub cookie: RefCell<Option<String>>,
}

/// What a client ends up with.
pub struct Tokens {
    pub access: String,
    pub refresh: String,
    pub body: Value,
}

impl Harness {
    pub fn new() -> Self {
        Self {
            config: oauth_tenant(),
            store: MemoryAuthStore::default(),
            crypto: TestCrypto::default(),
            idp: FakeIdp::default(),
            now: Cell::new(NOW),
            fetches: RefCell::default(),
            cookie: RefCell::default(),
        }
    }

    pub async fn send(&self, request: HttpRequest) -> HttpResponse {
        let response = self.authority().handle(&request).await;
        if let Some(set) = response.header("set-cookie") {
            let pair = set.split(';').next().unwrap_or_default().to_owned();
            *self.cookie.borrow_mut() = Some(pair);
        }
        response
    }

    /// The tenant's authority as of the harness's clock.
    pub fn authority(&self) -> Authority<'_, MemoryAuthStore, TestCrypto, FakeIdp> {
        let Some(oauth) = &self.config.oauth else {
            unreachable!()
        };
        Authority {
            config: &self.config,
            oauth,
            origin: ORIGIN.into(),
            secure: true,
            store: &self.store,
            crypto: &self.crypto,
            fetch: &self.idp,
            tokens: AccessTokens::for_tenant(&TOKEN_KEY, "acme"),
            fetches: &self.fetches,
            now: self.now.get(),
            usage: Default::default(),
        }
    }

    pub async fn get(&self, path_and_query: &str) -> HttpResponse {
        let (path, query) = path_and_query
            .split_once('?')
            .unwrap_or((path_and_query, ""));
        let mut headers = vec![("host".to_owned(), "acme.localhost".to_owned())];
        if let Some(cookie) = self.cookie.borrow().clone() {
            headers.push(("cookie".into(), cookie));
        }
        self.send(HttpRequest {
            method: "GET".into(),
            path: path.into(),
            query: query.into(),
            headers,
            secure: true,
            ..Default::default()
        })
        .await
    }

    pub async fn post_form(&self, path: &str, pairs: &[(&str, &str)]) -> HttpResponse {
        let mut headers = vec![
            ("host".to_owned(), "acme.localhost".to_owned()),
            (
                "content-type".to_owned(),
                "application/x-www-form-urlencoded".to_owned(),
            ),
        ];
        if let Some(cookie) = self.cookie.borrow().clone() {
            headers.push(("cookie".into(), cookie));
        }
        let body = encode_pairs(pairs).into_bytes();
        self.send(HttpRequest {
            method: "POST".into(),
            path: path.into(),
            headers,
            body,
            secure: true,
            ..Default::default()
        })
        .await
    }

    pub async fn register(&self, metadata: Value) -> HttpResponse {
        let headers = vec![
            ("host".to_owned(), "acme.localhost".to_owned()),
            ("content-type".to_owned(), "application/json".to_owned()),
        ];
        let body = metadata.to_string().into_bytes();
        self.send(HttpRequest {
            method: "POST".into(),
            path: "/register".into(),
            headers,
            body,
            secure: true,
            ..Default::default()
        })
        .await
    }

    /// `/authorize` for the pre-registered client with sane parameters,
    /// overridden by `extra`.
    pub async fn authorize(&self, extra: &[(&str, &str)]) -> HttpResponse {
        let challenge = pkce_challenge(VERIFIER);
        let mut pairs: Vec<(&str, &str)> = vec![
            ("response_type", "code"),
            ("client_id", "pre-registered"),
            ("redirect_uri", REDIRECT),
            ("state", "xyz"),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
            ("resource", "https://acme.localhost/mcp"),
        ];
        for (name, value) in extra {
            pairs.retain(|(n, _)| n != name);
            if !value.is_empty() {
                pairs.push((name, value));
            }
        }
        self.get(&format!("/authorize?{}", encode_pairs(&pairs)))
            .await
    }

    /// The user signs in at the provider and comes back to the callback.
    pub async fn sign_in(&self, authorize: HttpResponse) -> HttpResponse {
        assert_eq!(
            authorize.status,
            302,
            "{}",
            String::from_utf8_lossy(&authorize.body)
        );
        let upstream = location_params(&authorize);
        *self.idp.nonce.borrow_mut() = upstream.get("nonce").expect("a nonce").to_owned();
        let state = upstream.get("state").expect("a state").to_owned();
        self.get(&format!(
            "/oauth/callback?{}",
            encode_pairs(&[("code", "idp-code"), ("state", &state)])
        ))
        .await
    }

    pub async fn approve(&self, consent_page: HttpResponse, decision: &str) -> HttpResponse {
        let html = String::from_utf8_lossy(&consent_page.body).into_owned();
        assert_eq!(consent_page.status, 200, "{html}");
        let (txn, csrf) = (hidden(&html, "txn"), hidden(&html, "csrf"));
        self.post_form(
            "/oauth/consent",
            &[("txn", &txn), ("csrf", &csrf), ("decision", decision)],
        )
        .await
    }

    /// Runs the whole flow and returns the code the client received.
    pub async fn code(&self) -> String {
        let page = self.sign_in(self.authorize(&[]).await).await;
        let back = self.approve(page, "approve").await;
        let params = location_params(&back);
        assert!(location(&back).starts_with(REDIRECT), "{}", location(&back));
        assert_eq!(params.get("state"), Some("xyz"));
        assert_eq!(params.get("iss"), Some(ORIGIN));
        params.get("code").expect("a code").to_owned()
    }

    pub async fn redeem(&self, code: &str) -> HttpResponse {
        self.post_form(
            "/token",
            &[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", REDIRECT),
                ("client_id", "pre-registered"),
                ("code_verifier", VERIFIER),
                ("resource", "https://acme.localhost/mcp"),
            ],
        )
        .await
    }

    pub async fn tokens(&self) -> Tokens {
        let code = self.code().await;
        tokens_of(&self.redeem(&code).await)
    }

    pub async fn refresh(&self, refresh_token: &str) -> HttpResponse {
        self.post_form(
            "/token",
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh_token),
                ("client_id", "pre-registered"),
            ],
        )
        .await
    }
}

pub fn tokens_of(response: &HttpResponse) -> Tokens {
    let body = json_of(response);
    assert_eq!(response.status, 200, "{body}");
    Tokens {
        access: body["access_token"]
            .as_str()
            .expect("access token")
            .to_owned(),
        refresh: body["refresh_token"]
            .as_str()
            .expect("refresh token")
            .to_owned(),
        body,
    }
}

pub fn json_of(response: &HttpResponse) -> Value {
    serde_json::from_slice(&response.body).unwrap_or(Value::Null)
}

pub fn location(response: &HttpResponse) -> &str {
    response.header("location").unwrap_or_default()
}

pub fn location_params(response: &HttpResponse) -> Params {
    Params::parse(location(response).split_once('?').map_or("", |(_, q)| q)).unwrap()
}

pub fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} in {html}"))
        + marker.len();
    html[start..]
        .split('"')
        .next()
        .unwrap_or_default()
        .to_owned()
}

pub fn assert_oauth_error(response: &HttpResponse, status: u16, error: &str) {
    let body = json_of(response);
    assert_eq!(
        (response.status, body["error"].as_str()),
        (status, Some(error)),
        "{body}"
    );
}

pub fn assert_redirected_error(response: &HttpResponse, error: &str) {
    assert_eq!(response.status, 302);
    assert!(
        location(response).starts_with(REDIRECT),
        "{}",
        location(response)
    );
    let params = location_params(response);
    assert_eq!(params.get("error"), Some(error), "{}", location(response));
    assert_eq!(params.get("state"), Some("xyz"));
    assert_eq!(params.get("iss"), Some(ORIGIN));
}

/// A page, not a redirect: nothing may go to an unverified redirect URI.
pub fn assert_page(response: &HttpResponse, status: u16, text: &str) {
    let html = String::from_utf8_lossy(&response.body);
    assert_eq!(response.status, status, "{html}");
    assert_eq!(response.header("location"), None);
    assert!(html.contains(text), "{text:?} not in {html}");
    assert_eq!(response.header("x-frame-options"), Some("DENY"));
    assert!(
        response
            .header("content-security-policy")
            .unwrap_or_default()
            .contains("frame-ancestors 'none'")
    );
}

pub fn claims_of(access: &str) -> Value {
    let payload = access.split('.').nth(1).expect("payload");
    serde_json::from_slice(&decode_base64url(payload).expect("base64")).expect("json")
}

pub fn retry_after(response: &HttpResponse) -> u64 {
    let value = response
        .header("retry-after")
        .expect("a Retry-After header");
    let seconds: u64 = value.parse().expect("whole seconds");
    assert!((1..=60).contains(&seconds), "{seconds}");
    seconds
}

#[tokio::test]
async fn full_flow_issues_audience_bound_scoped_tokens_and_refreshes() {
    let h = Harness::new();
    let first = h.authorize(&[]).await;
    let cookie = first.header("set-cookie").unwrap_or_default().to_owned();
    assert!(cookie.starts_with("__Host-portcullis-auth="), "{cookie}");
    assert!(
        cookie.contains("Secure") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax")
    );
    let upstream = location_params(&first);
    assert!(location(&first).starts_with("https://idp.example/auth?"));
    assert_eq!(
        upstream.get("redirect_uri"),
        Some("https://acme.localhost/oauth/callback")
    );
    assert_eq!(upstream.get("code_challenge_method"), Some("S256"));
    assert_eq!(upstream.get("client_id"), Some("acme-client"));

    let consent = h.sign_in(first).await;
    let html = String::from_utf8_lossy(&consent.body).into_owned();
    assert!(
        html.contains("Acme Desktop") && html.contains("127.0.0.1"),
        "{html}"
    );
    assert!(
        html.contains("Read the weather"),
        "grantable scope shown: {html}"
    );
    assert!(
        !html.contains("Change everything"),
        "a scope alice's roles do not grant is not offered"
    );
    let back = h.approve(consent, "approve").await;
    let code = location_params(&back).get("code").expect("code").to_owned();

    let tokens = tokens_of(&h.redeem(&code).await);
    assert_eq!(tokens.body["token_type"], "Bearer");
    assert_eq!(tokens.body["scope"], "weather:read");
    let claims = claims_of(&tokens.access);
    assert_eq!(claims["a"], "https://acme.localhost/mcp");
    assert_eq!(claims["u"], "acme-sso:alice");
    assert!(
        !tokens.body.to_string().contains("upstream-token"),
        "no token passthrough"
    );

    // The provider's token is kept, sealed, for tools.
    let grant: records::Grant =
        records::load(&h.store, &records::grant_key(claims["g"].as_str().unwrap()))
            .await
            .unwrap()
            .unwrap();
    let sealed = grant.provider_tokens.upstream_token.expect("kept");
    assert!(!sealed.contains("upstream-token"));
    let aad = records::upstream_token_aad("acme", "acme-sso:alice");
    assert_eq!(
        sealing::open(&SEAL_KEY, &aad, &sealed).as_deref(),
        Some(&b"upstream-token"[..])
    );

    // Refresh rotates.
    let again = tokens_of(&h.refresh(&tokens.refresh).await);
    assert_ne!(again.refresh, tokens.refresh);
    assert_eq!(claims_of(&again.access)["g"], claims["g"]);

    // What the provider said about the user is sealed too; only the id shows.
    assert_eq!(grant.user.user_id, "acme-sso:alice");
    let claims = sealing::open(
        &SEAL_KEY,
        &records::claims_aad("acme", "acme-sso:alice"),
        &grant.user.claims,
    )
    .expect("opens with the edge's key");
    assert!(String::from_utf8_lossy(&claims).contains("alice@acme.com"));
    assert!(!format!("{:?}", h.store.entries.borrow()).contains("alice@acme.com"));

    // Secrets are stored hashed only.
    let stored = format!("{:?}", h.store.entries.borrow());
    assert!(
        !stored.contains(&code)
            && !stored.contains(&again.refresh)
            && !stored.contains(&tokens.refresh)
    );
}

#[tokio::test]
async fn consent_is_remembered_per_user_and_client() {
    let h = Harness::new();
    h.code().await;
    let second = h.sign_in(h.authorize(&[]).await).await;
    assert_eq!(second.status, 302, "no second consent page");
    assert!(location_params(&second).get("code").is_some());
}

#[tokio::test]
async fn dynamic_registration_then_flow() {
    let h = Harness::new();
    let registered = h
        .register(json!({"redirect_uris": ["http://localhost:7777/cb"], "client_name": "Inspector", "token_endpoint_auth_method": "client_secret_post"}))
        .await;
    let body = json_of(&registered);
    assert_eq!(registered.status, 201, "{body}");
    assert_eq!(body["token_endpoint_auth_method"], "none");
    let client_id = body["client_id"].as_str().unwrap().to_owned();
    let page = h
        .sign_in(
            h.authorize(&[
                ("client_id", &client_id),
                ("redirect_uri", "http://localhost:7777/cb"),
            ])
            .await,
        )
        .await;
    assert!(String::from_utf8_lossy(&page.body).contains("Inspector"));
}

#[tokio::test]
async fn deny_returns_access_denied() {
    let h = Harness::new();
    let page = h.sign_in(h.authorize(&[]).await).await;
    assert_redirected_error(&h.approve(page, "deny").await, "access_denied");
}

#[tokio::test]
async fn revocation_revokes_the_grant() {
    let h = Harness::new();
    let tokens = h.tokens().await;
    let revoked = h
        .post_form(
            "/revoke",
            &[("token", &tokens.refresh), ("client_id", "pre-registered")],
        )
        .await;
    assert_eq!(revoked.status, 200);
    assert_oauth_error(&h.refresh(&tokens.refresh).await, 400, "invalid_grant");
    assert_eq!(
        *h.store.revoked.borrow(),
        [claims_of(&tokens.access)["g"].as_str().unwrap()]
    );
    // Unknown tokens are answered the same way (RFC 7009 §2.2).
    assert_eq!(
        h.post_form("/revoke", &[("token", "nonsense")])
            .await
            .status,
        200
    );
}

// The attack catalogue: each refused with the protocol's own error.

#[tokio::test]
async fn attack_code_replay_revokes_the_first_tokens() {
    let h = Harness::new();
    let code = h.code().await;
    let first = tokens_of(&h.redeem(&code).await);
    assert_oauth_error(&h.redeem(&code).await, 400, "invalid_grant");
    assert_oauth_error(&h.refresh(&first.refresh).await, 400, "invalid_grant");
    assert_eq!(
        *h.store.revoked.borrow(),
        [claims_of(&first.access)["g"].as_str().unwrap()]
    );
}

#[tokio::test]
async fn attack_pkce_missing_plain_or_wrong() {
    let h = Harness::new();
    assert_redirected_error(
        &h.authorize(&[("code_challenge", "")]).await,
        "invalid_request",
    );
    assert_redirected_error(
        &h.authorize(&[("code_challenge_method", "plain")]).await,
        "invalid_request",
    );
    assert_redirected_error(
        &h.authorize(&[("code_challenge_method", "")]).await,
        "invalid_request",
    );
    let code = h.code().await;
    let wrong = h
        .post_form(
            "/token",
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("client_id", "pre-registered"),
                (
                    "code_verifier",
                    "wrong-verifier-wrong-verifier-wrong-verifier-00",
                ),
            ],
        )
        .await;
    assert_oauth_error(&wrong, 400, "invalid_grant");
    let missing = h
        .post_form(
            "/token",
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("client_id", "pre-registered"),
            ],
        )
        .await;
    assert_oauth_error(&missing, 400, "invalid_request");
}

#[tokio::test]
async fn attack_redirect_uri_mismatch_added_query_or_open_redirect() {
    let h = Harness::new();
    for uri in [
        "http://127.0.0.1:5555/callback?next=https://evil.example",
        "http://127.0.0.1:5555/callback/",
        "https://evil.example/callback",
        "http://127.0.0.1:5556/callback",
    ] {
        assert_page(
            &h.authorize(&[("redirect_uri", uri)]).await,
            400,
            "does not exactly match",
        );
    }
    // And at the token endpoint, a different redirect_uri than authorized.
    let code = h.code().await;
    let swapped = h
        .post_form(
            "/token",
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", "http://127.0.0.1:5555/other"),
                ("client_id", "pre-registered"),
                ("code_verifier", VERIFIER),
            ],
        )
        .await;
    assert_oauth_error(&swapped, 400, "invalid_grant");
}

#[tokio::test]
async fn attack_refresh_token_reuse_revokes_the_family() {
    let h = Harness::new();
    let first = h.tokens().await;
    let second = tokens_of(&h.refresh(&first.refresh).await);
    assert_oauth_error(&h.refresh(&first.refresh).await, 400, "invalid_grant");
    // The thief's reuse also cut off the legitimate holder's newer token.
    assert_oauth_error(&h.refresh(&second.refresh).await, 400, "invalid_grant");
    assert!(!h.store.revoked.borrow().is_empty());
}

#[tokio::test]
async fn attack_wrong_resource() {
    let h = Harness::new();
    let other = "https://globex.localhost/mcp";
    assert_redirected_error(&h.authorize(&[("resource", other)]).await, "invalid_target");
    let code = h.code().await;
    let response = h
        .post_form(
            "/token",
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("client_id", "pre-registered"),
                ("code_verifier", VERIFIER),
                ("resource", other),
            ],
        )
        .await;
    assert_oauth_error(&response, 400, "invalid_target");
}

#[tokio::test]
async fn attack_consent_without_csrf_or_from_another_browser() {
    let h = Harness::new();
    let page = h.sign_in(h.authorize(&[]).await).await;
    let html = String::from_utf8_lossy(&page.body).into_owned();
    let txn = hidden(&html, "txn");
    let forged = h
        .post_form("/oauth/consent", &[("txn", &txn), ("decision", "approve")])
        .await;
    assert_page(&forged, 403, "could not be verified");
    let wrong = h
        .post_form(
            "/oauth/consent",
            &[("txn", &txn), ("csrf", "guess"), ("decision", "approve")],
        )
        .await;
    assert_page(&wrong, 403, "could not be verified");
    // The right CSRF token from a browser without the transaction's cookie.
    h.cookie.replace(None);
    let csrf = hidden(&html, "csrf");
    let elsewhere = h
        .post_form(
            "/oauth/consent",
            &[("txn", &txn), ("csrf", &csrf), ("decision", "approve")],
        )
        .await;
    assert_page(&elsewhere, 400, "expired");
}

#[tokio::test]
async fn attack_expired_code() {
    let h = Harness::new();
    let code = h.code().await;
    h.now.set(NOW + crate::tokens::CODE_TTL + 1);
    assert_oauth_error(&h.redeem(&code).await, 400, "invalid_grant");
}

#[tokio::test]
async fn attack_unknown_client() {
    let h = Harness::new();
    assert_page(
        &h.authorize(&[("client_id", "nobody")]).await,
        400,
        "not registered",
    );
    let response = h
        .post_form(
            "/token",
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", "x"),
                ("client_id", "nobody"),
            ],
        )
        .await;
    assert_oauth_error(&response, 401, "invalid_client");
}

#[tokio::test]
async fn attack_registration_with_dangerous_or_oversized_metadata() {
    let h = Harness::new();
    for uri in [
        "javascript:alert(1)",
        "data:text/html,x",
        "https://app.example/cb#x",
        "http://app.example/cb",
    ] {
        let response = h.register(json!({"redirect_uris": [uri]})).await;
        assert_oauth_error(&response, 400, "invalid_redirect_uri");
    }
    let huge =
        json!({"redirect_uris": ["https://app.example/cb"], "client_name": "x".repeat(20_000)});
    assert_oauth_error(&h.register(huge).await, 413, "invalid_client_metadata");
    assert_oauth_error(
        &h.register(json!({"client_name": "no uris"})).await,
        400,
        "invalid_client_metadata",
    );
    assert!(
        h.store
            .entries
            .borrow()
            .keys()
            .all(|k| !k.starts_with("client/")),
        "nothing registered"
    );
}

#[tokio::test]
async fn attack_disallowed_user_sees_a_clear_page() {
    let h = Harness::new();
    h.idp.claims.borrow_mut()["email"] = json!("mallory@evil.example");
    let response = h.sign_in(h.authorize(&[]).await).await;
    assert_page(&response, 403, "can't use");
    assert!(String::from_utf8_lossy(&response.body).contains("mallory@evil.example"));
}

#[tokio::test]
async fn attack_forged_or_foreign_id_tokens_are_refused() {
    for (claim, value) in [
        ("iss", json!("https://evil.example")),
        ("aud", json!("someone-else")),
        ("exp", json!(NOW - 500)),
        ("nonce", json!("replayed-nonce")),
    ] {
        let h = Harness::new();
        h.idp.claims.borrow_mut()[claim] = value;
        let response = h.sign_in(h.authorize(&[]).await).await;
        assert_page(&response, 502, "failed");
    }
}

#[tokio::test]
async fn repeated_parameters_and_wrong_content_types_are_refused() {
    let h = Harness::new();
    let response = h
        .get("/authorize?client_id=pre-registered&client_id=other")
        .await;
    assert_page(&response, 400, "more than once");
    let json_body = HttpRequest {
        method: "POST".into(),
        path: "/token".into(),
        headers: vec![("content-type".into(), "application/json".into())],
        body: b"{}".to_vec(),
        ..Default::default()
    };
    assert_oauth_error(&h.send(json_body).await, 400, "invalid_request");
    assert_oauth_error(
        &h.post_form("/token", &[("client_id", "pre-registered")])
            .await,
        400,
        "invalid_request",
    );
    assert_oauth_error(
        &h.post_form(
            "/token",
            &[("client_id", "pre-registered"), ("grant_type", "password")],
        )
        .await,
        400,
        "unsupported_grant_type",
    );
}

#[tokio::test]
async fn a_lost_or_foreign_transaction_shows_a_page() {
    let h = Harness::new();
    let authorize = h.authorize(&[]).await;
    h.cookie.replace(None);
    assert_page(&h.sign_in(authorize).await, 400, "expired");
    assert_page(
        &h.get("/oauth/callback?code=x&state=unknown").await,
        400,
        "expired",
    );
}

#[tokio::test]
async fn clients_described_by_a_metadata_document_need_no_registration() {
    let h = Harness::new();
    let page = h
        .sign_in(h.authorize(&[("client_id", CIMD_URL)]).await)
        .await;
    assert!(String::from_utf8_lossy(&page.body).contains("Documented App"));
    let fetches = |h: &Harness| {
        h.idp
            .requests
            .borrow()
            .iter()
            .filter(|r| r.url == CIMD_URL)
            .count()
    };
    assert_eq!(fetches(&h), 1);
    h.authorize(&[("client_id", CIMD_URL)]).await;
    assert_eq!(fetches(&h), 1, "cached");
    h.now.set(NOW + super::cimd::CACHE_SECONDS + 1);
    h.authorize(&[("client_id", CIMD_URL)]).await;
    assert_eq!(fetches(&h), 2, "refetched once stale");
}

#[tokio::test]
async fn attack_metadata_documents_that_lie_or_point_inward() {
    let h = Harness::new();
    h.idp.client_document.borrow_mut()["client_id"] =
        json!("https://other.example.com/client.json");
    assert_page(
        &h.authorize(&[("client_id", CIMD_URL)]).await,
        400,
        "not registered",
    );
    let h = Harness::new();
    h.idp.client_document.borrow_mut()["redirect_uris"] = json!(["javascript:alert(1)"]);
    assert_page(
        &h.authorize(&[("client_id", CIMD_URL)]).await,
        400,
        "not registered",
    );
    let h = Harness::new();
    h.idp.client_document.borrow_mut()["client_secret"] = json!("leaked");
    assert_page(
        &h.authorize(&[("client_id", CIMD_URL)]).await,
        400,
        "not registered",
    );
    for url in [
        "https://localhost/client.json",
        "https://127.0.0.1/client.json",
        "https://[::1]/client.json",
        "https://metadata.internal.localhost/c.json",
        "https://intranet/client.json",
        "https://app.example.com",
        "https://app.example.com/#frag",
    ] {
        assert!(super::cimd::check_url(url).is_err(), "{url}");
    }
    assert_eq!(super::cimd::check_url(CIMD_URL), Ok(()));
    let big = format!(
        r#"{{"client_id": "{CIMD_URL}", "redirect_uris": ["{REDIRECT}"], "pad": "{}"}}"#,
        "x".repeat(6000)
    );
    assert!(super::cimd::parse_document(CIMD_URL, big.as_bytes()).is_err());
}

#[tokio::test]
async fn the_consent_page_wears_the_tenants_branding() {
    let mut h = Harness::new();
    h.config.branding = Some(portcullis_tenant_config::Branding {
        logo_url: Some("https://cdn.acme.example/logo.svg".into()),
        accent_color: Some("#c0ffee".into()),
    });
    let consent = h.sign_in(h.authorize(&[]).await).await;
    let html = String::from_utf8_lossy(&consent.body).into_owned();
    assert!(
        html.contains("<img class=\"logo\" src=\"https://cdn.acme.example/logo.svg\""),
        "{html}"
    );
    assert!(html.contains("background:#c0ffee"), "{html}");
    // The page's policy lets https images in and nothing else.
    let policy = consent
        .header("content-security-policy")
        .unwrap_or_default();
    assert!(policy.contains("img-src https:") && policy.contains("default-src 'none'"));
}

// What the tenant's admins see and revoke, through the control plane.

impl Harness {
    async fn admin(&self, method: &str, target: &str) -> HttpResponse {
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        self.send(HttpRequest {
            method: method.into(),
            path: path.into(),
            query: query.into(),
            headers: vec![("host".to_owned(), "acme.localhost".to_owned())],
            secure: true,
            ..Default::default()
        })
        .await
    }
}

#[tokio::test]
async fn admins_see_clients_and_grants_with_their_users() {
    let h = Harness::new();
    let tokens = h.tokens().await;
    let registered = h
        .register(
            json!({"redirect_uris": ["http://localhost:7777/cb"], "client_name": "Inspector"}),
        )
        .await;
    let dynamic = json_of(&registered)["client_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let listed = h.admin("GET", "/internal/clients").await;
    let body = json_of(&listed);
    assert_eq!(listed.status, 200, "{body}");
    let clients = body["clients"].as_array().unwrap();
    let find = |id: &str| clients.iter().find(|c| c["clientId"] == id).cloned();
    let pre = find("pre-registered").expect("the pre-registered client");
    assert_eq!(
        (pre["registration"].as_str(), pre["activeGrants"].as_u64()),
        (Some("preregistered"), Some(1))
    );
    let dynamic_view = find(&dynamic).expect("the registered client");
    assert_eq!(dynamic_view["registration"], "dynamic");
    assert_eq!(dynamic_view["clientName"], "Inspector");
    assert_eq!(dynamic_view["activeGrants"], 0);
    let body = json_of(&h.admin("GET", "/internal/grants").await);
    let grants = body["grants"].as_array().unwrap();
    assert_eq!(grants.len(), 1, "{body}");
    assert_eq!(body["next"], Value::Null, "one page");
    assert_eq!(grants[0]["id"], claims_of(&tokens.access)["g"]);
    assert_eq!(grants[0]["email"], "alice@acme.com");
    assert_eq!(grants[0]["clientId"], "pre-registered");
}

#[tokio::test]
async fn grants_are_listed_a_page_at_a_time_each_once() {
    let h = Harness::new();
    let tokens = h.tokens().await;
    let first = claims_of(&tokens.access)["g"].as_str().unwrap().to_owned();
    // Four more grants like the first, as other clients' would be.
    let record = h.store.entries.borrow()[&format!("grant/{first}")].clone();
    let mut issued = std::collections::BTreeSet::from([first]);
    for i in 0..4 {
        let mut grant: Value = serde_json::from_str(&record).unwrap();
        grant["id"] = json!(format!("copy{i}"));
        let text = grant.to_string();
        h.store
            .entries
            .borrow_mut()
            .insert(format!("grant/copy{i}"), text);
        issued.insert(format!("copy{i}"));
    }
    let mut seen = Vec::new();
    let mut target = "/internal/grants?limit=2".to_owned();
    loop {
        let page = json_of(&h.admin("GET", &target).await);
        let grants = page["grants"].as_array().unwrap();
        assert!(grants.len() <= 2, "{page}");
        seen.extend(grants.iter().map(|g| g["id"].as_str().unwrap().to_owned()));
        match page["next"].as_str() {
            Some(after) => target = format!("/internal/grants?limit=2&after={after}"),
            None => break,
        }
    }
    assert_eq!(seen.len(), 5, "each grant once: {seen:?}");
    assert_eq!(
        seen.into_iter().collect::<std::collections::BTreeSet<_>>(),
        issued
    );
    for bad in ["0", "1001", "many"] {
        let refused = h
            .admin("GET", &format!("/internal/grants?limit={bad}"))
            .await;
        assert_eq!(refused.status, 400, "limit={bad}");
    }
}

#[tokio::test]
async fn revoking_a_grant_ends_its_tokens_and_asks_for_consent_again() {
    let h = Harness::new();
    let tokens = h.tokens().await;
    let grant = claims_of(&tokens.access)["g"].as_str().unwrap().to_owned();
    let revoked = h
        .admin("DELETE", &format!("/internal/grants/{grant}"))
        .await;
    assert_eq!(revoked.status, 204);
    assert_eq!(*h.store.revoked.borrow(), std::slice::from_ref(&grant));
    assert_oauth_error(&h.refresh(&tokens.refresh).await, 400, "invalid_grant");
    let listed = json_of(&h.admin("GET", "/internal/grants").await);
    assert_eq!(listed["grants"], json!([]));
    // Consent was forgotten: the next authorization shows the page again.
    let again = h.sign_in(h.authorize(&[]).await).await;
    assert_eq!(again.status, 200, "a consent page");
    assert_eq!(
        h.admin("DELETE", &format!("/internal/grants/{grant}"))
            .await
            .status,
        404
    );
    assert_eq!(h.admin("DELETE", "/internal/grants/nope").await.status, 404);
}

#[tokio::test]
async fn revoking_a_client_ends_every_grant_and_its_registration() {
    let h = Harness::new();
    let registered = h
        .register(
            json!({"redirect_uris": ["http://localhost:7777/cb"], "client_name": "Inspector"}),
        )
        .await;
    let client_id = json_of(&registered)["client_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let authorize = [
        ("client_id", client_id.as_str()),
        ("redirect_uri", "http://localhost:7777/cb"),
    ];
    let page = h.sign_in(h.authorize(&authorize).await).await;
    let code = location_params(&h.approve(page, "approve").await)
        .get("code")
        .expect("a code")
        .to_owned();
    let redeemed = h
        .post_form(
            "/token",
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", "http://localhost:7777/cb"),
                ("client_id", &client_id),
                ("code_verifier", VERIFIER),
            ],
        )
        .await;
    let tokens = tokens_of(&redeemed);
    let path = format!("/internal/clients/{}", percent_encode(&client_id));
    let revoked = h.admin("DELETE", &path).await;
    let body = json_of(&revoked);
    assert_eq!(revoked.status, 200, "{body}");
    assert_eq!(body["revokedGrants"], 1);
    assert_eq!(body["registrationRemoved"], true);
    assert_eq!(
        *h.store.revoked.borrow(),
        [claims_of(&tokens.access)["g"].as_str().unwrap()]
    );
    // The client is gone: it can neither refresh nor start again.
    let refreshed = h
        .post_form(
            "/token",
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", &tokens.refresh),
                ("client_id", &client_id),
            ],
        )
        .await;
    assert_oauth_error(&refreshed, 401, "invalid_client");
    assert_ne!(h.authorize(&authorize).await.status, 302);
    assert_eq!(h.admin("DELETE", &path).await.status, 404);
    // A pre-registered client loses its grants but stays registered.
    h.tokens().await;
    let pre = json_of(&h.admin("DELETE", "/internal/clients/pre-registered").await);
    assert_eq!(
        (
            pre["revokedGrants"].as_u64(),
            pre["registrationRemoved"].as_bool()
        ),
        (Some(1), Some(false))
    );
}

mod hardening;
mod limits;
mod user_tokens;
