//! An OpenAPI schema as the self-contained JSON Schema a tool carries:
//! every `$ref` into the document inlined, OpenAPI's own keywords turned
//! into JSON Schema (`nullable`) or left out (`discriminator`, `xml`,
//! `example`, extensions). A schema that refers to itself cannot be
//! inlined and is refused, as is one that grows past a size a tool
//! definition should have.

use serde_json::{Map, Value};

/// The most nested schemas followed.
const MAX_DEPTH: usize = 40;
/// The largest inlined schema, in bytes of JSON.
pub const MAX_SCHEMA_BYTES: usize = 64 * 1024;

/// Keywords OpenAPI adds to JSON Schema that a tool's schema leaves out.
const OPENAPI_ONLY: &[&str] = &[
    "discriminator",
    "xml",
    "externalDocs",
    "example",
    "deprecated",
];

/// `schema` with every reference into `document` inlined; `reading`
/// leaves out what the client never sends (`readOnly` properties).
pub fn inline(schema: &Value, document: &Value, reading: bool) -> Result<Value, String> {
    let mut path = Vec::new();
    let inlined = walk(schema, document, reading, &mut path)?;
    let size = inlined.to_string().len();
    if size > MAX_SCHEMA_BYTES {
        return Err(format!(
            "its schema is {size} bytes once inlined, more than {MAX_SCHEMA_BYTES}"
        ));
    }
    Ok(inlined)
}

fn walk(
    schema: &Value,
    document: &Value,
    reading: bool,
    path: &mut Vec<String>,
) -> Result<Value, String> {
    if path.len() > MAX_DEPTH {
        return Err(format!("its schema nests deeper than {MAX_DEPTH} levels"));
    }
    let Value::Object(object) = schema else {
        return Ok(schema.clone());
    };
    if let Some(reference) = object.get("$ref").and_then(Value::as_str) {
        if path.iter().any(|seen| seen == reference) {
            return Err(format!(
                "its schema {reference} refers to itself, which a tool's schema cannot"
            ));
        }
        let target = reference
            .strip_prefix('#')
            .and_then(|pointer| document.pointer(pointer))
            .ok_or_else(|| format!("{reference} does not point into the document"))?;
        path.push(reference.to_owned());
        let inlined = walk(target, document, reading, path);
        path.pop();
        return inlined;
    }
    let mut out = Map::new();
    for (key, value) in object {
        if OPENAPI_ONLY.contains(&key.as_str()) || key.starts_with("x-") || key == "nullable" {
            continue;
        }
        let value = match key.as_str() {
            "properties" | "patternProperties" | "$defs" | "definitions" => {
                let Value::Object(members) = value else {
                    continue;
                };
                let mut kept = Map::new();
                for (name, member) in members {
                    let hidden = key == "properties"
                        && !reading
                        && member.get("readOnly").and_then(Value::as_bool) == Some(true);
                    if !hidden {
                        kept.insert(name.clone(), walk(member, document, reading, path)?);
                    }
                }
                Value::Object(kept)
            }
            "items"
            | "additionalProperties"
            | "not"
            | "contains"
            | "propertyNames"
            | "if"
            | "then"
            | "else"
            | "unevaluatedProperties"
            | "unevaluatedItems" => walk(value, document, reading, path)?,
            "allOf" | "anyOf" | "oneOf" | "prefixItems" => match value {
                Value::Array(items) => Value::Array(
                    items
                        .iter()
                        .map(|item| walk(item, document, reading, path))
                        .collect::<Result<_, _>>()?,
                ),
                other => other.clone(),
            },
            _ => value.clone(),
        };
        out.insert(key.clone(), value);
    }
    if object.get("nullable").and_then(Value::as_bool) == Some(true) {
        allow_null(&mut out);
    }
    // `required` may name readOnly properties just left out.
    if let (Some(Value::Array(required)), Some(Value::Object(properties))) =
        (out.get("required").cloned(), out.get("properties"))
    {
        let kept: Vec<Value> = required
            .into_iter()
            .filter(|r| r.as_str().is_some_and(|n| properties.contains_key(n)))
            .collect();
        out.insert("required".into(), Value::Array(kept));
    }
    Ok(Value::Object(out))
}

/// OpenAPI 3.0's `nullable: true` as JSON Schema: `null` is one more type.
fn allow_null(schema: &mut Map<String, Value>) {
    match schema.get_mut("type") {
        Some(Value::String(t)) => {
            let t = std::mem::take(t);
            schema.insert("type".into(), Value::Array(vec![t.into(), "null".into()]));
        }
        Some(Value::Array(types)) if !types.iter().any(|t| t == "null") => {
            types.push("null".into());
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn references_are_inlined_and_openapi_keywords_translated() {
        let document = json!({"components": {"schemas": {
            "Pet": {"type": "object", "required": ["id", "name"], "properties": {
                "id": {"type": "integer", "readOnly": true},
                "name": {"type": "string", "example": "doggie"},
                "tag": {"type": "string", "nullable": true},
                "owner": {"$ref": "#/components/schemas/Owner"}},
                "xml": {"name": "pet"}, "x-internal": true},
            "Owner": {"type": "object", "properties": {"email": {"type": "string"}}}
        }}});
        let pet = json!({"$ref": "#/components/schemas/Pet"});
        let sent = inline(&pet, &document, false).unwrap();
        assert_eq!(
            sent,
            json!({"type": "object", "required": ["name"], "properties": {
                "name": {"type": "string"},
                "tag": {"type": ["string", "null"]},
                "owner": {"type": "object", "properties": {"email": {"type": "string"}}}}})
        );
        let read = inline(&pet, &document, true).unwrap();
        assert_eq!(
            read["properties"]["id"],
            json!({"type": "integer", "readOnly": true})
        );
        assert_eq!(read["required"], json!(["id", "name"]));
    }

    #[test]
    fn cycles_dangling_references_and_giants_are_refused_with_why() {
        let document = json!({"components": {"schemas": {
            "Node": {"type": "object", "properties": {"next": {"$ref": "#/components/schemas/Node"}}},
            "Wide": {"type": "object", "properties": {"a": {"type": "string", "description": "x".repeat(70_000)}}}
        }}});
        let node = json!({"$ref": "#/components/schemas/Node"});
        assert!(
            inline(&node, &document, false)
                .unwrap_err()
                .contains("refers to itself")
        );
        let gone = json!({"$ref": "#/components/schemas/Gone"});
        assert!(
            inline(&gone, &document, false)
                .unwrap_err()
                .contains("does not point")
        );
        let wide = json!({"$ref": "#/components/schemas/Wide"});
        assert!(
            inline(&wide, &document, false)
                .unwrap_err()
                .contains("bytes")
        );
        let external = json!({"$ref": "other.yaml#/Pet"});
        assert!(inline(&external, &document, false).is_err());
    }
}
