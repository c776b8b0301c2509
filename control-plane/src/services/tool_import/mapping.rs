//! One HTTP tool per operation of an OpenAPI 3.0 or 3.1 description, read
//! with the `oas3` crate: name, description, input schema (path, query and
//! header parameters and a JSON request body, references inlined), output
//! schema (the first 2xx JSON answer), the binding (base URL, template,
//! query, headers) and the security scheme whose secret the tool can send.
//! An operation that cannot be mapped is refused with why; nothing here
//! touches storage.

use std::collections::{BTreeMap, BTreeSet};

use oas3::spec::{ObjectOrReference, Parameter, ParameterIn, SecurityScheme};
use portcullis_api::imports::RefusedOperation;
use portcullis_api::tools::ToolCreate;
use portcullis_tenant_config::credential::{Credential, CredentialScheme};
use serde_json::{Value, json};

use super::schema::inline;

/// A tool proposed for one operation.
#[derive(Debug, Clone)]
pub struct Proposal {
    pub operation: String,
    pub tool: ToolCreate,
    /// The security scheme whose secret the tool sends, and how.
    pub secret: Option<(String, SecretKind)>,
    pub notes: Vec<String>,
}

/// How a scheme's secret is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretKind {
    Header(String),
    Bearer,
    Basic,
}

impl SecretKind {
    /// The credential carrying `secret` (`user:password` for basic).
    pub fn credential(&self, secret: Option<&str>) -> Option<Credential> {
        let (scheme, header, username, secret) = match self {
            Self::Header(name) => (CredentialScheme::Header, Some(name.clone()), None, secret),
            Self::Bearer => (CredentialScheme::Bearer, None, None, secret),
            Self::Basic => {
                let (user, password) = secret?.split_once(':')?;
                (
                    CredentialScheme::Basic,
                    None,
                    Some(user.to_owned()),
                    Some(password),
                )
            }
        };
        Some(Credential {
            scheme,
            header,
            username,
            secret: secret.map(str::to_owned),
            sealed: None,
            saved: false,
        })
    }
}

/// Everything a description proposes.
#[derive(Debug, Clone)]
pub struct Proposals {
    pub title: String,
    pub version: String,
    pub tools: Vec<Proposal>,
    pub refused: Vec<RefusedOperation>,
}

/// Why a description cannot be imported at all, naming the field at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    pub field: &'static str,
    pub message: String,
}

fn unreadable(field: &'static str, message: impl Into<String>) -> Unreadable {
    Unreadable {
        field,
        message: message.into(),
    }
}

/// The tools `document` (parsed JSON or YAML) proposes, calling
/// `base_url` if given, else the description's server (resolved against
/// `fetched_from` when relative).
pub fn propose(
    document: &Value,
    base_url: Option<&str>,
    fetched_from: Option<&str>,
) -> Result<Proposals, Unreadable> {
    let version = document.get("openapi").and_then(Value::as_str);
    if !version.is_some_and(|v| v.starts_with("3.0") || v.starts_with("3.1")) {
        return Err(unreadable(
            "source",
            "not an OpenAPI 3.0 or 3.1 description (its `openapi` field must say 3.0.x or 3.1.x)",
        ));
    }
    let spec: oas3::Spec = serde_json::from_value(document.clone())
        .map_err(|e| unreadable("source", format!("the description does not read: {e}")))?;
    let mapper = Mapper {
        document,
        spec: &spec,
    };
    let mut tools: Vec<Proposal> = Vec::new();
    let mut refused = Vec::new();
    let mut names = BTreeSet::new();
    for (path, method, operation) in spec.operations() {
        let label = format!("{} {path}", method.as_str());
        let base = match base_url {
            Some(base) => base.to_owned(),
            None => server_url(&spec, operation, fetched_from).ok_or_else(|| {
                unreadable(
                    "baseUrl",
                    "the description names no absolute server URL: give the backend's base URL",
                )
            })?,
        };
        let mapped = mapper
            .operation(&path, &method, operation, &base)
            .and_then(|proposal| {
                if names.insert(proposal.tool.name.clone()) {
                    Ok(proposal)
                } else {
                    Err(format!(
                        "its tool name {:?} is another operation's",
                        proposal.tool.name
                    ))
                }
            });
        match mapped {
            Ok(proposal) => tools.push(Proposal {
                operation: label,
                ..proposal
            }),
            Err(reason) => refused.push(RefusedOperation {
                operation: label,
                reason,
            }),
        }
    }
    Ok(Proposals {
        title: spec.info.title.clone(),
        version: spec.info.version.clone(),
        tools,
        refused,
    })
}

/// The operation's (else the description's) first server, its variables
/// at their defaults, made absolute against where the description came
/// from.
fn server_url(
    spec: &oas3::Spec,
    operation: &oas3::spec::Operation,
    fetched_from: Option<&str>,
) -> Option<String> {
    let server = operation.servers.first().or(spec.servers.first())?;
    let mut url = server.url.clone();
    for (name, variable) in &server.variables {
        url = url.replace(&format!("{{{name}}}"), &variable.default);
    }
    let absolute = match reqwest::Url::parse(&url) {
        Ok(absolute) => absolute,
        Err(_) => reqwest::Url::parse(fetched_from?).ok()?.join(&url).ok()?,
    };
    Some(absolute.as_str().trim_end_matches('/').to_owned())
}

struct Mapper<'a> {
    document: &'a Value,
    spec: &'a oas3::Spec,
}

/// An argument and where it goes.
struct Argument {
    name: String,
    schema: Value,
    required: bool,
}

impl Mapper<'_> {
    fn operation(
        &self,
        path: &str,
        method: &axum::http::Method,
        operation: &oas3::spec::Operation,
        base: &str,
    ) -> Result<Proposal, String> {
        let method_name = match method.as_str() {
            m @ ("GET" | "POST" | "PUT" | "PATCH" | "DELETE") => m,
            other => return Err(format!("{other} is not a method tools call")),
        };
        let mut arguments: Vec<Argument> = Vec::new();
        let mut template = String::from(path);
        let mut query_template = Vec::new();
        let mut query = Vec::new();
        let mut headers = BTreeMap::new();
        let mut notes = Vec::new();
        let secret = self.security(operation, &mut notes);
        for parameter in self.parameters(path, operation)? {
            // The secret fills its own header: it is no argument.
            if let Some((_, SecretKind::Header(header))) = &secret
                && parameter.location == ParameterIn::Header
                && parameter.name.eq_ignore_ascii_case(header)
            {
                notes.push(format!(
                    "header {} carries the tool's secret",
                    parameter.name
                ));
                continue;
            }
            let schema = match &parameter.schema {
                Some(schema) => {
                    let raw = serde_json::to_value(schema).map_err(|e| e.to_string())?;
                    inline(&raw, self.document, false)
                        .map_err(|e| format!("parameter {}: {e}", parameter.name))?
                }
                None => json!({"type": "string"}),
            };
            let schema = described(schema, parameter.description.as_deref());
            let name = match parameter.location {
                ParameterIn::Path => {
                    let argument = variable_name(&parameter.name);
                    template = template.replace(
                        &format!("{{{}}}", parameter.name),
                        &format!("{{{argument}}}"),
                    );
                    argument
                }
                ParameterIn::Query => {
                    if is_variable_name(&parameter.name) {
                        query_template.push(parameter.name.clone());
                    } else {
                        query.push(parameter.name.clone());
                    }
                    parameter.name.clone()
                }
                ParameterIn::Header => {
                    headers.insert(parameter.name.clone(), parameter.name.clone());
                    parameter.name.clone()
                }
                ParameterIn::Cookie => {
                    return Err(format!(
                        "parameter {} is a cookie, which tools do not send",
                        parameter.name
                    ));
                }
            };
            if arguments.iter().any(|a| a.name == name) {
                return Err(format!("two parameters are called {name}"));
            }
            let required =
                parameter.required == Some(true) || parameter.location == ParameterIn::Path;
            arguments.push(Argument {
                name,
                schema,
                required,
            });
        }
        if !query_template.is_empty() {
            template.push_str(&format!("{{?{}}}", query_template.join(",")));
        }
        if let Some(body) = self.body(operation, method_name, &mut notes)? {
            let properties = body.get("properties").and_then(Value::as_object);
            let required: BTreeSet<&str> = body
                .get("required")
                .and_then(Value::as_array)
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            for (name, schema) in properties.into_iter().flatten() {
                if arguments.iter().any(|a| &a.name == name) {
                    return Err(format!("body property {name} has the name of a parameter"));
                }
                arguments.push(Argument {
                    name: name.clone(),
                    schema: schema.clone(),
                    required: required.contains(name.as_str()),
                });
            }
        }
        let mut input_schema = json!({"type": "object", "properties": {}});
        let mut required = Vec::new();
        for argument in arguments {
            if argument.required {
                required.push(argument.name.clone());
            }
            input_schema["properties"][&argument.name] = argument.schema;
        }
        if !required.is_empty() {
            input_schema["required"] = json!(required);
        }
        let http = serde_json::from_value(json!({
            "method": method_name,
            "url": format!("{base}{template}"),
            "query": query,
            "headers": headers,
        }))
        .map_err(|e| e.to_string())?;
        let summary = operation
            .summary
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty());
        let details = operation
            .description
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty());
        let description = match (summary, details) {
            (Some(s), Some(d)) if s != d => format!("{s}\n\n{d}"),
            (Some(s), _) => s.to_owned(),
            (None, Some(d)) => d.to_owned(),
            (None, None) => format!("{method_name} {path}"),
        };
        let tool = ToolCreate {
            name: tool_name(operation.operation_id.as_deref(), method_name, path),
            title: summary
                .filter(|s| s.chars().count() <= 200)
                .map(str::to_owned),
            description: description.chars().take(4000).collect(),
            input_schema,
            content: Vec::new(),
            is_error: false,
            scopes: Vec::new(),
            notifications: Vec::new(),
            input_rounds: Vec::new(),
            annotations: Some(annotations(method_name)),
            output_schema: self.output(operation)?,
            structured_content: None,
            http: Some(http),
        };
        crate::services::tools::validate_tool(&tool).map_err(|e| e.to_string())?;
        Ok(Proposal {
            operation: String::new(),
            tool,
            secret,
            notes,
        })
    }

    /// The path's parameters, overridden by the operation's of the same
    /// name and place, references resolved.
    fn parameters(
        &self,
        path: &str,
        operation: &oas3::spec::Operation,
    ) -> Result<Vec<Parameter>, String> {
        // oas3 does not read path-level parameters: they come from the
        // document itself.
        let shared: Vec<ObjectOrReference<Parameter>> = self
            .document
            .pointer(&format!("/paths/{}/parameters", escape_pointer(path)))
            .map(|p| serde_json::from_value(p.clone()))
            .transpose()
            .map_err(|e| format!("its path's parameters do not read: {e}"))?
            .unwrap_or_default();
        let mut parameters: Vec<Parameter> = Vec::new();
        for parameter in shared.iter().chain(&operation.parameters) {
            let parameter = parameter
                .resolve(self.spec)
                .map_err(|e| format!("a parameter does not resolve: {e}"))?;
            parameters.retain(|p| !(p.name == parameter.name && p.location == parameter.location));
            parameters.push(parameter);
        }
        Ok(parameters)
    }

    /// The JSON request body's schema, inlined; `None` when there is none.
    fn body(
        &self,
        operation: &oas3::spec::Operation,
        method: &str,
        notes: &mut Vec<String>,
    ) -> Result<Option<Value>, String> {
        let Some(body) = &operation.request_body else {
            return Ok(None);
        };
        let body = body
            .resolve(self.spec)
            .map_err(|e| format!("its request body does not resolve: {e}"))?;
        if matches!(method, "GET" | "DELETE") {
            return Err(format!("a {method} with a request body cannot be called"));
        }
        let json = body
            .content
            .iter()
            .find(|(media, _)| is_json(media))
            .map(|(_, media)| media);
        let Some(media) = json else {
            let types: Vec<&str> = body.content.keys().map(String::as_str).collect();
            if body.required == Some(true) {
                return Err(format!(
                    "its request body is {}, and tools send JSON only",
                    types.join(" or ")
                ));
            }
            notes.push(format!(
                "the optional {} body is not sent",
                types.join(" or ")
            ));
            return Ok(None);
        };
        let Some(schema) = &media.schema else {
            return Err("its JSON request body has no schema".into());
        };
        let raw = serde_json::to_value(schema).map_err(|e| e.to_string())?;
        let schema =
            inline(&raw, self.document, false).map_err(|e| format!("request body: {e}"))?;
        if schema
            .get("properties")
            .and_then(Value::as_object)
            .is_none()
        {
            return Err(
                "its request body is not a JSON object with properties, which tool arguments are"
                    .into(),
            );
        }
        Ok(Some(schema))
    }

    /// The first 2xx JSON answer's schema, when it is an object (the only
    /// kind of structured result MCP has).
    fn output(&self, operation: &oas3::spec::Operation) -> Result<Option<Value>, String> {
        let responses = operation.responses.iter().flatten();
        let Some((_, response)) = responses
            .filter(|(status, _)| status.starts_with('2'))
            .min_by_key(|(status, _)| status.as_str())
        else {
            return Ok(None);
        };
        let response = response
            .resolve(self.spec)
            .map_err(|e| format!("its answer does not resolve: {e}"))?;
        let schema = response
            .content
            .iter()
            .find(|(media, _)| is_json(media))
            .and_then(|(_, media)| media.schema.as_ref());
        let Some(schema) = schema else {
            return Ok(None);
        };
        let raw = serde_json::to_value(schema).map_err(|e| e.to_string())?;
        let schema = inline(&raw, self.document, true).map_err(|e| format!("answer: {e}"))?;
        Ok((schema.get("type") == Some(&json!("object"))).then_some(schema))
    }

    /// The first security scheme the tool can send a secret for; what it
    /// cannot send goes into `notes`.
    fn security(
        &self,
        operation: &oas3::spec::Operation,
        notes: &mut Vec<String>,
    ) -> Option<(String, SecretKind)> {
        let requirements = if operation.security.is_empty() {
            &self.spec.security
        } else {
            &operation.security
        };
        let schemes = self.spec.components.as_ref().map(|c| &c.security_schemes);
        for name in requirements.iter().flat_map(|r| r.0.keys()) {
            let scheme = schemes
                .and_then(|s| s.get(name))
                .and_then(|s| s.resolve(self.spec).ok());
            let kind = match scheme {
                Some(SecurityScheme::ApiKey {
                    name: header,
                    location,
                    ..
                }) if location == "header" => SecretKind::Header(header),
                Some(SecurityScheme::Http { scheme, .. })
                    if scheme.eq_ignore_ascii_case("bearer") =>
                {
                    SecretKind::Bearer
                }
                Some(SecurityScheme::Http { scheme, .. })
                    if scheme.eq_ignore_ascii_case("basic") =>
                {
                    SecretKind::Basic
                }
                Some(SecurityScheme::ApiKey { location, .. }) => {
                    notes.push(format!("{name}: an API key in the {location} is not sent"));
                    continue;
                }
                Some(SecurityScheme::OAuth2 { .. } | SecurityScheme::OpenIdConnect { .. }) => {
                    notes.push(format!(
                        "{name}: OAuth is not sent (calls as the signed-in user are not built yet)"
                    ));
                    continue;
                }
                _ => {
                    notes.push(format!("{name}: this kind of security is not sent"));
                    continue;
                }
            };
            return Some((name.clone(), kind));
        }
        None
    }
}

/// Hints from the method: reads change nothing; deletes destroy.
fn annotations(method: &str) -> portcullis_tenant_config::ToolAnnotations {
    portcullis_tenant_config::ToolAnnotations {
        read_only_hint: Some(method == "GET"),
        destructive_hint: (method != "GET").then_some(method == "DELETE"),
        idempotent_hint: (method != "GET").then_some(matches!(method, "PUT" | "DELETE")),
        open_world_hint: Some(false),
        ..Default::default()
    }
}

fn is_json(media: &str) -> bool {
    let essence = media.split(';').next().unwrap_or_default().trim();
    essence == "application/json" || essence.ends_with("+json")
}

fn described(mut schema: Value, description: Option<&str>) -> Value {
    if let (Some(description), Value::Object(object)) = (description, &mut schema) {
        object
            .entry("description")
            .or_insert_with(|| description.into());
    }
    schema
}

/// `path` as one JSON Pointer token.
fn escape_pointer(path: &str) -> String {
    path.replace('~', "~0").replace('/', "~1")
}

fn is_variable_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// A URL-template variable for a path parameter (never on the wire, so
/// it may be renamed): letters, digits and `_`.
fn variable_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if cleaned.is_empty() {
        "value".into()
    } else {
        cleaned
    }
}

/// The operation's id (else method and path) as a tool name: letters,
/// digits, `_`, `-`, `.`; at most 128.
fn tool_name(operation_id: Option<&str>, method: &str, path: &str) -> String {
    let raw = match operation_id.filter(|id| !id.trim().is_empty()) {
        Some(id) => id.to_owned(),
        None => format!("{}_{path}", method.to_ascii_lowercase()),
    };
    let mut name = String::new();
    for c in raw.chars() {
        let c = if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.') {
            c
        } else {
            '_'
        };
        if !(c == '_' && name.ends_with('_')) {
            name.push(c);
        }
    }
    let name: String = name.trim_matches('_').chars().take(128).collect();
    if name.is_empty() {
        "operation".into()
    } else {
        name
    }
}

#[cfg(test)]
mod tests;
