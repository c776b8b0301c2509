//! The tenant config document itself.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use thiserror::Error;

use crate::args::ArgSchema;
use crate::auth::{AuthError, OAuthConfig};
use crate::catalog::{PromptConfig, ResourceConfig, ResourceTemplateConfig};
use crate::content::ContentBlock;
use crate::inputs::{InputError, InputRound, validate_rounds};
use crate::limits::RateLimits;
use crate::names::{NameError, validate_tenant_slug, validate_tool_name};
use crate::notifications::{NotificationError, ToolNotification, validate_notifications};

/// Format of the document; bumped on any change an older edge cannot read.
pub const FORMAT: u32 = 1;

/// Everything the edge needs to serve one tenant, as of one published version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TenantConfig {
    pub format: u32,
    /// The tenant's slug, i.e. its subdomain label on the edge domain.
    pub tenant: String,
    /// Increases by one on every publish of this tenant; the edge refuses
    /// anything not newer than what it serves, so an old document cannot be
    /// replayed.
    pub version: u64,
    pub display_name: String,
    pub tools: Vec<ToolConfig>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub prompts: Vec<PromptConfig>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<ResourceConfig>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resource_templates: Vec<ResourceTemplateConfig>,
    /// The tenant's OAuth authorization server; `None` for a public server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oauth: Option<OAuthConfig>,
    /// How the tenant's pages at the edge look.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branding: Option<Branding>,
    /// Requests per minute before the edge answers 429.
    #[serde(default)]
    pub limits: RateLimits,
    /// The keys the edge signs user assertions with and serves at
    /// `/.well-known/jwks.json`; taken fresh from the control plane's
    /// store on every publish, so a rollback never brings back a retired key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assertion_keys: Option<crate::assertion::AssertionKeys>,
    /// Per-user memory tools, when the tenant switches them on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<crate::memory::MemoryConfig>,
}

/// A tenant's look on the pages its users see (sign-in choice, consent).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Branding {
    /// An https image shown above the page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo_url: Option<String>,
    /// `#rrggbb`, for the main buttons.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accent_color: Option<String>,
}

impl Branding {
    /// Only values that are safe to put in a page as they are: an https
    /// URL without quotes, spaces or angle brackets, and a hex colour.
    pub fn validate(&self) -> Result<(), String> {
        if let Some(url) = &self.logo_url {
            let safe = url.len() <= 2048
                && url.strip_prefix("https://").is_some_and(|rest| {
                    !rest.is_empty()
                        && !rest.starts_with('/')
                        && rest
                            .chars()
                            .all(|c| c.is_ascii_graphic() && !"\"'<>\\`".contains(c))
                });
            if !safe {
                return Err("the logo URL must be an https URL (at most 2048 characters, no quotes or spaces)".into());
            }
        }
        if let Some(colour) = &self.accent_color {
            let hex = colour.strip_prefix('#').unwrap_or_default();
            if hex.len() != 6 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
                return Err("the accent colour must be #rrggbb".into());
            }
        }
        Ok(())
    }
}

/// One tool as MCP clients will see it, plus what the edge needs to run it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolConfig {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    pub description: String,
    /// The JSON Schema exactly as the admin wrote it, shown in `tools/list`.
    pub input_schema: Value,
    /// The same schema compiled for the edge to check arguments with.
    pub arguments: ArgSchema,
    /// What a call returns, for now fixed by the tool's definition.
    pub content: Vec<ContentBlock>,
    /// Whether that result reports a tool execution error (`isError`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub is_error: bool,
    /// Scopes a token must carry to see and call the tool (all of them).
    /// Not enforced on a public tenant (one without `oauth`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<String>,
    /// Logs and progress the tool reports while it runs, before its result.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notifications: Vec<ToolNotification>,
    /// Rounds of input the tool asks the client for before it answers; its
    /// text content may quote the responses (see [`crate::inputs`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub input_rounds: Vec<InputRound>,
    /// Hints about the tool's behaviour for clients (MCP `ToolAnnotations`,
    /// shown from 2025-03-26 on).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<ToolAnnotations>,
    /// The JSON Schema (`type: object`) of the tool's structured result
    /// (MCP 2025-06-18 on); a tool with one returns `structured_content`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_schema: Option<Value>,
    /// The output schema compiled as `arguments` is, for the edge to hold
    /// structured results to (a backend's, an upstream server's): the
    /// control plane compiles it, so the edge carries no schema compiler.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_check: Option<ArgSchema>,
    /// The structured result each call returns (`structuredContent`),
    /// conforming to `output_schema`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub structured_content: Option<Value>,
    /// Where the tool's calls go instead, when it calls the tenant's
    /// endpoint (its `content` is then empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http: Option<crate::http_tool::HttpBinding>,
}

/// What a client may assume about a tool (all hints, none guarantees).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ToolAnnotations {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// It changes nothing in its environment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_only_hint: Option<bool>,
    /// What it changes may be destroyed (meaningful when not read-only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destructive_hint: Option<bool>,
    /// Calling it again with the same arguments changes nothing more.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotent_hint: Option<bool>,
    /// It reaches an open world of entities (e.g. the web).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_world_hint: Option<bool>,
}

/// Why a document is not servable.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ConfigError {
    #[error("unsupported document format {0} (this build reads {FORMAT})")]
    Format(u32),
    #[error("tenant slug {slug:?} {error}")]
    Slug { slug: String, error: NameError },
    #[error("version must be at least 1")]
    Version,
    #[error("tool name {name:?} {error}")]
    ToolName { name: String, error: NameError },
    #[error("tool {0:?} appears more than once")]
    DuplicateTool(String),
    #[error("tool {0:?}: the input schema must be a JSON Schema object with \"type\": \"object\"")]
    InputSchema(String),
    #[error("tool {tool:?}: {problem}")]
    Output { tool: String, problem: String },
    #[error("{0}")]
    Auth(#[from] AuthError),
    #[error("branding: {0}")]
    Branding(String),
    #[error("limits: {0}")]
    Limits(#[from] crate::limits::LimitError),
    #[error("inputs of tool {tool:?}: {error}")]
    Inputs { tool: String, error: InputError },
    #[error("notifications of tool {tool:?}: {error}")]
    Notifications {
        tool: String,
        error: NotificationError,
    },
    #[error("{0}")]
    Catalog(#[from] crate::catalog::CatalogError),
    #[error("memory: {0}")]
    Memory(String),
    #[error("content of {owner}: {error}")]
    Content {
        owner: String,
        error: crate::content::ContentError,
    },
}

impl TenantConfig {
    /// A document serving nothing yet, for the compiler to fill.
    pub fn empty(tenant: &str, version: u64, display_name: &str) -> Self {
        Self {
            format: FORMAT,
            tenant: tenant.to_owned(),
            version,
            display_name: display_name.to_owned(),
            tools: Vec::new(),
            prompts: Vec::new(),
            resources: Vec::new(),
            resource_templates: Vec::new(),
            oauth: None,
            branding: None,
            limits: RateLimits::default(),
            assertion_keys: None,
            memory: None,
        }
    }

    /// Compiles each output schema that comes without its compiled form
    /// ([`ToolConfig::output_check`]): every tool the control plane
    /// compiles, and those of a document of an earlier build published
    /// again (a rollback, a reseal).
    pub fn compile_output_checks(&mut self) -> Result<(), ConfigError> {
        for tool in &mut self.tools {
            if let (Some(schema), None) = (&tool.output_schema, &tool.output_check) {
                let compiled = ArgSchema::compile(schema).map_err(|e| ConfigError::Output {
                    tool: tool.name.clone(),
                    problem: format!("the output schema cannot be used: {e}"),
                })?;
                tool.output_check = Some(compiled);
            }
        }
        Ok(())
    }

    /// Checks the rules both sides rely on; the control plane runs it before
    /// signing and the edge again after verifying.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.format != FORMAT {
            return Err(ConfigError::Format(self.format));
        }
        validate_tenant_slug(&self.tenant).map_err(|error| ConfigError::Slug {
            slug: self.tenant.clone(),
            error,
        })?;
        if self.version == 0 {
            return Err(ConfigError::Version);
        }
        let mut seen = BTreeSet::new();
        for tool in &self.tools {
            validate_tool_name(&tool.name).map_err(|error| ConfigError::ToolName {
                name: tool.name.clone(),
                error,
            })?;
            if !seen.insert(tool.name.as_str()) {
                return Err(ConfigError::DuplicateTool(tool.name.clone()));
            }
            if !is_object_schema(&tool.input_schema) {
                return Err(ConfigError::InputSchema(tool.name.clone()));
            }
            // A structured result may stand alone: its JSON is the text; an
            // HTTP tool's result is its backend's.
            if !(tool.content.is_empty()
                && (tool.structured_content.is_some() || tool.http.is_some()))
            {
                crate::content::validate_blocks(&tool.content).map_err(|error| {
                    ConfigError::Content {
                        owner: format!("tool {:?}", tool.name),
                        error,
                    }
                })?;
            }
            validate_rounds(&tool.input_rounds).map_err(|error| ConfigError::Inputs {
                tool: tool.name.clone(),
                error,
            })?;
            validate_notifications(&tool.notifications).map_err(|error| {
                ConfigError::Notifications {
                    tool: tool.name.clone(),
                    error,
                }
            })?;
            validate_output(tool).map_err(|problem| ConfigError::Output {
                tool: tool.name.clone(),
                problem,
            })?;
            validate_http(tool).map_err(|problem| ConfigError::Output {
                tool: tool.name.clone(),
                problem,
            })?;
        }
        if let Some(branding) = &self.branding {
            branding.validate().map_err(ConfigError::Branding)?;
        }
        self.limits.validate().map_err(ConfigError::Limits)?;
        // An assertion names the signed-in user: a public server has none.
        if self.oauth.is_none()
            && let Some(tool) = self
                .tools
                .iter()
                .find(|t| t.signs_assertions() || t.acts_as_user())
        {
            return Err(ConfigError::Output {
                tool: tool.name.clone(),
                problem: "a tool acting for the signed-in user (assertion or user token) needs sign-in: set up the tenant's authorization first"
                    .into(),
            });
        }
        if let Some(memory) = &self.memory {
            memory.validate().map_err(|(_, e)| ConfigError::Memory(e))?;
            if let Some(taken) = memory.names().into_iter().find(|n| self.tool(n).is_some()) {
                return Err(ConfigError::Memory(format!(
                    "{taken:?} is already a tool's name"
                )));
            }
            // Notes belong to the signed-in user: a public server has none.
            if self.oauth.is_none() {
                return Err(ConfigError::Memory(
                    "memory needs sign-in: set up the tenant's authorization first".into(),
                ));
            }
        }
        if let Some(oauth) = &self.oauth {
            oauth.validate()?;
            for tool in &self.tools {
                if let Some(unknown) = tool.scopes.iter().find(|s| oauth.scope(s).is_none()) {
                    return Err(ConfigError::Auth(AuthError::UnknownScope {
                        owner: format!("tool {:?}", tool.name),
                        scope: unknown.clone(),
                    }));
                }
            }
        }
        crate::catalog::validate_catalog(&self.prompts, &self.resources, &self.resource_templates)?;
        Ok(())
    }

    pub fn tool(&self, name: &str) -> Option<&ToolConfig> {
        self.tools.iter().find(|t| t.name == name)
    }

    /// Whether `name` is one of the tenant's tools or a memory tool.
    pub fn serves_tool(&self, name: &str) -> bool {
        self.tool(name).is_some() || self.memory.as_ref().is_some_and(|m| m.tool(name).is_some())
    }

    /// Whether any tool sends a user assertion (so the tenant needs keys).
    pub fn signs_assertions(&self) -> bool {
        self.tools.iter().any(ToolConfig::signs_assertions)
    }
}

impl ToolConfig {
    pub fn signs_assertions(&self) -> bool {
        self.http.as_ref().is_some_and(|h| h.assertion.is_some())
    }

    /// Whether it acts as the signed-in user at their identity provider.
    pub fn acts_as_user(&self) -> bool {
        self.http.as_ref().is_some_and(|h| h.user_token)
    }
}

/// An HTTP tool answers with its backend's answer: no fixed content, and a
/// binding over its own arguments.
fn validate_http(tool: &ToolConfig) -> Result<(), String> {
    let Some(http) = &tool.http else {
        return Ok(());
    };
    if !tool.content.is_empty() || tool.structured_content.is_some() || tool.is_error {
        return Err("an HTTP tool has no fixed content".into());
    }
    if !tool.input_rounds.is_empty() {
        return Err("an HTTP tool asks no rounds of input".into());
    }
    let arguments = crate::http_tool::argument_names(&tool.input_schema);
    http.validate(&arguments, crate::auth::is_https_or_loopback)
        .map_err(|e| e.to_string())
}

/// "If an output schema is provided, servers MUST provide structured
/// results that conform to this schema" (MCP 2025-06-18, Tools), and the
/// schema's root is an object, as is the result.
fn validate_output(tool: &ToolConfig) -> Result<(), String> {
    match (&tool.output_schema, &tool.structured_content) {
        (None, _) if tool.output_check.is_some() => {
            Err("a compiled output schema needs the output schema".into())
        }
        (None, None) => Ok(()),
        (None, Some(_)) => Err("structured content needs an output schema".into()),
        (Some(schema), structured) => {
            if !is_object_schema(schema) {
                return Err("the output schema must have \"type\": \"object\"".into());
            }
            let checker = tool
                .output_check
                .as_ref()
                .ok_or("the output schema is not compiled (outputCheck)")?;
            match structured {
                None if tool.is_error || tool.http.is_some() => Ok(()),
                None => Err("a tool with an output schema must return structured content".into()),
                Some(value) => checker.check(value).map_err(|violations| {
                    let list: Vec<String> = violations.iter().map(ToString::to_string).collect();
                    format!(
                        "the structured content breaks the output schema: {}",
                        list.join("; ")
                    )
                }),
            }
        }
    }
}

/// MCP requires a tool's `inputSchema` to describe an object.
pub fn is_object_schema(schema: &Value) -> bool {
    schema.get("type").and_then(Value::as_str) == Some("object")
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use serde_json::json;

    pub(crate) fn sample(version: u64) -> TenantConfig {
        let schema = json!({"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]});
        let mut config = TenantConfig::empty("acme", version, "Acme Corp");
        config.tools.push(ToolConfig {
            name: "get_weather".into(),
            title: Some("Weather".into()),
            description: "Current weather".into(),
            arguments: ArgSchema::compile(&schema).expect("compiles"),
            input_schema: schema,
            content: vec![ContentBlock::Text {
                text: "sunny".into(),
            }],
            is_error: false,
            scopes: Vec::new(),
            notifications: Vec::new(),
            input_rounds: Vec::new(),
            annotations: None,
            output_schema: None,
            output_check: None,
            structured_content: None,
            http: None,
        });
        config
    }

    #[test]
    fn structured_results_conform_to_their_output_schema() {
        let schema =
            json!({"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]});
        let with = |output: Option<Value>, structured: Option<Value>, is_error: bool| {
            let mut config = sample(1);
            config.tools[0].output_check = output.as_ref().and_then(|s| ArgSchema::compile(s).ok());
            config.tools[0].output_schema = output;
            config.tools[0].structured_content = structured;
            config.tools[0].is_error = is_error;
            config.validate()
        };
        assert_eq!(
            with(Some(schema.clone()), Some(json!({"n": 3})), false),
            Ok(())
        );
        assert_eq!(
            with(Some(schema.clone()), None, true),
            Ok(()),
            "an error need not"
        );
        for (output, structured) in [
            (None, Some(json!({"n": 3}))),
            (Some(schema.clone()), None),
            (Some(schema.clone()), Some(json!({"n": "three"}))),
            (Some(json!({"type": "string"})), Some(json!("x"))),
        ] {
            let refused = with(output.clone(), structured.clone(), false);
            assert!(
                matches!(refused, Err(ConfigError::Output { .. })),
                "{output:?} {structured:?}: {refused:?}"
            );
        }
        // The compiled form travels with the schema, never alone; a document
        // of an earlier build gets it compiled.
        let mut config = sample(1);
        config.tools[0].output_schema = Some(schema.clone());
        config.tools[0].structured_content = Some(json!({"n": 3}));
        assert!(matches!(config.validate(), Err(ConfigError::Output { .. })));
        config.compile_output_checks().unwrap();
        assert_eq!(config.validate(), Ok(()));
        config.tools[0].structured_content = None;
        config.tools[0].output_schema = None;
        config.tools[0].output_check = ArgSchema::compile(&schema).ok();
        assert!(matches!(config.validate(), Err(ConfigError::Output { .. })));
    }

    #[test]
    fn branding_takes_only_what_is_safe_in_a_page() {
        let ok = Branding {
            logo_url: Some("https://cdn.acme.example/logo.svg".into()),
            accent_color: Some("#12AbEf".into()),
        };
        assert_eq!(ok.validate(), Ok(()));
        for url in [
            "http://acme.example/l.png",
            "https://",
            "https://a\"onload=x",
            "javascript:alert(1)",
            "https://a b",
            "https:///x",
        ] {
            let bad = Branding {
                logo_url: Some(url.into()),
                ..Branding::default()
            };
            assert!(bad.validate().is_err(), "{url}");
        }
        for colour in ["red", "#12345", "#1234567", "#12345g", "12345f"] {
            let bad = Branding {
                accent_color: Some(colour.into()),
                ..Branding::default()
            };
            assert!(bad.validate().is_err(), "{colour}");
        }
    }

    #[test]
    fn valid_sample() {
        assert_eq!(sample(1).validate(), Ok(()));
    }

    #[test]
    fn rejects_each_broken_rule() {
        let mut c = sample(1);
        c.format = 99;
        assert_eq!(c.validate(), Err(ConfigError::Format(99)));
        let mut c = sample(0);
        assert_eq!(c.validate(), Err(ConfigError::Version));
        c.version = 1;
        c.tenant = "Bad Slug".into();
        assert!(matches!(c.validate(), Err(ConfigError::Slug { .. })));
        let mut c = sample(1);
        c.tools.push(c.tools[0].clone());
        assert_eq!(
            c.validate(),
            Err(ConfigError::DuplicateTool("get_weather".into()))
        );
        let mut c = sample(1);
        c.tools[0].input_schema = json!({"type": "string"});
        assert_eq!(
            c.validate(),
            Err(ConfigError::InputSchema("get_weather".into()))
        );
    }
}
