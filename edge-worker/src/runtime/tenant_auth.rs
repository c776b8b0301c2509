//! Each tenant's authorization server runs in one Durable Object named after
//! the tenant: its storage is strongly consistent and its requests are
//! handled one at a time, so a code is redeemed and a refresh token rotated
//! exactly once, whatever races the clients run. Its alarm sweeps records
//! past their lifetime ([`crate::oauth::sweep`]).

use std::cell::RefCell;

use wasm_bindgen::JsValue;
use worker::{
    DurableObject, Env, Fetch as WorkerFetch, Headers, ListOptions, Request, Response, State,
    durable_object,
};

use super::objects::Object;
use super::outgoing::Outgoing;
use super::{into_http_request, into_worker_response, vars, webcrypto};
use crate::backend::UserTokenRef;
use crate::http::{HttpRequest, HttpResponse};
use crate::oauth::records::{AuthStore, StorageError};
use crate::oauth::upstream::EdgeCrypto;
use crate::oauth::upstream::{Fetch, Fetched, MAX_UPSTREAM_BODY, Outbound};
use crate::oauth::user_token::{
    USER_CLAIMS_PATH, USER_TOKEN_PATH, UserClaimsAnswer, UserToken, UserTokenAsk,
};
use crate::oauth::{Authority, oauth_error, sweep};
use crate::rate::RateCounter;
use crate::store::{ConfigStore, revocation_key};
use crate::tokens::{ACCESS_TOKEN_TTL, AccessTokens};
use portcullis_tenant_config::auth::UserClaims;

/// Hands a request for `/authorize`, `/token`, … to the tenant's object.
pub async fn forward(env: &Env, tenant: &str, request: &HttpRequest) -> worker::Result<Response> {
    let stub = Object::TenantAuth(tenant).stub(env)?;
    let headers = Headers::new();
    for (name, value) in &request.headers {
        headers.append(name, value)?;
    }
    // The object's redirects (to the provider, back to the client) are for
    // the browser, not to be followed here.
    let outgoing = Outgoing {
        method: &request.method,
        headers: Some(headers),
        body: (!request.body.is_empty())
            .then(|| js_sys::Uint8Array::from(&request.body[..]).into()),
        keep_redirects: true,
    };
    let query = if request.query.is_empty() {
        String::new()
    } else {
        format!("?{}", request.query)
    };
    let url = format!("{}{}{query}", request.origin(), request.path);
    stub.fetch_with_request(outgoing.to(&url)?).await
}

/// Asks the tenant's object at `path` about the grant of `user` (see
/// [`crate::oauth::user_token`]), its answer parsed; `None` when it cannot
/// be asked or answers nonsense (logged).
async fn ask_about<T: serde::de::DeserializeOwned>(
    env: &Env,
    user: &UserTokenRef,
    path: &str,
) -> Option<T> {
    let asked = async {
        let ask = serde_json::to_string(&UserTokenAsk {
            grant: user.grant.clone(),
        })?;
        let host = format!("{}.{}", user.tenant, vars::edge_domain(env)?);
        let headers = Headers::new();
        headers.set("host", &host)?;
        let outgoing = Outgoing {
            headers: Some(headers),
            ..Outgoing::post(ask)
        };
        let url = format!("https://{host}{path}");
        let stub = Object::TenantAuth(&user.tenant).stub(env)?;
        let mut response = stub.fetch_with_request(outgoing.to(&url)?).await?;
        response.text().await
    }
    .await;
    let failed = |why: String| {
        crate::log::error(&format!("asking {path} of {}: {why}", user.tenant));
        None
    };
    match asked.map(|t| portcullis_tenant_config::json::parse(&t)) {
        Ok(Ok(answer)) => Some(answer),
        Ok(Err(e)) => failed(e.to_string()),
        Err(e) => failed(e.to_string()),
    }
}

/// The token of the signed-in user `user` at their identity provider, as
/// the tenant's object keeps it (renewed there if it expired), opened; or
/// why there is none, in words for the tool's result.
pub async fn user_token(env: &Env, user: &UserTokenRef) -> Result<String, String> {
    let unavailable =
        || "Your identity provider's token cannot be had right now; try again.".to_owned();
    match ask_about(env, user, USER_TOKEN_PATH).await {
        Some(UserToken::Sealed { sealed, user: id }) => {
            let aad = crate::oauth::records::upstream_token_aad(&user.tenant, &id);
            let opened = open(env, &aad, &sealed).await;
            opened.ok_or_else(unavailable)
        }
        Some(UserToken::Ended { why } | UserToken::Unavailable { why }) => Err(why),
        None => Err(unavailable()),
    }
}

/// What the user's identity provider said about them (for the user
/// assertion's `email` and `name`), while their grant lasts.
pub async fn user_claims(env: &Env, user: &UserTokenRef, user_id: &str) -> Option<UserClaims> {
    let answer: UserClaimsAnswer = ask_about(env, user, USER_CLAIMS_PATH).await?;
    let aad = crate::oauth::records::claims_aad(&user.tenant, user_id);
    let opened = open(env, &aad, &answer.sealed?).await?;
    portcullis_tenant_config::json::parse(&opened).ok()
}

/// `sealed` opened with the edge's seal keys, as text.
async fn open(env: &Env, aad: &str, sealed: &str) -> Option<String> {
    let (seal_key, previous) = vars::seal_keys(env).ok()?;
    let crypto = webcrypto::EdgeWebCrypto::new(seal_key, previous);
    let opened = crypto.open_sealed(aad, sealed).await?;
    String::from_utf8(opened).ok()
}

/// One tenant's authorization server and its records.
#[durable_object(alarm)]
pub struct McpTenantAuth {
    state: State,
    env: Env,
    /// Metadata documents fetched for the tenant, against its limit.
    fetches: RefCell<RateCounter>,
}

impl DurableObject for McpTenantAuth {
    fn new(state: State, env: Env) -> Self {
        Self {
            state,
            env,
            fetches: RefCell::default(),
        }
    }

    async fn fetch(&self, request: Request) -> worker::Result<Response> {
        let Some(request) = into_http_request(request).await? else {
            return into_worker_response(oauth_error(
                413,
                "invalid_request",
                "request body too large",
            ));
        };
        let host = request.header("host").unwrap_or_default().to_owned();
        let edge_domain = vars::edge_domain(&self.env)?;
        let crate::routing::Site::Tenant(tenant) =
            crate::routing::site_for_host(&host, &edge_domain)
        else {
            return into_worker_response(HttpResponse::error(
                404,
                "unknown_host",
                "no tenant here",
            ));
        };
        let configs = super::configs(&self.env)?;
        let config = match configs.load(tenant).await {
            Ok(Some(config)) => config,
            Ok(None) => {
                return into_worker_response(HttpResponse::error(
                    404,
                    "unknown_tenant",
                    "no such tenant",
                ));
            }
            Err(e) => {
                crate::log::error(&format!("config store: {}", e.0));
                return into_worker_response(oauth_error(
                    503,
                    "temporarily_unavailable",
                    "retry later",
                ));
            }
        };
        let Some(oauth) = &config.oauth else {
            return into_worker_response(HttpResponse::error(
                404,
                "not_found",
                "this server needs no authorization",
            ));
        };
        let store = ObjectStore {
            state: &self.state,
            env: &self.env,
            tenant,
        };
        let (seal_key, previous) = vars::seal_keys(&self.env)?;
        let crypto = webcrypto::EdgeWebCrypto::new(seal_key, previous);
        let authority = Authority {
            config: &config,
            oauth,
            origin: request.origin(),
            secure: request.secure,
            store: &store,
            crypto: &crypto,
            fetch: &RuntimeFetch,
            tokens: AccessTokens::for_tenant(&vars::token_key(&self.env)?, tenant),
            fetches: &self.fetches,
            now: super::now_seconds(),
            usage: RefCell::default(),
        };
        // The runtime's own question (a tool acting as the user): only the
        // Worker reaches an object, and it forwards no such path.
        if [USER_TOKEN_PATH, USER_CLAIMS_PATH].contains(&request.path.as_str())
            && request.method == "POST"
        {
            let ask = portcullis_tenant_config::json::parse::<UserTokenAsk>(&request.body);
            let answer = match ask {
                Ok(ask) if request.path == USER_TOKEN_PATH => authority
                    .user_token(&ask)
                    .await
                    .map(|token| HttpResponse::json(200, &token)),
                Ok(ask) => authority
                    .user_claims(&ask)
                    .await
                    .map(|claims| HttpResponse::json(200, &claims)),
                Err(_) => Ok(HttpResponse::error(
                    400,
                    "invalid_request",
                    "not a question about a user",
                )),
            };
            let storage_down = || HttpResponse::error(503, "unavailable", "storage is unavailable");
            return into_worker_response(answer.unwrap_or_else(|_| storage_down()));
        }
        let started = worker::Date::now().as_millis();
        let answer = authority.handle(&request).await;
        let usage = authority.usage.take();
        if let Some(report) = super::usage_report::finish(&self.env, started, usage) {
            self.state.wait_until(report);
        }
        // Whatever this request stored is swept in time.
        let storage = self.state.storage();
        if storage.get_alarm().await?.is_none() {
            storage.set_alarm(sweep_delay()).await?;
        }
        into_worker_response(answer)
    }

    async fn alarm(&self) -> worker::Result<Response> {
        // Sweeping announces nothing, so no tenant name is needed.
        let store = ObjectStore {
            state: &self.state,
            env: &self.env,
            tenant: "",
        };
        match sweep::sweep(&store, super::now_seconds()).await {
            Ok(swept) if swept.kept > 0 => self.state.storage().set_alarm(sweep_delay()).await?,
            Ok(_) => {}
            Err(e) => {
                crate::log::error(&format!("sweeping auth records: {}", e.0));
                self.state.storage().set_alarm(sweep_delay()).await?;
            }
        }
        Response::empty()
    }
}

fn sweep_delay() -> std::time::Duration {
    std::time::Duration::from_secs(sweep::SWEEP_INTERVAL_SECONDS)
}

/// The object's storage; it holds one tenant's records only.
struct ObjectStore<'a> {
    state: &'a State,
    env: &'a Env,
    tenant: &'a str,
}

fn storage_error(e: impl std::fmt::Display) -> StorageError {
    StorageError(e.to_string())
}

impl ObjectStore<'_> {
    async fn listed(
        &self,
        options: ListOptions<'_>,
    ) -> Result<Vec<(String, String)>, StorageError> {
        let map = self
            .state
            .storage()
            .list_with_options(options)
            .await
            .map_err(storage_error)?;
        let mut records = Vec::new();
        for entry in map.entries() {
            let pair: js_sys::Array = entry.map_err(|e| StorageError(format!("{e:?}")))?.into();
            if let (Some(key), Some(value)) = (pair.get(0).as_string(), pair.get(1).as_string()) {
                records.push((key, value));
            }
        }
        Ok(records)
    }
}

impl AuthStore for ObjectStore<'_> {
    async fn get(&self, key: &str) -> Result<Option<String>, StorageError> {
        self.state
            .storage()
            .get::<String>(key)
            .await
            .map_err(storage_error)
    }

    async fn put(&self, key: &str, value: String) -> Result<(), StorageError> {
        self.state
            .storage()
            .put(key, value)
            .await
            .map_err(storage_error)
    }

    async fn delete(&self, key: &str) -> Result<(), StorageError> {
        self.state
            .storage()
            .delete(key)
            .await
            .map(|_| ())
            .map_err(storage_error)
    }

    async fn list(&self, prefix: &str) -> Result<Vec<(String, String)>, StorageError> {
        self.listed(ListOptions::new().prefix(prefix)).await
    }

    async fn list_after(
        &self,
        prefix: &str,
        after: &str,
        limit: usize,
    ) -> Result<Vec<(String, String)>, StorageError> {
        // `start` is inclusive; the smallest key above `after` is `after\0`.
        let start = format!("{after}\u{0}");
        self.listed(ListOptions::new().prefix(prefix).start(&start).limit(limit))
            .await
    }

    async fn announce_revocation(&self, grant: &str) -> Result<(), StorageError> {
        // This isolate's requests refuse the grant at once; others within
        // `cache::REVOCATION_FRESH_MS` of the marker reaching them.
        super::hot_cache()
            .borrow_mut()
            .note_revoked(self.tenant, grant);
        // Kept as long as an access token of the grant can still be valid.
        vars::configs(self.env)
            .map_err(storage_error)?
            .put(&revocation_key(self.tenant, grant), "revoked")
            .map_err(storage_error)?
            .expiration_ttl(ACCESS_TOKEN_TTL + 60)
            .execute()
            .await
            .map_err(storage_error)
    }
}

/// How long a provider (or a client's metadata document) may take to answer.
const UPSTREAM_TIMEOUT_MS: u32 = 5_000;

/// Outbound requests to identity providers through the runtime's fetch.
struct RuntimeFetch;

impl Fetch for RuntimeFetch {
    async fn fetch(&self, outbound: Outbound) -> Result<Fetched, String> {
        let send = async {
            let headers = Headers::new();
            for (name, value) in &outbound.headers {
                headers.set(name, value)?;
            }
            // Redirects are not followed: a provider's endpoints answer
            // directly, and a client's metadata document must not send the
            // edge elsewhere (a 3xx is then simply not a 200).
            let request = Outgoing {
                method: outbound.method,
                headers: Some(headers),
                body: outbound.body.as_deref().map(JsValue::from),
                keep_redirects: true,
            }
            .to(&outbound.url)?;
            // A provider that does not answer within the limit is down.
            let signal = web_sys::AbortSignal::timeout_with_u32(UPSTREAM_TIMEOUT_MS);
            let mut response = WorkerFetch::Request(request)
                .send_with_signal(&signal.into())
                .await?;
            let declared = response
                .headers()
                .get("content-length")?
                .and_then(|l| l.parse::<usize>().ok())
                .unwrap_or(0);
            if declared > MAX_UPSTREAM_BODY {
                return Err(worker::Error::RustError("response too large".into()));
            }
            let body = super::read_bounded(response.stream(), MAX_UPSTREAM_BODY)
                .await?
                .ok_or_else(|| worker::Error::RustError("response too large".into()))?;
            Ok::<_, worker::Error>(Fetched {
                status: response.status_code(),
                body,
            })
        };
        send.await.map_err(|e| e.to_string())
    }
}
