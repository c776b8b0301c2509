//! `/api/v1/tenants/{tenant}/clients` and `/api/v1/tenants/{tenant}/grants`:
//! who may ask the tenant's users for access, and who said yes.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;

use super::AppState;
use super::error::{ApiError, ErrorBody};
use super::extract::ApiPath;
use super::page::{Page, PageQuery, keyed_page, paginate};
use crate::context::RequestContext;
use portcullis_api::clients::{ClientRevoked, OAuthClient, UserGrant};

/// Pre-registered, dynamically registered and metadata-document clients,
/// as the edge's authorization server knows them.
#[utoipa::path(get, path = "/v1/tenants/{tenant}/clients", params(("tenant" = String, Path), PageQuery),
    responses((status = 200, body = Page<OAuthClient>), (status = 404, body = ErrorBody), (status = 502, body = ErrorBody)))]
pub async fn client_list(
    ctx: RequestContext,
    State(services): State<AppState>,
    ApiPath(tenant): ApiPath<String>,
    Query(page): Query<PageQuery>,
) -> Result<Json<Page<OAuthClient>>, ApiError> {
    Ok(Json(paginate(
        services.client_list(&ctx, &tenant).await?,
        &page,
    )?))
}

/// Revokes every grant of the client; a dynamically registered client is
/// also forgotten and must register again.
#[utoipa::path(delete, path = "/v1/tenants/{tenant}/clients/{client_id}",
    params(("tenant" = String, Path), ("client_id" = String, Path)),
    responses((status = 200, body = ClientRevoked), (status = 404, body = ErrorBody), (status = 502, body = ErrorBody)))]
pub async fn client_revoke(
    ctx: RequestContext,
    State(services): State<AppState>,
    ApiPath((tenant, client_id)): ApiPath<(String, String)>,
) -> Result<Json<ClientRevoked>, ApiError> {
    Ok(Json(
        services.client_revoke(&ctx, &tenant, &client_id).await?,
    ))
}

/// Users' authorizations of clients that are still in force.
#[utoipa::path(get, path = "/v1/tenants/{tenant}/grants", params(("tenant" = String, Path), PageQuery),
    responses((status = 200, body = Page<UserGrant>), (status = 404, body = ErrorBody), (status = 502, body = ErrorBody)))]
pub async fn grant_list(
    ctx: RequestContext,
    State(services): State<AppState>,
    ApiPath(tenant): ApiPath<String>,
    Query(page): Query<PageQuery>,
) -> Result<Json<Page<UserGrant>>, ApiError> {
    let (limit, after) = (page.checked_limit()?, page.after_key()?);
    let grants = services
        .grant_list(&ctx, &tenant, limit, after.as_deref())
        .await?;
    Ok(Json(keyed_page(grants.grants, grants.next)))
}

/// Revokes one grant: its tokens stop working, and the user is asked for
/// consent again next time.
#[utoipa::path(delete, path = "/v1/tenants/{tenant}/grants/{id}",
    params(("tenant" = String, Path), ("id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 502, body = ErrorBody)))]
pub async fn grant_revoke(
    ctx: RequestContext,
    State(services): State<AppState>,
    ApiPath((tenant, id)): ApiPath<(String, String)>,
) -> Result<StatusCode, ApiError> {
    services.grant_revoke(&ctx, &tenant, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
