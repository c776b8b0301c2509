//! MCP content blocks: what tool results and prompt messages carry.

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// One content block, in MCP's wire shape (`type` tag, camelCase fields).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", try_from = "RawBlock")]
pub enum ContentBlock {
    Text {
        text: String,
    },
    Image {
        data: String,
        #[serde(rename = "mimeType")]
        mime_type: String,
    },
    Audio {
        data: String,
        #[serde(rename = "mimeType")]
        mime_type: String,
    },
    /// An embedded resource (`"type": "resource"`).
    Resource {
        resource: ResourceContents,
    },
    /// A link to a resource the client may read (MCP 2025-06-18 and later).
    ResourceLink {
        uri: String,
        name: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        title: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        description: Option<String>,
        #[serde(default, rename = "mimeType", skip_serializing_if = "Option::is_none")]
        mime_type: Option<String>,
    },
}

/// Every field any block may have; [`ContentBlock`] is read through it
/// because serde's internally tagged enums buffer the whole value first,
/// which costs the edge's bundle far more than this.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RawBlock {
    #[serde(rename = "type")]
    kind: String,
    text: Option<String>,
    data: Option<String>,
    mime_type: Option<String>,
    resource: Option<ResourceContents>,
    uri: Option<String>,
    name: Option<String>,
    title: Option<String>,
    description: Option<String>,
}

impl TryFrom<RawBlock> for ContentBlock {
    type Error = String;

    fn try_from(raw: RawBlock) -> Result<Self, String> {
        let RawBlock {
            kind,
            text,
            data,
            mime_type,
            resource,
            uri,
            name,
            title,
            description,
        } = raw;
        let present = [
            ("text", text.is_some()),
            ("data", data.is_some()),
            ("mimeType", mime_type.is_some()),
            ("resource", resource.is_some()),
            ("uri", uri.is_some()),
            ("name", name.is_some()),
            ("title", title.is_some()),
            ("description", description.is_some()),
        ];
        let allowed: &[&str] = match kind.as_str() {
            "text" => &["text"],
            "image" | "audio" => &["data", "mimeType"],
            "resource" => &["resource"],
            "resource_link" => &["uri", "name", "title", "description", "mimeType"],
            other => return Err(format!("unknown content block type {other:?}")),
        };
        if let Some((field, _)) = present.iter().find(|(f, set)| *set && !allowed.contains(f)) {
            return Err(format!("a {kind} block has no field {field:?}"));
        }
        let need = |value: Option<String>, field: &str| {
            value.ok_or_else(|| format!("a {kind} block needs {field:?}"))
        };
        Ok(match kind.as_str() {
            "text" => Self::Text {
                text: need(text, "text")?,
            },
            "image" => Self::Image {
                data: need(data, "data")?,
                mime_type: need(mime_type, "mimeType")?,
            },
            "audio" => Self::Audio {
                data: need(data, "data")?,
                mime_type: need(mime_type, "mimeType")?,
            },
            "resource" => Self::Resource {
                resource: resource.ok_or("a resource block needs \"resource\"")?,
            },
            _ => Self::ResourceLink {
                uri: need(uri, "uri")?,
                name: need(name, "name")?,
                title,
                description,
                mime_type,
            },
        })
    }
}

/// A resource's contents: text or a base64 blob, never both.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ResourceContents {
    pub uri: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blob: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ContentError {
    #[error("needs at least one content block")]
    Empty,
    #[error("block {index}: {message}")]
    Block { index: usize, message: String },
}

/// Checks what serde cannot: base64 payloads, MIME types, URIs, and that
/// resource contents hold exactly one of `text` and `blob`.
pub fn validate_blocks(blocks: &[ContentBlock]) -> Result<(), ContentError> {
    if blocks.is_empty() {
        return Err(ContentError::Empty);
    }
    for (index, block) in blocks.iter().enumerate() {
        validate_block(block).map_err(|message| ContentError::Block { index, message })?;
    }
    Ok(())
}

fn validate_block(block: &ContentBlock) -> Result<(), String> {
    match block {
        ContentBlock::Text { .. } => Ok(()),
        ContentBlock::Image { data, mime_type } | ContentBlock::Audio { data, mime_type } => {
            validate_mime_type(mime_type)?;
            validate_base64(data)
        }
        ContentBlock::Resource { resource } => validate_resource_contents(resource),
        ContentBlock::ResourceLink {
            uri,
            name,
            mime_type,
            ..
        } => {
            validate_uri(uri)?;
            if name.trim().is_empty() {
                return Err("a resource link needs a name".into());
            }
            mime_type.as_deref().map_or(Ok(()), validate_mime_type)
        }
    }
}

pub fn validate_resource_contents(contents: &ResourceContents) -> Result<(), String> {
    validate_uri(&contents.uri)?;
    if let Some(m) = &contents.mime_type {
        validate_mime_type(m)?;
    }
    match (&contents.text, &contents.blob) {
        (Some(_), None) => Ok(()),
        (None, Some(blob)) => validate_base64(blob),
        _ => Err(format!(
            "resource {:?} needs exactly one of \"text\" and \"blob\"",
            contents.uri
        )),
    }
}

/// An absolute URI: `scheme:` then anything without whitespace (RFC 3986).
pub fn validate_uri(uri: &str) -> Result<(), String> {
    let scheme_ok = uri.split_once(':').is_some_and(|(scheme, _)| {
        let mut chars = scheme.chars();
        chars.next().is_some_and(|c| c.is_ascii_alphabetic())
            && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    });
    if !scheme_ok || uri.len() > 2048 || uri.chars().any(char::is_whitespace) {
        return Err(format!(
            "{uri:?} is not an absolute URI (scheme:rest, no spaces, at most 2048 bytes)"
        ));
    }
    Ok(())
}

fn validate_mime_type(mime: &str) -> Result<(), String> {
    let ok = mime.split_once('/').is_some_and(|(t, s)| {
        let token = |x: &str| {
            !x.is_empty()
                && x.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"!#$&^_.+-".contains(&b))
        };
        token(t) && token(s.split(';').next().unwrap_or_default().trim())
    });
    if ok {
        Ok(())
    } else {
        Err(format!("{mime:?} is not a MIME type"))
    }
}

fn validate_base64(data: &str) -> Result<(), String> {
    let body = data.trim_end_matches('=');
    let ok = data.len().is_multiple_of(4)
        && data.len() - body.len() <= 2
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/');
    if ok {
        Ok(())
    } else {
        Err("data must be standard base64".into())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn blocks_use_mcp_wire_names() {
        let block = ContentBlock::Image {
            data: "AAAA".into(),
            mime_type: "image/png".into(),
        };
        assert_eq!(
            serde_json::to_value(&block).unwrap(),
            json!({"type": "image", "data": "AAAA", "mimeType": "image/png"})
        );
        let link: ContentBlock =
            serde_json::from_value(json!({"type": "resource_link", "uri": "test://x", "name": "x", "mimeType": "text/plain"})).unwrap();
        assert!(matches!(link, ContentBlock::ResourceLink { .. }));
        let embedded: ContentBlock =
            serde_json::from_value(json!({"type": "resource", "resource": {"uri": "test://e", "mimeType": "text/plain", "text": "hi"}}))
                .unwrap();
        assert_eq!(validate_blocks(&[embedded]), Ok(()));
        assert!(
            serde_json::from_value::<ContentBlock>(json!({"type": "video", "data": "x"})).is_err()
        );
        assert!(
            serde_json::from_value::<ContentBlock>(
                json!({"type": "text", "text": "a", "extra": 1})
            )
            .is_err()
        );
    }

    #[test]
    fn refuses_broken_payloads() {
        let bad = |block: ContentBlock| validate_blocks(&[block]).unwrap_err().to_string();
        assert!(
            bad(ContentBlock::Image {
                data: "not base64!".into(),
                mime_type: "image/png".into()
            })
            .contains("base64")
        );
        assert!(
            bad(ContentBlock::Audio {
                data: "AAAA".into(),
                mime_type: "wav".into()
            })
            .contains("MIME")
        );
        let both = ResourceContents {
            uri: "test://x".into(),
            mime_type: None,
            text: Some("a".into()),
            blob: Some("AAAA".into()),
        };
        assert!(bad(ContentBlock::Resource { resource: both }).contains("exactly one"));
        let relative = ResourceContents {
            uri: "no-scheme".into(),
            mime_type: None,
            text: Some("a".into()),
            blob: None,
        };
        assert!(bad(ContentBlock::Resource { resource: relative }).contains("absolute URI"));
        assert_eq!(validate_blocks(&[]), Err(ContentError::Empty));
        assert_eq!(validate_base64("iVBORw0KGgo="), Ok(()));
    }
}
