//! The migration endpoint (crate `server/`) mounted on the stand-ins: a whole migration, on the
//! app origin and on the cross-origin instance.

use reqwest::StatusCode;
use reqwest::header::{ACCESS_CONTROL_ALLOW_ORIGIN, ORIGIN};
use serde_json::Value;

use crate::common::Stack;

async fn exchange(stack: &Stack, url: &str, subject_token: &str, key: &str) -> reqwest::Response {
    stack
        .http
        .post(url)
        .header(ORIGIN, &stack.config.app)
        .form(&[
            (
                "grant_type",
                "urn:ietf:params:oauth:grant-type:token-exchange",
            ),
            ("client_id", stack.config.client_id.as_str()),
            ("subject_token", subject_token),
            (
                "subject_token_type",
                "urn:ietf:params:oauth:token-type:access_token",
            ),
            (
                "requested_token_type",
                "urn:ietf:params:oauth:token-type:refresh_token",
            ),
            ("idempotency_key", key),
        ])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_legacy_session_becomes_an_authgear_session() {
    let stack = Stack::start().await;
    let alice = stack.user("alice@example.com").await;
    let legacy = stack.legacy_login("alice@example.com").await;
    let response = exchange(
        &stack,
        &stack.config.exchange_url,
        legacy["access_token"].as_str().unwrap(),
        "key-1",
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let session: Value = response.json().await.unwrap();
    // Authgear's default: an opaque access token, no ID token from createSession.
    let access_token = session["access_token"].as_str().unwrap();
    assert!(!access_token.starts_with("eyJ"), "{access_token}");
    assert!(session.get("id_token").is_none(), "{session}");
    // What @authgear/web does next: refresh, then userinfo.
    let (status, tokens) = stack
        .refresh(
            &stack.config.client_id,
            session["refresh_token"].as_str().unwrap(),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let userinfo: Value = stack
        .http
        .get(stack.authgear("/oauth2/userinfo"))
        .bearer_auth(tokens["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(userinfo["email"], "alice@example.com");
    assert_eq!(userinfo["sub"], alice["authgear_user_id"]);
    let state = stack.state().await;
    assert_eq!(state["counters"]["create_session"]["successful"], 1);
    assert_eq!(
        state["counters"]["requests"]["app"]["POST /api/authgear-migrate"],
        1
    );
    stack.stop().await;
}

#[tokio::test]
async fn the_cross_origin_instance_answers_the_app_origin() {
    let stack = Stack::start().await;
    let legacy = stack.legacy_login("bob@example.com").await;
    let response = exchange(
        &stack,
        &format!("{}/", stack.config.endpoint),
        legacy["access_token"].as_str().unwrap(),
        "key-2",
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()[ACCESS_CONTROL_ALLOW_ORIGIN],
        stack.config.app.as_str()
    );
    // A legacy token the endpoint must refuse.
    let expired = stack.mint(serde_json::json!({"expires_in": -3600})).await;
    let response = exchange(
        &stack,
        &format!("{}/", stack.config.endpoint),
        expired["token"].as_str().unwrap(),
        "key-3",
    )
    .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "invalid_grant");
    stack.stop().await;
}

#[tokio::test]
async fn a_reset_forgets_which_credentials_the_endpoint_exchanged() {
    let stack = Stack::start().await;
    let legacy = stack.legacy_login("alice@example.com").await;
    let token = legacy["access_token"].as_str().unwrap();
    let url = &stack.config.exchange_url;
    assert_eq!(
        exchange(&stack, url, token, "key-1").await.status(),
        StatusCode::OK
    );
    let replayed: Value = exchange(&stack, url, token, "key-2")
        .await
        .json()
        .await
        .unwrap();
    let description = replayed["error_description"].as_str().unwrap_or_default();
    assert!(description.contains("exchanged already"), "{replayed}");
    stack.reset().await;
    assert_eq!(
        exchange(&stack, url, token, "key-3").await.status(),
        StatusCode::OK
    );
    stack.stop().await;
}
