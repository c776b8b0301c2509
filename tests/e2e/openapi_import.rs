//! Tools imported from the Swagger Petstore's OpenAPI description (the
//! vendored fixture), published and called by the official SDK client: the
//! calls reach the backend (Python, recording what it receives) at the
//! operation's path, with the query, header and JSON body the description
//! asks for and the tenant's API key; the Pet answer is structured content.

use portcullis_e2e::clients::{Sdk, sdk_client_of};
use portcullis_e2e::stack::Stack;
use portcullis_e2e::tool_backend::ToolBackend;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread")]
async fn petstore_operations_become_tools_that_call_the_backend_as_described() {
    let backend = ToolBackend::start().await;
    let api = Stack::without_edge("e2e_openapi_import").await;
    let edge = api.start_edge().await;
    api.create("/tenants", Some(json!({"slug": "acme"}))).await;
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../control-plane/tests/fixtures/openapi/petstore.json"
    );
    let mut petstore: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture).unwrap()).unwrap();
    // This tenant's copy guards deleting with the API key too.
    petstore["paths"]["/pet/{petId}"]["delete"]["security"] = json!([{"api_key": []}]);
    let source = json!({"document": petstore.to_string(),
        "baseUrl": format!("{}/petstore", backend.base)});
    let (status, preview) = api
        .call(
            Method::POST,
            "/tenants/acme/openapi/preview",
            Some(source.clone()),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{preview}");
    let chosen = [
        "getPetById",
        "findPetsByStatus",
        "placeOrder",
        "deletePet",
        "loginUser",
    ];
    let import = json!({"source": source, "tools": chosen, "secrets": {"api_key": "pet-key-1"}});
    let (status, imported) = api
        .call(Method::POST, "/tenants/acme/openapi/import", Some(import))
        .await;
    assert_eq!(status, StatusCode::OK, "{imported}");
    api.create("/tenants/acme/publish", None).await;

    let plan = json!([
        {"op": "listTools"},
        {"op": "callTool", "name": "getPetById", "arguments": {"petId": 7}},
        {"op": "callTool", "name": "findPetsByStatus", "arguments": {"status": ["available", "sold"]}},
        {"op": "callTool", "name": "placeOrder",
            "arguments": {"petId": 7, "quantity": 2, "status": "placed", "complete": false}},
        {"op": "callTool", "name": "deletePet", "arguments": {"petId": 7}},
        {"op": "callTool", "name": "loginUser",
            "arguments": {"username": "a b&c", "password": "p/w?#"}},
        {"op": "callTool", "name": "getPetById", "arguments": {"petId": "../../_log"}}
    ]);
    let seen = sdk_client_of(Sdk::V2, &edge.mcp_url("acme"), plan).await;
    let results = seen["results"].as_array().expect("results");
    let names: Vec<&str> = results[0]["value"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert_eq!(names.len(), chosen.len(), "{names:?}");
    let pet = &results[1]["value"];
    assert_eq!(pet["isError"], false, "{pet}");
    assert_eq!(pet["structuredContent"]["name"], "doggie", "{pet}");
    for step in &results[2..6] {
        assert_eq!(step["value"]["isError"], false, "{step}");
    }
    // An argument the schema refuses never reaches the backend.
    assert_eq!(results[6]["ok"], false, "{}", results[6]);

    let received = backend.received().await;
    let find = |path: &str| {
        received
            .iter()
            .find(|r| r["path"] == path)
            .unwrap_or_else(|| panic!("{path} reached: {received:?}"))
            .clone()
    };
    let got = find("/petstore/pet/7");
    assert_eq!(got["method"], "GET");
    assert_eq!(
        got["headers"]["api_key"], "pet-key-1",
        "the tenant's API key"
    );
    let by_status = find("/petstore/pet/findByStatus");
    assert_eq!(by_status["query"], "status=available,sold");
    let order = find("/petstore/store/order");
    assert_eq!(order["method"], "POST");
    let body: Value = serde_json::from_str(order["body"].as_str().unwrap()).unwrap();
    assert_eq!(
        body,
        json!({"petId": 7, "quantity": 2, "status": "placed", "complete": false})
    );
    let deleted: Vec<&Value> = received
        .iter()
        .filter(|r| r["method"] == "DELETE")
        .collect();
    assert_eq!(deleted.len(), 1);
    assert_eq!(deleted[0]["path"], "/petstore/pet/7");
    assert_eq!(deleted[0]["headers"]["api_key"], "pet-key-1");
    let login = find("/petstore/user/login");
    assert_eq!(login["query"], "username=a%20b%26c&password=p%2Fw%3F%23");
    assert!(!received.iter().any(|r| r["path"] == "/_log"));
}
