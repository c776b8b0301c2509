//! `initialize` and the utilities every session has.

use portcullis_tenant_config::notifications::LOG_LEVELS;
use serde::Deserialize;
use serde_json::{Value, json};

use super::Call;
use crate::mcp::jsonrpc::RpcError;
use crate::mcp::{LATEST_VERSION, SUPPORTED_VERSIONS};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct InitializeParams {
    protocol_version: String,
}

/// Lifecycle, "Version Negotiation": answer with the client's version when
/// supported, else with the latest version this server supports.
pub fn initialize(call: &Call<'_>) -> Result<Value, RpcError> {
    let params: InitializeParams = call.params()?;
    let version = SUPPORTED_VERSIONS
        .iter()
        .find(|v| **v == params.protocol_version)
        .copied()
        .unwrap_or(LATEST_VERSION);
    let config = call.config;
    Ok(json!({
        "protocolVersion": version,
        "capabilities": capabilities(false),
        "serverInfo": {
            "name": config.tenant,
            "title": config.display_name,
            "version": config.version.to_string(),
        },
    }))
}

/// What this server offers. Publishes reach legacy clients on their GET
/// stream and modern ones on `subscriptions/listen`; only legacy sessions
/// set a log level this way (modern requests name theirs in `_meta`) and
/// subscribe to single resources (the modern era has `subscriptions/listen`).
pub fn capabilities(modern: bool) -> Value {
    let mut caps = json!({
        "tools": { "listChanged": true },
        "prompts": { "listChanged": true },
        "resources": { "subscribe": !modern, "listChanged": true },
        "completions": {},
    });
    if !modern {
        caps["logging"] = json!({});
    }
    caps
}

#[derive(Deserialize)]
struct SetLevelParams {
    level: String,
}

/// Accepts a valid level; in a session, the user's object keeps it and
/// filters later log messages by it ([`crate::mcp::sessions::SessionChange`]).
pub fn set_log_level(call: &Call<'_>) -> Result<Value, RpcError> {
    let params: SetLevelParams = call.params()?;
    if !LOG_LEVELS.contains(&params.level.as_str()) {
        return Err(RpcError::invalid_params(format!(
            "unknown log level {:?}; one of {}",
            params.level,
            LOG_LEVELS.join(", ")
        )));
    }
    Ok(json!({}))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mcp::jsonrpc::code;
    use crate::mcp::methods::call_for_test;
    use crate::test_fixtures::tenant;

    #[test]
    fn negotiates_the_protocol_version() {
        let config = tenant("acme", 4, &[]);
        let init = |v: Value| call_for_test(&config, "2025-03-26", "initialize", v);
        let r = init(json!({"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}})).unwrap();
        assert_eq!(r["protocolVersion"], "2025-06-18");
        assert_eq!(
            r["serverInfo"],
            json!({"name": "acme", "title": "ACME", "version": "4"})
        );
        assert_eq!(
            init(json!({"protocolVersion": "1999-01-01"})).unwrap()["protocolVersion"],
            LATEST_VERSION
        );
        assert_eq!(init(json!({})).unwrap_err().code, code::INVALID_PARAMS);
    }

    #[test]
    fn log_levels() {
        let config = tenant("acme", 1, &[]);
        assert_eq!(
            call_for_test(
                &config,
                LATEST_VERSION,
                "logging/setLevel",
                json!({"level": "info"})
            ),
            Ok(json!({}))
        );
        assert_eq!(
            call_for_test(
                &config,
                LATEST_VERSION,
                "logging/setLevel",
                json!({"level": "loud"})
            )
            .unwrap_err()
            .code,
            code::INVALID_PARAMS
        );
    }
}
