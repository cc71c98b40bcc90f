//! The app origin: static files (and path traversal), `/config.json`, and the control API's reset.

use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use crate::common::Stack;

#[tokio::test]
async fn serves_www_and_pkg_with_their_types_and_no_caching() {
    let stack = Stack::start().await;
    for (path, content_type) in [
        ("/", "text/html; charset=utf-8"),
        ("/index.html", "text/html; charset=utf-8"),
        ("/app.mjs", "text/javascript; charset=utf-8"),
        ("/pkg/index.js", "text/javascript; charset=utf-8"),
        ("/pkg/dist/wasm/engine.wasm", "application/wasm"),
    ] {
        let response = stack.http.get(stack.app(path)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(response.headers()["content-type"], content_type, "{path}");
        assert_eq!(response.headers()["cache-control"], "no-store", "{path}");
    }
    // No listing of a directory without index.html, nothing that is not there.
    for path in ["/empty/", "/empty", "/pkg/dist/", "/missing.js", "/pkg"] {
        let response = stack.http.get(stack.app(path)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
    }
    let post = stack
        .http
        .post(stack.app("/index.html"))
        .send()
        .await
        .unwrap();
    assert_eq!(post.status(), StatusCode::METHOD_NOT_ALLOWED);
    stack.stop().await;
}

/// Sends a raw request line, as an attacker would (HTTP clients normalise `..` away).
async fn raw_get(stack: &Stack, target: &str) -> String {
    let address = stack.config.app.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let request = format!("GET {target} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    answer
}

#[tokio::test]
async fn path_traversal_is_refused() {
    let stack = Stack::start().await;
    assert!(
        raw_get(&stack, "/index.html")
            .await
            .starts_with("HTTP/1.1 200")
    );
    for target in [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E%2Fsecret.txt",
        "/pkg/../../secret.txt",
        "/pkg/..%2f..%2fsecret.txt",
        "/..%5csecret.txt",
        "/.%2e/secret.txt",
        "//secret.txt",
    ] {
        let answer = raw_get(&stack, target).await;
        assert!(
            answer.starts_with("HTTP/1.1 404") || answer.starts_with("HTTP/1.1 400"),
            "{target}: {answer}"
        );
        assert!(!answer.contains("must not be served"), "{target}");
    }
    stack.stop().await;
}

#[tokio::test]
async fn config_json_is_the_stdout_line() {
    let stack = Stack::start().await;
    let served: Value = stack
        .http
        .get(stack.app("/config.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(served, serde_json::to_value(&stack.config).unwrap());
    assert_eq!(
        served["exchangeURL"],
        format!("{}/api/authgear-migrate", stack.config.app)
    );
    for key in [
        "app",
        "authgear",
        "authgearAdmin",
        "legacy",
        "endpoint",
        "clientID",
        "legacyClientID",
        "legacyAudience",
        "projectID",
    ] {
        assert!(served[key].is_string(), "{key}");
    }
    // The custom domain the apps use and the host the endpoint calls are two origins.
    assert_ne!(served["authgear"], served["authgearAdmin"]);
    stack.stop().await;
}

#[tokio::test]
async fn reset_forgets_sessions_counters_faults_and_switches() {
    let stack = Stack::start().await;
    let users_before = stack.state().await["users"].clone();
    let session = stack.create_session("alice@example.com").await;
    let legacy = stack.legacy_login("bob@example.com").await;
    stack
        .configure(json!({"refresh_token_rotation_enabled": true, "create_session_enabled": false}))
        .await;
    stack
        .fault(json!({"origin": "legacy", "path": "/jwks", "fault": {"kind": "drop"}}))
        .await;
    stack.reset().await;
    let state = stack.state().await;
    assert_eq!(state["faults"], json!([]));
    assert_eq!(
        state["counters"]["create_session"],
        json!({"total": 0, "successful": 0})
    );
    assert_eq!(state["sessions"]["authgear_offline_grants"], 0);
    assert_eq!(state["sessions"]["legacy"]["refresh_tokens_unspent"], 0);
    assert_eq!(
        state["config"],
        json!({
            "create_session_enabled": true,
            "refresh_token_rotation_enabled": false,
            "access_token_lifetime_seconds": 1800,
            "issue_jwt_access_token": false
        })
    );
    assert_eq!(state["users"], users_before, "the users and their IDs stay");
    let (status, _) = stack
        .refresh(
            &stack.config.client_id,
            session["refreshToken"].as_str().unwrap(),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let refused = stack
        .http
        .post(stack.legacy("/token"))
        .form(&[
            ("grant_type", "refresh_token"),
            ("client_id", stack.config.legacy_client_id.as_str()),
            ("refresh_token", legacy["refresh_token"].as_str().unwrap()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let bad_config = stack
        .http
        .post(stack.app("/__devstack/config"))
        .json(&json!({"no_such_switch": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad_config.status(), StatusCode::BAD_REQUEST);
    stack.stop().await;
}
