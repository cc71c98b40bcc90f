//! What the rolling migration logs: outcomes, never a secret. Alone in its binary, as
//! logging.rs: `tracing` caches per call site whether anyone listens.

mod common;

use std::process::Stdio;
use std::time::Duration;

use authgear_migrate_devstack::{AUTH0_CLIENT_SECRET, PROVISION_SECRET, WEBHOOK_SECRET};
use authgear_migrate_server::{ReconcileOptions, reconcile};
use common::logs::capture_logs;
use common::rolling::*;
use common::stack::Stack;
use serde_json::{Value, json};

const ADMIN_KEY_PEM: &str = include_str!("../../devstack/keys/authgear-admin.pem");

/// Every secret the rolling migration holds, none of which may appear in `text`.
fn assert_no_secret(text: &str) {
    let admin_key_line = ADMIN_KEY_PEM
        .lines()
        .find(|line| !line.starts_with("-----") && line.len() > 40)
        .unwrap();
    for (name, secret) in [
        ("webhook secret", WEBHOOK_SECRET),
        ("provisioning secret", PROVISION_SECRET),
        ("Auth0 client secret", AUTH0_CLIENT_SECRET),
        ("admin key", admin_key_line),
        // The suffix of every password made for Auth0.
        ("unseen password", "aZ7!"),
    ] {
        assert!(!text.contains(secret), "the {name} is in the log:\n{text}");
    }
}

// `#[tokio::test]` runs everything, spawned provisioning included, on the test's thread, where
// the subscriber is set.
#[tokio::test]
async fn provisioning_logs_outcomes_and_never_a_secret() {
    let (captured, _guard) = capture_logs(tracing::Level::DEBUG);

    let stack = Stack::start().await;
    let generic_receiver = receiver(&stack, &generic(&stack), &[]).await;
    let auth0_receiver = receiver(&stack, &auth0(&stack), &[]).await;
    hooks_to(
        &stack,
        &[webhook_url(&generic_receiver), webhook_url(&auth0_receiver)],
    )
    .await;
    let email = new_email();
    sign_up(&stack, &email).await;
    calls_once_settled(&stack, &email, 2).await;
    // A bad signature, and a target that keeps failing.
    let body = user_created_event("00000000000000c1", &new_email(), "user", "Eve");
    post_event(&stack, &webhook_url(&generic_receiver), &body, Some("00")).await;
    stack
        .fault(json!({
            "origin": "legacy", "path": "/provision",
            "fault": { "kind": "status", "status": 503 },
        }))
        .await;
    post_event(
        &stack,
        &webhook_url(&generic_receiver),
        &body,
        Some(&sign(&body)),
    )
    .await;
    tokio::time::sleep(Duration::from_secs(4)).await;
    stack.clear_faults().await;

    // Reconciliation with wrong Auth0 credentials: refused, and said so.
    let mut env = stack.env();
    env.extend(auth0(&stack));
    env.insert("AUTH0_CLIENT_SECRET", "a-wrong-client-secret".to_owned());
    let state = state_file();
    let options = ReconcileOptions::new(&state)
        .since("1970-01-01T00:00:00Z")
        .settle(Duration::ZERO)
        .limit(1);
    let report = reconcile(&common::config_from(&env), &options)
        .await
        .unwrap();
    assert_eq!(report.failed, 1);
    let _ = std::fs::remove_file(&state);
    stack.stop().await;

    let log = captured.text();
    for expected in [
        "legacy account provisioned",
        "webhook refused: no valid x-authgear-body-signature",
        "legacy provisioning failed; retrying",
        "legacy account not provisioned: reconcile will try again",
        "access_denied",
    ] {
        assert!(log.contains(expected), "no `{expected}` in:\n{log}");
    }
    assert_no_secret(&log);
    assert!(!log.contains("a-wrong-client-secret"));
}

#[tokio::test]
async fn the_reconcile_command_prints_its_report_and_never_a_secret() {
    let stack = Stack::start().await;
    hooks_to(&stack, &[]).await;
    let email = new_email();
    sign_up(&stack, &email).await;
    let state = state_file();
    let mut env = stack.env();
    env.extend(generic(&stack));
    let run = |arguments: &[&str]| {
        let mut command =
            tokio::process::Command::new(env!("CARGO_BIN_EXE_authgear-migrate-server"));
        command
            .arg("reconcile")
            .args(arguments)
            .env_clear()
            .envs(env.iter().map(|(name, value)| (*name, value.as_str())))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        command.output()
    };
    let first = run(&["--state", state.to_str().unwrap()]).await.unwrap();
    assert_eq!(first.status.code(), Some(2), "a first run needs --since");
    assert!(String::from_utf8_lossy(&first.stderr).contains("--since"));

    let output = run(&[
        "--state",
        state.to_str().unwrap(),
        "--since",
        "1970-01-01T00:00:00Z",
        "--settle-seconds",
        "0",
    ])
    .await
    .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let report: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["created"], 1);
    assert_eq!(report["target"], "generic");
    assert_eq!(calls(&stack, &email).await, (1, 1));
    assert_no_secret(&stdout);
    assert_no_secret(&stderr);
    let _ = std::fs::remove_file(&state);
    stack.stop().await;
}
