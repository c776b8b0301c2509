//! The user's provider token for tools acting as the user: kept from
//! sign-in, sent while fresh, renewed once expired, and a refused renewal
//! ends the grant (its access token stops working).

use super::*;
use crate::oauth::user_token::{UserToken, UserTokenAsk};

async fn token_of(h: &Harness, grant: &str) -> UserToken {
    let ask = UserTokenAsk {
        grant: grant.into(),
    };
    h.authority().user_token(&ask).await.expect("storage works")
}

fn opened(token: &UserToken) -> String {
    let UserToken::Sealed { sealed, user } = token else {
        panic!("a token: {token:?}")
    };
    let aad = records::upstream_token_aad("acme", user);
    let bytes = sealing::open(&SEAL_KEY, &aad, sealed).expect("opens");
    String::from_utf8(bytes).unwrap()
}

#[tokio::test]
async fn the_users_token_is_sent_while_fresh_then_renewed() {
    let h = Harness::new();
    let tokens = h.tokens().await;
    let grant = claims_of(&tokens.access)["g"].as_str().unwrap().to_owned();
    assert_eq!(opened(&token_of(&h, &grant).await), "upstream-token");
    let renewals = |h: &Harness| {
        let requests = h.idp.requests.borrow();
        let body = |r: &&Outbound| r.body.clone().unwrap_or_default();
        requests
            .iter()
            .filter(|r| body(r).contains("grant_type=refresh_token"))
            .count()
    };
    assert_eq!(renewals(&h), 0, "fresh: not renewed");

    // Ten minutes on, the provider's token has expired: renewed once,
    // then the new one is sent as it is.
    h.now.set(NOW + 600);
    assert_eq!(opened(&token_of(&h, &grant).await), "upstream-token-2");
    assert_eq!(opened(&token_of(&h, &grant).await), "upstream-token-2");
    assert_eq!(renewals(&h), 1);
    // The MCP client's own tokens go on working.
    let again = tokens_of(&h.refresh(&tokens.refresh).await);
    assert_eq!(claims_of(&again.access)["g"], grant.as_str());
}

#[tokio::test]
async fn a_refused_renewal_ends_the_grant() {
    let h = Harness::new();
    let tokens = h.tokens().await;
    let grant = claims_of(&tokens.access)["g"].as_str().unwrap().to_owned();
    h.idp.refuse_renewal.set(true);
    h.now.set(NOW + 600);
    let ended = token_of(&h, &grant).await;
    assert!(
        matches!(&ended, UserToken::Ended { why } if why.contains("sign in again")),
        "{ended:?}"
    );
    // The grant is over: its refresh token no longer works, its access
    // token is announced revoked, and asking again says the same.
    assert_eq!(h.refresh(&tokens.refresh).await.status, 400);
    assert!(h.store.revoked.borrow().contains(&grant));
    assert!(matches!(
        token_of(&h, &grant).await,
        UserToken::Ended { .. }
    ));
}

#[tokio::test]
async fn no_grant_or_no_provider_answer_is_said_so() {
    let mut h = Harness::new();
    assert!(matches!(
        token_of(&h, "no-such-grant").await,
        UserToken::Ended { .. }
    ));
    let tokens = h.tokens().await;
    let grant = claims_of(&tokens.access)["g"].as_str().unwrap().to_owned();
    // The provider cannot be reached: the grant stays, the call waits.
    h.config.oauth.as_mut().unwrap().providers[0].issuer = "https://down.example".into();
    h.now.set(NOW + 600);
    let down = token_of(&h, &grant).await;
    assert!(matches!(down, UserToken::Unavailable { .. }), "{down:?}");
    assert!(h.store.revoked.borrow().is_empty(), "the grant stays");
    assert_eq!(h.refresh(&tokens.refresh).await.status, 200);
}
