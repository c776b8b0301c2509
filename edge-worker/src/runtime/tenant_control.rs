//! What the control plane has told one tenant's edge, in one Durable Object
//! named by the tenant: the version it serves and the nonces of the signed
//! commands it carried out. It also counts the tenant's requests against
//! its rate limits ([`crate::rate`]), in memory: a count lost when the
//! object is evicted only forgives part of a minute.
//!
//! A push is installed inside `blockConcurrencyWhile`: the object takes no
//! other request until the version is compared, the document written to KV
//! and the new version recorded in the object's own (strongly consistent)
//! storage. Two racing pushes therefore end with the newer one served,
//! whichever reaches the edge first; KV alone, eventually consistent and
//! without compare-and-set, could leave the older one there.

use std::cell::RefCell;

use portcullis_tenant_config::{TenantConfig, json};
use serde::{Deserialize, Serialize};
use worker::{DurableObject, Env, Request, Response, State, durable_object};

use super::kv::KvConfigStore;
use super::objects::Object;
use crate::rate::{Count, RateCounter, RetryAfter};
use crate::store::{Saved, StoreError};

/// The storage key of the version last installed.
const SERVED_VERSION: &str = "served_version";

/// Installs `tenant`'s config `text` (verified signed JSON) unless what the
/// tenant serves is as new.
pub async fn install(env: &Env, tenant: &str, text: &str) -> worker::Result<Saved> {
    let mut response = Object::TenantControl(tenant)
        .call(env, "/install", text.to_owned())
        .await?;
    if response.status_code() != 200 {
        return Err(worker::Error::RustError(response.text().await?));
    }
    let installed: Installed = json::parse(response.bytes().await?)?;
    Ok(match installed.stale_against {
        Some(served) => Saved::Stale { served },
        None => Saved::Replaced {
            previous: match installed.previous {
                Some(text) => Some(Box::new(json::parse(text)?)),
                None => None,
            },
        },
    })
}

/// [`Saved`] as the object answers it: a plain record (serde reads a tagged
/// enum by buffering it whole), the config replaced as its stored text, so
/// the edge carries a reader for configs but no writer.
#[derive(Serialize, Deserialize)]
struct Installed {
    previous: Option<String>,
    /// Set when the push was stale: the version served instead.
    stale_against: Option<u64>,
}

#[derive(Serialize, Deserialize)]
struct Spend {
    nonce: String,
    until: u64,
}

/// Records a command's nonce for `tenant`; `false` when it was spent.
pub async fn spend(env: &Env, tenant: &str, nonce: &str, until: u64) -> worker::Result<bool> {
    let body = serde_json::to_string(&Spend {
        nonce: nonce.to_owned(),
        until,
    })?;
    let response = Object::TenantControl(tenant)
        .call(env, "/spend", body)
        .await?;
    match response.status_code() {
        204 => Ok(true),
        409 => Ok(false),
        other => Err(worker::Error::RustError(format!(
            "the control object answered {other}"
        ))),
    }
}

#[derive(Serialize, Deserialize)]
struct Admit {
    counts: Vec<Count>,
    now: u64,
}

/// Counts one request of `tenant` (see [`crate::rate::RateLimiter`]).
pub async fn admit(
    env: &Env,
    tenant: &str,
    counts: &[Count],
    now: u64,
) -> worker::Result<Result<Vec<u32>, RetryAfter>> {
    let body = serde_json::to_string(&Admit {
        counts: counts.to_vec(),
        now,
    })?;
    let mut response = Object::TenantControl(tenant)
        .call(env, "/admit", body)
        .await?;
    match response.status_code() {
        200 => Ok(Ok(json::parse(response.bytes().await?)?)),
        429 => Ok(Err(json::parse(response.bytes().await?)?)),
        other => Err(worker::Error::RustError(format!(
            "the control object answered {other}"
        ))),
    }
}

#[durable_object(fetch)]
pub struct McpTenantControl {
    state: State,
    env: Env,
    counter: RefCell<RateCounter>,
}

impl DurableObject for McpTenantControl {
    fn new(state: State, env: Env) -> Self {
        let schema = "CREATE TABLE IF NOT EXISTS command_nonces \
                      (nonce TEXT PRIMARY KEY, until INTEGER NOT NULL)";
        if let Err(e) = state.storage().sql().exec(schema, None) {
            crate::log::error(&format!("tenant control schema: {e}"));
        }
        Self {
            state,
            env,
            counter: RefCell::default(),
        }
    }

    async fn fetch(&self, mut req: Request) -> worker::Result<Response> {
        let body = req.bytes().await?;
        match req.path().as_str() {
            "/install" => {
                let text =
                    String::from_utf8(body).map_err(|e| worker::Error::RustError(e.to_string()))?;
                let config: TenantConfig = json::parse(&text)?;
                let storage = self.state.storage();
                let store = KvConfigStore::new(&self.env)?;
                // Failures are values inside: an `Err` here would reset the
                // object.
                let saved = self
                    .state
                    .block_concurrency_while(async move {
                        Ok(install_now(&storage, &store, &config, &text).await)
                    })
                    .await?;
                match saved {
                    Ok(saved) => Response::from_json(&saved),
                    Err(e) => Ok(Response::error(e.0, 503)?),
                }
            }
            "/admit" => {
                let admit: Admit = json::parse(&body)?;
                match self.counter.borrow_mut().lease(&admit.counts, admit.now) {
                    Ok(granted) => Response::from_json(&granted),
                    Err(wait) => Ok(Response::from_json(&wait)?.with_status(429)),
                }
            }
            "/spend" => {
                let spend: Spend = json::parse(&body)?;
                let sql = self.state.storage().sql();
                // Synchronous statements: nothing else runs between them.
                sql.exec(
                    "DELETE FROM command_nonces WHERE until < ?",
                    vec![(super::now_seconds() as f64).into()],
                )?;
                #[derive(Deserialize)]
                struct Count {
                    n: u32,
                }
                let seen: Count = sql
                    .exec(
                        "SELECT COUNT(*) AS n FROM command_nonces WHERE nonce = ?",
                        vec![spend.nonce.as_str().into()],
                    )?
                    .one()?;
                let status = if seen.n == 0 {
                    sql.exec(
                        "INSERT INTO command_nonces (nonce, until) VALUES (?, ?)",
                        vec![spend.nonce.as_str().into(), (spend.until as f64).into()],
                    )?;
                    204
                } else {
                    409
                };
                Ok(Response::empty()?.with_status(status))
            }
            _ => Ok(Response::empty()?.with_status(404)),
        }
    }
}

/// Compares `config` with what is served (the recorded version, or the one
/// in KV for a tenant published before this object kept it), and installs
/// its `text` when newer.
async fn install_now(
    storage: &worker::Storage,
    store: &KvConfigStore,
    config: &TenantConfig,
    text: &str,
) -> Result<Installed, StoreError> {
    let failed = |e: worker::Error| StoreError(e.to_string());
    let recorded: Option<u64> = storage.get(SERVED_VERSION).await.map_err(failed)?;
    let previous = store.text(&config.tenant).await?;
    let previous_version = match &previous {
        Some(text) => Some(
            json::parse::<Versioned>(text)
                .map_err(|e| StoreError(format!("stored config of {}: {e}", config.tenant)))?
                .version,
        ),
        None => None,
    };
    if let Some(served) = Saved::stale_against(config, recorded.max(previous_version)) {
        return Ok(Installed {
            previous: None,
            stale_against: Some(served),
        });
    }
    store.write(&config.tenant, text).await?;
    storage
        .put(SERVED_VERSION, config.version)
        .await
        .map_err(failed)?;
    Ok(Installed {
        previous,
        stale_against: None,
    })
}

/// The one field of a stored config the comparison needs.
#[derive(Deserialize)]
struct Versioned {
    version: u64,
}
