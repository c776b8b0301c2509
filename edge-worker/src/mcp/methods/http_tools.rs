//! `tools/call` of a tool bound to the tenant's backend: the first run of
//! the request plans the backend call and asks the shell for it
//! ([`Call::needs`]); the second run, given the answer, turns it into the
//! tool's result. Whatever the backend does — an error status, silence, a
//! refused connection, too long an answer, JSON that breaks the tool's
//! output schema — becomes a tool execution error (`isError`) the model
//! can read, never a protocol error.

use portcullis_tenant_config::encoding::encode_base64;
use portcullis_tenant_config::http_tool::HttpBinding;
use portcullis_tenant_config::upstream_mcp;
use portcullis_tenant_config::{ToolConfig, json};
use serde_json::{Map, Value, json};

use portcullis_tenant_config::assertion::{AssertionBinding, key_aad};
use portcullis_tenant_config::credential::{Credential, credential_aad};

use super::{Call, tool_error};
use crate::auth::Caller;
use crate::backend::{Assertion, BackendAnswer, BackendCall, SealedHeader, UserTokenRef};
use crate::mcp::jsonrpc::RpcError;
use crate::outside::{Needed, Obtained};

/// How much of a failing backend's words the result quotes.
const QUOTED_ERROR_CHARS: usize = 500;

/// The result of calling `tool` with `arguments` (already checked against
/// its input schema), or `Null` while the backend's answer is awaited.
pub fn call(
    call: &Call<'_>,
    tool: &ToolConfig,
    http: &HttpBinding,
    arguments: &Map<String, Value>,
) -> Result<Value, RpcError> {
    // Published by an earlier build, the output schema came without its
    // compiled form: the results could not be held to it, so nothing is sent.
    if tool.output_schema.is_some() && tool.output_check.is_none() {
        return Ok(tool_error(
            "This tool's output schema was published by an earlier version of the edge; \
             publish the tenant again to check its results.",
        ));
    }
    let planned = match http.plan(arguments, call.progress_token()) {
        Ok(planned) => planned,
        Err(refused) => return Ok(tool_error(&refused.0)),
    };
    let assertion = match http
        .assertion
        .as_ref()
        .map(|a| assertion(call, tool, http, a))
    {
        None => None,
        Some(Ok(assertion)) => Some(assertion),
        Some(Err(why)) => return Ok(tool_error(why)),
    };
    let credential = match &http.credential {
        None => None,
        Some(credential) => match sealed_header(&call.config.tenant, http, credential) {
            Some(header) => Some(header),
            None => {
                return Ok(tool_error(
                    "The tool's secret is not saved; an admin must enter it again.",
                ));
            }
        },
    };
    let user_token = match (http.user_token, call.caller.claims()) {
        (false, _) => None,
        (true, Some(claims)) => Some(UserTokenRef {
            tenant: call.config.tenant.clone(),
            grant: claims.g,
        }),
        (true, None) => {
            return Ok(tool_error(
                "This tool acts as the signed-in user, and this call has none.",
            ));
        }
    };
    let wanted = BackendCall {
        planned,
        timeout_ms: http.timeout_ms,
        max_response_bytes: http.max_response_bytes,
        assertion,
        credential,
        user_token,
        mcp: http.mcp.is_some(),
        holder: http.mcp.as_ref().and_then(|_| {
            let claims = call.caller.claims()?;
            Some(format!("{}:{}", call.config.tenant, claims.g))
        }),
    };
    let fetched = call.obtained.and_then(Obtained::backend);
    match fetched.filter(|fetched| fetched.call == wanted) {
        Some(fetched) => {
            if wanted.mcp {
                relay(call, &fetched.answer);
            }
            Ok(result(tool, &wanted, &fetched.answer, call.version))
        }
        None => {
            call.needs.replace(Some(Needed::Backend(Box::new(wanted))));
            Ok(Value::Null)
        }
    }
}

/// What an upstream MCP server told the client before answering (its
/// progress and logs), sent on as the tool's own notifications are.
fn relay(call: &Call<'_>, answer: &BackendAnswer) {
    if let BackendAnswer::Answered {
        status: 200..=299,
        content_type,
        body,
    } = answer
    {
        let id = upstream_mcp::REQUEST_ID;
        let told =
            upstream_mcp::notifications(content_type.as_deref(), body, id, call.progress_token());
        super::tools::report(call, &told);
    }
}

/// The user assertion a call of `tool` carries: who the user is, for the
/// backend `binding` names, signed with the tenant's current key.
fn assertion(
    call: &Call<'_>,
    tool: &ToolConfig,
    http: &HttpBinding,
    binding: &AssertionBinding,
) -> Result<Assertion, &'static str> {
    let (Caller::User(user), Some(issuer)) = (call.caller, call.caller.issuer()) else {
        return Err("This tool tells its backend who the user is, and no user is signed in.");
    };
    let Some(keys) = &call.config.assertion_keys else {
        return Err("The tenant has no key to sign the user assertion with; publish again.");
    };
    let audience = binding.audience.clone().or_else(|| http.origin());
    let claims = json!({
        "iss": issuer,
        "aud": audience,
        "sub": user.u,
        "scope": user.s,
        "client_id": user.c,
        "tool": tool.name,
    });
    Ok(Assertion {
        header: binding.header_name(),
        kid: keys.signing.kid.clone(),
        sealed_key: keys.signing.sealed.clone(),
        key_aad: key_aad(&call.config.tenant, &keys.signing.kid),
        claims: claims.as_object().cloned().unwrap_or_default(),
        lifetime_secs: binding.lifetime_secs,
        user: UserTokenRef {
            tenant: call.config.tenant.clone(),
            grant: user.g.clone(),
        },
    })
}

/// The tenant's secret as the header the shell opens, bound to the origin
/// the call goes to.
fn sealed_header(
    tenant: &str,
    http: &HttpBinding,
    credential: &Credential,
) -> Option<SealedHeader> {
    let name = credential.header_name();
    Some(SealedHeader {
        aad: credential_aad(tenant, &http.origin()?, &name),
        sealed: credential.sealed.clone()?,
        name,
    })
}

/// The backend's answer as the tool's result, as `version` carries it.
fn result(tool: &ToolConfig, sent: &BackendCall, answer: &BackendAnswer, version: &str) -> Value {
    let (status, content_type, body) = match answer {
        BackendAnswer::Answered {
            status,
            content_type,
            body,
        } => (*status, content_type.as_deref().unwrap_or(""), body),
        BackendAnswer::TooLarge => {
            return tool_error(&format!(
                "The backend's answer was longer than {} bytes.",
                sent.max_response_bytes
            ));
        }
        BackendAnswer::TimedOut => {
            return tool_error(&format!(
                "The backend did not answer within {} ms.",
                sent.timeout_ms
            ));
        }
        BackendAnswer::Unreachable => return tool_error("The backend could not be reached."),
        BackendAnswer::Unprepared => {
            return tool_error(
                "The call's credentials (the user assertion or the tenant's secret) could not be prepared; it was not sent.",
            );
        }
        BackendAnswer::NoUserToken(why) => return tool_error(why),
        BackendAnswer::NoSession(why) => {
            return tool_error(&format!("The MCP server could not be used: {why}."));
        }
    };
    if !(200..300).contains(&status) {
        let words: String = String::from_utf8_lossy(body)
            .trim()
            .chars()
            .take(QUOTED_ERROR_CHARS)
            .collect();
        let text = if words.is_empty() {
            format!("The backend answered {status}.")
        } else {
            format!("The backend answered {status}: {words}")
        };
        return tool_error(&text);
    }
    if sent.mcp {
        return forwarded_result(tool, content_type, body, version);
    }
    if content_type == "application/json" || content_type.ends_with("+json") {
        return json_result(tool, body, version);
    }
    let text_like = content_type.starts_with("text/")
        || content_type.is_empty()
        || content_type.ends_with("+xml")
        || content_type == "application/xml";
    let block = match content_type {
        _ if text_like => json!({ "type": "text", "text": String::from_utf8_lossy(body) }),
        image if image.starts_with("image/") => {
            json!({ "type": "image", "data": encode_base64(body), "mimeType": image })
        }
        audio if audio.starts_with("audio/") && version >= "2025-03-26" => {
            json!({ "type": "audio", "data": encode_base64(body), "mimeType": audio })
        }
        other => json!({ "type": "resource", "resource": {
            "uri": sent.planned.url, "mimeType": other, "blob": encode_base64(body),
        }}),
    };
    json!({ "content": [block], "isError": false })
}

/// An upstream MCP server's answer to the forwarded `tools/call`: its
/// result as the client's revision carries it (structured content from
/// 2025-06-18, held to the tool's pinned output schema), its refusal or
/// nonsense as a tool error.
fn forwarded_result(tool: &ToolConfig, content_type: &str, body: &[u8], version: &str) -> Value {
    let answer = upstream_mcp::answer(Some(content_type), body, upstream_mcp::REQUEST_ID);
    let mut result = match answer {
        Ok(result) => upstream_mcp::tool_result(&result),
        Err(why) => return tool_error(&format!("The MCP server's answer is unusable: {why}.")),
    };
    let structured = result
        .as_object_mut()
        .and_then(|r| r.remove("structuredContent"));
    if let (Some(structured), Some(checker)) = (&structured, &tool.output_check)
        && let Err(violations) = checker.check(structured)
    {
        let summary: Vec<String> = violations.iter().map(ToString::to_string).collect();
        return tool_error(&format!(
            "The MCP server's answer does not match the tool's output schema: {}",
            summary.join("; ")
        ));
    }
    if let (Some(structured), true) = (structured, version >= "2025-06-18") {
        result["structuredContent"] = structured;
    }
    result
}

/// A JSON answer: its text, and (from 2025-06-18, when it is an object)
/// the object as `structuredContent`, held to the tool's output schema.
fn json_result(tool: &ToolConfig, body: &[u8], version: &str) -> Value {
    let text = String::from_utf8_lossy(body).into_owned();
    let parsed = json::parse::<Value>(&text).ok();
    if let Some(checker) = &tool.output_check
        && let Err(violations) = checker.check(parsed.as_ref().unwrap_or(&Value::Null))
    {
        let summary: Vec<String> = violations.iter().map(ToString::to_string).collect();
        return tool_error(&format!(
            "The backend's answer does not match the tool's output schema: {}",
            summary.join("; ")
        ));
    }
    let mut result = json!({ "content": [{ "type": "text", "text": text }], "isError": false });
    if let (Some(object @ Value::Object(_)), true) = (parsed, version >= "2025-06-18") {
        result["structuredContent"] = object;
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::Fetched;
    use crate::test_fixtures::{tenant, with_output};
    use portcullis_tenant_config::TenantConfig;
    use portcullis_tenant_config::http_tool::HttpMethod;

    fn config() -> TenantConfig {
        let mut config = tenant("acme", 1, &[]);
        let schema = json!({"type": "object", "properties": {
            "city": {"type": "string"}, "units": {"type": "string"}}, "required": ["city"]});
        config.tools.push(with_output(
            ToolConfig {
                name: "weather_http".into(),
                title: None,
                description: "Weather from the backend".into(),
                arguments: portcullis_tenant_config::ArgSchema::compile(&schema).unwrap(),
                input_schema: schema,
                content: Vec::new(),
                is_error: false,
                scopes: Vec::new(),
                notifications: Vec::new(),
                input_rounds: Vec::new(),
                annotations: None,
                output_schema: None,
                output_check: None,
                structured_content: None,
                http: Some(HttpBinding {
                    method: HttpMethod::Get,
                    url: "https://api.acme.test/weather/{city}".into(),
                    query: Vec::new(),
                    headers: Default::default(),
                    timeout_ms: 2_000,
                    max_response_bytes: 1_000,
                    assertion: None,
                    credential: None,
                    user_token: false,
                    mcp: None,
                }),
            },
            json!({"type": "object", "properties": {
                "temperature": {"type": "number"}}, "required": ["temperature"]}),
        ));
        config
    }

    fn params(city: &str) -> Map<String, Value> {
        json!({"name": "weather_http", "arguments": {"city": city, "units": "metric"}})
            .as_object()
            .unwrap()
            .clone()
    }

    /// Runs the call twice as the shell does: once to learn the request,
    /// once with `answer`.
    fn run(version: &str, answer: BackendAnswer) -> (BackendCall, Value) {
        run_on(&config(), version, answer)
    }

    fn run_on(config: &TenantConfig, version: &str, answer: BackendAnswer) -> (BackendCall, Value) {
        let first =
            Call::new(config, &Caller::Anonymous, version, params("Oslo")).run("tools/call");
        let call = first
            .needs
            .and_then(Needed::into_backend)
            .expect("the first run asks for the backend");
        let fetched = Obtained::Backend(Box::new(Fetched {
            call: call.clone(),
            answer,
        }));
        let second = Call::new(config, &Caller::Anonymous, version, params("Oslo"))
            .with_obtained(Some(&fetched))
            .run("tools/call");
        assert_eq!(second.needs, None, "the second run has what it needs");
        (
            call,
            second
                .result
                .expect("a tool result, never a protocol error"),
        )
    }

    #[test]
    fn an_upstream_mcp_tool_forwards_the_call_and_passes_its_result_on() {
        let mut config = config();
        let http = config.tools[0].http.as_mut().unwrap();
        http.method = HttpMethod::Post;
        http.url = "https://mcp.acme.test/mcp".into();
        http.mcp = Some(upstream_mcp::McpTarget {
            tool: "forecast".into(),
        });
        let stream = |result: Value| BackendAnswer::Answered {
            status: 200,
            content_type: Some("text/event-stream".into()),
            body: format!(
                "event: message\ndata: {}\n\n",
                json!({"jsonrpc": "2.0", "id": 1, "result": result})
            )
            .into_bytes(),
        };
        let good = json!({"content": [{"type": "text", "text": "12"}],
            "structuredContent": {"temperature": 12}, "_meta": {"x": 1}});
        let (sent, result) = run_on(&config, "2025-11-25", stream(good.clone()));
        assert!(sent.mcp, "the shell opens a session first");
        let body: Value = serde_json::from_str(sent.planned.body.as_deref().unwrap()).unwrap();
        assert_eq!(
            body["params"]["name"], "forecast",
            "the upstream's name, not the tenant's"
        );
        assert_eq!(
            body["params"]["arguments"],
            json!({"city": "Oslo", "units": "metric"})
        );
        assert_eq!(
            result,
            json!({"content": [{"type": "text", "text": "12"}], "structuredContent": {"temperature": 12}})
        );
        let (_, older) = run_on(&config, "2025-03-26", stream(good));
        assert!(older.get("structuredContent").is_none(), "{older}");
        let drifted = json!({"content": [], "structuredContent": {"temperature": "warm"}});
        let (_, refused) = run_on(&config, "2025-11-25", stream(drifted));
        assert_eq!(
            refused["isError"], true,
            "held to the pinned output schema: {refused}"
        );
        let error = BackendAnswer::Answered {
            status: 200,
            content_type: Some("application/json".into()),
            body: br#"{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"no such tool"}}"#
                .to_vec(),
        };
        let (_, failed) = run_on(&config, "2025-11-25", error);
        assert_eq!(failed["isError"], true);
        assert!(failed.to_string().contains("no such tool"), "{failed}");
        let (_, unopened) = run_on(
            &config,
            "2025-11-25",
            BackendAnswer::NoSession("revision 1999".into()),
        );
        assert!(unopened.to_string().contains("revision 1999"), "{unopened}");
    }

    #[test]
    fn an_upstreams_progress_and_logs_reach_the_client_before_the_result() {
        let mut config = config();
        let http = config.tools[0].http.as_mut().unwrap();
        http.url = "https://mcp.acme.test/mcp".into();
        http.mcp = Some(upstream_mcp::McpTarget {
            tool: "forecast".into(),
        });
        config.tools[0].output_schema = None;
        config.tools[0].output_check = None;
        let events = [
            json!({"jsonrpc": "2.0", "method": "notifications/progress",
                "params": {"progressToken": "p-1", "progress": 1, "total": 2}}),
            json!({"jsonrpc": "2.0", "method": "notifications/message",
                "params": {"level": "warning", "data": "slow"}}),
            json!({"jsonrpc": "2.0", "id": 1, "result": {"content": []}}),
        ];
        let body: String = events
            .iter()
            .map(|e| format!("event: message\ndata: {e}\n\n"))
            .collect();
        let answer = BackendAnswer::Answered {
            status: 200,
            content_type: Some("text/event-stream".into()),
            body: body.into_bytes(),
        };
        let told = |version: &str, meta: Value| {
            let mut params = params("Oslo");
            params.insert("_meta".into(), meta);
            let first =
                Call::new(&config, &Caller::Anonymous, version, params.clone()).run("tools/call");
            let call = first.needs.and_then(Needed::into_backend).unwrap();
            let sent: Value = serde_json::from_str(call.planned.body.as_deref().unwrap()).unwrap();
            let fetched = Obtained::Backend(Box::new(Fetched {
                call,
                answer: answer.clone(),
            }));
            let second = Call::new(&config, &Caller::Anonymous, version, params)
                .with_obtained(Some(&fetched))
                .run("tools/call");
            assert!(second.result.is_ok());
            (sent["params"]["_meta"].clone(), second.notifications)
        };
        let (asked, legacy) = told("2025-06-18", json!({"progressToken": "p-1"}));
        assert_eq!(
            asked,
            json!({"progressToken": "p-1"}),
            "the upstream is asked for progress"
        );
        let methods: Vec<&Value> = legacy.iter().map(|n| &n["method"]).collect();
        assert_eq!(methods, ["notifications/progress", "notifications/message"]);
        assert_eq!(legacy[0]["params"]["progressToken"], "p-1");
        assert_eq!(
            legacy[1]["params"],
            json!({"level": "warning", "data": "slow"})
        );
        // The modern era sends logs only at the level the request asked for.
        let (_, quiet) = told("2026-07-28", json!({"progressToken": "p-1"}));
        assert_eq!(quiet.len(), 1, "progress only: {quiet:?}");
        let level = json!({"progressToken": "p-1", "io.modelcontextprotocol/logLevel": "error"});
        assert_eq!(
            told("2026-07-28", level).1.len(),
            1,
            "a warning is below error"
        );
        let (none, unasked) = told("2025-06-18", json!({}));
        assert!(none.is_null(), "no token, none sent: {none}");
        assert_eq!(unasked.len(), 1, "the log only: {unasked:?}");
    }

    fn with_assertion(config: &mut TenantConfig, audience: Option<&str>) {
        use portcullis_tenant_config::assertion::{AssertionKeys, PublicKey, SigningKey};
        let http = config.tools[0].http.as_mut().unwrap();
        http.assertion = Some(AssertionBinding {
            audience: audience.map(str::to_owned),
            header: "X-User-Assertion".into(),
            lifetime_secs: 60,
        });
        config.assertion_keys = Some(AssertionKeys {
            signing: SigningKey {
                kid: "k2".into(),
                sealed: "pcs1.sealed".into(),
            },
            public: vec![PublicKey {
                kid: "k2".into(),
                x: "x".into(),
            }],
        });
    }

    fn alice() -> Caller {
        Caller::User(crate::tokens::AccessClaims {
            t: "acme".into(),
            g: "grant-1".into(),
            u: "github:42".into(),
            c: "client-9".into(),
            s: "read write".into(),
            a: "https://acme.portcullis.test/mcp".into(),
            e: u64::MAX,
        })
    }

    #[test]
    fn a_signed_in_call_asks_for_an_assertion_about_its_user() {
        let mut config = config();
        with_assertion(&mut config, None);
        let caller = alice();
        let first = Call::new(&config, &caller, "2025-11-25", params("Oslo")).run("tools/call");
        let wanted = first
            .needs
            .and_then(Needed::into_backend)
            .expect("a backend call");
        let assertion = wanted.assertion.expect("the call carries an assertion");
        assert_eq!(
            (
                assertion.header.as_str(),
                assertion.kid.as_str(),
                assertion.lifetime_secs
            ),
            ("x-user-assertion", "k2", 60)
        );
        assert_eq!(assertion.key_aad, key_aad("acme", "k2"));
        assert_eq!(
            Value::Object(assertion.claims),
            json!({
                "iss": "https://acme.portcullis.test",
                "aud": "https://api.acme.test",
                "sub": "github:42",
                "scope": "read write",
                "client_id": "client-9",
                "tool": "weather_http",
            })
        );
        with_assertion(&mut config, Some("urn:acme:weather"));
        let first = Call::new(&config, &caller, "2025-11-25", params("Oslo")).run("tools/call");
        let claims = first
            .needs
            .and_then(Needed::into_backend)
            .and_then(|c| c.assertion)
            .map(|a| a.claims);
        assert_eq!(claims.unwrap()["aud"], "urn:acme:weather");
    }

    #[test]
    fn no_user_or_no_key_is_a_tool_error_and_nothing_is_sent() {
        let mut config = config();
        with_assertion(&mut config, None);
        let anonymous =
            Call::new(&config, &Caller::Anonymous, "2025-11-25", params("Oslo")).run("tools/call");
        assert_eq!(anonymous.needs, None);
        let result = anonymous.result.unwrap();
        assert_eq!(result["isError"], true);
        assert!(
            result.to_string().contains("no user is signed in"),
            "{result}"
        );
        config.assertion_keys = None;
        let caller = alice();
        let keyless = Call::new(&config, &caller, "2025-11-25", params("Oslo")).run("tools/call");
        assert_eq!(keyless.needs, None);
        assert!(keyless.result.unwrap().to_string().contains("no key"));
    }

    #[test]
    fn an_assertion_that_cannot_be_signed_is_a_tool_error() {
        let (_, result) = run("2025-11-25", BackendAnswer::Unprepared);
        assert_eq!(result["isError"], true);
        assert!(result.to_string().contains("not sent"), "{result}");
    }

    #[test]
    fn a_saved_secret_travels_sealed_and_bound_to_the_origin() {
        use portcullis_tenant_config::credential::CredentialScheme;
        let mut config = config();
        let http = config.tools[0].http.as_mut().unwrap();
        http.credential = Some(Credential {
            scheme: CredentialScheme::Header,
            header: Some("X-Api-Key".into()),
            username: None,
            secret: None,
            sealed: Some("pcs1.sealed".into()),
            saved: false,
        });
        let first =
            Call::new(&config, &Caller::Anonymous, "2025-11-25", params("Oslo")).run("tools/call");
        let sent = first
            .needs
            .and_then(Needed::into_backend)
            .and_then(|c| c.credential)
            .expect("the secret goes along");
        assert_eq!(
            sent,
            SealedHeader {
                name: "x-api-key".into(),
                sealed: "pcs1.sealed".into(),
                aad: credential_aad("acme", "https://api.acme.test", "x-api-key"),
            }
        );
        // Without a sealed value nothing is sent.
        let http = config.tools[0].http.as_mut().unwrap();
        http.credential.as_mut().unwrap().sealed = None;
        let unsaved =
            Call::new(&config, &Caller::Anonymous, "2025-11-25", params("Oslo")).run("tools/call");
        assert_eq!(unsaved.needs, None);
        assert!(unsaved.result.unwrap().to_string().contains("not saved"));
    }

    fn answered(status: u16, content_type: &str, body: &str) -> BackendAnswer {
        BackendAnswer::Answered {
            status,
            content_type: Some(content_type.into()),
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn a_json_answer_is_text_and_structured_content() {
        let (call, result) = run(
            "2025-11-25",
            answered(200, "application/json", r#"{"temperature": 21.5}"#),
        );
        assert_eq!(
            call.planned.url,
            "https://api.acme.test/weather/Oslo?units=metric"
        );
        assert_eq!((call.timeout_ms, call.max_response_bytes), (2_000, 1_000));
        assert_eq!(result["isError"], false);
        assert_eq!(result["structuredContent"], json!({"temperature": 21.5}));
        assert_eq!(result["content"][0]["text"], r#"{"temperature": 21.5}"#);
        let (_, older) = run(
            "2025-03-26",
            answered(200, "application/json", r#"{"temperature": 21.5}"#),
        );
        assert!(older.get("structuredContent").is_none(), "{older}");
    }

    #[test]
    fn an_output_schema_published_uncompiled_is_a_tool_error_not_an_unchecked_result() {
        let mut config = config();
        config.tools[0].output_check = None;
        let ran =
            Call::new(&config, &Caller::Anonymous, "2025-11-25", params("Oslo")).run("tools/call");
        assert_eq!(ran.needs, None, "nothing is sent");
        let result = ran.result.expect("a tool result");
        assert_eq!(result["isError"], true, "{result}");
        assert!(result.get("structuredContent").is_none(), "{result}");
        let text = result["content"][0]["text"].as_str().unwrap_or_default();
        assert!(text.contains("publish the tenant again"), "{text}");
    }

    #[test]
    fn whatever_the_backend_does_is_a_tool_error_the_model_can_read() {
        for (answer, words) in [
            (
                answered(500, "text/plain", "database on fire"),
                "The backend answered 500: database on fire",
            ),
            (answered(404, "text/plain", ""), "The backend answered 404."),
            (BackendAnswer::TimedOut, "did not answer within 2000 ms"),
            (BackendAnswer::Unreachable, "could not be reached"),
            (BackendAnswer::TooLarge, "longer than 1000 bytes"),
            (
                answered(200, "application/json", r#"{"temp": "warm"}"#),
                "does not match the tool's output schema",
            ),
        ] {
            let (_, result) = run("2025-11-25", answer.clone());
            assert_eq!(result["isError"], true, "{answer:?}");
            let text = result["content"][0]["text"].as_str().unwrap();
            assert!(text.contains(words), "{answer:?}: {text}");
        }
        let long = "x".repeat(5_000);
        let (_, result) = run("2025-11-25", answered(502, "text/plain", &long));
        assert!(result["content"][0]["text"].as_str().unwrap().len() < 600);
    }

    #[test]
    fn other_media_become_text_images_or_embedded_resources() {
        let (_, text) = run("2025-11-25", answered(200, "text/plain", "sunny"));
        assert_eq!(text["content"][0], json!({"type": "text", "text": "sunny"}));
        let (_, image) = run("2025-11-25", answered(200, "image/png", "PNG"));
        assert_eq!(
            image["content"][0],
            json!({"type": "image", "data": "UE5H", "mimeType": "image/png"})
        );
        let (_, blob) = run("2025-11-25", answered(200, "application/pdf", "%PDF"));
        assert_eq!(blob["content"][0]["type"], "resource");
        assert_eq!(blob["content"][0]["resource"]["blob"], "JVBERg==");
    }

    #[test]
    fn an_answer_to_another_request_is_not_taken_for_this_one() {
        let config = config();
        let stale = Obtained::Backend(Box::new(Fetched {
            call: BackendCall {
                planned: HttpBinding {
                    method: HttpMethod::Get,
                    url: "https://api.acme.test/weather/{city}".into(),
                    query: Vec::new(),
                    headers: Default::default(),
                    timeout_ms: 2_000,
                    max_response_bytes: 1_000,
                    assertion: None,
                    credential: None,
                    user_token: false,
                    mcp: None,
                }
                .plan(json!({"city": "Bergen"}).as_object().unwrap(), None)
                .unwrap(),
                timeout_ms: 2_000,
                max_response_bytes: 1_000,
                assertion: None,
                credential: None,
                user_token: None,
                mcp: false,
                holder: None,
            },
            answer: answered(200, "text/plain", "rain"),
        }));
        let ran = Call::new(&config, &Caller::Anonymous, "2025-11-25", params("Oslo"))
            .with_obtained(Some(&stale))
            .run("tools/call");
        assert!(ran.needs.is_some(), "Oslo's call is still to be made");
    }

    #[test]
    fn arguments_that_cannot_be_sent_are_a_tool_error_without_a_call() {
        let mut config = config();
        config
            .tools
            .last_mut()
            .unwrap()
            .http
            .as_mut()
            .unwrap()
            .headers = [("units".to_owned(), "X-Units".to_owned())].into();
        let mut bad = params("Oslo");
        bad["arguments"]["units"] = json!("metric\r\nX-Admin: 1");
        let ran = Call::new(&config, &Caller::Anonymous, "2025-11-25", bad).run("tools/call");
        assert_eq!(ran.needs, None, "nothing is sent");
        assert_eq!(ran.result.unwrap()["isError"], true);
    }
}
