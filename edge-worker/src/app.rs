//! The whole edge as one function: request in, what to do out.

use portcullis_tenant_config::names::validate_tenant_slug;
use portcullis_tenant_config::{SignatureVerifier, TenantConfig, command};

use crate::auth::Caller;
use crate::http::{HttpRequest, HttpResponse, MAX_BODY_BYTES};
use crate::mcp::effect::{Counted, Effect};
use crate::mcp::methods::Call;
use crate::mcp::subscriptions::Published;
use crate::mcp::{sse, transport};
use crate::oauth::form::{FormRefusal, MAX_FORM_BYTES, decode};
use crate::oauth::{AUTHORITY_PATHS, metadata, oauth_error};
use crate::rate::{self, Endpoint, RateLimiter, RetryAfter};
use crate::routing::{Site, site_for_host};
use crate::store::{CommandNonces, ConfigStore};
use crate::tokens::AccessTokens;
use crate::usage::UsageEvent;
use crate::{auth, config_push};

/// What the edge needs from its runtime.
pub struct Edge<'a, S, V> {
    /// `localhost` locally; the production edge domain when deployed.
    pub edge_domain: &'a str,
    pub store: &'a S,
    pub verifier: &'a V,
    /// A fresh random id for a new session.
    pub new_session_id: &'a dyn Fn() -> String,
    /// The edge's secret from which each tenant's access-token key derives.
    pub token_key: &'a [u8; 32],
    /// Seconds since the epoch.
    pub now: u64,
}

/// What the runtime must do to answer a request.
// One per request, built once and moved to the runtime: boxing the large
// variant would only add an allocation.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, PartialEq)]
pub enum Outcome {
    Reply(HttpResponse),
    /// What an MCP request needs done, and what it counts for in the
    /// tenant's usage (reported by the runtime).
    Mcp(Effect, Vec<UsageEvent>),
    /// Tell every open notification stream of the tenant about `changes`
    /// (each as its kind wants), without waiting for slow readers, and
    /// answer `reply`.
    Broadcast {
        tenant: String,
        changes: Published,
        reply: HttpResponse,
    },
    /// Pass the request to the tenant's authorization server (its auth
    /// Durable Object, see [`crate::oauth`]).
    Authority {
        tenant: String,
    },
    /// Hand the control plane's verified request to the tenant's
    /// authorization server (its path below `/internal/`).
    Administer {
        tenant: String,
        request: HttpRequest,
    },
}

impl From<Counted> for Outcome {
    fn from(Counted { effect, usage }: Counted) -> Self {
        match effect {
            Effect::Reply(reply) if usage.is_empty() => Outcome::Reply(reply),
            effect => Outcome::Mcp(effect, usage),
        }
    }
}

impl From<Effect> for Outcome {
    fn from(effect: Effect) -> Self {
        Counted::from(effect).into()
    }
}

#[cfg(test)]
impl Outcome {
    /// The direct answer, for tests of requests that get one.
    pub fn into_reply(self) -> HttpResponse {
        match self {
            Outcome::Reply(r) | Outcome::Broadcast { reply: r, .. } => r,
            Outcome::Mcp(effect, _) => effect.into_reply(),
            other => panic!("expected a direct reply, got {other:?}"),
        }
    }
}

impl<S: ConfigStore + CommandNonces + RateLimiter, V: SignatureVerifier> Edge<'_, S, V> {
    pub async fn handle(&self, request: &HttpRequest) -> Outcome {
        if request.body.len() > MAX_BODY_BYTES {
            return Outcome::Reply(HttpResponse::error(
                413,
                "too_large",
                "request body exceeds 1 MiB",
            ));
        }
        let host = request.header("host").unwrap_or_default();
        match site_for_host(host, self.edge_domain) {
            Site::Apex => self.apex(request).await,
            Site::Tenant(slug) => self.tenant(slug, request).await,
            Site::Unknown => Outcome::Reply(HttpResponse::error(
                404,
                "unknown_host",
                "no site is served at this host",
            )),
        }
    }

    async fn apex(&self, request: &HttpRequest) -> Outcome {
        let target = request
            .path
            .strip_prefix("/internal/tenants/")
            .and_then(|rest| rest.split_once('/'));
        match (request.method.as_str(), request.path.as_str(), target) {
            ("GET", "/healthz", _) => Outcome::Reply(HttpResponse::json(
                200,
                &serde_json::json!({ "status": "ok" }),
            )),
            ("PUT", _, Some((tenant, "config"))) => {
                config_push::accept(tenant, &request.body, self.store, self.verifier).await
            }
            ("GET", _, Some((tenant, "config"))) => config_push::served(tenant, self.store).await,
            (_, _, Some((_, "config"))) => Outcome::Reply(
                HttpResponse::error(405, "method_not_allowed", "use PUT or GET")
                    .with_header("allow", "PUT, GET"),
            ),
            (_, _, Some((tenant, rest)))
                if rest == "clients"
                    || rest == "grants"
                    || rest.starts_with("clients/")
                    || rest.starts_with("grants/") =>
            {
                match self.verify_command(tenant, request).await {
                    Ok(()) => administer(tenant, rest, request, self.edge_domain),
                    Err(refusal) => Outcome::Reply(refusal),
                }
            }
            ("POST", _, Some((tenant, "try"))) => {
                Outcome::Reply(match self.verify_command(tenant, request).await {
                    Ok(()) => self.try_tool(tenant, request).await,
                    Err(refusal) => refusal,
                })
            }
            _ => Outcome::Reply(HttpResponse::error(404, "not_found", "no such endpoint")),
        }
    }

    /// Checks the control plane's signature over this edge's domain and the
    /// request's method, path and query, then spends its nonce: a command
    /// runs once.
    async fn verify_command(
        &self,
        tenant: &str,
        request: &HttpRequest,
    ) -> Result<(), HttpResponse> {
        let target = if request.query.is_empty() {
            request.path.clone()
        } else {
            format!("{}?{}", request.path, request.query)
        };
        let refuse =
            |e: command::CommandError| HttpResponse::error(401, "unauthorized", &e.to_string());
        let verified = command::verify(
            request.header(command::HEADER),
            self.edge_domain,
            &request.method,
            &target,
            self.now,
            self.verifier,
        )
        .await
        .map_err(refuse)?;
        match self
            .store
            .spend(tenant, &verified.nonce, verified.remember_until)
            .await
        {
            Ok(true) => Ok(()),
            Ok(false) => Err(refuse(command::CommandError::Replayed)),
            Err(e) => {
                crate::log::error(&format!("command nonces: {}", e.0));
                Err(HttpResponse::error(503, "unavailable", "retry later"))
            }
        }
    }

    /// `POST /internal/tenants/{tenant}/try?tool=…&arguments=…`: calls a
    /// tool of the served config as a client would, for the admin UI's
    /// "try it" (scopes aside); answers `{"result"}` or `{"error"}`.
    async fn try_tool(&self, tenant: &str, request: &HttpRequest) -> HttpResponse {
        let config = match self.store.load(tenant).await {
            Ok(Some(config)) => config,
            Ok(None) => {
                return HttpResponse::error(
                    404,
                    "unknown_tenant",
                    "nothing is published for this tenant",
                );
            }
            Err(e) => {
                crate::log::error(&format!("config store: {}", e.0));
                return HttpResponse::error(503, "unavailable", "retry later");
            }
        };
        let tool = request.query_param("tool").map(decode).unwrap_or_default();
        let arguments = request
            .query_param("arguments")
            .map(decode)
            .unwrap_or_default();
        let arguments = match serde_json::from_str::<serde_json::Value>(&arguments) {
            Ok(serde_json::Value::Object(map)) => map,
            _ => {
                return HttpResponse::error(
                    400,
                    "invalid_request",
                    "arguments must be a JSON object",
                );
            }
        };
        let mut params = serde_json::Map::new();
        params.insert("name".into(), tool.into());
        params.insert("arguments".into(), arguments.into());
        let ran = Call::new(
            &config,
            &Caller::Anonymous,
            crate::mcp::LATEST_VERSION,
            params,
        )
        .admin_try()
        .run("tools/call");
        let answer = match ran.result {
            Ok(result) => serde_json::json!({ "version": config.version, "result": result }),
            Err(error) => serde_json::json!({ "version": config.version, "error": error }),
        };
        HttpResponse::json(200, &answer)
    }

    async fn tenant(&self, slug: &str, request: &HttpRequest) -> Outcome {
        let config = match self.store.load(slug).await {
            Ok(Some(config)) => config,
            Ok(None) => {
                let message = format!("no tenant {slug:?} is served here");
                return Outcome::Reply(HttpResponse::error(404, "unknown_tenant", &message));
            }
            Err(e) => {
                crate::log::error(&format!("config store: {}", e.0));
                let message = "tenant configuration is unavailable, retry later";
                return Outcome::Reply(HttpResponse::error(503, "unavailable", message));
            }
        };
        let path = request.path.as_str();
        let origin = request.origin();
        let oauth = config.oauth.as_ref();
        let is_oauth_path = path.starts_with("/.well-known/") || AUTHORITY_PATHS.contains(&path);
        if request.method == "OPTIONS" && (is_oauth_path || MCP_PATHS.contains(&path)) {
            return Outcome::Reply(metadata::preflight());
        }
        let endpoint = match path {
            "/register" if oauth.is_some() => Some(Endpoint::Register),
            _ if oauth.is_some() && AUTHORITY_PATHS.contains(&path) => Some(Endpoint::OAuth),
            _ if MCP_PATHS.contains(&path) => Some(Endpoint::Mcp),
            _ => None,
        };
        if let Some(endpoint) = endpoint
            && let Err(wait) = self.admit(&config, endpoint, request).await
        {
            return Outcome::Reply(match endpoint {
                Endpoint::Mcp => transport::too_many_requests(wait),
                Endpoint::OAuth | Endpoint::Register => {
                    crate::oauth::too_many_requests(request, wait)
                }
            });
        }
        if let (Some(oauth), true) = (oauth, is_oauth_path) {
            if AUTHORITY_PATHS.contains(&path) {
                // Refused here, in the Worker, so an oversized request never
                // occupies the tenant's one (serialized) auth object.
                if request.body.len() > MAX_FORM_BYTES || request.query.len() > MAX_FORM_BYTES {
                    let (status, why) = FormRefusal::TooLarge.explain();
                    return Outcome::Reply(oauth_error(status, "invalid_request", &why));
                }
                return Outcome::Authority {
                    tenant: config.tenant.clone(),
                };
            }
            if let Some(document) = metadata::document(path, &origin, oauth, &config.display_name) {
                return Outcome::Reply(document);
            }
        }
        if path == "/favicon.ico" {
            // Browsers ask on every page the edge shows; there is none.
            return Outcome::Reply(
                HttpResponse::empty(204).with_header("cache-control", "public, max-age=86400"),
            );
        }
        if !MCP_PATHS.contains(&path) {
            let message =
                "no such endpoint; MCP is served at /mcp (and /sse for 2024-11-05 clients)";
            return Outcome::Reply(HttpResponse::error(404, "not_found", message));
        }
        if let Some(refusal) = transport::refuse_foreign_origin(request, host_of(request)) {
            return Outcome::Reply(refusal);
        }
        let caller = match self.authenticate(&config, request, &origin).await {
            Ok(caller) => caller,
            Err(challenge) => return Outcome::Reply(challenge),
        };
        match (path, request.method.as_str()) {
            (MCP_PATH, "GET") => {
                transport::open_notification_stream(&config, &caller, request).into()
            }
            (MCP_PATH, _) => transport::handle(&config, &caller, request, self.token_key).into(),
            (SSE_PATH, "GET") => {
                sse::open(&config.tenant, &caller, request, &(self.new_session_id)()).into()
            }
            (SSE_PATH, _) => Outcome::Reply(
                HttpResponse::error(405, "method_not_allowed", "open the event stream with GET")
                    .with_header("allow", "GET"),
            ),
            (_, "POST") => sse::post(&config, &caller, request).into(),
            _ => Outcome::Reply(
                HttpResponse::error(405, "method_not_allowed", "POST messages here")
                    .with_header("allow", "POST"),
            ),
        }
    }
}

/// Hands the control plane's verified request about a tenant's clients
/// and grants to the tenant's authorization server.
fn administer(tenant: &str, rest: &str, request: &HttpRequest, edge_domain: &str) -> Outcome {
    if validate_tenant_slug(tenant).is_err() {
        return Outcome::Reply(HttpResponse::error(404, "unknown_tenant", "no such tenant"));
    }
    let mut forwarded = request.clone();
    forwarded.path = format!("/internal/{rest}");
    forwarded.headers.retain(|(name, _)| name != "host");
    forwarded
        .headers
        .push(("host".into(), format!("{tenant}.{edge_domain}")));
    Outcome::Administer {
        tenant: tenant.to_owned(),
        request: forwarded,
    }
}

const MCP_PATH: &str = "/mcp";
const SSE_PATH: &str = "/sse";
const MCP_PATHS: &[&str] = &[MCP_PATH, SSE_PATH, sse::MESSAGES_PATH];

impl<S: ConfigStore + CommandNonces + RateLimiter, V: SignatureVerifier> Edge<'_, S, V> {
    /// Counts the request against the tenant's limits for `endpoint`. A
    /// counter that cannot be reached lets the request through: the limits
    /// protect capacity and must not take it away themselves.
    async fn admit(
        &self,
        config: &TenantConfig,
        endpoint: Endpoint,
        request: &HttpRequest,
    ) -> Result<(), RetryAfter> {
        let client_ip = request.header(rate::CLIENT_IP_HEADER).unwrap_or("unknown");
        let counts = rate::counts(&config.limits, endpoint, client_ip);
        match self.store.admit(&config.tenant, &counts, self.now).await {
            Ok(admission) => admission.map(|_leased| ()),
            Err(e) => {
                crate::log::error(&format!("rate counter: {}", e.0));
                Ok(())
            }
        }
    }

    /// The token check ([`auth::authenticate`]) plus the revocation list.
    async fn authenticate(
        &self,
        config: &TenantConfig,
        request: &HttpRequest,
        origin: &str,
    ) -> Result<Caller, HttpResponse> {
        let tokens = AccessTokens::for_tenant(self.token_key, &config.tenant);
        let caller = auth::authenticate(config, request, origin, &tokens, self.now)?;
        let (Caller::User(claims), Some(oauth)) = (&caller, &config.oauth) else {
            return Ok(caller);
        };
        match self.store.is_revoked(&config.tenant, &claims.g).await {
            Ok(false) => Ok(caller),
            Ok(true) => Err(auth::challenge(
                401,
                origin,
                oauth,
                Some(("invalid_token", "the access token was revoked")),
            )),
            Err(e) => {
                crate::log::error(&format!("revocation list: {}", e.0));
                let message = "authorization cannot be checked right now, retry later";
                Err(HttpResponse::error(503, "unavailable", message))
            }
        }
    }
}

fn host_of(request: &HttpRequest) -> &str {
    request.header("host").unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use ed25519_dalek::SigningKey;
    use portcullis_tenant_config::envelope::Ed25519Verifier;
    use portcullis_tenant_config::{SignedConfig, TenantConfig};
    use serde_json::{Value, json};

    use super::*;
    use crate::store::memory::MemoryStore;

    fn config(tenant: &str, version: u64, tool: &str) -> TenantConfig {
        crate::test_fixtures::tenant(tenant, version, &[tool])
    }

    fn req(method: &str, host: &str, path: &str, body: &[u8]) -> HttpRequest {
        HttpRequest {
            method: method.into(),
            path: path.into(),
            headers: vec![
                ("host".into(), host.into()),
                ("content-type".into(), "application/json".into()),
            ],
            body: body.to_vec(),
            ..Default::default()
        }
    }

    fn body(r: &HttpResponse) -> Value {
        serde_json::from_slice(&r.body).unwrap()
    }

    struct Fixture {
        store: MemoryStore,
        key: SigningKey,
        verifier: Ed25519Verifier,
    }

    impl Fixture {
        fn new() -> Self {
            let key = SigningKey::from_bytes(&[3; 32]);
            Self {
                store: MemoryStore::default(),
                verifier: Ed25519Verifier(key.verifying_key()),
                key,
            }
        }
        fn edge(&self) -> Edge<'_, MemoryStore, Ed25519Verifier> {
            Edge {
                edge_domain: "localhost",
                store: &self.store,
                verifier: &self.verifier,
                new_session_id: &|| "5e55-10ab".to_string(),
                token_key: &[9; 32],
                now: 1_000,
            }
        }
        /// The edge of [`Self::edge`] over another store.
        fn edge_over<'a, S>(&'a self, store: &'a S) -> Edge<'a, S, Ed25519Verifier> {
            let Edge {
                edge_domain,
                verifier,
                new_session_id,
                token_key,
                now,
                ..
            } = self.edge();
            Edge {
                edge_domain,
                store,
                verifier,
                new_session_id,
                token_key,
                now,
            }
        }
        /// Sends a request and returns the HTTP answer it gets.
        async fn send(&self, request: &HttpRequest) -> HttpResponse {
            self.edge().handle(request).await.into_reply()
        }
        /// `method path?query` to the apex, signed by `key` for `domain`
        /// at time `t` with `nonce`.
        fn command(
            key: &SigningKey,
            domain: &str,
            method: &str,
            path: &str,
            query: &str,
            t: u64,
            nonce: &str,
        ) -> HttpRequest {
            use ed25519_dalek::Signer;
            let target = if query.is_empty() {
                path.to_owned()
            } else {
                format!("{path}?{query}")
            };
            let signed = command::Signed {
                edge_domain: domain,
                method,
                path: &target,
                timestamp: t,
                nonce,
            };
            let signature = key.sign(signed.message().as_bytes());
            let mut r = req(method, "localhost:8787", path, b"");
            r.query = query.into();
            r.headers.push((
                command::HEADER.into(),
                signed.header_value(&signature.to_bytes()),
            ));
            r
        }
        async fn push(&self, tenant: &str, c: &TenantConfig) -> HttpResponse {
            let env = SignedConfig::sign(c, &self.key).unwrap();
            let path = format!("/internal/tenants/{tenant}/config");
            self.send(&req(
                "PUT",
                "localhost:8787",
                &path,
                &serde_json::to_vec(&env).unwrap(),
            ))
            .await
        }
    }

    #[tokio::test]
    async fn only_signed_commands_reach_a_tenants_authorization_server() {
        let f = Fixture::new();
        let path = "/internal/tenants/acme/clients/some%2Fclient";
        let nonces = std::cell::Cell::new(0);
        let signed = |key: &SigningKey, method: &str, t: u64| {
            nonces.set(nonces.get() + 1);
            let nonce = format!("n{}", nonces.get());
            Fixture::command(key, "localhost", method, path, "", t, &nonce)
        };
        match f.edge().handle(&signed(&f.key, "DELETE", 1_000)).await {
            Outcome::Administer { tenant, request } => {
                assert_eq!(tenant, "acme");
                assert_eq!(request.path, "/internal/clients/some%2Fclient");
                assert_eq!(request.header("host"), Some("acme.localhost"));
            }
            other => panic!("expected the command to be forwarded, got {other:?}"),
        }
        let unsigned = f.send(&req("DELETE", "localhost:8787", path, b"")).await;
        assert_eq!(unsigned.status, 401);
        let stranger = SigningKey::from_bytes(&[4; 32]);
        assert_eq!(
            f.send(&signed(&stranger, "DELETE", 1_000)).await.status,
            401
        );
        assert_eq!(
            f.send(&signed(&f.key, "DELETE", 1_000 + 3_600))
                .await
                .status,
            401
        );
        // Signed for a listing, replayed as a revocation.
        let mut replayed = signed(&f.key, "GET", 1_000);
        replayed.method = "DELETE".into();
        assert_eq!(f.send(&replayed).await.status, 401);
        // Signed for another edge holding the same key.
        let elsewhere =
            Fixture::command(&f.key, "mcp.example.com", "DELETE", path, "", 1_000, "x1");
        assert_eq!(f.send(&elsewhere).await.status, 401);
        // A page of grants goes on with its query.
        let page = Fixture::command(
            &f.key,
            "localhost",
            "GET",
            "/internal/tenants/acme/grants",
            "limit=2&after=g1",
            1_000,
            "page",
        );
        match f.edge().handle(&page).await {
            Outcome::Administer { request, .. } => {
                assert_eq!(
                    (request.path.as_str(), request.query.as_str()),
                    ("/internal/grants", "limit=2&after=g1")
                );
            }
            other => panic!("expected the listing to be forwarded, got {other:?}"),
        }
        // The same signed command twice: it runs once.
        let once = Fixture::command(&f.key, "localhost", "DELETE", path, "", 1_000, "once");
        assert!(matches!(
            f.edge().handle(&once).await,
            Outcome::Administer { .. }
        ));
        let again = f.send(&once).await;
        assert_eq!(again.status, 401);
        assert!(
            body(&again)["message"]
                .as_str()
                .unwrap()
                .contains("already"),
            "{}",
            body(&again)
        );
        // A tenant's own host never reaches these paths.
        f.push("acme", &config("acme", 1, "t")).await;
        let public = f
            .send(&req("GET", "acme.localhost:8787", "/internal/clients", b""))
            .await;
        assert_eq!(public.status, 404);
    }

    #[tokio::test]
    async fn a_tenant_host_answers_the_browsers_favicon_request_with_nothing() {
        let f = Fixture::new();
        f.push("acme", &config("acme", 1, "t")).await;
        let icon = f
            .send(&req("GET", "acme.localhost:8787", "/favicon.ico", b""))
            .await;
        assert_eq!((icon.status, icon.body.len()), (204, 0));
        assert!(icon.header("cache-control").is_some());
        let other = f
            .send(&req("GET", "acme.localhost:8787", "/favicon.png", b""))
            .await;
        assert_eq!(other.status, 404);
    }

    #[tokio::test]
    async fn a_signed_try_calls_the_served_tool_and_says_why_not() {
        let f = Fixture::new();
        f.push("acme", &config("acme", 3, "get_weather")).await;
        let nonces = std::cell::Cell::new(0);
        let attempt = |query: &str, key: &SigningKey| {
            nonces.set(nonces.get() + 1);
            let nonce = format!("n{}", nonces.get());
            let path = "/internal/tenants/acme/try";
            Fixture::command(key, "localhost", "POST", path, query, 1_000, &nonce)
        };
        let arguments = crate::oauth::form::encode(r#"{"city":"Oslo"}"#);
        let ok = f
            .send(&attempt(
                &format!("tool=get_weather&arguments={arguments}"),
                &f.key,
            ))
            .await;
        let answer = body(&ok);
        assert_eq!(ok.status, 200, "{answer}");
        assert_eq!(answer["version"], 3);
        assert!(answer["result"]["content"].is_array(), "{answer}");
        let unknown = body(&f.send(&attempt("tool=nope&arguments=%7B%7D", &f.key)).await);
        assert_eq!(unknown["error"]["code"], -32602, "{unknown}");
        let bad = f
            .send(&attempt("tool=get_weather&arguments=%5B%5D", &f.key))
            .await;
        assert_eq!(bad.status, 400);
        let stranger = SigningKey::from_bytes(&[4; 32]);
        let forged = f
            .send(&attempt("tool=get_weather&arguments=%7B%7D", &stranger))
            .await;
        assert_eq!(forged.status, 401);
        // Signed for other arguments: the query is part of what is signed.
        let mut swapped = attempt("tool=get_weather&arguments=%7B%7D", &f.key);
        swapped.query = format!("tool=get_weather&arguments={arguments}");
        assert_eq!(f.send(&swapped).await.status, 401);
    }

    #[tokio::test]
    async fn push_accepts_newer_and_refuses_stale_tampered_and_misaddressed() {
        let f = Fixture::new();
        assert_eq!(f.push("acme", &config("acme", 2, "t")).await.status, 200);
        let stale = f.push("acme", &config("acme", 2, "t")).await;
        assert_eq!(
            (stale.status, body(&stale)["servedVersion"].clone()),
            (409, json!(2))
        );
        assert_eq!(f.push("acme", &config("acme", 1, "t")).await.status, 409);
        assert_eq!(f.push("globex", &config("acme", 5, "t")).await.status, 422);

        let mut env = SignedConfig::sign(&config("acme", 9, "t"), &f.key).unwrap();
        env.payload = env.payload.replace("\"version\":9", "\"version\":10");
        let r = f
            .send(&req(
                "PUT",
                "localhost",
                "/internal/tenants/acme/config",
                &serde_json::to_vec(&env).unwrap(),
            ))
            .await;
        assert_eq!(
            (r.status, body(&r)["error"].clone()),
            (403, json!("bad_signature"))
        );
        let other_key = SigningKey::from_bytes(&[4; 32]);
        let forged = SignedConfig::sign(&config("acme", 11, "t"), &other_key).unwrap();
        let r = f
            .send(&req(
                "PUT",
                "localhost",
                "/internal/tenants/acme/config",
                &serde_json::to_vec(&forged).unwrap(),
            ))
            .await;
        assert_eq!(r.status, 403);
        let r = f
            .send(&req(
                "PUT",
                "localhost",
                "/internal/tenants/acme/config",
                b"nope",
            ))
            .await;
        assert_eq!(r.status, 400);
        // Nothing refused replaced what is served, and the edge says so.
        assert_eq!(f.store.load("acme").await.unwrap().unwrap().version, 2);
        let served = f
            .send(&req(
                "GET",
                "localhost",
                "/internal/tenants/acme/config",
                b"",
            ))
            .await;
        assert_eq!(
            (served.status, body(&served)["version"].clone()),
            (200, json!(2))
        );
        let none = f
            .send(&req(
                "GET",
                "localhost",
                "/internal/tenants/nobody/config",
                b"",
            ))
            .await;
        assert_eq!(none.status, 404);
    }

    /// The first tool's name as the edge over `store` lists it.
    async fn first_tool<S: ConfigStore + RateLimiter + CommandNonces>(
        f: &Fixture,
        store: &S,
    ) -> Value {
        let list = br#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#;
        let r = f
            .edge_over(store)
            .handle(&req("POST", "acme.localhost", "/mcp", list))
            .await
            .into_reply();
        body(&r)["result"]["tools"][0]["name"].clone()
    }

    /// The status of pushing `envelope` to acme through the edge over `store`.
    async fn push_through<S: ConfigStore + RateLimiter + CommandNonces>(
        f: &Fixture,
        store: &S,
        envelope: &SignedConfig,
    ) -> u16 {
        let body = serde_json::to_vec(envelope).unwrap();
        let path = "/internal/tenants/acme/config";
        f.edge_over(store)
            .handle(&req("PUT", "localhost", path, &body))
            .await
            .into_reply()
            .status
    }

    #[tokio::test]
    async fn through_the_hot_cache_a_newer_publish_is_served_after_the_bound_and_a_tampered_one_never()
     {
        use std::cell::RefCell;
        use std::rc::Rc;

        use crate::cache::{CONFIG_FRESH_MS, Cached, HotCache};
        let f = Fixture::new();
        let cache = Rc::<RefCell<HotCache>>::default();
        let at = |now_ms| Cached {
            inner: MemoryStore::default(),
            cache: cache.clone(),
            now_ms,
        };
        let store = at(0);
        let v1 = SignedConfig::sign(&config("acme", 1, "one"), &f.key).unwrap();
        assert_eq!(push_through(&f, &store, &v1).await, 200);
        assert_eq!(
            first_tool(&f, &store).await,
            json!("one"),
            "a push here is served at once"
        );
        // A tampered push is refused and never served, however long after.
        let mut tampered = SignedConfig::sign(&config("acme", 2, "one"), &f.key).unwrap();
        tampered.payload = tampered.payload.replace("\"one\"", "\"evil\"");
        assert_eq!(push_through(&f, &store, &tampered).await, 403);
        assert_eq!(first_tool(&f, &store).await, json!("one"));
        // Another isolate installs version 2 in the shared store.
        let mut store = Cached { now_ms: 1, ..store };
        store.inner.put(&config("acme", 2, "two"));
        assert_eq!(
            first_tool(&f, &store).await,
            json!("one"),
            "within the bound"
        );
        store.now_ms = CONFIG_FRESH_MS + 1;
        assert_eq!(
            first_tool(&f, &store).await,
            json!("two"),
            "after the bound"
        );
        store.now_ms = 100 * CONFIG_FRESH_MS;
        assert_eq!(first_tool(&f, &store).await, json!("two"));
    }

    #[tokio::test]
    async fn unknown_hosts_and_tenants_get_json_404s() {
        let f = Fixture::new();
        let r = f
            .send(&req("POST", "nobody.localhost:8787", "/mcp", b"{}"))
            .await;
        assert_eq!(
            (r.status, body(&r)["error"].clone()),
            (404, json!("unknown_tenant"))
        );
        let r = f.send(&req("POST", "example.com", "/mcp", b"{}")).await;
        assert_eq!(
            (r.status, body(&r)["error"].clone()),
            (404, json!("unknown_host"))
        );
        let r = f.send(&req("GET", "localhost", "/healthz", b"")).await;
        assert_eq!(r.status, 200);
    }

    #[tokio::test]
    async fn each_tenant_sees_only_its_own_tools() {
        let f = Fixture::new();
        f.push("acme", &config("acme", 1, "acme_tool")).await;
        f.push("globex", &config("globex", 1, "globex_tool")).await;
        let list = br#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#;
        let names = |r: HttpResponse| -> Vec<Value> {
            body(&r)["result"]["tools"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["name"].clone())
                .collect()
        };
        assert_eq!(
            names(
                f.send(&req("POST", "acme.localhost:8787", "/mcp", list))
                    .await
            ),
            vec![json!("acme_tool")]
        );
        assert_eq!(
            names(
                f.send(&req("POST", "globex.localhost:8787", "/mcp", list))
                    .await
            ),
            vec![json!("globex_tool")]
        );
        let call = br#"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"acme_tool","arguments":{"city":"x"}}}"#;
        let r = f
            .send(&req("POST", "globex.localhost:8787", "/mcp", call))
            .await;
        assert_eq!(body(&r)["error"]["code"], json!(-32602));
    }

    #[tokio::test]
    async fn sse_sessions_are_scoped_to_their_tenant() {
        let f = Fixture::new();
        f.push("acme", &config("acme", 1, "acme_tool")).await;
        let opened = f
            .edge()
            .handle(&req("GET", "acme.localhost:8787", "/sse", b""))
            .await;
        let session = sse::session_key(
            "acme",
            &Caller::Anonymous,
            &HttpRequest::default(),
            "5e55-10ab",
        );
        assert!(session.starts_with("acme/"), "{session}");
        assert_eq!(
            opened,
            Outcome::Mcp(
                Effect::OpenStream {
                    session: session.clone(),
                    first_event: "event: endpoint\ndata: /messages?sessionId=5e55-10ab\n\n".into()
                },
                vec![]
            )
        );
        let mut post = req(
            "POST",
            "acme.localhost:8787",
            "/messages",
            br#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#,
        );
        post.query = "sessionId=5e55-10ab".into();
        let delivered = f.edge().handle(&post).await;
        assert!(
            matches!(delivered, Outcome::Mcp(Effect::Deliver { session: ref s, .. }, _) if *s == session),
            "{delivered:?}"
        );
        let mut foreign = post.clone();
        foreign
            .headers
            .push(("origin".into(), "https://evil.example".into()));
        assert_eq!(f.send(&foreign).await.status, 403);
        assert_eq!(
            f.send(&req("POST", "acme.localhost:8787", "/sse", b""))
                .await
                .status,
            405
        );
        assert_eq!(
            f.send(&req("GET", "acme.localhost:8787", "/other", b""))
                .await
                .status,
            404
        );
    }

    #[tokio::test]
    async fn get_streams_are_per_tenant_and_publishes_broadcast_changes() {
        let f = Fixture::new();
        f.push("acme", &config("acme", 1, "one")).await;
        let mut get = req("GET", "acme.localhost:8787", "/mcp", b"");
        get.headers
            .push(("accept".into(), "text/event-stream".into()));
        let opened = f.edge().handle(&get).await;
        assert!(
            matches!(opened, Outcome::Mcp(Effect::OpenTenantStream { ref tenant, .. }, _) if tenant == "acme"),
            "{opened:?}"
        );
        assert_eq!(
            f.send(&req("GET", "acme.localhost:8787", "/mcp", b""))
                .await
                .status,
            405,
            "not asking for a stream"
        );
        let mut modern = get.clone();
        modern
            .headers
            .push(("mcp-protocol-version".into(), "2026-07-28".into()));
        assert_eq!(
            f.send(&modern).await.status,
            405,
            "the modern era has no GET stream"
        );

        let env = SignedConfig::sign(&config("acme", 2, "two"), &f.key).unwrap();
        let push = req(
            "PUT",
            "localhost",
            "/internal/tenants/acme/config",
            &serde_json::to_vec(&env).unwrap(),
        );
        let Outcome::Broadcast {
            tenant,
            changes,
            reply,
        } = f.edge().handle(&push).await
        else {
            panic!("broadcasts")
        };
        assert_eq!((tenant.as_str(), reply.status), ("acme", 200));
        assert_eq!(
            changes.lists,
            crate::mcp::subscriptions::ListChanges {
                tools: true,
                ..Default::default()
            }
        );
        assert_eq!(changes.updated, Vec::<String>::new());
    }
}
