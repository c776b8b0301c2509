//! The publish pipeline against a real edge that is down at first: the
//! failed push is recorded, retried in the background, and lands once the
//! edge is up; the control plane then reports the version the edge serves.

use std::time::Duration;

use portcullis_e2e::stack::Stack;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread")]
async fn a_push_to_a_down_edge_is_recorded_retried_and_lands() {
    let stack = Stack::without_edge("e2e_push_retries").await;
    stack
        .create("/tenants", Some(json!({"slug": "acme"})))
        .await;
    let tool = json!({"name": "hello", "description": "Hi", "inputSchema": {"type": "object"},
        "content": [{"type": "text", "text": "hi"}]});
    stack.create("/tenants/acme/tools", Some(tool)).await;

    let (status, failed) = stack
        .call(Method::POST, "/tenants/acme/publish", None)
        .await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{failed}");
    assert_eq!(failed["deployment"]["status"], "failed", "{failed}");
    let (_, down) = stack.call(Method::GET, "/tenants/acme/edge", None).await;
    assert_eq!(
        (down["reachable"].clone(), down["liveVersion"].clone()),
        (json!(false), Value::Null),
        "{down}"
    );

    let _edge = stack.start_edge().await;
    let mut latest = Value::Null;
    for _ in 0..60 {
        let (_, deployments) = stack
            .call(Method::GET, "/tenants/acme/deployments", None)
            .await;
        latest = deployments["items"][0].clone();
        if latest["status"] == "accepted" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert_eq!(
        latest["status"], "accepted",
        "retried until it landed: {latest}"
    );
    assert_eq!(latest["version"], 1, "nothing new was made up: {latest}");
    assert!(
        latest["pushAttempts"].as_i64().unwrap_or(0) >= 2,
        "{latest}"
    );
    let (_, up) = stack.call(Method::GET, "/tenants/acme/edge", None).await;
    assert_eq!(
        (
            up["reachable"].clone(),
            up["servedVersion"].clone(),
            up["liveVersion"].clone()
        ),
        (json!(true), json!(1), json!(1)),
        "{up}"
    );
    // The audit log says who published, and from where.
    let (_, audit) = stack
        .call(Method::GET, "/tenants/acme/audit?action=config", None)
        .await;
    let entry = &audit["items"][0];
    assert_eq!(
        (entry["actor"].clone(), entry["ip"].clone()),
        (json!("operator@portcullis.test"), json!("127.0.0.1")),
        "{audit}"
    );
}
