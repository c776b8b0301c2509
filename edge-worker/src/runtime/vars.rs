//! The Worker's variables, secrets and KV binding, read here and nowhere
//! else, so their names and formats are written once (and listed in
//! `deploy/edge/wrangler.toml`).

use portcullis_tenant_config::encoding::decode_hex;
use worker::{Env, kv::KvStore};

/// The domain tenants are served below (`<slug>.<EDGE_DOMAIN>`).
pub fn edge_domain(env: &Env) -> worker::Result<String> {
    required(env, "EDGE_DOMAIN")
}

/// The control plane's Ed25519 public key, which signs configs and commands.
pub fn config_public_key(env: &Env) -> worker::Result<[u8; 32]> {
    key(env, "CONFIG_PUBLIC_KEY")
}

/// The edge's own secret, from which access-token and request-state keys
/// derive.
pub fn token_key(env: &Env) -> worker::Result<[u8; 32]> {
    key(env, "TOKEN_KEY")
}

/// The AES key IdP secrets are sealed with, and the one before a rotation.
pub fn seal_keys(env: &Env) -> worker::Result<([u8; 32], Option<[u8; 32]>)> {
    let previous = match optional(env, "SEAL_KEY_PREVIOUS") {
        Some(_) => Some(key(env, "SEAL_KEY_PREVIOUS")?),
        None => None,
    };
    Ok((key(env, "SEAL_KEY")?, previous))
}

/// Where usage goes, when reported at all.
pub struct Ingest {
    pub url: String,
    pub token: String,
    pub flush_ms: u64,
}

pub fn ingest(env: &Env) -> Option<Ingest> {
    let url = optional(env, "INGEST_URL")?;
    let flush_seconds = optional(env, "USAGE_FLUSH_SECONDS")
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(10);
    Some(Ingest {
        url,
        token: optional(env, "INGEST_TOKEN").unwrap_or_default(),
        flush_ms: flush_seconds * 1000,
    })
}

/// The KV namespace of served configs and revoked grants.
pub fn configs(env: &Env) -> worker::Result<KvStore> {
    env.kv("CONFIGS")
}

fn optional(env: &Env, name: &str) -> Option<String> {
    env.var(name)
        .ok()
        .map(|v| v.to_string())
        .filter(|v| !v.is_empty())
}

fn required(env: &Env, name: &str) -> worker::Result<String> {
    optional(env, name)
        .ok_or_else(|| worker::Error::RustError(format!("the Worker variable {name} is not set")))
}

/// A 32-byte key given to the Worker as hex (a secret in production).
fn key(env: &Env, name: &str) -> worker::Result<[u8; 32]> {
    decode_hex(&required(env, name)?)
        .and_then(|k| <[u8; 32]>::try_from(k).ok())
        .ok_or_else(|| worker::Error::RustError(format!("{name} must be 32 bytes of hex")))
}
