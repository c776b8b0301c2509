//! Tenant configs for native tests.

use portcullis_tenant_config::{ArgSchema, ContentBlock, TenantConfig, ToolConfig};
use serde_json::{Value, json};

/// `tool` with `schema` as its output schema, compiled as the control
/// plane compiles it.
pub fn with_output(tool: ToolConfig, schema: Value) -> ToolConfig {
    ToolConfig {
        output_check: Some(ArgSchema::compile(&schema).expect("compiles")),
        output_schema: Some(schema),
        ..tool
    }
}

/// A tool returning `content`, with an input schema requiring `city`.
pub fn tool(name: &str, content: Vec<ContentBlock>) -> ToolConfig {
    let schema = json!({"type": "object", "properties": {"city": {"type": "string", "minLength": 2}}, "required": ["city"]});
    ToolConfig {
        name: name.into(),
        title: None,
        description: format!("{name} tool"),
        arguments: ArgSchema::compile(&schema).expect("compiles"),
        input_schema: schema,
        content,
        is_error: false,
        scopes: Vec::new(),
        notifications: Vec::new(),
        input_rounds: Vec::new(),
        annotations: None,
        output_schema: None,
        output_check: None,
        structured_content: None,
        http: None,
    }
}

pub fn text(text: &str) -> ContentBlock {
    ContentBlock::Text { text: text.into() }
}

/// A tenant with one tool per name, each answering "<tenant> says hi".
pub fn tenant(slug: &str, version: u64, tools: &[&str]) -> TenantConfig {
    let mut config = TenantConfig::empty(slug, version, &slug.to_uppercase());
    config.tools = tools
        .iter()
        .map(|t| tool(t, vec![text(&format!("{slug} says hi"))]))
        .collect();
    config
}

fn from<T: serde::de::DeserializeOwned>(v: Value) -> T {
    serde_json::from_value(v).expect("fixture parses")
}

/// A tenant using every kind of thing a config can publish.
pub fn catalog_tenant() -> TenantConfig {
    let mut config = tenant("acme", 1, &[]);
    config.tools = vec![
        tool(
            "mixed",
            from(json!([
                {"type": "text", "text": "hello"},
                {"type": "image", "data": "iVBORw0KGgo=", "mimeType": "image/png"},
                {"type": "audio", "data": "UklGRg==", "mimeType": "audio/wav"},
                {"type": "resource", "resource": {"uri": "test://e", "mimeType": "text/plain", "text": "embedded"}},
                {"type": "resource_link", "uri": "test://static-text", "name": "static"}
            ])),
        ),
        ToolConfig {
            is_error: true,
            ..tool("failing", vec![text("it broke")])
        },
        ToolConfig {
            annotations: Some(from(
                json!({"title": "Forecast", "readOnlyHint": true, "openWorldHint": false}),
            )),
            structured_content: Some(json!({"temperature": 21.5, "sky": "clear"})),
            ..with_output(
                tool("structured", vec![]),
                json!({"type": "object", "properties": {
                "temperature": {"type": "number"}, "sky": {"type": "string"}}, "required": ["temperature"]}),
            )
        },
    ];
    config.prompts = vec![from(json!({
        "name": "greet",
        "description": "Greets someone",
        "arguments": [{"name": "who", "required": true, "completions": ["paris", "park", "oslo"]}],
        "messages": [
            {"role": "user", "content": {"type": "text", "text": "Hello {who}"}},
            {"role": "assistant", "content": {"type": "image", "data": "iVBORw0KGgo=", "mimeType": "image/png"}}
        ]
    }))];
    config.resources = vec![
        from(
            json!({"uri": "test://static-text", "name": "static", "mimeType": "text/plain", "text": "static text"}),
        ),
        from(
            json!({"uri": "test://static-binary", "name": "binary", "mimeType": "image/png", "blob": "iVBORw0KGgo="}),
        ),
    ];
    config.resource_templates = vec![from(json!({
        "uriTemplate": "test://template/{id}/data", "name": "by id", "mimeType": "application/json",
        "text": "{\"id\":\"{id}\"}"
    }))];
    config.validate().expect("the fixture is valid");
    config
}

/// A POST to `path`; later `headers` replace earlier ones of the same name.
pub fn post(path: &str, headers: &[(&str, &str)], body: Vec<u8>) -> crate::http::HttpRequest {
    let mut all: Vec<(String, String)> = Vec::new();
    for (name, value) in headers {
        all.retain(|(n, _)| n != name);
        all.push((name.to_string(), value.to_string()));
    }
    crate::http::HttpRequest {
        method: "POST".into(),
        path: path.into(),
        headers: all,
        body,
        ..Default::default()
    }
}
