//! Many instances on one Redis behave as one: a real `redis-server` (started by the test on a
//! free loopback port), two endpoint instances, the devstack's stand-ins.

mod common;

use std::time::Duration;

use authgear_migrate_server::wire::SubjectTokenType;
use common::redis::RedisServer;
use common::stack::{Ask, Served, Stack};
use serde_json::json;

async fn two_instances(
    stack: &Stack,
    redis: &RedisServer,
    extra: &[(&'static str, &str)],
) -> (Served, Served) {
    let url = redis.url();
    let mut overrides = vec![("REDIS_URL", url.as_str())];
    overrides.extend_from_slice(extra);
    (
        stack.endpoint(&overrides).await,
        stack.endpoint(&overrides).await,
    )
}

#[tokio::test]
async fn a_replay_and_a_retry_are_recognised_across_instances() {
    let redis = RedisServer::start();
    let stack = Stack::start().await;
    let (a, b) = two_instances(&stack, &redis, &[]).await;
    let token = stack.mint(json!({})).await;
    let first = Ask::access(&token)
        .key("k1")
        .send(&stack.http, &a.url)
        .await;
    assert_eq!(first.status, 200, "{}", first.text);

    // The retry reaches the other instance: the same answer.
    let retry = Ask::access(&token)
        .key("k1")
        .send(&stack.http, &b.url)
        .await;
    assert_eq!((retry.status, &retry.text), (200, &first.text));
    // A new key with the same token: a replay, wherever it lands.
    let replay = Ask::access(&token)
        .key("k2")
        .send(&stack.http, &b.url)
        .await;
    assert_eq!(
        replay.refusal(),
        (400, "invalid_grant".into(), Some("replayed".into()))
    );
    // The key is bound to its token on every instance.
    let other = stack.mint(json!({ "user": "bob@example.com" })).await;
    let conflict = Ask::access(&other)
        .key("k1")
        .send(&stack.http, &b.url)
        .await;
    assert_eq!(conflict.refusal(), (400, "invalid_request".into(), None));
    assert_eq!(stack.sessions_created().await, 1);
    stack.stop().await;
}

#[tokio::test]
async fn a_request_in_flight_on_one_instance_answers_its_retry_on_the_other() {
    let redis = RedisServer::start();
    let stack = Stack::start().await;
    let (a, b) = two_instances(&stack, &redis, &[]).await;
    stack.slow_admin_api(300).await;
    let token = stack.mint(json!({})).await;
    let ask = Ask::access(&token).key("in-flight");
    let (first, second) = stack.retry_in_flight(&ask, &a.url, &b.url).await;
    assert_eq!(first.status, 200, "{}", first.text);
    assert_eq!((second.status, &second.text), (200, &first.text));
    assert_eq!(stack.sessions_created().await, 1);
    stack.stop().await;
}

#[tokio::test]
async fn spent_legacy_tokens_come_back_the_same_from_either_instance() {
    let redis = RedisServer::start();
    let stack = Stack::start().await;
    let (a, b) = two_instances(&stack, &redis, &[]).await;
    let legacy = stack.legacy_login("alice@example.com").await;
    let refresh_token = legacy["refresh_token"].as_str().unwrap();
    stack
        .fault(json!({
            "origin": "authgear", "path": "/_api/admin/graphql", "times": 1,
            "fault": { "kind": "status", "status": 503 },
        }))
        .await;
    let ask = Ask::new(SubjectTokenType::RefreshToken, refresh_token);
    let failed = ask.send(&stack.http, &a.url).await;
    assert_eq!(failed.status, 503);
    assert!(failed.error().legacy_session.is_some());
    let retry = ask.send(&stack.http, &b.url).await;
    assert_eq!((retry.status, &retry.text), (503, &failed.text));
    assert_eq!(
        stack.state().await["counters"]["legacy_refresh_tokens_spent"],
        1
    );
    stack.stop().await;
}

/// The store times out on the replay cache's claim after Redis ran it: the exchange answers
/// 503, the claim stays. The retry with the same key recognises its own claim and exchanges;
/// another key is still refused.
#[tokio::test]
async fn a_claim_whose_answer_timed_out_is_still_its_keys() {
    let redis = RedisServer::start();
    let stack = Stack::start().await;
    let served = stack.endpoint(&[("REDIS_URL", &redis.url())]).await;
    // The JWKS download holds the exchange between its idempotency marker and its claim.
    stack
        .fault(json!({
            "origin": "legacy", "path": "/jwks", "times": 1,
            "fault": { "kind": "delay", "ms": 1000 },
        }))
        .await;
    let token = stack.mint(json!({})).await;
    let ask = Ask::access(&token).key("timed-out");
    let (first, ()) = tokio::join!(ask.send(&stack.http, &served.url), async {
        stack
            .fault_struck("the JWKS", Duration::from_millis(20))
            .await;
        // The claim is sent during the pause, runs when it ends: after the 2 s timeout.
        redis.pause(4000);
    });
    assert_eq!(
        first.refusal(),
        (503, "temporarily_unavailable".into(), None),
        "{}",
        first.text
    );
    // Past the pause, which ends about 1 s after that answer.
    tokio::time::sleep(Duration::from_millis(2000)).await;
    let replay = Ask::access(&token)
        .key("another")
        .send(&stack.http, &served.url)
        .await;
    assert_eq!(
        replay.refusal(),
        (400, "invalid_grant".into(), Some("replayed".into())),
        "the claim stayed"
    );
    let retry = ask.send(&stack.http, &served.url).await;
    assert_eq!(retry.status, 200, "{}", retry.text);
    assert_eq!(stack.sessions_created().await, 1);
    stack.stop().await;
}

#[tokio::test]
async fn rate_limits_count_every_instance() {
    let redis = RedisServer::start();
    let stack = Stack::start().await;
    let (a, b) = two_instances(&stack, &redis, &[("RATE_LIMIT_PER_IP", "3/1m")]).await;
    for (n, served) in [&a, &a, &b].into_iter().enumerate() {
        let token = stack.mint(json!({ "user": "bob@example.com" })).await;
        let answer = Ask::access(&token).send(&stack.http, &served.url).await;
        assert_eq!(answer.status, 200, "exchange {n}: {}", answer.text);
    }
    for served in [&b, &a] {
        let token = stack.mint(json!({})).await;
        let answer = Ask::access(&token).send(&stack.http, &served.url).await;
        assert_eq!(answer.status, 429);
        assert!((1..=60).contains(&answer.retry_after.unwrap()));
    }
    stack.stop().await;
}

#[tokio::test]
async fn without_its_redis_an_instance_waits_and_says_so() {
    let mut redis = Some(RedisServer::start());
    let port = redis.as_ref().unwrap().port;
    let url = redis.as_ref().unwrap().url();
    let stack = Stack::start().await;
    let served = stack.endpoint(&[("REDIS_URL", &url)]).await;
    let healthz = |served: &Served| {
        let http = stack.http.clone();
        let url = format!("{}healthz", served.url);
        async move {
            let response = http.get(url).send().await.unwrap();
            (response.status().as_u16(), response.text().await.unwrap())
        }
    };
    let (status, body) = healthz(&served).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"redis\""), "{body}");

    drop(redis.take());
    let token = stack.mint(json!({})).await;
    let answer = Ask::access(&token).send(&stack.http, &served.url).await;
    assert_eq!(
        answer.refusal(),
        (503, "temporarily_unavailable".into(), None)
    );
    assert_eq!(answer.retry_after, Some(5));
    assert_eq!(healthz(&served).await.0, 503);
    assert_eq!(stack.sessions_created().await, 0);

    // Redis is back (on its port, empty): the instance reconnects by itself.
    let _back = RedisServer::start_on(port);
    let mut answer = None;
    for _ in 0..20 {
        let attempt = Ask::access(&token).send(&stack.http, &served.url).await;
        if attempt.status == 200 {
            answer = Some(attempt);
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(
        answer.is_some(),
        "no exchange within 5 s of Redis coming back"
    );
    assert_eq!(healthz(&served).await.0, 200);
    stack.stop().await;
}
