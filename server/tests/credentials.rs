//! Every kind of legacy credential, exchanged against the devstack's stand-ins: JWT access and
//! ID tokens (RS256, ES256), opaque tokens by userinfo and by introspection, rotating refresh
//! tokens, and the HttpOnly session cookie.

mod common;

use authgear_migrate_server::wire::SubjectTokenType;
use common::stack::{Ask, Stack};
use serde_json::json;

#[tokio::test]
async fn jwt_access_tokens_signed_rs256_or_es256_become_sessions_of_their_user() {
    let stack = Stack::start().await;
    let served = stack
        .endpoint(&[("LEGACY_ALGORITHMS", "RS256,ES256")])
        .await;
    for (email, alg) in [("alice@example.com", "RS256"), ("bob@example.com", "ES256")] {
        let token = stack.mint(json!({ "user": email, "alg": alg })).await;
        let answer = Ask::access(&token).send(&stack.http, &served.url).await;
        assert_eq!(
            answer.authgear_subject(),
            stack.authgear_user_id(email).await,
            "{alg}"
        );
        let body = answer.json();
        assert_eq!(body["token_type"], "Bearer");
        assert!(body["refresh_token"].is_string());
    }
    assert_eq!(stack.sessions_created().await, 2);
    stack.stop().await;
}

#[tokio::test]
async fn an_id_token_must_name_the_legacy_client() {
    let stack = Stack::start().await;
    let served = stack.endpoint(&[]).await;
    let id_token = stack.mint(json!({ "kind": "id_token" })).await;
    let answer = Ask::new(SubjectTokenType::IdToken, &id_token)
        .send(&stack.http, &served.url)
        .await;
    assert_eq!(
        answer.authgear_subject(),
        stack.authgear_user_id("alice@example.com").await
    );
    // An access token is for the API, not the legacy client: it is not an ID token.
    let access_token = stack.mint(json!({})).await;
    let answer = Ask::new(SubjectTokenType::IdToken, &access_token)
        .send(&stack.http, &served.url)
        .await;
    assert_eq!(
        answer.refusal(),
        (400, "invalid_grant".into(), Some("invalid".into()))
    );
    stack.stop().await;
}

#[tokio::test]
async fn an_opaque_token_is_verified_by_userinfo() {
    let stack = Stack::start().await;
    let userinfo = format!("{}/userinfo", stack.config.legacy);
    let served = stack
        .endpoint(&[
            ("LEGACY_ACCESS_TOKEN_VERIFIER", "userinfo"),
            ("LEGACY_USERINFO_URL", &userinfo),
            ("LEGACY_USERINFO_ACCEPTS_ANY_CLIENT", "true"),
            // Userinfo cannot tell a token's audience.
            ("LEGACY_AUDIENCE", ""),
        ])
        .await;
    let opaque = stack
        .mint(json!({ "user": "alice@example.com", "kind": "opaque" }))
        .await;
    let answer = Ask::access(&opaque).send(&stack.http, &served.url).await;
    assert_eq!(
        answer.authgear_subject(),
        stack.authgear_user_id("alice@example.com").await
    );
    // A JWT access token is a token like any other to userinfo.
    let jwt = stack.mint(json!({ "user": "bob@example.com" })).await;
    let answer = Ask::access(&jwt).send(&stack.http, &served.url).await;
    assert_eq!(answer.status, 200, "{}", answer.text);

    let unknown = Ask::access("not-a-token-the-idp-issued")
        .send(&stack.http, &served.url)
        .await;
    assert_eq!(
        unknown.refusal(),
        (400, "invalid_grant".into(), Some("invalid".into()))
    );
    stack.stop().await;
}

#[tokio::test]
async fn an_opaque_token_is_verified_by_introspection() {
    let stack = Stack::start().await;
    let introspect = format!("{}/introspect", stack.config.legacy);
    let served = stack
        .endpoint(&[
            ("LEGACY_ACCESS_TOKEN_VERIFIER", "introspection"),
            ("LEGACY_INTROSPECTION_URL", &introspect),
        ])
        .await;
    let opaque = stack
        .mint(json!({ "user": "bob@example.com", "kind": "opaque" }))
        .await;
    let answer = Ask::access(&opaque).send(&stack.http, &served.url).await;
    assert_eq!(
        answer.authgear_subject(),
        stack.authgear_user_id("bob@example.com").await
    );

    let invalid = (400, "invalid_grant".to_owned(), Some("invalid".to_owned()));
    // Inactive: unknown, or expired (the IdP no longer vouches for it).
    let expired = stack
        .mint(json!({ "kind": "opaque", "expires_in": -60 }))
        .await;
    for token in ["never-issued", expired.as_str()] {
        let answer = Ask::access(token).send(&stack.http, &served.url).await;
        assert_eq!(answer.refusal(), invalid, "{token}");
    }
    // A refresh token is active too, but is not an access token: spending it is the only way.
    let refresh = stack.mint(json!({ "kind": "refresh_token" })).await;
    let answer = Ask::access(&refresh).send(&stack.http, &served.url).await;
    assert_eq!(answer.refusal(), invalid);
    assert!(answer.text.contains("refresh token"), "{}", answer.text);
    stack.stop().await;
}

#[tokio::test]
async fn a_refresh_token_is_redeemed_once_and_never_again() {
    let stack = Stack::start().await;
    let served = stack.endpoint(&[]).await;
    let legacy = stack.legacy_login("alice@example.com").await;
    let refresh_token = legacy["refresh_token"].as_str().unwrap();
    let answer = Ask::new(SubjectTokenType::RefreshToken, refresh_token)
        .send(&stack.http, &served.url)
        .await;
    assert_eq!(
        answer.authgear_subject(),
        stack.authgear_user_id("alice@example.com").await
    );
    // Success returns no legacy tokens: the legacy session is over.
    assert!(answer.json().get("legacy_session").is_none());
    let state = stack.state().await;
    assert_eq!(state["counters"]["legacy_refresh_tokens_spent"], 1);

    // Again, with a new idempotency key: refused here, without asking the IdP again.
    let again = Ask::new(SubjectTokenType::RefreshToken, refresh_token)
        .send(&stack.http, &served.url)
        .await;
    assert_eq!(
        again.refusal(),
        (400, "invalid_grant".into(), Some("replayed".into()))
    );
    let state = stack.state().await;
    assert_eq!(
        state["counters"]["legacy_token"]["refresh_token"]["issued"],
        1
    );
    assert_eq!(state["counters"]["legacy_refresh_token_replays"], 0);
    stack.stop().await;
}

#[tokio::test]
async fn a_refresh_token_the_idp_no_longer_honours_is_revoked() {
    let stack = Stack::start().await;
    let served = stack.endpoint(&[]).await;
    let legacy = stack.legacy_login("bob@example.com").await;
    let refresh_token = legacy["refresh_token"].as_str().unwrap();
    // Another client of the legacy IdP spent it first.
    assert_eq!(stack.legacy_refresh(refresh_token).await, 200);
    let answer = Ask::new(SubjectTokenType::RefreshToken, refresh_token)
        .send(&stack.http, &served.url)
        .await;
    assert_eq!(
        answer.refusal(),
        (400, "invalid_grant".into(), Some("revoked".into()))
    );
    assert!(answer.json().get("legacy_session").is_none());
    assert_eq!(stack.sessions_created().await, 0);
    stack.stop().await;
}

#[tokio::test]
async fn a_spent_refresh_token_comes_back_when_authgear_then_fails() {
    let stack = Stack::start().await;
    let served = stack.endpoint(&[]).await;
    let legacy = stack.legacy_login("alice@example.com").await;
    let refresh_token = legacy["refresh_token"].as_str().unwrap();
    stack
        .fault(json!({
            "origin": "authgear", "path": "/_api/admin/graphql", "times": 1,
            "fault": { "kind": "status", "status": 503, "retry_after": 7 },
        }))
        .await;
    let ask = Ask::new(SubjectTokenType::RefreshToken, refresh_token);
    let failed = ask.send(&stack.http, &served.url).await;
    assert_eq!(failed.status, 503);
    assert_eq!(failed.retry_after, Some(7));
    let replacement = failed
        .error()
        .legacy_session
        .expect("the replacement tokens");
    let new_refresh = replacement
        .refresh_token
        .clone()
        .expect("a new refresh token");
    assert_ne!(new_refresh, refresh_token);
    assert!(replacement.access_token.is_some() && replacement.id_token.is_some());

    // The response was lost: the retry with the same key and token hears the same answer, and
    // the spent token is not sent to the IdP again.
    let retry = ask.send(&stack.http, &served.url).await;
    assert_eq!(retry.status, 503);
    assert_eq!(retry.retry_after, Some(7));
    assert_eq!(retry.text, failed.text);
    let state = stack.state().await;
    assert_eq!(state["counters"]["legacy_refresh_tokens_spent"], 1);
    assert_eq!(state["counters"]["legacy_refresh_token_replays"], 0);

    // The engine writes the replacement back and tries again later, with a new key.
    let later = Ask::new(SubjectTokenType::RefreshToken, &new_refresh)
        .send(&stack.http, &served.url)
        .await;
    assert_eq!(
        later.authgear_subject(),
        stack.authgear_user_id("alice@example.com").await
    );
    stack.stop().await;
}

#[tokio::test]
async fn a_session_cookie_is_checked_by_the_legacy_idp() {
    let stack = Stack::start().await;
    let served = stack.endpoint(&[]).await;
    let cookie = stack.legacy_cookie("bob@example.com").await;
    let app = stack.config.app.clone();
    // The browser sends every cookie of the site; only the configured one is forwarded.
    let answer = Ask::cookie()
        .header("cookie", format!("theme=dark; {cookie}; other=1"))
        .header("origin", app.clone())
        .send(&stack.http, &served.url)
        .await;
    assert_eq!(
        answer.authgear_subject(),
        stack.authgear_user_id("bob@example.com").await
    );

    let invalid_request = (400, "invalid_request".to_owned(), None);
    // CSRF: a cookie-mode request from another origin, or with none, is not exchanged.
    for origin in [Some("https://evil.example"), None] {
        let mut ask = Ask::cookie().header("cookie", cookie.clone());
        if let Some(origin) = origin {
            ask = ask.header("origin", origin);
        }
        let answer = ask.send(&stack.http, &served.url).await;
        assert_eq!(answer.refusal(), invalid_request, "{origin:?}");
        assert!(
            answer.text.contains("CORS_ALLOWED_ORIGINS"),
            "{}",
            answer.text
        );
    }
    // No session cookie, or one the IdP does not know.
    let invalid = (400, "invalid_grant".to_owned(), Some("invalid".to_owned()));
    for cookies in ["theme=dark", "legacy_session=forged"] {
        let answer = Ask::cookie()
            .header("cookie", cookies)
            .header("origin", app.clone())
            .send(&stack.http, &served.url)
            .await;
        assert_eq!(answer.refusal(), invalid, "{cookies}");
    }
    assert_eq!(stack.sessions_created().await, 1);
    stack.stop().await;
}

#[tokio::test]
async fn kinds_left_out_of_legacy_credentials_are_unsupported() {
    let stack = Stack::start().await;
    let served = stack
        .endpoint(&[("LEGACY_CREDENTIALS", "access_token")])
        .await;
    let id_token = stack.mint(json!({ "kind": "id_token" })).await;
    let refresh = stack.mint(json!({ "kind": "refresh_token" })).await;
    for (kind, token) in [
        (SubjectTokenType::IdToken, id_token.as_str()),
        (SubjectTokenType::RefreshToken, refresh.as_str()),
    ] {
        let answer = Ask::new(kind, token).send(&stack.http, &served.url).await;
        assert_eq!(
            answer.refusal(),
            (400, "unsupported_token_type".into(), None),
            "{kind:?}"
        );
    }
    // The refresh token was never spent.
    assert_eq!(stack.legacy_refresh(&refresh).await, 200);
    stack.stop().await;
}
