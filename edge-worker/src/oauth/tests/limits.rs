//! Rate limits in the authorization server: metadata documents fetched.

use super::*;

#[tokio::test]
async fn attack_client_ids_naming_many_documents_cannot_make_the_edge_fetch_without_limit() {
    let mut h = Harness::new();
    h.config.limits.metadata_fetches_per_tenant = 2;
    let fetched = |h: &Harness| {
        h.idp
            .requests
            .borrow()
            .iter()
            .filter(|r| r.url.starts_with("https://app.example.com/"))
            .count()
    };
    for n in 0..2 {
        let url = format!("https://app.example.com/clients/{n}.json");
        assert_page(
            &h.authorize(&[("client_id", &url)]).await,
            400,
            "not registered",
        );
    }
    assert_eq!(fetched(&h), 2);
    let refused = h
        .authorize(&[("client_id", "https://app.example.com/clients/3.json")])
        .await;
    assert_page(&refused, 429, "Too many requests");
    retry_after(&refused);
    assert_eq!(fetched(&h), 2, "no third fetch");
    // A minute later documents are fetched again.
    h.now.set(NOW + 60);
    let page = h
        .sign_in(h.authorize(&[("client_id", CIMD_URL)]).await)
        .await;
    assert!(String::from_utf8_lossy(&page.body).contains("Documented App"));
}
