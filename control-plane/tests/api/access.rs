//! Who may do what: the authorization matrix, CSRF, API tokens and the
//! audit log.

use super::*;

/// Who calls, in the authorization matrix.
struct Caller {
    label: &'static str,
    client: Client,
    /// Its role in acme (operators act as owners), `None` for none.
    role_in_acme: Option<Role>,
    operator: bool,
    signed_in: bool,
}

/// A request body the route accepts when the caller may use it, so that
/// what refuses a caller is authorization, never validation.
pub(crate) fn valid_body(method: &str, path: &str) -> Option<Value> {
    // No MCP server runs here: one the outbound guard refuses before any
    // connection stands in (a 422 once authorization has let it through).
    if path.contains("/mcp-servers/") {
        let source = json!({"url": "http://10.0.0.1/mcp"});
        return Some(match path.ends_with("/import") {
            true => json!({"source": source, "tools": ["x"]}),
            false => source,
        });
    }
    let body = match (method, path.rsplit('/').next().unwrap_or_default()) {
        ("POST", "tenants") => json!({"slug": "matrix-made"}),
        ("PUT", "auth") => json!({"mode": "public"}),
        ("PUT", "limits") => json!({"limits": null}),
        ("PUT", "memory") => json!({"memory": {"maxNotes": 50}}),
        ("POST", "tools") => tool("matrix_tool"),
        ("PUT", "{name}") => tool("nothing"),
        ("POST", "try") => json!({"arguments": {"city": "Oslo"}}),
        ("POST", "prompts") => {
            json!({"name": "matrix_prompt", "messages": [{"role": "user", "content": {"type": "text", "text": "hi"}}]})
        }
        ("POST", "resources") => json!({"uri": "test://matrix", "name": "m", "text": "x"}),
        ("POST", "resource-templates") => {
            json!({"uriTemplate": "test://matrix/{id}", "name": "m", "text": "x"})
        }
        ("PUT", "{email}") => json!({"role": "viewer"}),
        ("POST", "tokens") => json!({"name": "matrix", "role": "viewer"}),
        ("POST", "rollback") => json!({"version": 1}),
        ("PUT", "{tenant}") => json!({"displayName": "Acme", "accentColor": "#112233"}),
        ("POST", "test") => json!({"kind": "github", "apiBase": "http://127.0.0.1:9"}),
        ("POST", "usage") => json!({"events": []}),
        ("POST", "preview") => json!({"document": tiny_openapi().to_string()}),
        ("POST", "import") => {
            json!({"source": {"document": tiny_openapi().to_string()}, "tools": ["getThing"]})
        }
        _ => return None,
    };
    Some(body)
}

/// A registered route's path (below `/api`) with its parameters filled in:
/// tenant acme, a tool named `nothing`, the member someone@acme.test.
pub(crate) fn concrete(path: &str) -> String {
    format!("/api{path}")
        .replace("{tenant}", "acme")
        .replace("{name}", "nothing")
        .replace("{uri}", "test%3A%2F%2Fnothing")
        .replace("{uri_template}", "test%3A%2F%2Fnothing%2F%7Bid%7D")
        .replace("{email}", "someone@acme.test")
        .replace("{client_id}", "some-client")
        .replace("{id}", "999999")
        .replace("{version}", "1")
}

#[sqlx::test(migrations = "../migrations")]
async fn every_route_refuses_whoever_may_not_use_it(pool: PgPool) {
    use portcullis_control_plane::http::{Access, api_routes};

    let operator = app(pool).await;
    for slug in ["acme", "globex"] {
        let (status, _) = call(
            &operator,
            "POST",
            "/api/v1/tenants",
            Some(json!({"slug": slug})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let mut callers = vec![
        Caller {
            label: "signed out",
            client: operator.signed_out(),
            role_in_acme: None,
            operator: false,
            signed_in: false,
        },
        Caller {
            label: "operator",
            client: operator.clone(),
            role_in_acme: Some(Role::Owner),
            operator: true,
            signed_in: true,
        },
    ];
    for (email, tenant, role) in [
        ("owner@acme.test", "acme", Role::Owner),
        ("admin@acme.test", "acme", Role::Admin),
        ("viewer@acme.test", "acme", Role::Viewer),
        ("owner@globex.test", "globex", Role::Owner),
    ] {
        let path = format!("/api/v1/tenants/{tenant}/members/{email}");
        let (status, body) = call(&operator, "PUT", &path, Some(json!({"role": role}))).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        callers.push(Caller {
            label: email,
            client: operator.signed_in_as(email, false).await,
            role_in_acme: (tenant == "acme").then_some(role),
            operator: false,
            signed_in: true,
        });
    }
    for (label, role) in [
        ("acme admin token", Role::Admin),
        ("acme viewer token", Role::Viewer),
    ] {
        let (status, token) = call(
            &operator,
            "POST",
            "/api/v1/tenants/acme/tokens",
            Some(json!({"name": label, "role": role})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{token}");
        callers.push(Caller {
            label,
            client: operator.with_token(token["secret"].as_str().unwrap()),
            role_in_acme: Some(role),
            operator: false,
            signed_in: true,
        });
    }

    // Signing out comes last: it ends the caller's session.
    let mut routes = api_routes();
    let count = routes.len();
    routes.sort_by_key(|r| r.path == "/v1/session" && r.method == "DELETE");
    let mut checked = 0;
    for route in &routes {
        let path = concrete(&route.path);
        for caller in &callers {
            let (status, body) = call(
                &caller.client,
                route.method,
                &path,
                valid_body(route.method, &route.path),
            )
            .await;
            let what = format!(
                "{} {} as {}: {status} {body}",
                route.method, route.path, caller.label
            );
            let hidden = status == StatusCode::NOT_FOUND
                && body["error"]["message"] == "tenant \"acme\" not found";
            let allowed =
                !matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN) && !hidden;
            assert_ne!(body["error"]["message"], "no such API endpoint", "{what}");
            match route.access {
                Access::Public => assert!(allowed, "{what}"),
                _ if !caller.signed_in => assert_eq!(status, StatusCode::UNAUTHORIZED, "{what}"),
                Access::SignedIn => assert!(allowed, "{what}"),
                Access::Operator if caller.operator => assert!(allowed, "{what}"),
                Access::Operator | Access::Edge => {
                    assert_eq!(status, StatusCode::FORBIDDEN, "{what}")
                }
                Access::Tenant(permission) => match caller.role_in_acme {
                    None => assert!(hidden, "another tenant's member sees nothing: {what}"),
                    Some(role) if role >= permission.least_role() => assert!(allowed, "{what}"),
                    Some(_) => assert_eq!(status, StatusCode::FORBIDDEN, "{what}"),
                },
            }
            checked += 1;
        }
    }
    assert_eq!(checked, count * callers.len());
}

#[sqlx::test(migrations = "../migrations")]
async fn a_session_change_without_its_csrf_token_is_refused(pool: PgPool) {
    let app = app(pool).await;
    let forged = Client {
        csrf: Some("not-the-token".into()),
        ..app.clone()
    };
    let (status, body) = call(
        &forged,
        "POST",
        "/api/v1/tenants",
        Some(json!({"slug": "acme"})),
    )
    .await;
    assert_eq!(
        (status, error(&body).0.as_str()),
        (StatusCode::FORBIDDEN, "csrf")
    );
    let missing = Client {
        csrf: None,
        ..app.clone()
    };
    let (status, _) = call(
        &missing,
        "POST",
        "/api/v1/tenants",
        Some(json!({"slug": "acme"})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Reading needs no token; the real one works; nothing was created before.
    let (status, tenants) = call(&missing, "GET", "/api/v1/tenants", None).await;
    let tenants = tenants["items"].clone();
    assert_eq!((status, tenants), (StatusCode::OK, json!([])));
    create_acme(&app).await;
}

#[sqlx::test(migrations = "../migrations")]
async fn api_tokens_are_shown_once_stored_hashed_and_revocable(pool: PgPool) {
    let app = app(pool.clone()).await;
    create_acme(&app).await;
    let (status, created) = call(
        &app,
        "POST",
        "/api/v1/tenants/acme/tokens",
        Some(json!({"name": "CI", "role": "admin"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let secret = created["secret"].as_str().unwrap();
    let stored: Vec<u8> = sqlx::query_scalar("SELECT token_hash FROM api_tokens")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(!String::from_utf8_lossy(&stored).contains(&secret[4..]));

    let ci = app.with_token(secret);
    let (status, _) = call(
        &ci,
        "POST",
        "/api/v1/tenants/acme/tools",
        Some(tool("from_ci")),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "an admin token changes the tenant without CSRF"
    );
    let (_, listed) = call(&app, "GET", "/api/v1/tenants/acme/tokens", None).await;
    let listed = listed["items"].clone();
    assert!(listed[0].get("secret").is_none(), "{listed}");
    assert!(listed[0]["lastUsedAt"].is_string(), "{listed}");

    let id = created["id"].as_i64().unwrap();
    let (status, _) = call(
        &app,
        "DELETE",
        &format!("/api/v1/tenants/acme/tokens/{id}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = call(&ci, "GET", "/api/v1/tenants/acme/tools", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = call(
        &app.with_token("pct_forged"),
        "GET",
        "/api/v1/tenants",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[sqlx::test(migrations = "../migrations")]
async fn every_change_is_audited_and_exportable(pool: PgPool) {
    let app = app(pool).await;
    create_acme(&app).await;
    call(
        &app,
        "POST",
        "/api/v1/tenants/acme/tools",
        Some(tool("weather")),
    )
    .await;
    call(&app, "DELETE", "/api/v1/tenants/acme/tools/weather", None).await;
    let (status, page) = call(&app, "GET", "/api/v1/tenants/acme/audit", None).await;
    assert_eq!(status, StatusCode::OK);
    let actions: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["tool.delete", "tool.create", "tenant.create"]);
    let deleted = &page["items"][0];
    assert_eq!(deleted["actor"], "ops@example.com");
    assert_eq!(deleted["before"]["name"], "weather");
    assert!(deleted["after"].is_null());

    let (_, tools_only) = call(
        &app,
        "GET",
        "/api/v1/tenants/acme/audit?action=tool&limit=1",
        None,
    )
    .await;
    assert_eq!(tools_only["items"].as_array().unwrap().len(), 1);
    let cursor = tools_only["nextCursor"].as_str().unwrap();
    let (_, next) = call(
        &app,
        "GET",
        &format!("/api/v1/tenants/acme/audit?action=tool&cursor={cursor}"),
        None,
    )
    .await;
    assert_eq!(next["items"][0]["action"], "tool.create");

    let req = app
        .request("GET", "/api/v1/tenants/acme/audit")
        .header("accept", "application/x-ndjson")
        .body(Body::empty())
        .unwrap();
    let resp = app.send(req).await;
    assert_eq!(resp.headers()["content-type"], "application/x-ndjson");
    let text = String::from_utf8(
        resp.into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec(),
    )
    .unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[2]["action"], "tenant.create");
}

/// The audit entry is written in the transaction of the change it records:
/// when the entry cannot be written, nothing of the change is kept (and no
/// version is pushed to the edge), and the caller gets a 500, not a
/// success without its record.
#[sqlx::test(migrations = "../migrations")]
async fn a_change_that_cannot_be_audited_is_not_made(pool: PgPool) {
    let app = app(pool.clone()).await;
    create_acme(&app).await;
    let (status, body) = call(
        &app,
        "POST",
        "/api/v1/tenants/acme/tools",
        Some(tool("kept")),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let audited = |pool: PgPool| async move {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM audit_log")
            .fetch_one(&pool)
            .await
            .unwrap()
    };
    let entries = audited(pool.clone()).await;

    sqlx::raw_sql(
        "CREATE FUNCTION audit_down() RETURNS trigger LANGUAGE plpgsql AS
           $$ BEGIN RAISE EXCEPTION 'the audit log is down'; END $$;
         CREATE TRIGGER audit_down BEFORE INSERT ON audit_log
           FOR EACH ROW EXECUTE FUNCTION audit_down();",
    )
    .execute(&pool)
    .await
    .unwrap();
    let changes = [
        ("POST", "/api/v1/tenants/acme/tools", Some(tool("lost"))),
        (
            "PUT",
            "/api/v1/tenants/acme/tools/kept",
            Some(tool("renamed")),
        ),
        ("DELETE", "/api/v1/tenants/acme/tools/kept", None),
        (
            "PUT",
            "/api/v1/tenants/acme",
            Some(json!({"displayName": "Renamed"})),
        ),
        ("POST", "/api/v1/tenants/acme/publish", None),
        ("POST", "/api/v1/tenants", Some(json!({"slug": "other"}))),
        (
            "POST",
            "/api/v1/tenants/acme/tokens",
            Some(json!({"name": "CI", "role": "admin"})),
        ),
        (
            "PUT",
            "/api/v1/tenants/acme/members/ann@example.com",
            Some(json!({"role": "admin"})),
        ),
    ];
    for (method, uri, body) in changes {
        let (status, answer) = call(&app, method, uri, body).await;
        assert_eq!(
            (status, answer["error"]["code"].clone()),
            (StatusCode::INTERNAL_SERVER_ERROR, json!("internal_error")),
            "{method} {uri}: {answer}"
        );
        assert!(
            !answer.to_string().contains("audit log is down"),
            "a 500 names no internals: {answer}"
        );
    }
    sqlx::raw_sql("DROP TRIGGER audit_down ON audit_log")
        .execute(&pool)
        .await
        .unwrap();

    let (_, tools) = call(&app, "GET", "/api/v1/tenants/acme/tools", None).await;
    let names: Vec<&str> = tools["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["kept"]);
    let (_, acme) = call(&app, "GET", "/api/v1/tenants/acme", None).await;
    assert_eq!(acme["displayName"], "acme");
    let (_, deployments) = call(&app, "GET", "/api/v1/tenants/acme/deployments", None).await;
    assert_eq!(deployments["items"], json!([]), "no version was recorded");
    let (status, _) = call(&app, "GET", "/api/v1/tenants/other", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, tokens) = call(&app, "GET", "/api/v1/tenants/acme/tokens", None).await;
    assert_eq!(tokens["items"], json!([]));
    let (_, members) = call(&app, "GET", "/api/v1/tenants/acme/members", None).await;
    assert!(
        !members.to_string().contains("ann@example.com"),
        "{members}"
    );
    assert_eq!(
        audited(pool).await,
        entries,
        "and no entry without its change"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn the_tenant_answer_says_what_its_caller_may_do(pool: PgPool) {
    let operator = app(pool).await;
    create_acme(&operator).await;
    let (_, tenant) = call(&operator, "GET", "/api/v1/tenants/acme", None).await;
    assert_eq!(tenant["may"], json!({"write": true, "manage": true}));
    for (email, role, write, manage) in [
        ("viewer@acme.test", "viewer", false, false),
        ("admin@acme.test", "admin", true, false),
        ("owner@acme.test", "owner", true, true),
    ] {
        let path = format!("/api/v1/tenants/acme/members/{email}");
        let (status, _) = call(&operator, "PUT", &path, Some(json!({"role": role}))).await;
        assert_eq!(status, StatusCode::OK);
        let member = operator.signed_in_as(email, false).await;
        let may = json!({"write": write, "manage": manage});
        let (_, tenant) = call(&member, "GET", "/api/v1/tenants/acme", None).await;
        assert_eq!(tenant["may"], may, "{role}");
        let (_, list) = call(&member, "GET", "/api/v1/tenants", None).await;
        assert_eq!(list["items"][0]["may"], may, "{role} in the list");
    }
}
