//! The whole edge as one function: request in, what to do out.

use portcullis_tenant_config::assertion::AssertionKeys;
use portcullis_tenant_config::json;
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
use crate::outside::Obtained;
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
    /// What a tool needed from outside while this request was first
    /// handled (the shell obtains it, then handles the request again with
    /// it; see [`crate::outside`]).
    pub obtained: Option<&'a Obtained>,
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
                    Ok(()) => return self.try_tool(tenant, request).await,
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
        // A request run again with what it needed from outside spent its nonce
        // the first time.
        if self.obtained.is_some() {
            return Ok(());
        }
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
    async fn try_tool(&self, tenant: &str, request: &HttpRequest) -> Outcome {
        let config = match self.store.load(tenant).await {
            Ok(Some(config)) => config,
            Ok(None) => {
                return Outcome::Reply(HttpResponse::error(
                    404,
                    "unknown_tenant",
                    "nothing is published for this tenant",
                ));
            }
            Err(e) => {
                crate::log::error(&format!("config store: {}", e.0));
                return Outcome::Reply(HttpResponse::error(503, "unavailable", "retry later"));
            }
        };
        let tool = request.query_param("tool").map(decode).unwrap_or_default();
        let arguments = request
            .query_param("arguments")
            .map(decode)
            .unwrap_or_default();
        let arguments = match json::parse::<serde_json::Value>(&arguments) {
            Ok(serde_json::Value::Object(map)) => map,
            _ => {
                return Outcome::Reply(HttpResponse::error(
                    400,
                    "invalid_request",
                    "arguments must be a JSON object",
                ));
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
        .with_obtained(self.obtained)
        .run("tools/call");
        if let Some(needed) = ran.needs {
            return Effect::Obtain(needed).into();
        }
        let mut answer = match ran.result {
            Ok(result) => serde_json::json!({ "version": config.version, "result": result }),
            Err(error) => serde_json::json!({ "version": config.version, "error": error }),
        };
        // An HTTP tool's call: what went to the backend, for the admin.
        if let Some(fetched) = self.obtained.and_then(Obtained::backend) {
            answer["request"] = fetched.shown();
        }
        Outcome::Reply(HttpResponse::json(200, &answer))
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
        if path == JWKS_PATH {
            // Backends verify HTTP tools' user assertions with these keys;
            // a rotation keeps the previous key listed for longer than this.
            let keys = AssertionKeys::jwks(config.assertion_keys.as_ref());
            return Outcome::Reply(
                HttpResponse::json(200, &keys).with_header("cache-control", "public, max-age=300"),
            );
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
            (MCP_PATH, _) => transport::handle_with_obtained(
                &config,
                &caller,
                request,
                self.token_key,
                self.obtained,
            )
            .into(),
            (SSE_PATH, "GET") => {
                sse::open(&config.tenant, &caller, request, &(self.new_session_id)()).into()
            }
            (SSE_PATH, _) => Outcome::Reply(
                HttpResponse::error(405, "method_not_allowed", "open the event stream with GET")
                    .with_header("allow", "GET"),
            ),
            (_, "POST") => sse::post(&config, &caller, request, self.obtained).into(),
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
/// The tenant's user-assertion keys (a JSON Web Key Set).
const JWKS_PATH: &str = "/.well-known/jwks.json";
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
        // A request run again with what it needed from outside was admitted (and
        // counted) the first time.
        if self.obtained.is_some() {
            return Ok(());
        }
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
        // A request run again with what it needed from outside passed this
        // check the first time; what it obtained may have ended its grant
        // (a refused renewal of the user's token), which its answer says.
        if self.obtained.is_some() {
            return Ok(caller);
        }
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
mod tests;
