//! Optimistic concurrency, for every editable resource at once: the list
//! comes from the route registration, so a new editable route is covered
//! (or fails here) the day it is added.

use super::access::{concrete, valid_body};
use super::*;

#[sqlx::test(migrations = "../migrations")]
async fn every_editable_resource_refuses_a_write_on_a_stale_version(pool: PgPool) {
    use portcullis_control_plane::http::api_routes;
    let app = app(pool).await;
    create_acme(&app).await;
    let (status, _) = call(
        &app,
        "POST",
        "/api/v1/tenants/acme/tools",
        Some(tool("nothing")),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = call(
        &app,
        "PUT",
        &concrete("/v1/tenants/{tenant}/members/{email}"),
        Some(json!({"role": "admin"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    let editable: Vec<_> = api_routes()
        .into_iter()
        .filter(|r| r.method == "PUT")
        .collect();
    assert!(editable.len() >= 5, "{editable:?}");
    for route in editable {
        let path = concrete(&route.path);
        let body = valid_body("PUT", &route.path);
        let (status, read, before) = call_with(&app, "GET", &path, &[], None).await;
        assert_eq!(status, StatusCode::OK, "{path} can be read back: {before}");
        let read = read.unwrap_or_else(|| panic!("{path} answers its version in ETag"));

        let stale = "\"an-older-version\"";
        let (status, _, refused) =
            call_with(&app, "PUT", &path, &[("if-match", stale)], body.clone()).await;
        assert_eq!(status, StatusCode::PRECONDITION_FAILED, "{path}: {refused}");
        assert_eq!(refused["error"]["code"], "precondition_failed", "{path}");
        let (_, unchanged, after) = call_with(&app, "GET", &path, &[], None).await;
        assert_eq!(after, before, "{path}: a stale write changes nothing");
        assert_eq!(unchanged.as_deref(), Some(read.as_str()), "{path}");

        let (status, newer, saved) =
            call_with(&app, "PUT", &path, &[("if-match", &read)], body).await;
        assert_eq!(
            status,
            StatusCode::OK,
            "{path}: a write on the current version is taken: {saved}"
        );
        assert!(newer.is_some(), "{path} answers the new version");
    }
}
