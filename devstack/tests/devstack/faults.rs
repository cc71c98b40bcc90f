//! Every fault kind, observed from a real HTTP client.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::{CREATE_SESSION, Stack, admin_jwt};

const DISCOVERY: &str = "/.well-known/openid-configuration";

#[tokio::test]
async fn delay_then_pass_through() {
    let stack = Stack::start().await;
    stack
        .fault(json!({"origin": "authgear", "path": DISCOVERY, "method": "GET", "fault": {"kind": "delay", "ms": 300}}))
        .await;
    let started = Instant::now();
    let response = stack
        .http
        .get(stack.authgear(DISCOVERY))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(started.elapsed() >= Duration::from_millis(300));
    stack.stop().await;
}

#[tokio::test]
async fn status_with_retry_after_and_body_for_n_requests() {
    let stack = Stack::start().await;
    let rule = stack
        .fault(json!({
            "origin": "legacy", "path": "/jwks", "times": 2,
            "fault": {"kind": "status", "status": 503, "retry_after": 7, "body": {"error": "temporarily_unavailable"}}
        }))
        .await;
    assert_eq!(rule["remaining"], 2);
    for _ in 0..2 {
        let response = stack.http.get(stack.legacy("/jwks")).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()["retry-after"], "7");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body, json!({"error": "temporarily_unavailable"}));
    }
    let response = stack.http.get(stack.legacy("/jwks")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "spent after two");
    let state = stack.state().await;
    assert_eq!(state["faults"][0]["remaining"], 0);
    assert_eq!(state["faults"][0]["hits"], 2);
    assert_eq!(state["counters"]["fault_hits"], 2);
    assert_eq!(state["counters"]["requests"]["legacy"]["GET /jwks"], 3);
    stack.stop().await;
}

#[tokio::test]
async fn drop_closes_the_connection_without_an_answer() {
    let stack = Stack::start().await;
    stack
        .fault(
            json!({"origin": "authgear", "path": DISCOVERY, "times": 1, "fault": {"kind": "drop"}}),
        )
        .await;
    let error = stack
        .http
        .get(stack.authgear(DISCOVERY))
        .send()
        .await
        .expect_err("no response");
    assert!(error.status().is_none());
    assert!(
        error.is_request() || error.is_connect() || error.to_string().contains("connection"),
        "{error:?}"
    );
    // The next request is answered.
    assert_eq!(
        stack
            .http
            .get(stack.authgear(DISCOVERY))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    stack.stop().await;
}

#[tokio::test]
async fn malformed_json_comes_with_200() {
    let stack = Stack::start().await;
    stack
        .fault(
            json!({"origin": "app", "path": "/config.json", "fault": {"kind": "malformed_json"}}),
        )
        .await;
    let response = stack
        .http
        .get(stack.app("/config.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/json");
    let text = response.text().await.unwrap();
    assert!(serde_json::from_str::<Value>(&text).is_err(), "{text}");
    stack.stop().await;
}

#[tokio::test]
async fn truncate_cuts_the_body_short() {
    let stack = Stack::start().await;
    stack
        .fault(json!({"origin": "authgear", "path": DISCOVERY, "fault": {"kind": "truncate"}}))
        .await;
    let response = stack
        .http
        .get(stack.authgear(DISCOVERY))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK, "the headers arrive");
    let length: usize = response.headers()["content-length"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(length > 100);
    let error = response.bytes().await.expect_err("the body is cut");
    assert!(
        error.is_body() || error.is_decode() || error.is_request(),
        "{error:?}"
    );
    stack.stop().await;
}

#[tokio::test]
async fn slow_body_sends_headers_then_trickles() {
    let stack = Stack::start().await;
    stack
        .fault(json!({"origin": "authgear", "path": DISCOVERY, "fault": {"kind": "slow_body", "ms": 600}}))
        .await;
    let started = Instant::now();
    let response = stack
        .http
        .get(stack.authgear(DISCOVERY))
        .send()
        .await
        .unwrap();
    let headers_after = started.elapsed();
    let body: Value = response.json().await.unwrap();
    let body_after = started.elapsed();
    assert_eq!(
        body["issuer"], stack.config.authgear,
        "the real answer, slowly"
    );
    assert!(
        headers_after < Duration::from_millis(300),
        "{headers_after:?}"
    );
    assert!(body_after >= Duration::from_millis(540), "{body_after:?}");
    stack.stop().await;
}

#[tokio::test]
async fn drop_response_runs_the_handler_and_loses_the_answer() {
    let stack = Stack::start().await;
    stack
        .fault(json!({
            "origin": "authgear", "path": "/_api/admin/graphql", "method": "POST", "times": 1,
            "fault": {"kind": "drop_response"}
        }))
        .await;
    let alice = stack.user("alice@example.com").await;
    let error = stack
        .http
        .post(stack.authgear("/_api/admin/graphql"))
        .bearer_auth(admin_jwt(json!({})))
        .json(&json!({
            "query": CREATE_SESSION,
            "variables": {"input": {"userID": alice["authgear_node_id"], "clientID": stack.config.client_id}}
        }))
        .send()
        .await
        .expect_err("the answer is lost");
    assert!(error.status().is_none(), "{error:?}");
    let state = stack.state().await;
    assert_eq!(
        state["counters"]["create_session"],
        json!({"total": 1, "successful": 1})
    );
    assert_eq!(
        state["sessions"]["authgear_offline_grants"], 1,
        "the session exists"
    );
    stack.stop().await;
}

#[tokio::test]
async fn a_graphql_field_switch_fails_that_operation_and_passes_the_others() {
    let stack = Stack::start().await;
    stack
        .fault(json!({
            "origin": "authgear", "path": "/_api/admin/graphql", "times": 1,
            "graphql_field": "createSession",
            "fault": {"kind": "status", "status": 503}
        }))
        .await;
    let lookup =
        "query q($v: String!) { getUserByLoginID(loginIDKey: \"email\", loginIDValue: $v) { id } }";
    let (status, body) = stack.admin(lookup, json!({"v": "alice@example.com"})).await;
    assert_eq!(status, StatusCode::OK, "another operation passes: {body}");
    assert!(body["data"]["getUserByLoginID"]["id"].is_string(), "{body}");
    let alice = stack.user("alice@example.com").await;
    let input =
        json!({"input": {"userID": alice["authgear_node_id"], "clientID": stack.config.client_id}});
    let (status, _) = stack.admin(CREATE_SESSION, input.clone()).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    let (status, body) = stack.admin(CREATE_SESSION, input).await;
    assert_eq!(status, StatusCode::OK, "spent after one: {body}");
    assert!(
        body["data"]["createSession"]["refreshToken"].is_string(),
        "{body}"
    );
    let state = stack.state().await;
    assert_eq!(state["faults"][0]["hits"], 1);
    assert_eq!(state["faults"][0]["graphql_field"], "createSession");
    stack.stop().await;
}

#[tokio::test]
async fn switches_leave_preflights_and_the_control_api_alone_and_clear() {
    let stack = Stack::start().await;
    stack
        .fault(json!({"origin": "authgear", "path": "/oauth2/*", "times": 1, "fault": {"kind": "status", "status": 500}}))
        .await;
    let preflight = stack
        .http
        .request(reqwest::Method::OPTIONS, stack.authgear("/oauth2/token"))
        .header("origin", &stack.config.app)
        .header("access-control-request-method", "POST")
        .send()
        .await
        .unwrap();
    assert_eq!(
        preflight.status(),
        StatusCode::OK,
        "no method given: OPTIONS passes"
    );
    let jwks = stack
        .http
        .get(stack.authgear("/oauth2/jwks"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        jwks.status(),
        StatusCode::INTERNAL_SERVER_ERROR,
        "the prefix matched"
    );

    stack
        .fault(json!({"origin": "app", "path": "/*", "fault": {"kind": "drop"}}))
        .await;
    assert_eq!(
        stack
            .http
            .get(stack.app("/__devstack/state"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    assert!(
        stack
            .http
            .get(stack.app("/config.json"))
            .send()
            .await
            .is_err()
    );
    let cleared = stack
        .http
        .delete(stack.app("/__devstack/faults"))
        .send()
        .await
        .unwrap();
    assert_eq!(cleared.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        stack
            .http
            .get(stack.app("/config.json"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    for bad in [
        json!({"origin": "app", "path": "/", "fault": {"kind": "explode"}}),
        json!({"origin": "moon", "path": "/", "fault": {"kind": "drop"}}),
        json!({"origin": "app", "path": "no-slash", "fault": {"kind": "drop"}}),
        json!({"origin": "app", "path": "/", "times": 0, "fault": {"kind": "drop"}}),
        json!({"origin": "app", "path": "/", "fault": {"kind": "status", "status": 1000}}),
    ] {
        let response = stack
            .http
            .post(stack.app("/__devstack/faults"))
            .json(&bad)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{bad}");
        let body: Value = response.json().await.unwrap();
        assert!(body["error"].is_string());
    }
    stack.stop().await;
}
