//! Every refusal and every "not now", against the devstack's stand-ins: bad legacy tokens,
//! replays, the idempotency cache, unknown users and clients, rate limits, the kill switch, and
//! Authgear down, saturated or throttling.

mod common;

use std::time::Duration;

use common::stack::{Ask, Stack};
use serde_json::json;

fn refused(reason: &str) -> (u16, String, Option<String>) {
    (400, "invalid_grant".to_owned(), Some(reason.to_owned()))
}

#[tokio::test]
async fn bad_legacy_tokens_are_refused_for_their_reason() {
    let stack = Stack::start().await;
    let served = stack.endpoint(&[]).await;
    let good = stack.mint(json!({})).await;
    let tampered = format!(
        "{}{}",
        &good[..good.len() - 2],
        if good.ends_with("AA") { "BB" } else { "AA" }
    );
    let cases = [
        (
            "expired",
            stack.mint(json!({ "expires_in": -3600 })).await,
            "expired",
        ),
        ("bad signature", tampered, "invalid"),
        (
            "wrong aud",
            stack
                .mint(json!({ "claims": { "aud": "https://other.example" } }))
                .await,
            "invalid",
        ),
        (
            "wrong iss",
            stack
                .mint(json!({ "claims": { "iss": "https://evil.example" } }))
                .await,
            "invalid",
        ),
        (
            "alg none",
            stack.mint(json!({ "alg": "none" })).await,
            "invalid",
        ),
        (
            "HS256 keyed with the public key",
            stack.mint(json!({ "alg": "HS256" })).await,
            "invalid",
        ),
        (
            "ES256 outside LEGACY_ALGORITHMS",
            stack.mint(json!({ "alg": "ES256" })).await,
            "invalid",
        ),
        (
            "not yet valid",
            stack.mint(json!({ "not_before_in": 3600 })).await,
            "invalid",
        ),
        (
            "user not found",
            stack
                .mint(json!({ "claims": { "email": "ghost@example.com" } }))
                .await,
            "user_not_found",
        ),
        (
            "no login ID claim",
            stack.mint(json!({ "claims": { "email": null } })).await,
            "user_not_found",
        ),
        (
            "user disabled in Authgear",
            stack.mint(json!({ "user": "dave@example.com" })).await,
            "user_disabled",
        ),
    ];
    for (case, token, reason) in &cases {
        let answer = Ask::access(token).send(&stack.http, &served.url).await;
        assert_eq!(answer.refusal(), refused(reason), "{case}: {}", answer.text);
        assert!(!answer.text.contains(token.as_str()), "{case}: echoed");
    }
    assert_eq!(stack.sessions_created().await, 0);

    // A refused token was not exchanged: once the cause is gone (here: the user is found
    // under a good token), nothing of the refusals lingers in the replay cache.
    let answer = Ask::access(&good).send(&stack.http, &served.url).await;
    assert_eq!(answer.status, 200);
    stack.stop().await;
}

#[tokio::test]
async fn a_client_outside_the_allowlist_is_refused() {
    let stack = Stack::start().await;
    let served = stack.endpoint(&[]).await;
    let token = stack.mint(json!({})).await;
    let answer = Ask::access(&token)
        .client("legacy-web-app")
        .send(&stack.http, &served.url)
        .await;
    assert_eq!(answer.refusal(), (401, "invalid_client".into(), None));
    // Refused before anything was claimed: the token still works for the right client.
    let answer = Ask::access(&token).send(&stack.http, &served.url).await;
    assert_eq!(answer.status, 200);
    stack.stop().await;
}

#[tokio::test]
async fn a_replay_is_refused_and_a_retry_is_answered_again() {
    let stack = Stack::start().await;
    let served = stack.endpoint(&[]).await;
    let token = stack.mint(json!({})).await;
    let first = Ask::access(&token)
        .key("attempt-1")
        .send(&stack.http, &served.url)
        .await;
    assert_eq!(first.status, 200);

    // The response was lost; the engine retries with the same key: the same answer, byte for
    // byte, and no second session.
    let retry = Ask::access(&token)
        .key("attempt-1")
        .send(&stack.http, &served.url)
        .await;
    assert_eq!((retry.status, &retry.text), (200, &first.text));

    // The same token under a new key: a replay.
    let replay = Ask::access(&token)
        .key("attempt-2")
        .send(&stack.http, &served.url)
        .await;
    assert_eq!(replay.refusal(), refused("replayed"));

    // Another token under the first key: refused, and never given the first answer.
    let other = stack.mint(json!({ "user": "bob@example.com" })).await;
    let conflict = Ask::access(&other)
        .key("attempt-1")
        .send(&stack.http, &served.url)
        .await;
    assert_eq!(conflict.refusal(), (400, "invalid_request".into(), None));
    assert!(!conflict.text.contains("access_token"));

    assert_eq!(stack.sessions_created().await, 1);
    stack.stop().await;
}

#[tokio::test]
async fn a_retry_while_the_first_request_runs_gets_its_answer() {
    let stack = Stack::start().await;
    let served = stack.endpoint(&[]).await;
    // Authgear is slow: the first request is still in createSession when the retry arrives.
    stack.slow_admin_api(300).await;
    let token = stack.mint(json!({})).await;
    let ask = Ask::access(&token).key("in-flight");
    let (first, second) = stack.retry_in_flight(&ask, &served.url, &served.url).await;
    assert_eq!(first.status, 200, "{}", first.text);
    assert_eq!((second.status, &second.text), (200, &first.text));
    assert_eq!(stack.sessions_created().await, 1);
    stack.stop().await;
}

#[tokio::test]
async fn a_client_that_gives_up_gets_the_answer_when_it_retries() {
    let stack = Stack::start().await;
    let served = stack.endpoint(&[]).await;
    stack.slow_admin_api(300).await;
    let token = stack.mint(json!({})).await;
    let ask = Ask::access(&token).key("given-up");
    // The engine's timeout fires first: it closes the connection and never hears the answer.
    let impatient = reqwest::Client::builder()
        .timeout(Duration::from_millis(150))
        .build()
        .unwrap();
    let gave_up = tokio::spawn({
        let url = served.url.clone();
        let form = authgear_migrate_server::wire::ExchangeRequest {
            client_id: stack.config.client_id.clone(),
            subject_token: Some(token.clone()),
            subject_token_type: authgear_migrate_server::wire::SubjectTokenType::AccessToken,
            idempotency_key: "given-up".to_owned(),
            device_info: None,
        }
        .to_form();
        async move {
            impatient
                .post(url)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(form)
                .send()
                .await
        }
    });
    assert!(
        gave_up.await.unwrap().is_err(),
        "the client should have timed out"
    );
    // The exchange went on without it; the retry hears how it ended (waiting for it if need be).
    let retry = ask.send(&stack.http, &served.url).await;
    assert_eq!(retry.status, 200, "{}", retry.text);
    assert_eq!(stack.sessions_created().await, 1);
    stack.stop().await;
}

#[tokio::test]
async fn rate_limits_answer_429_with_retry_after() {
    let stack = Stack::start().await;
    let per_ip = stack.endpoint(&[("RATE_LIMIT_PER_IP", "2/1m")]).await;
    for n in 0..2 {
        let token = stack.mint(json!({ "user": "bob@example.com" })).await;
        let answer = Ask::access(&token).send(&stack.http, &per_ip.url).await;
        assert_eq!(answer.status, 200, "exchange {n}");
    }
    let token = stack.mint(json!({})).await;
    let limited = Ask::access(&token).send(&stack.http, &per_ip.url).await;
    assert_eq!(
        limited.refusal(),
        (429, "temporarily_unavailable".into(), None)
    );
    assert!((1..=60).contains(&limited.retry_after.unwrap()));
    // Nothing was spent on it: the token works elsewhere.
    let elsewhere = stack.endpoint(&[]).await;
    assert_eq!(
        Ask::access(&token)
            .send(&stack.http, &elsewhere.url)
            .await
            .status,
        200
    );

    let per_subject = stack.endpoint(&[("RATE_LIMIT_PER_SUBJECT", "2/1h")]).await;
    for n in 0..2 {
        let token = stack.mint(json!({ "user": "alice@example.com" })).await;
        let answer = Ask::access(&token)
            .send(&stack.http, &per_subject.url)
            .await;
        assert_eq!(answer.status, 200, "exchange {n}");
    }
    let token = stack.mint(json!({ "user": "alice@example.com" })).await;
    let limited = Ask::access(&token)
        .send(&stack.http, &per_subject.url)
        .await;
    assert_eq!(limited.status, 429);
    assert!((3500..=3600).contains(&limited.retry_after.unwrap()));
    // Another user is not held back.
    let token = stack.mint(json!({ "user": "bob@example.com" })).await;
    assert_eq!(
        Ask::access(&token)
            .send(&stack.http, &per_subject.url)
            .await
            .status,
        200
    );
    stack.stop().await;
}

#[tokio::test]
async fn authgear_down_means_503_and_the_token_stays_usable() {
    let stack = Stack::start().await;
    let served = stack.endpoint(&[]).await;
    let token = stack.mint(json!({})).await;
    for fault in [
        json!({ "kind": "status", "status": 503, "retry_after": 7 }),
        json!({ "kind": "status", "status": 500 }),
        json!({ "kind": "drop" }),
    ] {
        stack
            .fault(json!({ "origin": "authgear", "path": "/_api/admin/graphql", "fault": fault }))
            .await;
        let answer = Ask::access(&token).send(&stack.http, &served.url).await;
        assert_eq!(
            answer.refusal(),
            (503, "temporarily_unavailable".into(), None),
            "{fault}"
        );
        assert!(answer.retry_after.is_some(), "{fault}");
        if fault["retry_after"] == 7 {
            assert_eq!(answer.retry_after, Some(7));
        }
        stack.clear_faults().await;
    }
    // Nothing was exchanged: the engine's next try (a new key, later) succeeds.
    let answer = Ask::access(&token).send(&stack.http, &served.url).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    stack.stop().await;
}

#[tokio::test]
async fn authgear_throttling_pauses_the_admin_api_calls() {
    let stack = Stack::start().await;
    let served = stack.endpoint(&[]).await;
    stack
        .fault(json!({
            "origin": "authgear", "path": "/_api/admin/graphql", "times": 1,
            "fault": { "kind": "status", "status": 429, "retry_after": 30 },
        }))
        .await;
    let token = stack.mint(json!({})).await;
    let throttled = Ask::access(&token).send(&stack.http, &served.url).await;
    assert_eq!(throttled.status, 503);
    assert_eq!(throttled.retry_after, Some(30));
    // The next exchange is answered at once, without calling Authgear.
    let calls = |state: serde_json::Value| {
        state["counters"]["requests"]["authgear"]["POST /_api/admin/graphql"]
            .as_u64()
            .unwrap_or(0)
    };
    let before = calls(stack.state().await);
    let other = stack.mint(json!({ "user": "bob@example.com" })).await;
    let paused = Ask::access(&other).send(&stack.http, &served.url).await;
    assert_eq!(paused.status, 503);
    assert!((25..=30).contains(&paused.retry_after.unwrap()));
    assert_eq!(calls(stack.state().await), before);
    stack.stop().await;
}

#[tokio::test]
async fn a_saturated_admin_api_gate_answers_503() {
    let stack = Stack::start().await;
    let served = stack
        .endpoint(&[
            ("AUTHGEAR_MAX_CONCURRENCY", "1"),
            ("AUTHGEAR_QUEUE_TIMEOUT_MS", "50"),
        ])
        .await;
    stack.slow_admin_api(400).await;
    let one = stack.mint(json!({})).await;
    let two = stack.mint(json!({ "user": "bob@example.com" })).await;
    let ask_one = Ask::access(&one);
    let (first, second) = tokio::join!(ask_one.send(&stack.http, &served.url), async {
        tokio::time::sleep(Duration::from_millis(100)).await;
        Ask::access(&two).send(&stack.http, &served.url).await
    });
    // Whichever got the one slot first (normally the first) is served; the other is told to
    // come back soon.
    let (served_one, turned_away) = if first.status == 200 {
        (first, second)
    } else {
        (second, first)
    };
    assert_eq!(served_one.status, 200, "{}", served_one.text);
    assert_eq!(
        turned_away.refusal(),
        (503, "temporarily_unavailable".into(), None)
    );
    assert_eq!(turned_away.retry_after, Some(2));
    let metrics = stack
        .http
        .get(format!("{}metrics", served.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains(
            "authgear_migrate_exchanges_total{outcome=\"failed\",reason=\"authgear_unavailable\"} 1"
        ),
        "{metrics}"
    );
    stack.stop().await;
}

#[tokio::test]
async fn the_kill_switch_answers_503_with_retry_after() {
    let stack = Stack::start().await;
    let token = stack.mint(json!({})).await;
    let off = stack
        .endpoint(&[
            ("KILL_SWITCH", "on"),
            ("KILL_SWITCH_RETRY_AFTER_SECONDS", "600"),
        ])
        .await;
    let answer = Ask::access(&token).send(&stack.http, &off.url).await;
    assert_eq!(
        answer.refusal(),
        (503, "temporarily_unavailable".into(), None)
    );
    assert_eq!(answer.retry_after, Some(600));

    // The file form flips without a restart.
    let file = std::env::temp_dir().join(format!("kill-switch-test-{}", std::process::id()));
    let _ = std::fs::remove_file(&file);
    let path = file.display().to_string();
    let served = stack.endpoint(&[("KILL_SWITCH_FILE", &path)]).await;
    std::fs::write(&file, "paused for the incident").unwrap();
    let answer = Ask::access(&token).send(&stack.http, &served.url).await;
    assert_eq!(answer.status, 503);
    assert_eq!(answer.retry_after, Some(900));
    std::fs::remove_file(&file).unwrap();
    // Looked at once a second at most.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let answer = Ask::access(&token).send(&stack.http, &served.url).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(stack.sessions_created().await, 1);
    stack.stop().await;
}

#[tokio::test]
async fn oversized_and_malformed_requests_are_refused_before_any_work() {
    let stack = Stack::start().await;
    let served = stack.endpoint(&[]).await;
    let token = stack.mint(json!({})).await;
    let long_key = "k".repeat(129);
    let answer = Ask::access(&token)
        .key(&long_key)
        .send(&stack.http, &served.url)
        .await;
    assert_eq!(answer.refusal(), (400, "invalid_request".into(), None));
    let answer = Ask::access(&"x".repeat(20 * 1024))
        .send(&stack.http, &served.url)
        .await;
    assert_eq!(answer.refusal(), (400, "invalid_request".into(), None));
    assert!(answer.text.contains("larger than"));
    assert_eq!(
        Ask::access(&token)
            .send(&stack.http, &served.url)
            .await
            .status,
        200
    );
    stack.stop().await;
}
