//! Tools: what a tenant's MCP endpoint offers.

use portcullis_tenant_config::ArgSchema;
use portcullis_tenant_config::credential::credential_aad;
use portcullis_tenant_config::encoding::percent_encode;
use portcullis_tenant_config::http_tool::{HttpBinding, argument_names};
use portcullis_tenant_config::names::validate_tool_name;
use portcullis_tenant_config::sealing::seal;
use serde_json::Value;

use super::access::audit;
use super::version::Versioned;
use super::{ServiceError, Services, to_audit};
use crate::context::{Authorized, RequestContext, grant};
use crate::storage::tenants::TenantRow;
use crate::storage::tools::{NewTool, ToolRow};
use crate::storage::{self, StorageError};
use portcullis_api::tools::{Tool, ToolCreate, ToolTried, ToolTry};

impl From<ToolRow> for Tool {
    fn from(r: ToolRow) -> Self {
        Self {
            name: r.name,
            title: r.title,
            description: r.description,
            input_schema: r.input_schema.0,
            content: r.content.0,
            is_error: r.is_error,
            scopes: r.scopes,
            notifications: r.notifications.0,
            input_rounds: r.input_rounds.0,
            annotations: r.annotations.map(|j| j.0),
            output_schema: r.output_schema.map(|j| j.0),
            structured_content: r.structured_content.map(|j| j.0),
            // Stored only after validation: it reads back. A saved secret
            // shows as `saved`, never as its sealed value.
            http: stored_binding(r.http.as_ref()).map(|mut http| {
                http.credential = http.credential.map(|c| c.answered());
                http
            }),
            created_at: r.created_at,
        }
    }
}

impl Services {
    pub async fn tool_create(
        &self,
        ctx: &RequestContext,
        tenant: &str,
        input: ToolCreate,
    ) -> Result<Tool, ServiceError> {
        let tenant_row = self.tenant_for::<grant::Write>(ctx, tenant).await?;
        validate_tool(&input)?;
        let mut tx = self.begin().await?;
        let tool = self
            .save_tool(&mut tx, ctx, &tenant_row, input, None, "tool.create")
            .await?;
        super::commit(tx).await?;
        Ok(tool)
    }

    pub async fn tool_get(
        &self,
        ctx: &RequestContext,
        tenant: &str,
        name: &str,
    ) -> Result<Tool, ServiceError> {
        let tenant_row = self.tenant_for::<grant::Read>(ctx, tenant).await?;
        storage::tools::tool_get(&self.db, &tenant_row, name)
            .await?
            .map(Tool::from)
            .ok_or_else(|| tool_not_found(tenant, name))
    }

    /// Replaces a tool with a complete new definition (which may rename
    /// it); nothing changes unless all of it is valid and, with `if_match`,
    /// unless the tool is still that version ([`Tool::etag`]).
    pub async fn tool_update(
        &self,
        ctx: &RequestContext,
        tenant: &str,
        name: &str,
        input: ToolCreate,
        if_match: Option<&str>,
    ) -> Result<Tool, ServiceError> {
        let tenant_row = self.tenant_for::<grant::Write>(ctx, tenant).await?;
        validate_tool(&input)?;
        let mut tx = self.begin().await?;
        let stored = storage::tools::tool_get(&mut *tx, &tenant_row, name)
            .await?
            .ok_or_else(|| tool_not_found(tenant, name))?;
        let etag = Tool::from(stored.clone()).etag();
        super::version::check(if_match, &etag, &format!("tool {name:?}"))?;
        let tool = self
            .save_tool(
                &mut tx,
                ctx,
                &tenant_row,
                input,
                Some(stored),
                "tool.update",
            )
            .await?;
        super::commit(tx).await?;
        Ok(tool)
    }

    pub async fn tool_list(
        &self,
        ctx: &RequestContext,
        tenant: &str,
    ) -> Result<Vec<Tool>, ServiceError> {
        let tenant_row = self.tenant_for::<grant::Read>(ctx, tenant).await?;
        let rows = storage::tools::tool_list(&self.db, &tenant_row).await?;
        Ok(rows.into_iter().map(Tool::from).collect())
    }

    pub async fn tool_delete(
        &self,
        ctx: &RequestContext,
        tenant: &str,
        name: &str,
    ) -> Result<(), ServiceError> {
        let tenant_row = self.tenant_for::<grant::Write>(ctx, tenant).await?;
        let mut tx = self.begin().await?;
        let Some(row) = storage::tools::tool_delete(&mut *tx, &tenant_row, name).await? else {
            return Err(tool_not_found(tenant, name));
        };
        let before = to_audit(&Tool::from(row));
        audit(
            &mut tx,
            ctx,
            Some(tenant_row.id),
            "tool.delete",
            name,
            Some(&before),
            None,
        )
        .await?;
        super::commit(tx).await?;
        Ok(())
    }
}

impl Services {
    /// Saves the validated `input` in `tx` — over `stored` (which it may
    /// rename) or as a new tool — and audits it as `action`. Its secret is
    /// sealed, or the one saved with `stored` kept where it may be
    /// ([`Self::seal_credential`]).
    pub(super) async fn save_tool(
        &self,
        tx: &mut super::Tx,
        ctx: &RequestContext,
        tenant_row: &Authorized<TenantRow, grant::Write>,
        mut input: ToolCreate,
        stored: Option<ToolRow>,
        action: &str,
    ) -> Result<Tool, ServiceError> {
        let tenant = tenant_row.slug.as_str();
        let saved = stored
            .as_ref()
            .and_then(|r| stored_binding(r.http.as_ref()));
        self.seal_credential(tenant, &mut input, saved.as_ref())?;
        let encoded = Encoded::of(&input)?;
        let taken = |e| name_taken(e, tenant, &input.name);
        let before = stored.map(Tool::from);
        let row = match &before {
            Some(old) => {
                storage::tools::tool_update(&mut **tx, tenant_row, &old.name, &encoded.row(&input))
                    .await
                    .map_err(taken)?
                    .ok_or_else(|| tool_not_found(tenant, &old.name))?
            }
            None => storage::tools::tool_create(&mut **tx, tenant_row, &encoded.row(&input))
                .await
                .map_err(taken)?,
        };
        let tool = Tool::from(row);
        let subject = before.as_ref().map_or(&tool.name, |b| &b.name);
        let before_audit = before.as_ref().map(to_audit);
        let after_audit = to_audit(&tool);
        audit(
            tx,
            ctx,
            Some(tenant_row.id),
            action,
            subject,
            before_audit.as_ref(),
            Some(&after_audit),
        )
        .await?;
        Ok(tool)
    }

    /// Seals the secret an admin typed for the tool's backend, or keeps the
    /// one `saved` for it while it goes to the same origin, header and
    /// user: a changed binding needs the secret typed again, so an admin
    /// who does not know it cannot send it elsewhere.
    fn seal_credential(
        &self,
        tenant: &str,
        input: &mut ToolCreate,
        saved: Option<&HttpBinding>,
    ) -> Result<(), ServiceError> {
        let Some(http) = input.http.as_mut() else {
            return Ok(());
        };
        let origin = http.origin().unwrap_or_default();
        let Some(credential) = http.credential.as_mut() else {
            return Ok(());
        };
        let aad = credential_aad(tenant, &origin, &credential.header_name());
        credential.saved = false;
        credential.sealed = match credential.secret.take().filter(|s| !s.is_empty()) {
            Some(secret) => Some(seal(
                &self.seal_key,
                &aad,
                credential.header_value(&secret).as_bytes(),
            )),
            None => {
                let kept = saved.and_then(|saved| {
                    let before = saved.credential.as_ref()?;
                    let same = before.same_binding(credential)
                        && saved.origin().as_deref() == Some(origin.as_str());
                    before.sealed.clone().filter(|_| same)
                });
                let why = if saved.and_then(|s| s.credential.as_ref()).is_some() {
                    "the backend's origin, the scheme, header or username changed, so the saved secret cannot be kept; enter the secret again"
                } else {
                    "enter the secret the tool sends"
                };
                Some(kept.ok_or_else(|| ServiceError::invalid("http.credential.secret", why))?)
            }
        };
        Ok(())
    }

    /// Calls the live version of a tool at the edge, as a client would
    /// (scopes aside), so an admin sees what clients get.
    pub async fn tool_try(
        &self,
        ctx: &RequestContext,
        tenant: &str,
        name: &str,
        input: ToolTry,
    ) -> Result<ToolTried, ServiceError> {
        self.tenant_for::<grant::Write>(ctx, tenant).await?;
        let arguments = Value::Object(input.arguments).to_string();
        let rest = format!(
            "try?tool={}&arguments={}",
            percent_encode(name),
            percent_encode(&arguments)
        );
        let body = self
            .ask_edge(reqwest::Method::POST, tenant, &rest)
            .await?
            .ok_or_else(|| {
                ServiceError::Conflict(format!(
                    "nothing of tenant {tenant:?} is live at the edge yet; publish first"
                ))
            })?;
        serde_json::from_value(body)
            .map_err(|e| ServiceError::Internal(format!("edge's try answer: {e}")))
    }
}

/// The JSON columns of a tool, encoded once for storing.
struct Encoded {
    content: Value,
    notifications: Value,
    input_rounds: Value,
    annotations: Option<Value>,
    http: Option<Value>,
}

impl Encoded {
    fn of(input: &ToolCreate) -> Result<Self, ServiceError> {
        let json = |v: Result<Value, serde_json::Error>| {
            v.map_err(|e| ServiceError::Internal(e.to_string()))
        };
        Ok(Self {
            content: json(serde_json::to_value(&input.content))?,
            notifications: json(serde_json::to_value(&input.notifications))?,
            input_rounds: json(serde_json::to_value(&input.input_rounds))?,
            annotations: input
                .annotations
                .as_ref()
                .map(|a| json(serde_json::to_value(a)))
                .transpose()?,
            http: input
                .http
                .as_ref()
                .map(|h| json(serde_json::to_value(h)))
                .transpose()?,
        })
    }

    fn row<'a>(&'a self, input: &'a ToolCreate) -> NewTool<'a> {
        NewTool {
            name: &input.name,
            title: input.title.as_deref(),
            description: &input.description,
            input_schema: &input.input_schema,
            content: &self.content,
            is_error: input.is_error,
            scopes: &input.scopes,
            notifications: &self.notifications,
            input_rounds: &self.input_rounds,
            annotations: self.annotations.as_ref(),
            output_schema: input.output_schema.as_ref(),
            structured_content: input.structured_content.as_ref(),
            http: self.http.as_ref(),
        }
    }
}

/// A stored binding, read back (it was validated before it was stored).
pub(super) fn stored_binding(http: Option<&sqlx::types::Json<Value>>) -> Option<HttpBinding> {
    http.and_then(|j| serde_json::from_value(j.0.clone()).ok())
}

fn name_taken(e: StorageError, tenant: &str, name: &str) -> ServiceError {
    match e {
        StorageError::Conflict(_) => ServiceError::Conflict(format!(
            "tenant {tenant:?} already has a tool named {name:?}"
        )),
        e => e.into(),
    }
}

fn tool_not_found(tenant: &str, name: &str) -> ServiceError {
    ServiceError::NotFound(format!("tool {name:?} of tenant {tenant:?}"))
}

/// Checks a tool definition completely before anything is stored.
pub fn validate_tool(input: &ToolCreate) -> Result<(), ServiceError> {
    validate_tool_name(&input.name).map_err(|e| ServiceError::invalid("name", e.to_string()))?;
    if let Some(title) = &input.title
        && (title.trim().is_empty() || title.chars().count() > 200)
    {
        return Err(ServiceError::invalid(
            "title",
            "must be 1 to 200 characters when given",
        ));
    }
    if input.description.trim().is_empty() || input.description.chars().count() > 4000 {
        return Err(ServiceError::invalid(
            "description",
            "must be 1 to 4000 characters",
        ));
    }
    validate_input_schema(&input.input_schema)?;
    if let Some(http) = &input.http {
        validate_http_tool(input, http)?;
    } else {
        validate_output(input)?;
        if !(input.content.is_empty() && input.structured_content.is_some()) {
            portcullis_tenant_config::content::validate_blocks(&input.content)
                .map_err(|e| ServiceError::invalid("content", e.to_string()))?;
        }
        portcullis_tenant_config::inputs::validate_rounds(&input.input_rounds)
            .map_err(|e| ServiceError::invalid("inputRounds", e.to_string()))?;
    }
    portcullis_tenant_config::notifications::validate_notifications(&input.notifications)
        .map_err(|e| ServiceError::invalid("notifications", e.to_string()))?;
    for scope in &input.scopes {
        portcullis_tenant_config::auth::validate_scope_name(scope)
            .map_err(|e| ServiceError::invalid("scopes", e.to_string()))?;
    }
    Ok(())
}

/// An HTTP tool's result comes from its backend: it has no fixed content,
/// structured result or rounds of input, and its binding names only its
/// arguments. Backends are https (http only on loopback, for development).
fn validate_http_tool(input: &ToolCreate, http: &HttpBinding) -> Result<(), ServiceError> {
    let fixed = [
        ("content", !input.content.is_empty()),
        ("structuredContent", input.structured_content.is_some()),
        ("inputRounds", !input.input_rounds.is_empty()),
        ("isError", input.is_error),
    ];
    if let Some((field, _)) = fixed.into_iter().find(|(_, set)| *set) {
        return Err(ServiceError::invalid(
            field,
            "an HTTP tool answers with its backend's answer, not fixed content",
        ));
    }
    if let Some(schema) = &input.output_schema {
        validate_object_schema(schema, "outputSchema")?;
    }
    http.validate(
        &argument_names(&input.input_schema),
        portcullis_tenant_config::auth::is_https_or_loopback,
    )
    .map_err(|e| ServiceError::invalid(e.field, e.message))
}

/// A tool's input schema must be a valid JSON Schema (checked against its
/// meta-schema by a complete implementation), describe an object (MCP), and
/// compile into the form the edge enforces.
pub fn validate_input_schema(schema: &Value) -> Result<ArgSchema, ServiceError> {
    validate_object_schema(schema, "inputSchema")
}

/// The output schema is held to the input schema's rules, and the
/// structured result to the output schema (by the complete validator; the
/// edge re-checks it with its compact one when the document is opened).
fn validate_output(input: &ToolCreate) -> Result<(), ServiceError> {
    if let Some(title) = input.annotations.as_ref().and_then(|a| a.title.as_ref())
        && (title.trim().is_empty() || title.chars().count() > 200)
    {
        return Err(ServiceError::invalid(
            "annotations",
            "title must be 1 to 200 characters when given",
        ));
    }
    match (&input.output_schema, &input.structured_content) {
        (None, None) => Ok(()),
        (None, Some(_)) => Err(ServiceError::invalid(
            "structuredContent",
            "needs an outputSchema to conform to",
        )),
        (Some(schema), structured) => {
            validate_object_schema(schema, "outputSchema")?;
            let Some(structured) = structured else {
                return if input.is_error {
                    Ok(())
                } else {
                    Err(ServiceError::invalid(
                        "structuredContent",
                        "a tool with an outputSchema must return structured content",
                    ))
                };
            };
            let validator = jsonschema::validator_for(schema)
                .map_err(|e| ServiceError::invalid("outputSchema", e.to_string()))?;
            let problems: Vec<String> = validator
                .iter_errors(structured)
                .map(|e| format!("{e} (at {})", e.instance_path()))
                .collect();
            if problems.is_empty() {
                Ok(())
            } else {
                Err(ServiceError::invalid(
                    "structuredContent",
                    format!("does not conform to outputSchema: {}", problems.join("; ")),
                ))
            }
        }
    }
}

fn validate_object_schema(schema: &Value, field: &'static str) -> Result<ArgSchema, ServiceError> {
    if !schema.is_object() {
        return Err(ServiceError::invalid(field, "must be a JSON Schema object"));
    }
    jsonschema::meta::validate(schema).map_err(|e| {
        ServiceError::invalid(
            field,
            format!("is not a valid JSON Schema: {e} (at {})", e.instance_path()),
        )
    })?;
    if !portcullis_tenant_config::document::is_object_schema(schema) {
        return Err(ServiceError::invalid(
            field,
            "must have \"type\": \"object\" at its root, as MCP requires",
        ));
    }
    ArgSchema::compile(schema).map_err(|e| ServiceError::invalid(field, e.to_string()))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn field_of(r: Result<ArgSchema, ServiceError>) -> String {
        match r {
            Err(ServiceError::Invalid { message, .. }) => message,
            other => panic!("expected invalid, got {other:?}"),
        }
    }

    #[test]
    fn input_schema_rules() {
        assert!(
            validate_input_schema(
                &json!({"type": "object", "properties": {"a": {"type": "string"}}})
            )
            .is_ok()
        );
        assert!(
            field_of(validate_input_schema(
                &json!({"type": "object", "properties": {"a": {"type": "strng"}}})
            ))
            .contains("not a valid JSON Schema")
        );
        assert!(
            field_of(validate_input_schema(
                &json!({"type": "object", "minProperties": -1})
            ))
            .contains("not a valid JSON Schema")
        );
        assert!(
            field_of(validate_input_schema(&json!({"type": "string"})))
                .contains("\"type\": \"object\"")
        );
        assert!(field_of(validate_input_schema(&json!([]))).contains("JSON Schema object"));
        assert!(
            field_of(validate_input_schema(
                &json!({"type": "object", "properties": {"a": {"pattern": "x"}}})
            ))
            .contains("'pattern' is not supported")
        );
    }

    /// The control plane's full validator and the edge's compact checker
    /// must agree on every argument they both see.
    #[test]
    fn edge_checker_agrees_with_full_validator() {
        let schema = json!({
            "type": "object",
            "properties": {
                "city": {"type": "string", "minLength": 2, "maxLength": 8},
                "days": {"type": "integer", "minimum": 1, "exclusiveMaximum": 8},
                "unit": {"enum": ["c", "f", 1]},
                "tags": {"type": "array", "items": {"type": ["string", "null"]}, "minItems": 1, "uniqueItems": true},
                "geo": {"type": "object", "properties": {"lat": {"type": "number"}}, "required": ["lat"], "additionalProperties": false},
                "exact": {"const": {"a": [1, 2]}}
            },
            "required": ["city"],
            "additionalProperties": {"type": "boolean"}
        });
        let edge = validate_input_schema(&schema).unwrap();
        let full = jsonschema::validator_for(&schema).unwrap();
        let samples = [
            json!({"city": "Oslo"}),
            json!({"city": "O"}),
            json!({"city": "Tōkyō-ku"}),
            json!({"city": "Oslo", "days": 7}),
            json!({"city": "Oslo", "days": 8}),
            json!({"city": "Oslo", "days": 2.0}),
            json!({"city": "Oslo", "days": 2.5}),
            json!({"city": "Oslo", "unit": 1.0}),
            json!({"city": "Oslo", "unit": "k"}),
            json!({"city": "Oslo", "tags": []}),
            json!({"city": "Oslo", "tags": ["a", null]}),
            json!({"city": "Oslo", "tags": ["a", "a"]}),
            json!({"city": "Oslo", "tags": [1]}),
            json!({"city": "Oslo", "geo": {"lat": 1}}),
            json!({"city": "Oslo", "geo": {}}),
            json!({"city": "Oslo", "geo": {"lat": 1, "lon": 2}}),
            json!({"city": "Oslo", "extra": true}),
            json!({"city": "Oslo", "extra": "yes"}),
            json!({"city": "Oslo", "exact": {"a": [1, 2.0]}}),
            json!({"city": "Oslo", "exact": {"a": [2, 1]}}),
            json!({}),
            json!("Oslo"),
            json!(null),
        ];
        for sample in samples {
            assert_eq!(
                edge.check(&sample).is_ok(),
                full.is_valid(&sample),
                "disagree on {sample}"
            );
        }
    }

    /// The same agreement for what generated schemas (pydantic, zod) use:
    /// `$defs` with `$ref`, nullable `anyOf`, `oneOf`, `not`, conditionals.
    #[test]
    fn edge_checker_agrees_on_composition_and_references() {
        let schema = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "$defs": {
                "Address": {
                    "type": "object",
                    "properties": {"street": {"type": "string"}, "zip": {"type": "string", "minLength": 4}},
                    "required": ["street"],
                    "additionalProperties": false
                },
                "Unit": {"$anchor": "unit", "enum": ["c", "f"]}
            },
            "properties": {
                "home": {"$ref": "#/$defs/Address"},
                "work": {"anyOf": [{"$ref": "#/$defs/Address"}, {"type": "null"}]},
                "unit": {"$ref": "#unit"},
                "id": {"oneOf": [{"type": "integer"}, {"type": "string", "maxLength": 3}]},
                "note": {"not": {"const": ""}},
                "kind": {"type": "string"},
                "count": {"type": "integer"}
            },
            "if": {"properties": {"kind": {"const": "many"}}, "required": ["kind"]},
            "then": {"required": ["count"]},
            "dependentRequired": {"work": ["home"]},
            "maxProperties": 6
        });
        let edge = validate_input_schema(&schema).unwrap();
        let full = jsonschema::validator_for(&schema).unwrap();
        let samples = [
            json!({}),
            json!({"home": {"street": "Main"}}),
            json!({"home": {"street": "Main", "zip": "123"}}),
            json!({"home": {"street": "Main", "extra": 1}}),
            json!({"home": {"street": "Main"}, "work": null}),
            json!({"home": {"street": "Main"}, "work": {"street": "Side", "zip": "12345"}}),
            json!({"home": {"street": "Main"}, "work": {"zip": "12345"}}),
            json!({"work": null}),
            json!({"unit": "c"}),
            json!({"unit": "k"}),
            json!({"id": 7}),
            json!({"id": "abc"}),
            json!({"id": "abcd"}),
            json!({"id": 7.5}),
            json!({"note": ""}),
            json!({"note": "hi"}),
            json!({"kind": "many"}),
            json!({"kind": "many", "count": 2}),
            json!({"kind": "few"}),
            json!({"a": 1, "b": 2, "c": 3, "d": 4, "e": 5, "f": 6, "g": 7}),
        ];
        for sample in samples {
            assert_eq!(
                edge.check(&sample).is_ok(),
                full.is_valid(&sample),
                "disagree on {sample}"
            );
        }
    }
}
