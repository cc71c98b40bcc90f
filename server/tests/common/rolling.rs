//! The rolling migration's harness: receivers configured against the devstack's legacy
//! stand-in, sign-ups on its Authgear stand-in, and what the legacy stand-in counted.

use std::path::PathBuf;
use std::time::Duration;

use authgear_migrate_devstack::{
    AUTH0_CLIENT_ID, AUTH0_CLIENT_SECRET, PROVISION_SECRET, WEBHOOK_SECRET, hmac_sha256_hex,
};
use serde_json::{Value, json};

use super::stack::{Served, Stack};
use super::unique;

/// Polls at most this many times, this far apart, for an effect that happens after an answer.
const POLLS: u32 = 100;
const POLL_EVERY: Duration = Duration::from_millis(100);

/// The receiver's variables, provisioning through the generic contract.
pub fn generic(stack: &Stack) -> Vec<(&'static str, String)> {
    vec![
        ("AUTHGEAR_WEBHOOK_SECRET", WEBHOOK_SECRET.to_owned()),
        (
            "LEGACY_PROVISION_URL",
            format!("{}/provision", stack.config.legacy),
        ),
        ("LEGACY_PROVISION_SECRET", PROVISION_SECRET.to_owned()),
    ]
}

/// The receiver's variables, provisioning through the Auth0 Management API stand-in.
pub fn auth0(stack: &Stack) -> Vec<(&'static str, String)> {
    vec![
        ("AUTHGEAR_WEBHOOK_SECRET", WEBHOOK_SECRET.to_owned()),
        ("AUTH0_DOMAIN", stack.config.legacy.clone()),
        ("AUTH0_CLIENT_ID", AUTH0_CLIENT_ID.to_owned()),
        ("AUTH0_CLIENT_SECRET", AUTH0_CLIENT_SECRET.to_owned()),
    ]
}

/// A receiver (the endpoint with its webhook route) with `variables` and `extra`.
pub async fn receiver(
    stack: &Stack,
    variables: &[(&'static str, String)],
    extra: &[(&'static str, &str)],
) -> Served {
    let mut overrides: Vec<(&'static str, &str)> = variables
        .iter()
        .map(|(name, value)| (*name, value.as_str()))
        .collect();
    overrides.extend_from_slice(extra);
    stack.endpoint(&overrides).await
}

pub fn webhook_url(served: &Served) -> String {
    format!("{}authgear-events", served.url)
}

/// The Authgear stand-in delivers every event to these URLs only.
pub async fn hooks_to(stack: &Stack, urls: &[String]) {
    let handlers: Vec<Value> = urls
        .iter()
        .map(|url| json!({ "events": ["*"], "url": url }))
        .collect();
    let response = stack
        .http
        .post(stack.app("/__devstack/authgear/hooks"))
        .json(&json!({ "non_blocking_handlers": handlers }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

/// A new email address.
pub fn new_email() -> String {
    format!("{}@example.com", unique("signup"))
}

/// Signs up on the Authgear stand-in: `{authgear_user_id, email, event_id}`.
pub async fn sign_up(stack: &Stack, email: &str) -> Value {
    let response = stack
        .http
        .post(stack.app("/__devstack/authgear/signup"))
        .json(&json!({ "email": email }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    response.json().await.unwrap()
}

/// The JSON of `GET <app origin><path>` (the devstack's control routes).
pub async fn control(stack: &Stack, path: &str) -> Value {
    let response = stack.http.get(stack.app(path)).send().await.unwrap();
    assert!(
        response.status().is_success(),
        "{path}: {}",
        response.status()
    );
    response.json().await.unwrap()
}

/// `GET /__devstack/legacy/accounts`.
pub async fn legacy_accounts(stack: &Stack) -> Value {
    control(stack, "/__devstack/legacy/accounts").await
}

/// Provisioning calls the legacy stand-in got for `email`: (requests, created).
pub async fn calls(stack: &Stack, email: &str) -> (u64, u64) {
    let accounts = legacy_accounts(stack).await;
    let calls = &accounts["calls"][email];
    (
        calls["requests"].as_u64().unwrap_or(0),
        calls["created"].as_u64().unwrap_or(0),
    )
}

/// Waits (bounded) until the legacy stand-in got `requests` calls for `email`; the calls.
pub async fn calls_once_settled(stack: &Stack, email: &str, requests: u64) -> (u64, u64) {
    for _ in 0..POLLS {
        let now = calls(stack, email).await;
        if now.0 >= requests {
            return now;
        }
        tokio::time::sleep(POLL_EVERY).await;
    }
    calls(stack, email).await
}

/// The Authgear stand-in's webhook deliveries so far.
pub async fn deliveries(stack: &Stack) -> Vec<Value> {
    let hooks = control(stack, "/__devstack/authgear/hooks").await;
    hooks["deliveries"].as_array().unwrap().clone()
}

/// The deliveries of `event_id`, waiting (bounded) until there are `count`.
pub async fn deliveries_of(stack: &Stack, event_id: &str, count: usize) -> Vec<Value> {
    let mut found = Vec::new();
    for _ in 0..POLLS {
        found = deliveries(stack)
            .await
            .into_iter()
            .filter(|delivery| delivery["id"] == event_id)
            .collect();
        if found.len() >= count {
            break;
        }
        tokio::time::sleep(POLL_EVERY).await;
    }
    found
}

/// `x-authgear-body-signature` for `body`, as Authgear computes it.
pub fn sign(body: &[u8]) -> String {
    hmac_sha256_hex(WEBHOOK_SECRET.as_bytes(), body)
}

/// POSTs an event body with this signature (none when `None`): the status.
pub async fn post_event(stack: &Stack, url: &str, body: &[u8], signature: Option<&str>) -> u16 {
    let mut request = stack
        .http
        .post(url)
        .header("content-type", "application/json")
        .body(body.to_vec());
    if let Some(signature) = signature {
        request = request.header("x-authgear-body-signature", signature);
    }
    request.send().await.unwrap().status().as_u16()
}

/// A `user.created` event as Authgear's Go encoder writes it, for a user of this email.
pub fn user_created_event(id: &str, email: &str, triggered_by: &str, name: &str) -> Vec<u8> {
    let body = json!({
        "id": id,
        "seq": 1,
        "type": "user.created",
        "payload": {
            "user": {
                "id": uuid_like(id),
                "created_at": "2026-12-01T22:00:00.123456Z",
                "updated_at": "2026-12-01T22:00:00.123456Z",
                "is_anonymous": false,
                "is_verified": false,
                "is_disabled": false,
                "is_deactivated": false,
                "can_reauthenticate": false,
                "standard_attributes": { "email": email, "email_verified": false, "name": name },
            },
            "identities": [],
        },
        "context": { "timestamp": 1, "user_id": null, "triggered_by": triggered_by },
    })
    .to_string();
    // Go's json.Marshal escapes these three; serde_json does not.
    body.replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .into_bytes()
}

fn uuid_like(seed: &str) -> String {
    let digits: String = seed
        .bytes()
        .map(|byte| format!("{byte:02x}"))
        .collect::<String>()
        .chars()
        .chain(std::iter::repeat('0'))
        .take(32)
        .collect();
    format!(
        "{}-{}-{}-{}-{}",
        &digits[..8],
        &digits[8..12],
        &digits[12..16],
        &digits[16..20],
        &digits[20..]
    )
}

/// A state file of its own for a reconciliation run.
pub fn state_file() -> PathBuf {
    std::env::temp_dir().join(format!("{}.json", unique("reconcile-state")))
}

/// The old app's way in: "forgot password", the link from the legacy stand-in's outbox, a new
/// password, then the password grant. The grant's status.
pub async fn old_app_resets_and_signs_in(stack: &Stack, email: &str, password: &str) -> u16 {
    let legacy = &stack.config.legacy;
    let asked = stack
        .http
        .post(format!("{legacy}/password-reset"))
        .json(&json!({ "email": email }))
        .send()
        .await
        .unwrap();
    assert_eq!(asked.status(), 202);
    let outbox = control(stack, "/__devstack/legacy/outbox").await;
    let link = outbox["mails"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|mail| mail["to"] == email)
        .and_then(|mail| mail["link"].as_str())
        .map(str::to_owned);
    if let Some(link) = link {
        let token = link.split("token=").nth(1).unwrap();
        let confirmed = stack
            .http
            .post(format!("{legacy}/password-reset/confirm"))
            .json(&json!({ "token": token, "password": password }))
            .send()
            .await
            .unwrap();
        assert_eq!(confirmed.status(), 204);
    }
    stack
        .http
        .post(format!("{legacy}/token"))
        .form(&[
            ("grant_type", "password"),
            ("client_id", stack.config.legacy_client_id.as_str()),
            ("username", email),
            ("password", password),
        ])
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}
