//! What the endpoint logs. Alone in its binary: `tracing` caches, per call site, whether anyone
//! listens, and tests on other threads without a subscriber would race this one's.

mod common;

use authgear_migrate_server::wire::SubjectTokenType;
use common::logs::capture_logs;
use common::*;
use serde_json::json;

// `#[tokio::test]` runs the endpoint on the test's own thread, where the subscriber is set.
#[tokio::test]
async fn log_lines_tell_the_outcome_and_never_a_token() {
    let (captured, _guard) = capture_logs(tracing::Level::INFO);

    let jwks = json!({ "keys": [Signer::rsa().jwk("legacy-rsa", Some("RS256"))] });
    let upstream = Upstream::start(jwks).await;
    let url = start_endpoint(upstream.config()).await;
    let token = good_token();
    assert_eq!(
        post_form(&url, form(&token, SubjectTokenType::AccessToken))
            .await
            .status(),
        200
    );
    let forged = format!("{}x", &token[..token.len() - 1]);
    post_form(&url, form(&forged, SubjectTokenType::AccessToken)).await;
    upstream.set_admin_mode(AdminMode::Status(503, None));
    let other = good_token();
    post_form(&url, form(&other, SubjectTokenType::AccessToken)).await;

    let log = captured.text();
    for outcome in [
        "\"migrated\"",
        "\"refused\"",
        "\"failed\"",
        "\"invalid_grant\"",
    ] {
        assert!(log.contains(outcome), "no {outcome} in {log}");
    }
    for secret in [
        token.rsplit('.').next().unwrap(),
        token.split('.').nth(1).unwrap(),
        other.rsplit('.').next().unwrap(),
        "authgear-access-token",
        "authgear-refresh-token",
        USER_EMAIL,
    ] {
        assert!(!log.contains(secret), "{secret} logged: {log}");
    }
}

// Every credential kind against the devstack, including failures after a refresh token was
// spent (whose answer carries the replacement tokens): none of it reaches a log line.
#[tokio::test]
async fn no_credential_of_any_kind_is_logged() {
    use authgear_migrate_server::wire::SubjectTokenType as Kind;
    use common::stack::{Ask, Stack};

    let (captured, _guard) = capture_logs(tracing::Level::INFO);

    let stack = Stack::start().await;
    let userinfo = format!("{}/userinfo", stack.config.legacy);
    let served = stack.endpoint(&[]).await;
    let opaque_endpoint = stack
        .endpoint(&[
            ("LEGACY_ACCESS_TOKEN_VERIFIER", "userinfo"),
            ("LEGACY_USERINFO_URL", &userinfo),
            ("LEGACY_USERINFO_ACCEPTS_ANY_CLIENT", "true"),
            // Userinfo cannot tell a token's audience.
            ("LEGACY_AUDIENCE", ""),
        ])
        .await;
    let mut secrets = Vec::new();

    let legacy = stack.legacy_login("alice@example.com").await;
    let refresh = legacy["refresh_token"].as_str().unwrap().to_owned();
    stack
        .fault(json!({
            "origin": "authgear", "path": "/_api/admin/graphql", "times": 1,
            "fault": { "kind": "status", "status": 503 },
        }))
        .await;
    let failed = Ask::new(Kind::RefreshToken, &refresh)
        .send(&stack.http, &served.url)
        .await;
    let replacement = failed.error().legacy_session.unwrap();
    let new_refresh = replacement.refresh_token.unwrap();
    let success = Ask::new(Kind::RefreshToken, &new_refresh)
        .send(&stack.http, &served.url)
        .await;
    assert_eq!(success.status, 200);
    secrets.extend([refresh, new_refresh]);
    secrets.push(success.json()["refresh_token"].as_str().unwrap().to_owned());

    let cookie = stack.legacy_cookie("bob@example.com").await;
    let answer = Ask::cookie()
        .header("cookie", cookie.clone())
        .header("origin", stack.config.app.clone())
        .send(&stack.http, &served.url)
        .await;
    assert_eq!(answer.status, 200);
    secrets.push(cookie.split_once('=').unwrap().1.to_owned());

    let opaque = stack
        .mint(json!({ "user": "bob@example.com", "kind": "opaque" }))
        .await;
    for _ in 0..2 {
        // The second is a replay, refused: logged too, without the token.
        Ask::access(&opaque)
            .send(&stack.http, &opaque_endpoint.url)
            .await;
    }
    secrets.push(opaque);
    stack.stop().await;

    let log = captured.text();
    assert!(log.contains("\"replayed\""), "{log}");
    assert!(log.contains("\"failed\""), "{log}");
    for secret in secrets.iter().map(String::as_str).chain([
        "alice@example.com",
        "bob@example.com",
        "carol@example.com",
    ]) {
        assert!(!log.contains(secret), "{secret} logged: {log}");
    }
}
