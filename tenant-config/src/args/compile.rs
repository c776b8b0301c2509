//! JSON Schema → [`ArgSchema`]. Local `$ref`s (`#/$defs/…`, `#/definitions/…`,
//! `#anchor`, `#`) are expanded in place, so the edge never resolves
//! anything at run time; recursive schemas are refused, and so is a schema
//! that grows past [`MAX_NODES`] once expanded.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::{ANNOTATIONS, ArgSchema, CompileError, JsonType, Rules};

/// Compiled schema nodes one input schema may expand into.
const MAX_NODES: usize = 2_000;

pub(super) struct Compiler<'a> {
    root: &'a Value,
    /// The `$ref`s being expanded, outermost first, to catch cycles.
    expanding: Vec<String>,
    nodes: usize,
}

fn invalid(path: &str, message: impl Into<String>) -> CompileError {
    CompileError::Invalid {
        path: path.to_owned(),
        message: message.into(),
    }
}

fn unsupported(path: &str, keyword: &str) -> CompileError {
    CompileError::Unsupported {
        path: path.to_owned(),
        keyword: keyword.to_owned(),
    }
}

impl<'a> Compiler<'a> {
    pub(super) fn new(root: &'a Value) -> Self {
        Self {
            root,
            expanding: Vec::new(),
            nodes: 0,
        }
    }

    pub(super) fn schema(
        &mut self,
        schema: &'a Value,
        path: &str,
    ) -> Result<ArgSchema, CompileError> {
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            return Err(invalid(
                path,
                format!("the schema expands to more than {MAX_NODES} subschemas"),
            ));
        }
        let obj = match schema {
            Value::Bool(b) => return Ok(ArgSchema::Always(*b)),
            Value::Object(obj) => obj,
            _ => return Err(invalid(path, "a schema must be an object or a boolean")),
        };
        let mut rules = Rules::default();
        for (keyword, value) in obj {
            let at = format!("{path}/{keyword}");
            self.keyword(&mut rules, keyword, value, &at, path)?;
        }
        Ok(ArgSchema::Rules(Box::new(rules)))
    }

    fn keyword(
        &mut self,
        rules: &mut Rules,
        keyword: &str,
        value: &'a Value,
        at: &str,
        path: &str,
    ) -> Result<(), CompileError> {
        match keyword {
            // Only targets of `$ref`, or annotations: no effect where they stand.
            k if ANNOTATIONS.contains(&k) => {}
            "$defs" | "definitions" | "$anchor" => {}
            "$ref" => {
                let reference = value
                    .as_str()
                    .ok_or_else(|| invalid(at, "must be a string"))?;
                let expanded = self.reference(reference, at)?;
                rules.all_of.push(expanded);
            }
            "type" => rules.types = Some(compile_types(value, at)?),
            "enum" => match value {
                Value::Array(values) => rules.enum_values = Some(values.clone()),
                _ => return Err(invalid(at, "must be an array")),
            },
            "const" => rules.enum_values = Some(vec![value.clone()]),
            "minimum" => rules.minimum = Some(number(value, at)?),
            "maximum" => rules.maximum = Some(number(value, at)?),
            "exclusiveMinimum" => rules.exclusive_minimum = Some(number(value, at)?),
            "exclusiveMaximum" => rules.exclusive_maximum = Some(number(value, at)?),
            "minLength" => rules.min_length = Some(count(value, at)?),
            "maxLength" => rules.max_length = Some(count(value, at)?),
            "minItems" => rules.min_items = Some(count(value, at)?),
            "maxItems" => rules.max_items = Some(count(value, at)?),
            "minProperties" => rules.min_properties = Some(count(value, at)?),
            "maxProperties" => rules.max_properties = Some(count(value, at)?),
            "uniqueItems" => {
                rules.unique_items = value
                    .as_bool()
                    .ok_or_else(|| invalid(at, "must be a boolean"))?
            }
            "items" => rules.items = Some(self.schema(value, at)?),
            "properties" => rules.properties = self.properties(value, at)?,
            "additionalProperties" => rules.additional_properties = Some(self.schema(value, at)?),
            "required" => rules.required = strings(value, at)?,
            "dependentRequired" => rules.dependent_required = dependent_required(value, at)?,
            "allOf" => rules.all_of.extend(self.list(value, at)?),
            "anyOf" => rules.any_of = self.list(value, at)?,
            "oneOf" => rules.one_of = self.list(value, at)?,
            "not" => rules.not = Some(self.schema(value, at)?),
            "if" => rules.if_schema = Some(self.schema(value, at)?),
            "then" => rules.then_schema = Some(self.schema(value, at)?),
            "else" => rules.else_schema = Some(self.schema(value, at)?),
            other => return Err(unsupported(path, other)),
        }
        Ok(())
    }

    fn reference(&mut self, reference: &str, at: &str) -> Result<ArgSchema, CompileError> {
        let target = match reference.strip_prefix('#') {
            Some("") => Some(self.root),
            Some(pointer) if pointer.starts_with('/') => self.root.pointer(pointer),
            Some(anchor) => find_anchor(self.root, anchor),
            None => {
                return Err(invalid(
                    at,
                    format!("only references inside the schema are supported, not {reference:?}"),
                ));
            }
        }
        .ok_or_else(|| {
            invalid(
                at,
                format!("{reference:?} points at nothing in this schema"),
            )
        })?;
        if self.expanding.iter().any(|r| r == reference) {
            return Err(invalid(
                at,
                format!(
                    "recursive schemas are not supported at the edge ({reference:?} refers to itself)"
                ),
            ));
        }
        self.expanding.push(reference.to_owned());
        let compiled = self.schema(target, &format!("#{}", reference.trim_start_matches('#')));
        self.expanding.pop();
        compiled
    }

    fn list(&mut self, value: &'a Value, at: &str) -> Result<Vec<ArgSchema>, CompileError> {
        let items = value
            .as_array()
            .filter(|a| !a.is_empty())
            .ok_or_else(|| invalid(at, "must be a non-empty array of schemas"))?;
        items
            .iter()
            .enumerate()
            .map(|(i, s)| self.schema(s, &format!("{at}/{i}")))
            .collect()
    }

    fn properties(
        &mut self,
        value: &'a Value,
        at: &str,
    ) -> Result<BTreeMap<String, ArgSchema>, CompileError> {
        let props: &Map<String, Value> = value
            .as_object()
            .ok_or_else(|| invalid(at, "must be an object"))?;
        props
            .iter()
            .map(|(name, s)| Ok((name.clone(), self.schema(s, &format!("{at}/{name}"))?)))
            .collect()
    }
}

/// The subschema declaring `"$anchor": anchor`, anywhere in the document.
fn find_anchor<'v>(value: &'v Value, anchor: &str) -> Option<&'v Value> {
    match value {
        Value::Object(obj) => {
            if obj.get("$anchor").and_then(Value::as_str) == Some(anchor) {
                return Some(value);
            }
            obj.values().find_map(|v| find_anchor(v, anchor))
        }
        Value::Array(items) => items.iter().find_map(|v| find_anchor(v, anchor)),
        _ => None,
    }
}

fn compile_types(value: &Value, at: &str) -> Result<Vec<JsonType>, CompileError> {
    let names: Vec<&Value> = match value {
        Value::Array(items) if !items.is_empty() => items.iter().collect(),
        Value::String(_) => vec![value],
        _ => {
            return Err(invalid(
                at,
                "must be a type name or a non-empty array of them",
            ));
        }
    };
    names
        .into_iter()
        .map(|n| {
            n.as_str()
                .and_then(JsonType::parse)
                .ok_or_else(|| invalid(at, format!("{n} is not a JSON Schema type")))
        })
        .collect()
}

fn strings(value: &Value, at: &str) -> Result<Vec<String>, CompileError> {
    let items = value
        .as_array()
        .ok_or_else(|| invalid(at, "must be an array of strings"))?;
    items
        .iter()
        .map(|i| {
            i.as_str()
                .map(str::to_owned)
                .ok_or_else(|| invalid(at, "must be an array of strings"))
        })
        .collect()
}

fn dependent_required(
    value: &Value,
    at: &str,
) -> Result<BTreeMap<String, Vec<String>>, CompileError> {
    let map = value
        .as_object()
        .ok_or_else(|| invalid(at, "must be an object"))?;
    map.iter()
        .map(|(k, v)| Ok((k.clone(), strings(v, &format!("{at}/{k}"))?)))
        .collect()
}

fn number(value: &Value, at: &str) -> Result<f64, CompileError> {
    value
        .as_f64()
        .ok_or_else(|| invalid(at, "must be a number"))
}

fn count(value: &Value, at: &str) -> Result<u64, CompileError> {
    value
        .as_u64()
        .or_else(|| {
            value
                .as_f64()
                .filter(|f| *f >= 0.0 && f.fract() == 0.0)
                .map(|f| f as u64)
        })
        .ok_or_else(|| invalid(at, "must be a non-negative integer"))
}
