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
use crate::store::{ConfigStore, Saved, StoreError};

/// The storage key of the version last installed.
const SERVED_VERSION: &str = "served_version";

/// Installs `config` unless what its tenant serves is as new.
pub async fn install(env: &Env, config: &TenantConfig) -> worker::Result<Saved> {
    let mut response = Object::TenantControl(&config.tenant)
        .call(env, "/install", serde_json::to_string(config)?)
        .await?;
    if response.status_code() != 200 {
        return Err(worker::Error::RustError(response.text().await?));
    }
    let installed: Installed = json::parse(response.bytes().await?)?;
    Ok(installed.into())
}

/// [`Saved`] as the object answers it: a plain record, since serde reads a
/// tagged enum by buffering it whole, which would carry a second copy of
/// the config's deserializer into the bundle.
#[derive(Serialize, Deserialize)]
struct Installed {
    previous: Option<Box<TenantConfig>>,
    /// Set when the push was stale: the version served instead.
    stale_against: Option<u64>,
}

impl From<Saved> for Installed {
    fn from(saved: Saved) -> Self {
        match saved {
            Saved::Replaced { previous } => Self {
                previous,
                stale_against: None,
            },
            Saved::Stale { served } => Self {
                previous: None,
                stale_against: Some(served),
            },
        }
    }
}

impl From<Installed> for Saved {
    fn from(installed: Installed) -> Self {
        match installed.stale_against {
            Some(served) => Self::Stale { served },
            None => Self::Replaced {
                previous: installed.previous,
            },
        }
    }
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
                let config: TenantConfig = json::parse(&body)?;
                let storage = self.state.storage();
                let store = KvConfigStore::new(&self.env)?;
                // Failures are values inside: an `Err` here would reset the
                // object.
                let saved = self
                    .state
                    .block_concurrency_while(async move {
                        Ok(install_now(&storage, &store, &config).await)
                    })
                    .await?;
                match saved {
                    Ok(saved) => Response::from_json(&Installed::from(saved)),
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
/// in KV for a tenant published before this object kept it), and installs it
/// when newer.
async fn install_now(
    storage: &worker::Storage,
    store: &KvConfigStore,
    config: &TenantConfig,
) -> Result<Saved, StoreError> {
    let failed = |e: worker::Error| StoreError(e.to_string());
    let recorded: Option<u64> = storage.get(SERVED_VERSION).await.map_err(failed)?;
    let previous = store.load(&config.tenant).await?;
    let served = recorded.max(previous.as_ref().map(|p| p.version));
    if let Some(served) = Saved::stale_against(config, served) {
        return Ok(Saved::Stale { served });
    }
    store.write(config).await?;
    storage
        .put(SERVED_VERSION, config.version)
        .await
        .map_err(failed)?;
    Ok(Saved::Replaced {
        previous: previous.map(|p| Box::new((*p).clone())),
    })
}
