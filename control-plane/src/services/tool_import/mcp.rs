//! One forwarded tool per tool a running MCP server lists: the control
//! plane connects as an MCP client (through the outbound guard, with the
//! tenant's secret when given), reads every page of `tools/list`, and
//! proposes each tool under the tenant's prefix with the upstream's
//! description and schemas — pinned: what the edge serves is what was
//! imported, and a re-import shows what the upstream changed since.

use std::collections::BTreeMap;
use std::time::Duration;

use portcullis_api::imports::{
    ImportPreview, ImportedTools, McpImport, McpSource, RefusedOperation,
};
use portcullis_api::tools::{Tool, ToolCreate};
use portcullis_tenant_config::http_tool::{
    DEFAULT_RESPONSE_BYTES, DEFAULT_TIMEOUT_MS, HttpBinding, HttpMethod,
};
use portcullis_tenant_config::upstream_mcp::{self, Handshake, ListedTool, McpTarget};
use serde_json::{Value, json};

use super::mapping::{Proposal, Proposals, SecretKind};
use crate::context::{Authorized, RequestContext, grant};
use crate::services::{ServiceError, Services};
use crate::storage;
use crate::storage::tenants::TenantRow;

/// How long one request to the server may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);
/// The largest answer read.
const MAX_ANSWER_BYTES: usize = 8 << 20;
/// The most `tools/list` pages read (a server that pages forever stops here).
const MAX_PAGES: usize = 50;
/// The scheme name an MCP server's secret goes by in the shared import.
const SECRET_SCHEME: &str = "upstream";

impl Services {
    /// What importing the tools of the MCP server `source` names would do,
    /// tool by tool (the drift of tools imported from it before).
    pub async fn mcp_preview(
        &self,
        ctx: &RequestContext,
        tenant: &str,
        source: McpSource,
    ) -> Result<ImportPreview, ServiceError> {
        let tenant_row = self.tenant_for::<grant::Write>(ctx, tenant).await?;
        let proposals = self.server_proposals(&source).await?;
        let proposals = self.kept_apart(&tenant_row, proposals).await?;
        self.preview_of(&tenant_row, proposals).await
    }

    /// The proposals whose names no other tool of the tenant has: a tool of
    /// the same name that is not this server's same tool (the tenant's own,
    /// or another upstream's) is never replaced by an import; it is
    /// refused, naming the clash.
    async fn kept_apart(
        &self,
        tenant_row: &Authorized<TenantRow, grant::Write>,
        mut proposals: Proposals,
    ) -> Result<Proposals, ServiceError> {
        let existing: BTreeMap<String, Option<HttpBinding>> =
            storage::tools::tool_list(&self.db, tenant_row)
                .await?
                .into_iter()
                .map(|row| {
                    let tool = Tool::from(row);
                    (tool.name, tool.http)
                })
                .collect();
        let (kept, clashing): (Vec<Proposal>, Vec<Proposal>) =
            proposals.tools.into_iter().partition(|proposal| {
                let Some(http) = existing.get(&proposal.tool.name) else {
                    return true;
                };
                let wanted = proposal.tool.http.as_ref();
                http.as_ref().is_some_and(|h| {
                    Some(&h.url) == wanted.map(|w| &w.url)
                        && h.mcp == wanted.and_then(|w| w.mcp.clone())
                })
            });
        proposals.tools = kept;
        proposals
            .refused
            .extend(clashing.into_iter().map(|proposal| RefusedOperation {
                reason: format!(
                    "the tenant already has a tool named {:?} that is not this server's {:?}; choose a prefix",
                    proposal.tool.name, proposal.operation
                ),
                operation: proposal.operation,
            }));
        Ok(proposals)
    }

    /// Saves the chosen tools of the server: all of them, or none.
    pub async fn mcp_import(
        &self,
        ctx: &RequestContext,
        tenant: &str,
        input: McpImport,
    ) -> Result<ImportedTools, ServiceError> {
        let tenant_row = self.tenant_for::<grant::Write>(ctx, tenant).await?;
        if input.tools.is_empty() {
            return Err(ServiceError::invalid("tools", "choose at least one tool"));
        }
        let proposals = self.server_proposals(&input.source).await?;
        let proposals = self.kept_apart(&tenant_row, proposals).await?;
        let secrets: BTreeMap<String, String> = input
            .source
            .secret
            .iter()
            .map(|s| (SECRET_SCHEME.to_owned(), s.clone()))
            .collect();
        self.import_chosen(ctx, &tenant_row, &proposals, &input.tools, &secrets)
            .await
    }

    /// Connects to the server and proposes its tools.
    async fn server_proposals(&self, source: &McpSource) -> Result<Proposals, ServiceError> {
        let invalid = |message: String| ServiceError::invalid("source.url", message);
        let url = source.url.as_str();
        if !url.starts_with("https://") && !url.starts_with("http://") {
            return Err(invalid(format!("{url} is not an http(s) URL")));
        }
        self.outbound.check_url(url).map_err(invalid)?;
        let secret = secret_kind(source)?;
        let mut headers = vec![
            ("content-type".to_owned(), "application/json".to_owned()),
            ("accept".to_owned(), upstream_mcp::ACCEPT.to_owned()),
        ];
        if let (Some((_, kind)), Some(secret)) = (&secret, &source.secret)
            && let Some(credential) = kind.credential(Some(secret))
        {
            headers.push((credential.header_name(), credential.header_value(secret)));
        }
        let client = self
            .outbound
            .client(REQUEST_TIMEOUT)
            .map_err(|e| ServiceError::Internal(e.to_string()))?;
        let session = Session::open(&client, url, headers)
            .await
            .map_err(invalid)?;
        let listed = session.list_tools(&client).await;
        session.close(&client).await;
        let tools = listed.map_err(invalid)?;
        Ok(propose(source, &session.handshake, tools, secret))
    }
}

/// How the source's secret is sent, if it has one.
fn secret_kind(source: &McpSource) -> Result<Option<(String, SecretKind)>, ServiceError> {
    let header = source.secret_header.as_deref().map(str::trim);
    let kind = match header {
        None | Some("") => SecretKind::Bearer,
        Some(h) if h.eq_ignore_ascii_case("authorization") => SecretKind::Bearer,
        Some(h) if portcullis_tenant_config::http_tool::is_header_name(h) => {
            SecretKind::Header(h.to_ascii_lowercase())
        }
        Some(h) => {
            let message = format!("{h:?} is not a header name");
            return Err(ServiceError::invalid("source.secretHeader", message));
        }
    };
    let wanted = source.secret.is_some() || header.is_some_and(|h| !h.is_empty());
    Ok(wanted.then(|| (SECRET_SCHEME.to_owned(), kind)))
}

/// The tools of the server as proposals; those that cannot be tools here
/// (a name or schema the tenant's catalogue refuses) listed with why.
fn propose(
    source: &McpSource,
    handshake: &Handshake,
    listed: Vec<ListedTool>,
    secret: Option<(String, SecretKind)>,
) -> Proposals {
    let prefix = source.prefix.as_deref().unwrap_or_default().trim();
    let server = handshake.server_info["name"]
        .as_str()
        .unwrap_or("MCP server");
    let mut proposals = Proposals {
        title: handshake.server_info["title"]
            .as_str()
            .unwrap_or(server)
            .to_owned(),
        version: format!(
            "{} (MCP {})",
            handshake.server_info["version"].as_str().unwrap_or("?"),
            handshake.protocol_version
        ),
        tools: Vec::new(),
        refused: Vec::new(),
    };
    for upstream in listed {
        let description = upstream
            .description
            .clone()
            .filter(|d| !d.trim().is_empty())
            .unwrap_or_else(|| format!("{} of {server}", upstream.name));
        let tool = ToolCreate {
            name: format!("{prefix}{}", upstream.name),
            title: upstream.title.clone(),
            description,
            input_schema: upstream.input_schema.clone(),
            content: Vec::new(),
            is_error: false,
            scopes: Vec::new(),
            notifications: Vec::new(),
            input_rounds: Vec::new(),
            annotations: upstream
                .annotations
                .clone()
                .and_then(|a| serde_json::from_value(a).ok()),
            output_schema: upstream.output_schema.clone(),
            structured_content: None,
            http: Some(HttpBinding {
                method: HttpMethod::Post,
                url: source.url.clone(),
                query: Vec::new(),
                headers: BTreeMap::new(),
                timeout_ms: DEFAULT_TIMEOUT_MS,
                max_response_bytes: DEFAULT_RESPONSE_BYTES,
                assertion: None,
                credential: None,
                user_token: false,
                mcp: Some(McpTarget {
                    tool: upstream.name.clone(),
                }),
            }),
        };
        match crate::services::tools::validate_tool(&tool) {
            Ok(()) => proposals.tools.push(Proposal {
                operation: upstream.name,
                tool,
                secret: secret.clone(),
                notes: Vec::new(),
            }),
            Err(e) => proposals.refused.push(RefusedOperation {
                operation: upstream.name,
                reason: e.to_string(),
            }),
        }
    }
    proposals
}

/// An open session with the server.
struct Session {
    url: String,
    /// What every request after `initialize` carries.
    headers: Vec<(String, String)>,
    id: Option<String>,
    handshake: Handshake,
}

impl Session {
    async fn open(
        client: &reqwest::Client,
        url: &str,
        mut headers: Vec<(String, String)>,
    ) -> Result<Self, String> {
        let (result, id) = post(
            client,
            url,
            &headers,
            upstream_mcp::initialize(),
            upstream_mcp::INITIALIZE_ID,
        )
        .await?;
        let handshake = upstream_mcp::handshake(&result?)?;
        headers.push((
            "mcp-protocol-version".into(),
            handshake.protocol_version.clone(),
        ));
        if let Some(id) = &id {
            headers.push(("mcp-session-id".into(), id.clone()));
        }
        let session = Self {
            url: url.to_owned(),
            headers,
            id,
            handshake,
        };
        session.send(client, upstream_mcp::initialized()).await?;
        Ok(session)
    }

    /// Every page of the server's tools.
    async fn list_tools(&self, client: &reqwest::Client) -> Result<Vec<ListedTool>, String> {
        let mut tools = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let params = match &cursor {
                Some(cursor) => json!({ "cursor": cursor }),
                None => json!({}),
            };
            let body = upstream_mcp::request("tools/list", params);
            let (result, _) = post(
                client,
                &self.url,
                &self.headers,
                body,
                upstream_mcp::REQUEST_ID,
            )
            .await?;
            let (page, next) = upstream_mcp::listed_tools(&result?)?;
            tools.extend(page);
            match next {
                Some(next) => cursor = Some(next),
                None => return Ok(tools),
            }
        }
        Err(format!(
            "the server lists more than {MAX_PAGES} pages of tools"
        ))
    }

    /// A notification, whose answer is only its status.
    async fn send(&self, client: &reqwest::Client, body: String) -> Result<(), String> {
        let mut request = client.post(&self.url).body(body);
        for (name, value) in &self.headers {
            request = request.header(name, value);
        }
        let response = request
            .send()
            .await
            .map_err(|e| unreachable(&self.url, &e))?;
        match response.status().is_success() {
            true => Ok(()),
            false => Err(format!("{} answered {}", self.url, response.status())),
        }
    }

    /// Ends the session, when the server keeps one; a refusal changes nothing.
    async fn close(&self, client: &reqwest::Client) {
        if self.id.is_none() {
            return;
        }
        let mut request = client.delete(&self.url);
        for (name, value) in &self.headers {
            request = request.header(name, value);
        }
        let _ = request.send().await;
    }
}

/// POSTs one request and reads the answer to `id`, with the session id
/// the server gave.
async fn post(
    client: &reqwest::Client,
    url: &str,
    headers: &[(String, String)],
    body: String,
    id: u64,
) -> Result<(Result<Value, String>, Option<String>), String> {
    let mut request = client.post(url).body(body);
    for (name, value) in headers {
        request = request.header(name, value);
    }
    let mut response = request.send().await.map_err(|e| unreachable(url, &e))?;
    let status = response.status();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let session = header("mcp-session-id");
    let content_type = header("content-type").map(|t| {
        t.split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase()
    });
    let mut answer = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|_| format!("{url} broke off"))?
    {
        answer.extend_from_slice(&chunk);
        if answer.len() > MAX_ANSWER_BYTES {
            return Err(format!("{url} sent more than {MAX_ANSWER_BYTES} bytes"));
        }
    }
    if !status.is_success() {
        let words: String = String::from_utf8_lossy(&answer).chars().take(300).collect();
        return Err(format!("{url} answered {status}: {}", words.trim()));
    }
    let result = upstream_mcp::answer(content_type.as_deref(), &answer, id);
    Ok((result, session))
}

fn unreachable(url: &str, e: &reqwest::Error) -> String {
    match e.is_timeout() {
        true => format!("{url} did not answer in time"),
        false => format!("{url} could not be reached"),
    }
}
