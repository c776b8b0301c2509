//! Importing tools from OpenAPI descriptions through the API: a preview
//! that saves nothing, imports that save all the chosen tools or none,
//! secrets bound like any tool's, re-imports that say what changed, and
//! bad input refused with its field.

use super::*;

fn petstore() -> String {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/openapi/petstore.json"
    );
    std::fs::read_to_string(path).unwrap()
}

const BASE: &str = "https://pets.example.net/v2";

#[sqlx::test(migrations = "../migrations")]
async fn a_preview_proposes_and_an_import_keeps_all_or_nothing(pool: PgPool) {
    let app = app(pool).await;
    create_acme(&app).await;
    let source = json!({"document": petstore(), "baseUrl": BASE});
    let (status, preview) = call(
        &app,
        "POST",
        "/api/v1/tenants/acme/openapi/preview",
        Some(source.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{preview}");
    assert_eq!(preview["title"], "Swagger Petstore");
    let get = preview["tools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["tool"]["name"] == "getPetById")
        .unwrap();
    assert_eq!(get["change"], "new");
    assert_eq!(get["secret"], "api_key");
    assert!(!preview["refused"].as_array().unwrap().is_empty());
    let (_, tools) = call(&app, "GET", "/api/v1/tenants/acme/tools", None).await;
    assert_eq!(tools["items"], json!([]), "a preview saves nothing");

    // One unknown name: nothing is saved.
    let import = |tools: Value, secrets: Value| json!({"source": source, "tools": tools, "secrets": secrets});
    let path = "/api/v1/tenants/acme/openapi/import";
    let (status, body) = call(
        &app,
        "POST",
        path,
        Some(import(
            json!([
                "getPetById",
                "updatePetWithForm",
                "createUsersWithArrayInput"
            ]),
            json!({}),
        )),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["field"], "tools");
    assert!(
        error(&body).1.contains("createUsersWithArrayInput"),
        "{body}"
    );
    let (status, body) = call(
        &app,
        "POST",
        path,
        Some(import(json!(["getPetById"]), json!({"petstore_auth": "x"}))),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["field"], "secrets");
    let (_, tools) = call(&app, "GET", "/api/v1/tenants/acme/tools", None).await;
    assert_eq!(tools["items"], json!([]), "nothing half-imported");

    let (status, done) = call(
        &app,
        "POST",
        path,
        Some(import(
            json!(["getPetById", "findPetsByStatus", "placeOrder"]),
            json!({"api_key": "pet-s3cret"}),
        )),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!(
        done["created"],
        json!(["findPetsByStatus", "getPetById", "placeOrder"])
    );
    let (_, got) = call(&app, "GET", "/api/v1/tenants/acme/tools/getPetById", None).await;
    assert_eq!(
        got["http"]["credential"],
        json!({"scheme": "header", "header": "api_key", "saved": true})
    );
    assert!(!got.to_string().contains("pet-s3cret"));
    let (_, audit) = call(
        &app,
        "GET",
        "/api/v1/tenants/acme/audit?action=tool.import",
        None,
    )
    .await;
    assert_eq!(audit["items"].as_array().unwrap().len(), 3);

    // Re-importing a newer description says what changed, keeps the
    // saved secret for the same backend, and asks for it for another.
    let (_, preview) = call(
        &app,
        "POST",
        "/api/v1/tenants/acme/openapi/preview",
        Some(source.clone()),
    )
    .await;
    let change = |preview: &Value, name: &str| {
        let tool = preview["tools"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["tool"]["name"] == name)
            .unwrap()
            .clone();
        (tool["change"].clone(), tool["changed"].clone())
    };
    assert_eq!(change(&preview, "getPetById").0, "unchanged");
    let mut newer: Value = serde_json::from_str(&petstore()).unwrap();
    newer["paths"]["/pet/{petId}"]["get"]["summary"] = json!("Find one pet");
    let newer_source = json!({"document": newer.to_string(), "baseUrl": BASE});
    let (_, preview) = call(
        &app,
        "POST",
        "/api/v1/tenants/acme/openapi/preview",
        Some(newer_source.clone()),
    )
    .await;
    assert_eq!(
        change(&preview, "getPetById"),
        (json!("changed"), json!(["title", "description"]))
    );
    assert_eq!(change(&preview, "getInventory").0, "new");
    let (status, done) = call(
        &app,
        "POST",
        path,
        Some(json!({"source": newer_source, "tools": ["getPetById"]})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!(done["updated"], json!(["getPetById"]));
    let (_, got) = call(&app, "GET", "/api/v1/tenants/acme/tools/getPetById", None).await;
    assert_eq!(got["title"], "Find one pet");
    assert_eq!(
        got["http"]["credential"]["saved"], true,
        "the secret stayed"
    );
    let elsewhere = json!({"document": newer.to_string(), "baseUrl": "https://other.example.net"});
    let (status, body) = call(
        &app,
        "POST",
        path,
        Some(json!({"source": elsewhere, "tools": ["getPetById"]})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["field"], "http.credential.secret", "{body}");
}

#[sqlx::test(migrations = "../migrations")]
async fn descriptions_that_cannot_be_read_are_refused_with_their_field(pool: PgPool) {
    let app = app(pool).await;
    create_acme(&app).await;
    let path = "/api/v1/tenants/acme/openapi/preview";
    let yaml = "openapi: 3.0.3\ninfo: {title: Y, version: '1'}\nservers: [{url: 'https://y.example.net'}]\npaths:\n  /ping:\n    get:\n      operationId: ping\n      responses: {'200': {description: ok}}\n";
    let (status, body) = call(&app, "POST", path, Some(json!({"document": yaml}))).await;
    assert_eq!(status, StatusCode::OK, "YAML reads: {body}");
    assert_eq!(body["tools"][0]["tool"]["name"], "ping");
    for (source, field) in [
        (json!({}), "source"),
        (
            json!({"document": "{}", "url": "https://x.example.net"}),
            "source",
        ),
        (json!({"document": "{ not json"}), "source.document"),
        (json!({"document": "- just\n- a list"}), "source"),
        (json!({"document": "{\"swagger\": \"2.0\"}"}), "source"),
        (json!({"url": "ftp://example.net/api.json"}), "source.url"),
        (json!({"url": "http://10.0.0.1/openapi.json"}), "source.url"),
        (
            json!({"url": "http://169.254.169.254/latest"}),
            "source.url",
        ),
        (
            json!({"document": tiny_openapi().to_string().replace("https://things.example.net/v1", "/v1")}),
            "baseUrl",
        ),
    ] {
        let (status, body) = call(&app, "POST", path, Some(source.clone())).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{source}: {body}");
        assert_eq!(body["error"]["field"], field, "{body}");
    }
    // Past the API's body limit a pasted description is refused whole
    // (larger ones are imported by URL).
    let huge = json!({"document": "x".repeat(3 << 20)});
    let (status, body) = call(&app, "POST", path, Some(huge)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        error(&body).1.contains("length limit"),
        "{}",
        error(&body).1
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn mcp_servers_that_cannot_be_reached_safely_are_refused_with_their_field(pool: PgPool) {
    let app = app(pool).await;
    create_acme(&app).await;
    let path = "/api/v1/tenants/acme/mcp-servers/preview";
    for (source, field) in [
        (json!({"url": "ftp://mcp.example.net/mcp"}), "source.url"),
        (json!({"url": "http://10.0.0.1/mcp"}), "source.url"),
        (json!({"url": "http://169.254.169.254/mcp"}), "source.url"),
        (
            json!({"url": "http://[::ffff:192.168.0.1]/mcp"}),
            "source.url",
        ),
        (
            json!({"url": "https://mcp.example.net/mcp", "secret": "s", "secretHeader": "bad header"}),
            "source.secretHeader",
        ),
    ] {
        let (status, body) = call(&app, "POST", path, Some(source.clone())).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{source}: {body}");
        assert_eq!(body["error"]["field"], field, "{source}: {body}");
    }
    let (status, body) = call(
        &app,
        "POST",
        "/api/v1/tenants/acme/mcp-servers/import",
        Some(json!({"source": {"url": "https://mcp.example.net/mcp"}, "tools": []})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["field"], "tools", "{body}");
}
