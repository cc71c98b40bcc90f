//! The rolling migration's stand-ins: webhooks as Authgear sends them, the Admin API's `users`
//! connection, and the legacy IdP's provisioning, password reset and Auth0 Management API.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use authgear_migrate_devstack::{
    AUTH0_CLIENT_ID, AUTH0_CLIENT_SECRET, PROVISION_SECRET, WEBHOOK_SECRET,
};
use axum::body::Bytes;
use axum::http::HeaderMap;
use axum::routing::post;
use ring::hmac;
use serde_json::{Value, json};

use crate::common::Stack;

fn hex_hmac(key: &str, body: &[u8]) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, key.as_bytes());
    hmac::sign(&key, body)
        .as_ref()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

type Received = Arc<Mutex<Vec<(HeaderMap, Bytes)>>>;

/// A loopback receiver that keeps every request's headers and raw body.
async fn capture() -> (String, Received) {
    let received: Received = Arc::default();
    let keep = Arc::clone(&received);
    let app = axum::Router::new().route(
        "/hook",
        post(move |headers: HeaderMap, body: Bytes| {
            let keep = Arc::clone(&keep);
            async move {
                keep.lock().unwrap().push((headers, body));
                "{}"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr: SocketAddr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/hook"), received)
}

async fn wait_for(received: &Received, count: usize) -> Vec<(HeaderMap, Bytes)> {
    for _ in 0..100 {
        if received.lock().unwrap().len() >= count {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    received.lock().unwrap().clone()
}

async fn post_json(stack: &Stack, url: String, body: Value) -> (u16, Value) {
    let response = stack.http.post(url).json(&body).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn hooks_to(stack: &Stack, url: &str) {
    let body = json!({ "non_blocking_handlers": [{ "events": ["*"], "url": url }] });
    let (status, _) = post_json(stack, stack.app("/__devstack/authgear/hooks"), body).await;
    assert_eq!(status, 200);
}

async fn sign_up(stack: &Stack, email: &str) -> Value {
    let (status, body) = post_json(
        stack,
        stack.app("/__devstack/authgear/signup"),
        json!({ "email": email }),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    body
}

#[tokio::test]
async fn webhooks_are_signed_and_shaped_as_authgear_sends_them() {
    let stack = Stack::start().await;
    let (url, received) = capture().await;
    hooks_to(&stack, &url).await;
    let signed_up = sign_up(&stack, "Newcomer@Example.com").await;
    let (status, _) = post_json(
        &stack,
        stack.app("/__devstack/authgear/signup"),
        json!({ "email": "newcomer@example.com" }),
    )
    .await;
    assert_eq!(status, 400, "identity already exists");

    let (status, body) = stack
        .admin(
            "mutation($input: CreateUserInput!) { createUser(input: $input) { user { id } } }",
            json!({ "input": { "definition": { "loginID": { "key": "email", "value": "admin-made@example.com" } } } }),
        )
        .await;
    assert_eq!(status, 200, "{body}");

    let requests = wait_for(&received, 2).await;
    assert_eq!(requests.len(), 2);
    let mut seen_seqs = Vec::new();
    for (headers, body) in &requests {
        assert_eq!(headers["content-type"], "application/json");
        assert_eq!(
            headers["x-authgear-body-signature"].to_str().unwrap(),
            hex_hmac(WEBHOOK_SECRET, body)
        );
        // Go writes a struct's fields in their order.
        let text = std::str::from_utf8(body).unwrap();
        let at = |key: &str| text.find(&format!("\"{key}\":")).unwrap();
        assert!(text.starts_with("{\"id\":\""));
        assert!(at("id") < at("seq") && at("seq") < at("type") && at("type") < at("payload"));
        assert!(at("payload") < at("context"));
        let event: Value = serde_json::from_slice(body).unwrap();
        let seq = event["seq"].as_i64().unwrap();
        assert_eq!(event["id"], format!("{seq:016x}"));
        assert_eq!(event["type"], "user.created");
        seen_seqs.push(seq);
        let user = &event["payload"]["user"];
        assert_eq!(event["context"]["user_id"], user["id"]);
        assert_eq!(event["payload"]["identities"][0]["type"], "login_id");
        match event["context"]["triggered_by"].as_str().unwrap() {
            "user" => {
                assert_eq!(user["id"], signed_up["authgear_user_id"]);
                assert_eq!(user["standard_attributes"]["email"], "newcomer@example.com");
                assert_eq!(user["standard_attributes"]["email_verified"], false);
                assert_eq!(event["id"], signed_up["event_id"]);
            }
            "admin_api" => {
                assert_eq!(
                    user["standard_attributes"]["email"],
                    "admin-made@example.com"
                );
            }
            other => panic!("triggered_by {other}"),
        }
    }
    seen_seqs.sort_unstable();
    assert_eq!(seen_seqs, [1, 2]);
    stack.stop().await;
}

#[tokio::test]
async fn the_users_connection_pages_as_authgear_does() {
    let stack = Stack::start().await;
    let (url, _) = capture().await;
    hooks_to(&stack, &url).await;
    for n in 0..25 {
        sign_up(&stack, &format!("user{n:02}@example.com")).await;
    }
    let query = "query($after: String) { users(first: 50, after: $after, sortBy: CREATED_AT, sortDirection: DESC) { totalCount edges { cursor node { id createdAt standardAttributes } } pageInfo { hasNextPage endCursor } } }";
    let (_, first) = stack.admin(query, json!({})).await;
    let connection = &first["data"]["users"];
    assert!(first["errors"].is_null(), "{first}");
    let seeded = stack.state().await["users"].as_array().unwrap().len();
    assert_eq!(connection["totalCount"], seeded);
    let edges = connection["edges"].as_array().unwrap();
    assert_eq!(edges.len(), 20, "graphqlutil.MaxPageSize");
    assert_eq!(edges[0]["cursor"], "b2Zmc2V0OjA"); // base64url("offset:0")
    assert_eq!(
        edges[0]["node"]["standardAttributes"]["email"], "user24@example.com",
        "newest first"
    );
    assert_eq!(connection["pageInfo"]["hasNextPage"], true);
    let after = connection["pageInfo"]["endCursor"].clone();
    let (_, second) = stack.admin(query, json!({ "after": after })).await;
    let connection = &second["data"]["users"];
    assert_eq!(connection["edges"].as_array().unwrap().len(), seeded - 20);
    assert_eq!(connection["pageInfo"]["hasNextPage"], false);

    let (_, bad) = stack.admin(query, json!({ "after": "bm9wZQ" })).await;
    assert_eq!(bad["errors"][0]["extensions"]["reason"], "InvalidCursor");
    let (_, search) = stack
        .admin("{ users(searchKeyword: \"x\") { totalCount } }", json!({}))
        .await;
    assert_eq!(
        search["errors"][0]["extensions"]["devstack"],
        "not emulated"
    );
    stack.stop().await;
}

#[tokio::test]
async fn a_sign_up_has_a_legacy_account_only_once_provisioned() {
    let stack = Stack::start().await;
    let (url, _) = capture().await;
    hooks_to(&stack, &url).await;
    let email = "later@example.com";
    let signed_up = sign_up(&stack, email).await;
    let outbox = |stack: &Stack| {
        let url = stack.app("/__devstack/legacy/outbox");
        let http = stack.http.clone();
        async move {
            let body: Value = http.get(url).send().await.unwrap().json().await.unwrap();
            body["mails"].as_array().unwrap().len()
        }
    };
    let (status, _) = post_json(
        &stack,
        stack.legacy("/password-reset"),
        json!({ "email": email }),
    )
    .await;
    assert_eq!(status, 202);
    assert_eq!(outbox(&stack).await, 0, "no account, no mail");

    let body = serde_json::to_vec(&json!({
        "authgear_user_id": signed_up["authgear_user_id"],
        "email": email,
        "email_verified": false,
    }))
    .unwrap();
    let provision = |signature: String| {
        stack
            .http
            .post(stack.legacy("/provision"))
            .header("content-type", "application/json")
            .header("x-authgear-migrate-signature", signature)
            .body(body.clone())
            .send()
    };
    assert_eq!(provision("00".repeat(32)).await.unwrap().status(), 401);
    assert_eq!(
        provision(hex_hmac(PROVISION_SECRET, &body))
            .await
            .unwrap()
            .status(),
        201
    );
    assert_eq!(
        provision(hex_hmac(PROVISION_SECRET, &body))
            .await
            .unwrap()
            .status(),
        409
    );
    // A seed user was always the legacy system's.
    let seed = serde_json::to_vec(&json!({"authgear_user_id": "x", "email": "alice@example.com"}))
        .unwrap();
    let seed_status = stack
        .http
        .post(stack.legacy("/provision"))
        .header(
            "x-authgear-migrate-signature",
            hex_hmac(PROVISION_SECRET, &seed),
        )
        .body(seed)
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(seed_status, 409);

    let (status, _) = post_json(
        &stack,
        stack.legacy("/password-reset"),
        json!({ "email": email }),
    )
    .await;
    assert_eq!(status, 202);
    assert_eq!(outbox(&stack).await, 1);
    stack.stop().await;
}

#[tokio::test]
async fn the_auth0_management_api_slice_answers_as_auth0_does() {
    let stack = Stack::start().await;
    let audience = format!("{}/api/v2/", stack.config.legacy);
    let grant = |secret: &str, audience: &str| {
        json!({
            "grant_type": "client_credentials",
            "client_id": AUTH0_CLIENT_ID,
            "client_secret": secret,
            "audience": audience,
        })
    };
    let (status, body) = post_json(
        &stack,
        stack.legacy("/oauth/token"),
        grant("wrong", &audience),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("access_denied"))
    );
    let (status, _) = post_json(
        &stack,
        stack.legacy("/oauth/token"),
        grant(AUTH0_CLIENT_SECRET, "https://elsewhere/api/v2/"),
    )
    .await;
    assert_eq!(status, 403);
    let (status, token) = post_json(
        &stack,
        stack.legacy("/oauth/token"),
        grant(AUTH0_CLIENT_SECRET, &audience),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(token["token_type"], "Bearer");
    let access_token = token["access_token"].as_str().unwrap();

    let create = |bearer: Option<&str>, body: Value| {
        let mut request = stack.http.post(stack.legacy("/api/v2/users")).json(&body);
        if let Some(bearer) = bearer {
            request = request.bearer_auth(bearer);
        }
        async move {
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            (status, response.json::<Value>().await.unwrap())
        }
    };
    let user = json!({
        "connection": "Username-Password-Authentication",
        "email": "m2m@example.com",
        "email_verified": true,
        "password": "Xy7!unseen-password",
        "app_metadata": { "authgear_user_id": "u-1" },
    });
    assert_eq!(create(None, user.clone()).await.0, 401);
    let (status, created) = create(Some(access_token), user.clone()).await;
    assert_eq!(status, 201);
    assert!(created["user_id"].as_str().unwrap().starts_with("auth0|"));
    assert_eq!(created["app_metadata"]["authgear_user_id"], "u-1");
    let (status, again) = create(Some(access_token), user.clone()).await;
    assert_eq!(
        (status, again["message"].as_str()),
        (409, Some("The user already exists."))
    );
    let mut elsewhere = user;
    elsewhere["connection"] = "other".into();
    let (status, body) = create(Some(access_token), elsewhere).await;
    assert_eq!(
        (status, body["errorCode"].as_str()),
        (400, Some("inexistent_connection"))
    );
    stack.stop().await;
}
