//! Prompts, resources and resource templates a tenant publishes, and the
//! small template languages they use: `{name}` placeholders filled from
//! prompt arguments, and RFC 6570 level-1 URI templates (`test://{id}/data`).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use thiserror::Error;

use crate::content::{
    ContentBlock, ResourceContents, validate_blocks, validate_resource_contents, validate_uri,
};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PromptConfig {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub arguments: Vec<PromptArgument>,
    /// Messages whose strings may hold `{argument}` placeholders.
    pub messages: Vec<PromptMessage>,
    /// Rounds of input asked of the client first (2026-07-28); message text
    /// may quote the responses as `{{name.path}}` (see [`crate::inputs`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub input_rounds: Vec<crate::inputs::InputRound>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PromptArgument {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub required: bool,
    /// Values offered by `completion/complete` for this argument.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub completions: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PromptMessage {
    pub role: Role,
    pub content: ContentBlock,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    User,
    Assistant,
}

/// A static resource with its contents.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ResourceConfig {
    pub uri: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blob: Option<String>,
}

/// Resources whose URIs match a template; `text` may use its variables.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ResourceTemplateConfig {
    pub uri_template: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<String>,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CatalogError {
    #[error("prompt {name:?}: {message}")]
    Prompt { name: String, message: String },
    #[error("resource {uri:?}: {message}")]
    Resource { uri: String, message: String },
    #[error("resource template {template:?}: {message}")]
    Template { template: String, message: String },
}

impl ResourceConfig {
    pub fn contents(&self) -> ResourceContents {
        ResourceContents {
            uri: self.uri.clone(),
            mime_type: self.mime_type.clone(),
            text: self.text.clone(),
            blob: self.blob.clone(),
        }
    }
}

/// Why `prompts/get` cannot render a prompt.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RenderError {
    #[error("missing required argument {0:?}")]
    MissingArgument(String),
    /// The arguments made a message invalid (say, a URI that is not one).
    #[error("the arguments give invalid content: {0}")]
    InvalidContent(String),
}

/// What placeholders are filled with when a prompt is checked at save time.
const SAMPLE_ARGUMENT: &str = "urn:portcullis:sample";

impl PromptConfig {
    /// Fills the placeholders of every message from `arguments` (absent
    /// optional arguments become empty strings) and checks the result is
    /// still valid content.
    pub fn render(
        &self,
        arguments: &BTreeMap<String, String>,
    ) -> Result<Vec<PromptMessage>, RenderError> {
        let mut values = BTreeMap::new();
        for declared in &self.arguments {
            match arguments.get(&declared.name) {
                Some(v) => values.insert(declared.name.as_str(), v.as_str()),
                None if declared.required => {
                    return Err(RenderError::MissingArgument(declared.name.clone()));
                }
                None => values.insert(declared.name.as_str(), ""),
            };
        }
        let messages: Vec<PromptMessage> = self
            .messages
            .iter()
            .map(|m| PromptMessage {
                role: m.role,
                content: substitute_in(&m.content, &values),
            })
            .collect();
        let blocks: Vec<ContentBlock> = messages.iter().map(|m| m.content.clone()).collect();
        validate_blocks(&blocks).map_err(|e| RenderError::InvalidContent(e.to_string()))?;
        Ok(messages)
    }
}

impl ResourceTemplateConfig {
    /// The contents for `uri` when it matches this template.
    pub fn read(&self, uri: &str) -> Option<ResourceContents> {
        let vars = match_uri_template(&self.uri_template, uri)?;
        let mut values = BTreeMap::new();
        values.extend(vars.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        Some(ResourceContents {
            uri: uri.to_owned(),
            mime_type: self.mime_type.clone(),
            text: Some(fill(&self.text, &values)),
            blob: None,
        })
    }
}

fn substitute_in(block: &ContentBlock, values: &BTreeMap<&str, &str>) -> ContentBlock {
    fn walk(v: &mut Value, values: &BTreeMap<&str, &str>) {
        match v {
            Value::String(s) => *s = fill(s, values),
            Value::Array(items) => items.iter_mut().for_each(|i| walk(i, values)),
            Value::Object(map) => map
                .iter_mut()
                .filter(|(k, _)| k.as_str() != "type")
                .for_each(|(_, i)| walk(i, values)),
            _ => {}
        }
    }
    let Ok(mut value) = serde_json::to_value(block) else {
        return block.clone();
    };
    walk(&mut value, values);
    crate::json::from_value(value).unwrap_or_else(|_| block.clone())
}

/// Replaces each `{name}` whose name is in `values`; other braces stay.
fn fill(text: &str, values: &BTreeMap<&str, &str>) -> String {
    let mut out = text.to_owned();
    for (name, value) in values {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

/// One piece of a URI template.
enum Part<'a> {
    Literal(&'a str),
    Var(&'a str),
}

/// Splits a level-1 template; `None` if a brace is unbalanced or a variable
/// name is not `[A-Za-z0-9_]+`, or two variables touch.
fn parse_uri_template(template: &str) -> Option<Vec<Part<'_>>> {
    let mut parts = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        if open > 0 {
            parts.push(Part::Literal(&rest[..open]));
        } else if matches!(parts.last(), Some(Part::Var(_))) {
            return None;
        }
        let close = rest[open..].find('}')? + open;
        let name = &rest[open + 1..close];
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return None;
        }
        parts.push(Part::Var(name));
        rest = &rest[close + 1..];
    }
    if rest.contains('}') {
        return None;
    }
    if !rest.is_empty() {
        parts.push(Part::Literal(rest));
    }
    Some(parts)
}

/// Matches `uri` against a template. A variable takes one or more
/// unreserved characters (RFC 3986: `A-Z a-z 0-9 - . _ ~`, or `%XX`), so a
/// value can never carry a `/`, a quote or a brace into the contents.
pub fn match_uri_template(template: &str, uri: &str) -> Option<Vec<(String, String)>> {
    let parts = parse_uri_template(template)?;
    let mut rest = uri;
    let mut vars = Vec::new();
    for (i, part) in parts.iter().enumerate() {
        match part {
            Part::Literal(lit) => rest = rest.strip_prefix(lit)?,
            Part::Var(name) => {
                let end = match parts.get(i + 1) {
                    Some(Part::Literal(next)) => rest.find(next)?,
                    _ => rest.len(),
                };
                let value = &rest[..end];
                let unreserved = |b: u8| b.is_ascii_alphanumeric() || b"-._~%".contains(&b);
                if value.is_empty() || !value.bytes().all(unreserved) {
                    return None;
                }
                vars.push(((*name).to_owned(), value.to_owned()));
                rest = &rest[end..];
            }
        }
    }
    rest.is_empty().then_some(vars)
}

/// Checks names, URIs, templates and contents, and that nothing is declared twice.
pub fn validate_catalog(
    prompts: &[PromptConfig],
    resources: &[ResourceConfig],
    templates: &[ResourceTemplateConfig],
) -> Result<(), CatalogError> {
    validate_each(
        prompts,
        |p| &p.name,
        validate_prompt,
        |name, message| CatalogError::Prompt { name, message },
    )?;
    validate_each(
        resources,
        |r| &r.uri,
        validate_resource,
        |uri, message| CatalogError::Resource { uri, message },
    )?;
    validate_each(
        templates,
        |t| &t.uri_template,
        validate_template,
        |template, message| CatalogError::Template { template, message },
    )
}

/// Validates each entry and refuses a key declared twice.
fn validate_each<T>(
    entries: &[T],
    key: impl Fn(&T) -> &String,
    validate: impl Fn(&T) -> Result<(), String>,
    error: impl Fn(String, String) -> CatalogError,
) -> Result<(), CatalogError> {
    let mut seen = BTreeSet::new();
    for entry in entries {
        validate(entry).map_err(|message| error(key(entry).clone(), message))?;
        if !seen.insert(key(entry)) {
            return Err(error(key(entry).clone(), "is declared twice".into()));
        }
    }
    Ok(())
}

pub fn validate_prompt(p: &PromptConfig) -> Result<(), String> {
    crate::names::validate_tool_name(&p.name).map_err(|e| format!("name {e}"))?;
    let mut args = BTreeSet::new();
    for a in &p.arguments {
        if a.name.is_empty()
            || !a
                .name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            return Err(format!(
                "argument name {:?} may contain only letters, digits, '_' and '-'",
                a.name
            ));
        }
        if !args.insert(a.name.as_str()) {
            return Err(format!("argument {:?} is declared twice", a.name));
        }
    }
    crate::inputs::validate_rounds(&p.input_rounds).map_err(|e| format!("inputRounds: {e}"))?;
    if p.messages.is_empty() {
        return Err("messages: needs at least one content block".into());
    }
    // Placeholders may stand where a URI must; check the content as it will
    // be with arguments filled in.
    let sample = p
        .arguments
        .iter()
        .map(|a| (a.name.clone(), SAMPLE_ARGUMENT.to_owned()))
        .collect();
    p.render(&sample)
        .map(|_| ())
        .map_err(|e| format!("messages: {e}"))
}

pub fn validate_resource(r: &ResourceConfig) -> Result<(), String> {
    if r.name.trim().is_empty() {
        return Err("needs a name".into());
    }
    validate_resource_contents(&r.contents())
}

pub fn validate_template(t: &ResourceTemplateConfig) -> Result<(), String> {
    if t.name.trim().is_empty() {
        return Err("needs a name".into());
    }
    if parse_uri_template(&t.uri_template)
        .is_none_or(|p| !p.iter().any(|x| matches!(x, Part::Var(_))))
    {
        return Err(
            "must be a URI template with at least one {variable} (letters, digits, '_')".into(),
        );
    }
    validate_uri(&t.uri_template.replace(['{', '}'], ""))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn prompt() -> PromptConfig {
        serde_json::from_value(json!({
            "name": "greet",
            "arguments": [{"name": "who", "required": true}, {"name": "mood"}],
            "messages": [
                {"role": "user", "content": {"type": "text", "text": "Hello {who}, feeling {mood}? {unknown}"}},
                {"role": "user", "content": {"type": "resource", "resource": {"uri": "test://{who}", "text": "x"}}}
            ]
        }))
        .unwrap()
    }

    #[test]
    fn renders_prompt_arguments() {
        let args = BTreeMap::from([("who".to_string(), "Ada".to_string())]);
        let messages = prompt().render(&args).unwrap();
        assert_eq!(
            messages[0].content,
            ContentBlock::Text {
                text: "Hello Ada, feeling ? {unknown}".into()
            }
        );
        assert!(
            matches!(&messages[1].content, ContentBlock::Resource { resource } if resource.uri == "test://Ada")
        );
        assert_eq!(
            prompt().render(&BTreeMap::new()),
            Err(RenderError::MissingArgument("who".into()))
        );
        let bad_uri = BTreeMap::from([("who".to_string(), "not a uri".to_string())]);
        assert!(matches!(
            prompt().render(&bad_uri),
            Err(RenderError::InvalidContent(_))
        ));
        assert_eq!(
            validate_prompt(&prompt()),
            Ok(()),
            "placeholders in URIs are fine at save time"
        );
    }

    #[test]
    fn matches_uri_templates() {
        let m = |t, u| match_uri_template(t, u);
        assert_eq!(
            m("test://template/{id}/data", "test://template/123/data"),
            Some(vec![("id".into(), "123".into())])
        );
        assert_eq!(
            m("test://template/{id}/data", "test://template/1/2/data"),
            None
        );
        assert_eq!(
            m("test://template/{id}/data", "test://template//data"),
            None
        );
        assert_eq!(
            m("test://template/{id}/data", "test://template/a\"b/data"),
            None
        );
        assert_eq!(
            m("db://{table}/{row}", "db://users/42"),
            Some(vec![
                ("table".into(), "users".into()),
                ("row".into(), "42".into())
            ])
        );
        assert_eq!(
            m("db://{table}{row}", "db://users42"),
            None,
            "adjacent variables are refused"
        );
        let t = ResourceTemplateConfig {
            uri_template: "test://template/{id}/data".into(),
            name: "t".into(),
            title: None,
            description: None,
            mime_type: Some("application/json".into()),
            text: r#"{"id":"{id}","data":"Data for ID: {id}"}"#.into(),
        };
        assert_eq!(
            t.read("test://template/7/data").unwrap().text.unwrap(),
            r#"{"id":"7","data":"Data for ID: 7"}"#
        );
        assert_eq!(validate_template(&t), Ok(()));
    }

    #[test]
    fn validation_names_the_problem() {
        let mut p = prompt();
        p.arguments.push(p.arguments[0].clone());
        assert!(
            validate_catalog(&[p], &[], &[])
                .unwrap_err()
                .to_string()
                .contains("declared twice")
        );
        let r = ResourceConfig {
            uri: "test://r".into(),
            name: "r".into(),
            title: None,
            description: None,
            mime_type: None,
            text: None,
            blob: None,
        };
        assert!(
            validate_catalog(&[], std::slice::from_ref(&r), &[])
                .unwrap_err()
                .to_string()
                .contains("exactly one")
        );
        let ok = ResourceConfig {
            text: Some("x".into()),
            ..r
        };
        assert!(
            validate_catalog(&[], &[ok.clone(), ok], &[])
                .unwrap_err()
                .to_string()
                .contains("declared twice")
        );
        let t = ResourceTemplateConfig {
            uri_template: "test://fixed".into(),
            name: "t".into(),
            title: None,
            description: None,
            mime_type: None,
            text: "x".into(),
        };
        assert!(
            validate_catalog(&[], &[], &[t])
                .unwrap_err()
                .to_string()
                .contains("variable")
        );
    }
}
