//! `authgear-migrate import` end to end, the binary against an in-process devstack: a
//! 10,000-user import interrupted and resumed, a process killed mid-upload, lost answers and
//! transient failures, and an imported user's legacy session migrating through the exchange.

mod common;

use std::time::{Duration, Instant};

use common::{Stack, assert_each_once, auth0_export, fixture, read_json, text};
use serde_json::{Value, json};

/// 10,000 users, stopped right after the third request was accepted and before the state file
/// recorded it (the worst moment to crash), then resumed: every user once, none missing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_users_interrupted_then_resumed_without_duplicates() {
    let stack = Stack::start("10k").await;
    let (users, hashes) = auth0_export(&stack.dir, "tenk", 10_000);
    let state = stack.dir.join("state.json");
    let report = stack.dir.join("report.csv");
    let (users, hashes, state_arg, report_arg) = (
        users.to_str().unwrap().to_owned(),
        hashes.to_str().unwrap().to_owned(),
        state.to_str().unwrap().to_owned(),
        report.to_str().unwrap().to_owned(),
    );
    let args = [
        "import",
        &users,
        "--format",
        "auth0",
        "--auth0-password-hashes",
        &hashes,
        "--legacy-id-attribute",
        "legacy_user_id",
        "--state",
        &state_arg,
        "--report",
        &report_arg,
        "--poll-interval-ms",
        "20",
        "--progress",
        "plain",
    ];
    let started = Instant::now();
    let mut interrupted = args.to_vec();
    interrupted.extend(["--stop-after-batches", "3"]);
    let first = stack.cli(&interrupted).await;
    assert_eq!(first.status.code(), Some(75), "{}", text(&first));
    let saved = read_json(&state);
    let statuses: Vec<&str> = saved["batches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|batch| batch["status"].as_str().unwrap())
        .collect();
    assert!(statuses.len() >= 5, "{statuses:?}");
    assert_eq!(statuses[2], "submitting", "{statuses:?}");
    assert!(statuses[3..].iter().all(|status| *status == "pending"));

    let second = stack.cli(&args).await;
    let elapsed = started.elapsed();
    assert_eq!(second.status.code(), Some(0), "{}", text(&second));
    let stdout = String::from_utf8_lossy(&second.stdout);
    assert!(stdout.contains("Resuming from"), "{stdout}");
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(stderr.contains("sending it again"), "{stderr}");

    assert_each_once(&stack, "tenk", 10_000).await;
    let done = read_json(&state);
    let batches = done["batches"].as_array().unwrap();
    assert!(batches.iter().all(|batch| batch["status"] == "completed"));
    let sum = |member: &str| -> u64 {
        batches
            .iter()
            .map(|batch| batch["result"]["summary"][member].as_u64().unwrap())
            .sum()
    };
    // The re-sent request found its users already there: skipped, not inserted again.
    assert_eq!(sum("inserted") + sum("skipped"), 10_000);
    assert_eq!(sum("skipped"), batches[2]["count"].as_u64().unwrap());
    assert_eq!(sum("failed"), 0);
    assert_eq!(batches[2]["submissions"], 2);
    let bytes: Vec<u64> = batches
        .iter()
        .map(|batch| batch["bytes"].as_u64().unwrap())
        .collect();
    assert!(bytes.iter().all(|size| *size <= 500_000), "{bytes:?}");
    let report = std::fs::read_to_string(&report).unwrap();
    assert_eq!(
        report.lines().count(),
        1,
        "only the header: nobody failed\n{report}"
    );
    eprintln!(
        "figures: 10,000 users in {} requests, {} bytes in all (largest {}), wall time {:.1} s for both runs",
        bytes.len(),
        bytes.iter().sum::<u64>(),
        bytes.iter().max().unwrap(),
        elapsed.as_secs_f64()
    );
    // The imported users are whole: password, verification, legacy ID.
    let state = stack.state().await;
    let user = state["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|user| user["email"] == "tenk00001@example.com")
        .unwrap()
        .clone();
    assert_eq!(user["email_verified"], true);
    stack.stop().await;
}

/// The process is killed (SIGKILL) while it uploads; the same command resumes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_mid_upload_then_resumed() {
    let stack = Stack::start("kill").await;
    let (users, hashes) = auth0_export(&stack.dir, "kill", 1_500);
    let state = stack.dir.join("state.json");
    let (users, hashes, state_arg) = (
        users.to_str().unwrap().to_owned(),
        hashes.to_str().unwrap().to_owned(),
        state.to_str().unwrap().to_owned(),
    );
    // Slow polling down so that the kill lands mid-upload.
    stack
        .fault(
            json!({"origin": "authgear", "path": "/_api/admin/users/import/*", "method": "GET",
                      "fault": {"kind": "delay", "ms": 100}}),
        )
        .await;
    let args = [
        "import",
        &users,
        "--format",
        "auth0",
        "--auth0-password-hashes",
        &hashes,
        "--state",
        &state_arg,
        "--max-request-bytes",
        "40000",
        "--poll-interval-ms",
        "10",
        "--progress",
        "none",
    ];
    let mut child = stack.cli_child(&args);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let text = std::fs::read_to_string(&state).unwrap_or_default();
        if text.contains("\"completed\"") {
            break;
        }
        assert!(Instant::now() < deadline, "no batch completed in time");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    child.start_kill().unwrap();
    let status = child.wait().await.unwrap();
    assert!(!status.success());
    let resumed = stack.cli(&args).await;
    assert_eq!(resumed.status.code(), Some(0), "{}", text(&resumed));
    assert_each_once(&stack, "kill", 1_500).await;
    stack.stop().await;
}

/// 503s are retried; an answer lost after Authgear imported the batch makes the request go
/// again, and its users come back "already there", not twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transient_failures_and_lost_answers_are_retried_without_duplicates() {
    let stack = Stack::start("retry").await;
    let (users, hashes) = auth0_export(&stack.dir, "retry", 300);
    let state = stack.dir.join("state.json");
    stack
        .fault(json!({"origin": "authgear", "path": "/_api/admin/users/import", "method": "POST", "times": 1,
                      "fault": {"kind": "drop_response"}}))
        .await;
    stack
        .fault(json!({"origin": "authgear", "path": "/_api/admin/users/import", "method": "POST", "times": 2,
                      "fault": {"kind": "status", "status": 503, "retry_after": 0,
                                "body": {"error": {"name": "ServiceUnavailable", "reason": "ServiceUnavailable", "message": "try later", "code": 503}}}}))
        .await;
    stack
        .fault(json!({"origin": "authgear", "path": "/_api/admin/users/import/*", "method": "GET", "times": 1,
                      "fault": {"kind": "malformed_json"}}))
        .await;
    let output = stack
        .cli(&[
            "import",
            users.to_str().unwrap(),
            "--format",
            "auth0",
            "--auth0-password-hashes",
            hashes.to_str().unwrap(),
            "--state",
            state.to_str().unwrap(),
            "--poll-interval-ms",
            "10",
            "--retry-base-ms",
            "10",
            "--progress",
            "plain",
        ])
        .await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    // The job of the POST whose answer was dropped imported everyone; the retry found them.
    assert!(stdout.contains("0 inserted"), "{stdout}");
    assert!(stdout.contains("300 already there"), "{stdout}");
    assert!(stdout.contains("IMPORTED_USERS=300 "), "{stdout}");
    assert!(stdout.contains("sent more than once"), "{stdout}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("503"), "{stderr}");
    assert!(stderr.contains("retrying"), "{stderr}");
    assert_each_once(&stack, "retry", 300).await;
    stack.stop().await;
}

/// A wrong key is refused at once, with a message that says what to check, and the state
/// file says where to resume.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_key_stops_with_a_clear_message() {
    let stack = Stack::start("refused").await;
    let output = common::cli_command(
        Some(&stack.config.authgear),
        &[
            "import",
            fixture("auth0-password-hashes.ndjson").to_str().unwrap(),
            "--format",
            "auth0",
            "--state",
            stack.dir.join("state.json").to_str().unwrap(),
            "--project-id",
            "another-project",
        ],
    )
    .output()
    .await
    .unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("403 Forbidden"), "{stderr}");
    assert!(stderr.contains("AUTHGEAR_ADMIN_KEY_ID"), "{stderr}");
    assert!(
        stderr.contains("run the same command again to resume"),
        "{stderr}"
    );
    stack.stop().await;
}

/// Import (the Auth0 fixture), then a legacy session of an imported user — one the legacy
/// devstack never seeded — migrates through the exchange endpoint to Authgear tokens, and the
/// Authgear user carries the legacy user ID.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_imported_user_migrates_through_the_exchange() {
    let stack = Stack::start("e2e").await;
    let output = stack
        .cli(&[
            "import",
            fixture("auth0-users.ndjson").to_str().unwrap(),
            "--format",
            "auth0",
            "--auth0-password-hashes",
            fixture("auth0-password-hashes.ndjson").to_str().unwrap(),
            "--legacy-id-attribute",
            "legacy_user_id",
            "--state",
            stack.dir.join("state.json").to_str().unwrap(),
            "--report",
            stack.dir.join("report.json").to_str().unwrap(),
            "--poll-interval-ms",
            "10",
        ])
        .await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let report = read_json(&stack.dir.join("report.json"));
    assert_eq!(report.as_array().unwrap().len(), 2, "{report}");

    let minted: Value = stack
        .http
        .post(format!("{}/__devstack/legacy/mint", stack.config.app))
        .json(&json!({"claims": {"email": "erin.example@example.com"}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = minted["token"].as_str().unwrap();
    let exchanged = stack
        .http
        .post(&stack.config.exchange_url)
        .form(&[
            (
                "grant_type",
                "urn:ietf:params:oauth:grant-type:token-exchange",
            ),
            ("client_id", stack.config.client_id.as_str()),
            ("subject_token", token),
            (
                "subject_token_type",
                "urn:ietf:params:oauth:token-type:access_token",
            ),
            (
                "requested_token_type",
                "urn:ietf:params:oauth:token-type:refresh_token",
            ),
            ("idempotency_key", "e2e-import-erin-0001"),
        ])
        .send()
        .await
        .unwrap();
    let status = exchanged.status();
    let tokens: Value = exchanged.json().await.unwrap();
    assert_eq!(status, 200, "{tokens}");
    assert!(
        tokens["refresh_token"]
            .as_str()
            .is_some_and(|t| !t.is_empty()),
        "{tokens}"
    );
    let access = tokens["access_token"].as_str().unwrap();
    let userinfo: Value = stack
        .http
        .get(format!("{}/oauth2/userinfo", stack.config.authgear))
        .bearer_auth(access)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(userinfo["email"], "erin.example@example.com");
    assert_eq!(userinfo["email_verified"], true);
    assert_eq!(userinfo["given_name"], "Erin");
    assert_eq!(
        userinfo["custom_attributes"]["legacy_user_id"],
        "auth0|5dea9f9c82dd7c0e76e4ec93"
    );
    stack.stop().await;
}
