//! Every route of the JSON API, registered once: each line names a handler
//! and who may call it. The handler's `#[utoipa::path]` gives its method
//! and path; from this one registration come the router, the OpenAPI
//! document (each operation says its access rule as `x-access`) and
//! [`api_routes`], the list the authorization matrix test walks. A route
//! cannot be served without an access rule, nor documented without being
//! served.

use axum::Json;
use axum::Router;
use axum::routing::get;
use serde_json::json;
use utoipa::OpenApi;
use utoipa::openapi::extensions::Extensions;
use utoipa::openapi::path::{Operation, PathItem};
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouter};
use utoipa_axum::routes;

use super::{
    AppState, assertion_keys, audit, auth, catalog, clients, imports, members, openapi::ApiDoc,
    publish, session, tenants, tools, usage,
};
use crate::context::Permission;

/// What a route needs of its caller. The authorization itself happens in
/// the services; this says what they must decide, so the matrix test can
/// check every route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not.
    Public,
    /// Anyone signed in (what they see depends on who they are).
    SignedIn,
    /// Platform operators only.
    Operator,
    /// Members of the tenant in the path with at least this permission.
    Tenant(Permission),
    /// The edge only (a report signed with its ingest secret).
    Edge,
}

impl Access {
    /// The rule in words, as the OpenAPI document states it.
    fn describe(self) -> String {
        match self {
            Self::Public => "public".into(),
            Self::SignedIn => "signed in".into(),
            Self::Operator => "platform operator".into(),
            Self::Tenant(permission) => format!(
                "tenant member with the {} role or above",
                permission.least_role().as_str()
            ),
            Self::Edge => "the edge (signed usage report)".into(),
        }
    }
}

/// One registered route: method, path below `/api`, and its access rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiRoute {
    pub method: &'static str,
    pub path: String,
    pub access: Access,
}

/// Where the OpenAPI document is served (below `/api`); it is the one route
/// not described by itself.
const DOCUMENT: &str = "/openapi.json";

/// The registrations so far.
struct Registry {
    router: OpenApiRouter<AppState>,
    routes: Vec<ApiRoute>,
}

impl Registry {
    /// Serves `handler` (from [`routes!`]) to callers `access` admits.
    fn at(mut self, access: Access, handler: UtoipaMethodRouter<AppState>) -> Self {
        let (schemas, mut paths, method_router) = handler;
        for (path, item) in paths.paths.iter_mut() {
            for (method, operation) in operations(item) {
                let extensions = operation.extensions.get_or_insert_with(Extensions::default);
                extensions.merge(
                    Extensions::builder()
                        .add("x-access", json!(access.describe()))
                        .build(),
                );
                self.routes.push(ApiRoute {
                    method,
                    path: path.clone(),
                    access,
                });
            }
        }
        self.router = self.router.routes((schemas, paths, method_router));
        self
    }
}

/// The operations of a path item, by method.
fn operations(item: &mut PathItem) -> impl Iterator<Item = (&'static str, &mut Operation)> {
    [
        ("GET", &mut item.get),
        ("PUT", &mut item.put),
        ("POST", &mut item.post),
        ("DELETE", &mut item.delete),
        ("PATCH", &mut item.patch),
    ]
    .into_iter()
    .filter_map(|(method, operation)| operation.as_mut().map(|op| (method, op)))
}

fn registry() -> Registry {
    use Access::{Edge, Operator, SignedIn, Tenant};
    use Permission::{Manage, Read, Write};
    Registry {
        router: OpenApiRouter::new(),
        routes: vec![ApiRoute {
            method: "GET",
            path: DOCUMENT.into(),
            access: Access::Public,
        }],
    }
    .at(SignedIn, routes!(session::session_get))
    .at(SignedIn, routes!(session::session_delete))
    .at(SignedIn, routes!(tenants::tenant_list))
    .at(Operator, routes!(tenants::tenant_create))
    .at(Tenant(Read), routes!(tenants::tenant_get))
    .at(Tenant(Write), routes!(tenants::tenant_update))
    .at(Tenant(Read), routes!(tenants::limits_get))
    .at(Tenant(Write), routes!(tenants::limits_put))
    .at(Tenant(Read), routes!(tenants::memory_get))
    .at(Tenant(Write), routes!(tenants::memory_put))
    .at(Tenant(Read), routes!(auth::auth_get))
    .at(Tenant(Write), routes!(auth::auth_put))
    .at(Tenant(Write), routes!(auth::provider_test))
    .at(Tenant(Read), routes!(tools::tool_list))
    .at(Tenant(Write), routes!(tools::tool_create))
    .at(Tenant(Read), routes!(tools::tool_get))
    .at(Tenant(Write), routes!(tools::tool_update))
    .at(Tenant(Write), routes!(tools::tool_delete))
    .at(Tenant(Write), routes!(tools::tool_try))
    .at(Tenant(Read), routes!(catalog::prompt_list))
    .at(Tenant(Write), routes!(catalog::prompt_create))
    .at(Tenant(Write), routes!(catalog::prompt_delete))
    .at(Tenant(Read), routes!(catalog::resource_list))
    .at(Tenant(Write), routes!(catalog::resource_create))
    .at(Tenant(Write), routes!(catalog::resource_delete))
    .at(Tenant(Read), routes!(catalog::resource_template_list))
    .at(Tenant(Write), routes!(catalog::resource_template_create))
    .at(Tenant(Write), routes!(catalog::resource_template_delete))
    .at(Tenant(Write), routes!(publish::publish))
    .at(Tenant(Read), routes!(publish::deployment_list))
    .at(Tenant(Write), routes!(publish::rollback))
    .at(Tenant(Read), routes!(publish::version_get))
    .at(Tenant(Read), routes!(publish::diff))
    .at(Tenant(Read), routes!(publish::edge_status))
    .at(Tenant(Read), routes!(assertion_keys::assertion_key_list))
    .at(Tenant(Write), routes!(assertion_keys::assertion_key_rotate))
    .at(Tenant(Write), routes!(assertion_keys::assertion_key_retire))
    .at(Tenant(Write), routes!(imports::openapi_preview))
    .at(Tenant(Write), routes!(imports::openapi_import))
    .at(Tenant(Write), routes!(imports::mcp_preview))
    .at(Tenant(Write), routes!(imports::mcp_import))
    .at(Tenant(Read), routes!(members::member_list))
    .at(Tenant(Read), routes!(members::member_get))
    .at(Tenant(Manage), routes!(members::member_put))
    .at(Tenant(Manage), routes!(members::member_delete))
    .at(Tenant(Manage), routes!(members::api_token_list))
    .at(Tenant(Manage), routes!(members::api_token_create))
    .at(Tenant(Manage), routes!(members::api_token_revoke))
    .at(Tenant(Read), routes!(clients::client_list))
    .at(Tenant(Write), routes!(clients::client_revoke))
    .at(Tenant(Read), routes!(clients::grant_list))
    .at(Tenant(Write), routes!(clients::grant_revoke))
    .at(Tenant(Read), routes!(audit::audit_list))
    .at(Tenant(Read), routes!(usage::usage_get))
    .at(Edge, routes!(usage::usage_ingest))
}

/// Every route of the JSON API with its access rule, as registered.
pub fn api_routes() -> Vec<ApiRoute> {
    registry().routes
}

/// The JSON API's routes (to be mounted at `/api`), with its OpenAPI
/// document served at [`DOCUMENT`].
pub fn api_routes_router() -> Router<AppState> {
    let (router, paths) = registry().router.split_for_parts();
    let document = ApiDoc::openapi().nest("/api", paths);
    router.route(
        DOCUMENT,
        get(move || {
            let document = document.clone();
            async move { Json(document) }
        }),
    )
}
