//! Compiling a tenant's rows into the document the edge serves. Pure: the
//! publish pipeline loads the rows, this turns them into a [`TenantConfig`].

use portcullis_tenant_config::{
    Branding, ContentBlock, OAuthConfig, PromptConfig, ResourceConfig, ResourceTemplateConfig,
    TenantConfig, ToolConfig,
};

use super::ServiceError;
use super::tools::validate_input_schema;
use crate::storage::tenants::TenantRow;
use crate::storage::tools::ToolRow;

/// A tenant's prompts, resources and resource templates, as stored.
#[derive(Debug, Default)]
pub struct Catalog {
    pub prompts: Vec<PromptConfig>,
    pub resources: Vec<ResourceConfig>,
    pub resource_templates: Vec<ResourceTemplateConfig>,
}

/// Everything of a tenant that goes into its config besides the tenant row.
#[derive(Debug, Default)]
pub struct TenantParts {
    pub tools: Vec<ToolRow>,
    pub catalog: Catalog,
    /// The authorization server; `None` for a public server.
    pub oauth: Option<OAuthConfig>,
}

/// Builds version `version` of a tenant's config. Rows are re-validated:
/// a rule tightened since a row was saved must stop the publish, with the
/// entry named, rather than reach the edge.
pub fn compile_tenant_config(
    tenant: &TenantRow,
    parts: TenantParts,
    version: u64,
) -> Result<TenantConfig, ServiceError> {
    let TenantParts {
        tools,
        catalog,
        oauth,
    } = parts;
    let tools = tools
        .iter()
        .map(|row| {
            let in_tool = |e: ServiceError| {
                ServiceError::invalid("tools", format!("tool {:?}: {e}", row.name))
            };
            let arguments = validate_input_schema(&row.input_schema.0).map_err(in_tool)?;
            let content: Vec<ContentBlock> = serde_json::from_value(row.content.0.clone())
                .map_err(|e| in_tool(ServiceError::invalid("content", e.to_string())))?;
            let notifications = serde_json::from_value(row.notifications.0.clone())
                .map_err(|e| in_tool(ServiceError::invalid("notifications", e.to_string())))?;
            let input_rounds = serde_json::from_value(row.input_rounds.0.clone())
                .map_err(|e| in_tool(ServiceError::invalid("inputRounds", e.to_string())))?;
            Ok(ToolConfig {
                name: row.name.clone(),
                title: row.title.clone(),
                description: row.description.clone(),
                input_schema: row.input_schema.0.clone(),
                arguments,
                content,
                is_error: row.is_error,
                scopes: row.scopes.clone(),
                notifications,
                input_rounds,
                annotations: row
                    .annotations
                    .as_ref()
                    .map(|a| serde_json::from_value(a.0.clone()))
                    .transpose()
                    .map_err(|e| in_tool(ServiceError::invalid("annotations", e.to_string())))?,
                output_schema: row.output_schema.as_ref().map(|s| s.0.clone()),
                // Compiled below, as for a document of an earlier build.
                output_check: None,
                structured_content: row.structured_content.as_ref().map(|s| s.0.clone()),
                http: row
                    .http
                    .as_ref()
                    .map(|h| serde_json::from_value(h.0.clone()))
                    .transpose()
                    .map_err(|e| in_tool(ServiceError::invalid("http", e.to_string())))?,
            })
        })
        .collect::<Result<Vec<_>, ServiceError>>()?;
    let mut config = TenantConfig::empty(&tenant.slug, version, &tenant.display_name);
    if tenant.logo_url.is_some() || tenant.accent_color.is_some() {
        config.branding = Some(Branding {
            logo_url: tenant.logo_url.clone(),
            accent_color: tenant.accent_color.clone(),
        });
    }
    config.limits = tenant.rate_limits.as_ref().map(|l| l.0).unwrap_or_default();
    config.memory = tenant.memory.as_ref().map(|m| m.0.clone());
    config.tools = tools;
    config.prompts = catalog.prompts;
    config.resources = catalog.resources;
    config.resource_templates = catalog.resource_templates;
    config.oauth = oauth;
    config
        .compile_output_checks()
        .map_err(|e| ServiceError::invalid("tools", e.to_string()))?;
    config
        .validate()
        .map_err(|e| ServiceError::invalid("config", e.to_string()))?;
    Ok(config)
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use serde_json::json;
    use sqlx::types::Json;

    use super::*;

    fn tenant() -> TenantRow {
        TenantRow {
            id: 1,
            slug: "acme".into(),
            display_name: "Acme".into(),
            logo_url: None,
            accent_color: None,
            rate_limits: None,
            memory: None,
            created_at: Utc::now(),
        }
    }

    fn tool(name: &str, schema: serde_json::Value) -> ToolRow {
        ToolRow {
            name: name.into(),
            title: None,
            description: "d".into(),
            input_schema: Json(schema),
            content: Json(json!([{"type": "text", "text": "hi"}])),
            is_error: false,
            scopes: Vec::new(),
            notifications: Json(json!([])),
            input_rounds: Json(json!([])),
            annotations: None,
            output_schema: None,
            structured_content: None,
            http: None,
            created_at: Utc::now(),
        }
    }

    #[test]
    fn compiles_rows_into_a_valid_document() {
        let config = compile_tenant_config(
            &tenant(),
            TenantParts {
                tools: vec![tool("a", json!({"type": "object"}))],
                ..Default::default()
            },
            3,
        )
        .unwrap();
        assert_eq!(
            (config.tenant.as_str(), config.version, config.tools.len()),
            ("acme", 3, 1)
        );
        assert_eq!(
            config.tools[0].content,
            vec![ContentBlock::Text { text: "hi".into() }]
        );
        assert_eq!(config.validate(), Ok(()));
    }

    #[test]
    fn an_output_schema_travels_compiled_for_the_edge() {
        let output = json!({"type": "object", "properties": {"n": {"type": "integer"}}});
        let mut row = tool("a", json!({"type": "object"}));
        row.output_schema = Some(Json(output.clone()));
        row.structured_content = Some(Json(json!({"n": 1})));
        let config = compile_tenant_config(
            &tenant(),
            TenantParts {
                tools: vec![row],
                ..Default::default()
            },
            1,
        )
        .unwrap();
        assert_eq!(
            config.tools[0].output_check,
            Some(portcullis_tenant_config::ArgSchema::compile(&output).unwrap())
        );
        assert_eq!(config.validate(), Ok(()));
    }

    #[test]
    fn names_the_tool_that_stops_a_publish() {
        let err = compile_tenant_config(
            &tenant(),
            TenantParts {
                tools: vec![tool("bad", json!({"type": "string"}))],
                ..Default::default()
            },
            1,
        )
        .unwrap_err();
        assert!(err.to_string().contains("tool \"bad\""), "{err}");
    }
}
