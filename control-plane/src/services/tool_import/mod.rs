//! Importing tools from what a tenant already has: an OpenAPI description
//! (pasted as JSON or YAML, or fetched from a URL through the outbound
//! guard; one HTTP tool per operation, [`mapping`]) or a running MCP
//! server (one forwarded tool per tool it lists, [`mcp`]). Either way the
//! control plane proposes tools, shows how each differs from the tenant's
//! tool of the same name (an upstream's drift since the last import), and
//! saves the ones an admin keeps — all in one transaction, or none. From
//! then on they are ordinary tools, pinned as saved.

mod mapping;
mod mcp;
mod schema;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use portcullis_api::imports::{
    ImportPreview, ImportedTools, OpenApiImport, OpenApiSource, ProposedTool, ToolChange,
};
use portcullis_api::tools::{Tool, ToolCreate};
use serde_json::Value;

use self::mapping::{Proposal, Proposals};
use super::tools::{stored_binding, validate_tool};
use super::{ServiceError, Services};
use crate::context::{Authorized, RequestContext, grant};
use crate::storage;

/// The largest description read, pasted or fetched.
const MAX_DOCUMENT_BYTES: usize = 8 << 20;
/// How long fetching one may take.
const FETCH_TIMEOUT: Duration = Duration::from_secs(15);

impl Services {
    /// What importing `source` would do, tool by tool.
    pub async fn openapi_preview(
        &self,
        ctx: &RequestContext,
        tenant: &str,
        source: OpenApiSource,
    ) -> Result<ImportPreview, ServiceError> {
        let tenant_row = self.tenant_for::<grant::Write>(ctx, tenant).await?;
        let proposals = self.proposals(&source).await?;
        self.preview_of(&tenant_row, proposals).await
    }

    /// How each of `proposals` differs from the tenant's tool of its name.
    pub(super) async fn preview_of(
        &self,
        tenant_row: &Authorized<storage::tenants::TenantRow, grant::Write>,
        proposals: Proposals,
    ) -> Result<ImportPreview, ServiceError> {
        let existing: BTreeMap<String, Tool> = storage::tools::tool_list(&self.db, tenant_row)
            .await?
            .into_iter()
            .map(|row| (row.name.clone(), Tool::from(row)))
            .collect();
        let tools = proposals
            .tools
            .into_iter()
            .map(|proposal| {
                let changed = existing
                    .get(&proposal.tool.name)
                    .map(|tool| differences(tool, &proposal.tool));
                let change = match &changed {
                    None => ToolChange::New,
                    Some(fields) if fields.is_empty() => ToolChange::Unchanged,
                    Some(_) => ToolChange::Changed,
                };
                ProposedTool {
                    operation: proposal.operation,
                    tool: proposal.tool,
                    change,
                    changed: changed.unwrap_or_default(),
                    secret: proposal.secret.map(|(scheme, _)| scheme),
                    notes: proposal.notes,
                }
            })
            .collect();
        Ok(ImportPreview {
            title: proposals.title,
            version: proposals.version,
            tools,
            refused: proposals.refused,
        })
    }

    /// Saves the proposed tools `input` names (creating or replacing the
    /// tenant's tools of those names), with the secrets given for their
    /// security schemes; nothing is saved unless all of them are.
    pub async fn openapi_import(
        &self,
        ctx: &RequestContext,
        tenant: &str,
        input: OpenApiImport,
    ) -> Result<ImportedTools, ServiceError> {
        let tenant_row = self.tenant_for::<grant::Write>(ctx, tenant).await?;
        if input.tools.is_empty() {
            return Err(ServiceError::invalid("tools", "choose at least one tool"));
        }
        let proposals = self.proposals(&input.source).await?;
        self.import_chosen(ctx, &tenant_row, &proposals, &input.tools, &input.secrets)
            .await
    }

    /// Saves the proposals `tools` names (at least one: the callers refuse
    /// none before reading their source) with the `secrets` given per
    /// scheme: all of them, or none.
    pub(super) async fn import_chosen(
        &self,
        ctx: &RequestContext,
        tenant_row: &Authorized<storage::tenants::TenantRow, grant::Write>,
        proposals: &Proposals,
        tools: &[String],
        secrets: &BTreeMap<String, String>,
    ) -> Result<ImportedTools, ServiceError> {
        let schemes: BTreeSet<&str> = proposals
            .tools
            .iter()
            .filter_map(|p| p.secret.as_ref().map(|(scheme, _)| scheme.as_str()))
            .collect();
        if let Some(unknown) = secrets.keys().find(|s| !schemes.contains(s.as_str())) {
            let message = format!("no proposed tool sends a secret for scheme {unknown:?}");
            return Err(ServiceError::invalid("secrets", message));
        }
        let wanted: BTreeSet<&str> = tools.iter().map(String::as_str).collect();
        let mut chosen: Vec<&Proposal> = Vec::new();
        for name in &wanted {
            let proposal = proposals.tools.iter().find(|p| p.tool.name == *name);
            chosen.push(proposal.ok_or_else(|| {
                ServiceError::invalid("tools", format!("{name:?} is not among the proposed tools"))
            })?);
        }
        let mut imported = ImportedTools {
            created: Vec::new(),
            updated: Vec::new(),
        };
        let mut tx = self.begin().await?;
        for proposal in chosen {
            let name = proposal.tool.name.clone();
            let stored = storage::tools::tool_get(&mut *tx, tenant_row, &name).await?;
            let saved = stored
                .as_ref()
                .and_then(|row| stored_binding(row.http.as_ref()));
            let mut tool = proposal.tool.clone();
            if let (Some(http), Some((scheme, kind))) = (tool.http.as_mut(), &proposal.secret) {
                let secret = secrets.get(scheme).map(String::as_str);
                // Without a secret, one saved for the same backend is kept.
                http.credential = match secret {
                    Some(_) => kind.credential(secret),
                    None => saved
                        .as_ref()
                        .and_then(|s| s.credential.clone())
                        .and_then(|c| kind.credential(None).filter(|k| k.same_binding(&c))),
                };
                if secret.is_some() && http.credential.is_none() {
                    let message = format!("the secret for {scheme:?} must be user:password");
                    return Err(ServiceError::invalid("secrets", message));
                }
            }
            validate_tool(&tool).map_err(|e| in_tool(&name, e))?;
            let existed = stored.is_some();
            self.save_tool(&mut tx, ctx, tenant_row, tool, stored, "tool.import")
                .await
                .map_err(|e| in_tool(&name, e))?;
            match existed {
                true => imported.updated.push(name),
                false => imported.created.push(name),
            }
        }
        super::commit(tx).await?;
        Ok(imported)
    }

    /// Reads the description `source` names and maps it.
    async fn proposals(&self, source: &OpenApiSource) -> Result<Proposals, ServiceError> {
        let (text, field, fetched_from) = match (&source.document, &source.url) {
            (Some(text), None) => (text.clone(), "source.document", None),
            (None, Some(url)) => (
                self.fetch_document(url).await?,
                "source.url",
                Some(url.as_str()),
            ),
            _ => {
                return Err(ServiceError::invalid(
                    "source",
                    "give the description's text (document) or its URL (url), one of them",
                ));
            }
        };
        if text.len() > MAX_DOCUMENT_BYTES {
            let message = format!("the description is longer than {MAX_DOCUMENT_BYTES} bytes");
            return Err(ServiceError::invalid(field, message));
        }
        let document = parse(&text).map_err(|e| ServiceError::invalid(field, e))?;
        mapping::propose(&document, source.base_url.as_deref(), fetched_from)
            .map_err(|e| ServiceError::invalid(e.field, e.message))
    }

    /// GETs the description at `url` through the outbound guard, reading
    /// no more than the limit.
    async fn fetch_document(&self, url: &str) -> Result<String, ServiceError> {
        let invalid = |message: String| ServiceError::invalid("source.url", message);
        if !url.starts_with("https://") && !url.starts_with("http://") {
            return Err(invalid(format!("{url} is not an http(s) URL")));
        }
        self.outbound.check_url(url).map_err(invalid)?;
        let client = self
            .outbound
            .client(FETCH_TIMEOUT)
            .map_err(|e| ServiceError::Internal(e.to_string()))?;
        let mut response = client
            .get(url)
            .header(
                "accept",
                "application/json, application/yaml;q=0.9, */*;q=0.5",
            )
            .send()
            .await
            .map_err(|e| invalid(format!("{url} could not be reached: {e}")))?;
        if !response.status().is_success() {
            return Err(invalid(format!("{url} answered {}", response.status())));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|_| invalid(format!("{url} broke off")))?
        {
            body.extend_from_slice(&chunk);
            if body.len() > MAX_DOCUMENT_BYTES {
                return Err(invalid(format!(
                    "{url} sent more than {MAX_DOCUMENT_BYTES} bytes"
                )));
            }
        }
        String::from_utf8(body).map_err(|_| invalid(format!("{url} did not send text")))
    }
}

/// A description in JSON or YAML (a superset of JSON).
fn parse(text: &str) -> Result<Value, String> {
    if text.trim_start().starts_with('{') {
        serde_json::from_str(text).map_err(|e| format!("the JSON does not read: {e}"))
    } else {
        yaml_serde::from_str(text).map_err(|e| format!("the YAML does not read: {e}"))
    }
}

/// Which of the fields an import sets differ between `tool` and `proposed`.
fn differences(tool: &Tool, proposed: &ToolCreate) -> Vec<String> {
    let mut fields = Vec::new();
    let mut differ = |field: &str, same: bool| {
        if !same {
            fields.push(field.to_owned());
        }
    };
    differ("title", tool.title == proposed.title);
    differ("description", tool.description == proposed.description);
    differ("inputSchema", tool.input_schema == proposed.input_schema);
    differ("outputSchema", tool.output_schema == proposed.output_schema);
    let annotations = proposed
        .annotations
        .as_ref()
        .map(|a| serde_json::to_value(a).ok());
    differ(
        "annotations",
        tool.annotations.clone().map(Some) == annotations,
    );
    let binding = |http: Option<&portcullis_tenant_config::http_tool::HttpBinding>| {
        http.map(|h| {
            let mut h = h.clone();
            h.credential = None;
            h
        })
    };
    differ(
        "http",
        binding(tool.http.as_ref()) == binding(proposed.http.as_ref()),
    );
    fields
}

/// A tool's refusal, naming the tool.
fn in_tool(name: &str, error: ServiceError) -> ServiceError {
    match error {
        ServiceError::Invalid { field, message } => {
            ServiceError::invalid(field, format!("tool {name:?}: {message}"))
        }
        other => other,
    }
}
