//! The Authgear stand-in as @authgear/web sees it: discovery, JWKS, the refresh_token grant,
//! userinfo, revocation, CORS.

use reqwest::StatusCode;
use reqwest::header::{
    ACCESS_CONTROL_ALLOW_CREDENTIALS, ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS,
    ACCESS_CONTROL_ALLOW_ORIGIN, CACHE_CONTROL, ORIGIN, WWW_AUTHENTICATE,
};
use ring::signature::{RSA_PKCS1_2048_8192_SHA256, RsaPublicKeyComponents};
use serde_json::{Value, json};

use crate::common::{Stack, claims, header, now};

#[tokio::test]
async fn discovery_lists_what_authgear_lists() {
    let stack = Stack::start().await;
    let response = stack
        .http
        .get(stack.authgear("/.well-known/openid-configuration"))
        .header(ORIGIN, "https://anywhere.example")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()[ACCESS_CONTROL_ALLOW_ORIGIN], "*");
    let doc: Value = response.json().await.unwrap();
    let origin = &stack.config.authgear;
    assert_eq!(doc["issuer"], *origin);
    for (field, path) in [
        ("authorization_endpoint", "/oauth2/authorize"),
        ("token_endpoint", "/oauth2/token"),
        ("userinfo_endpoint", "/oauth2/userinfo"),
        ("jwks_uri", "/oauth2/jwks"),
        ("revocation_endpoint", "/oauth2/revoke"),
        ("end_session_endpoint", "/oauth2/end_session"),
    ] {
        assert_eq!(doc[field], format!("{origin}{path}"), "{field}");
    }
    assert_eq!(
        doc["id_token_signing_alg_values_supported"],
        json!(["RS256"])
    );
    assert_eq!(doc["code_challenge_methods_supported"], json!(["S256"]));
    assert!(
        doc["scopes_supported"]
            .as_array()
            .unwrap()
            .contains(&json!("https://authgear.com/scopes/full-access"))
    );
    let jwks: Value = stack
        .http
        .get(doc["jwks_uri"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let key = &jwks["keys"][0];
    assert_eq!(
        (&key["kty"], &key["alg"], &key["use"]),
        (&json!("RSA"), &json!("RS256"), &json!("sig"))
    );
    // Each of the project's hosts names itself (pkg/lib/endpoints: from the request's host).
    let admin: Value = stack
        .http
        .get(stack.authgear_admin("/.well-known/openid-configuration"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(admin["issuer"], stack.config.authgear_admin);
    assert_eq!(
        admin["token_endpoint"],
        format!("{}/oauth2/token", stack.config.authgear_admin)
    );
    stack.stop().await;
}

/// Verifies a JWT's RS256 signature against the stand-in's published JWKS.
async fn verify_with_jwks(stack: &Stack, jwt: &str) {
    let jwks: Value = stack
        .http
        .get(stack.authgear("/oauth2/jwks"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let kid = header(jwt)["kid"].clone();
    let key = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|key| key["kid"] == kid)
        .expect("the kid is published");
    let decode = |field: &str| {
        use base64::Engine as _;
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(key[field].as_str().unwrap())
            .unwrap()
    };
    let (signing_input, signature) = jwt.rsplit_once('.').unwrap();
    let signature = {
        use base64::Engine as _;
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(signature)
            .unwrap()
    };
    RsaPublicKeyComponents {
        n: decode("n"),
        e: decode("e"),
    }
    .verify(
        &RSA_PKCS1_2048_8192_SHA256,
        signing_input.as_bytes(),
        &signature,
    )
    .expect("the signature verifies with the JWKS key");
}

#[tokio::test]
async fn by_default_create_session_gives_an_opaque_access_token_and_no_id_token() {
    let stack = Stack::start().await;
    let session = stack.create_session("alice@example.com").await;
    let access_token = session["accessToken"].as_str().unwrap();
    // pkg/lib/oauth/token_encoding.go: without issue_jwt_access_token, the raw token itself.
    assert!(!access_token.starts_with("eyJ") && !access_token.contains('.'));
    assert_eq!(
        session.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["accessToken", "expiresIn", "refreshToken", "tokenType"]
    );
    // Opaque tokens name no host: they work at both of the project's origins.
    for origin in [&stack.config.authgear, &stack.config.authgear_admin] {
        let (status, userinfo) = stack.userinfo(origin, access_token).await;
        assert_eq!(status, StatusCode::OK, "{origin}: {userinfo}");
        assert_eq!(userinfo["email"], "alice@example.com");
    }
    let (status, tokens) = stack
        .refresh(
            &stack.config.client_id,
            session["refreshToken"].as_str().unwrap(),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(!tokens["access_token"].as_str().unwrap().starts_with("eyJ"));
    assert!(tokens.get("refresh_token").is_none(), "rotation is off");
    stack.stop().await;
}

#[tokio::test]
async fn create_session_then_refresh_then_userinfo() {
    let stack = Stack::start().await;
    stack
        .configure(json!({"issue_jwt_access_token": true}))
        .await;
    let alice = stack.user("alice@example.com").await;
    let session = stack.create_session("alice@example.com").await;
    assert_eq!(session["tokenType"], "Bearer");
    assert_eq!(session["expiresIn"], 1800);
    // pkg/lib/oauth/token_encoding.go: `<offline grant ID>.<32 characters>`.
    let refresh_token = session["refreshToken"].as_str().unwrap();
    let (grant_id, secret) = refresh_token.split_once('.').unwrap();
    assert_eq!(grant_id.len(), 36);
    assert_eq!(secret.len(), 32);

    let access_token = session["accessToken"].as_str().unwrap();
    verify_with_jwks(&stack, access_token).await;
    assert_eq!(header(access_token)["typ"], "at+jwt");
    let at = claims(access_token);
    // Issued at the Admin API's host, so named after it, not after the custom domain.
    let admin_origin = &stack.config.authgear_admin;
    assert_ne!(admin_origin, &stack.config.authgear);
    assert_eq!(at["iss"], *admin_origin);
    assert_eq!(at["aud"], json!([admin_origin]));
    assert_eq!(at["client_id"], stack.config.client_id);
    assert_eq!(at["sub"], alice["authgear_user_id"]);
    assert_eq!(
        at["scope"],
        "openid offline_access https://authgear.com/scopes/full-access"
    );
    assert_eq!(
        at["exp"].as_i64().unwrap() - at["iat"].as_i64().unwrap(),
        1800
    );
    assert_eq!(at["jti"].as_str().unwrap().len(), 64, "hex SHA-256");
    assert_eq!(at["https://authgear.com/claims/user/is_verified"], true);
    assert_eq!(
        at["https://authgear.com/claims/user/roles"],
        json!(["beta_tester"])
    );
    assert!(at.get("email").is_none(), "no PII in an SPA's tokens");
    assert!(at["auth_time"].as_i64().unwrap() <= now());

    let response = stack
        .http
        .post(stack.authgear("/oauth2/token"))
        .form(&[
            ("grant_type", "refresh_token"),
            ("client_id", stack.config.client_id.as_str()),
            ("refresh_token", refresh_token),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[CACHE_CONTROL], "no-store");
    let tokens: Value = response.json().await.unwrap();
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 1800);
    assert!(tokens.get("refresh_token").is_none(), "rotation is off");
    let id_token = tokens["id_token"].as_str().unwrap();
    verify_with_jwks(&stack, id_token).await;
    let id = claims(id_token);
    // The SDK refreshes at the custom domain: that is the issuer of what it gets.
    assert_eq!(id["iss"], stack.config.authgear);
    assert_eq!(
        claims(tokens["access_token"].as_str().unwrap())["iss"],
        stack.config.authgear
    );
    assert_eq!(id["aud"], json!([stack.config.client_id]));
    assert_eq!(id["sub"], alice["authgear_user_id"]);
    assert!(id["sid"].as_str().is_some());

    // A JWT access token is good at the origin it names, and refused at the other one
    // (DecodeAccessToken checks `aud` against the request's origin).
    let (status, _) = stack.userinfo(&stack.config.authgear, access_token).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    for (origin, token) in [
        (admin_origin, access_token),
        (
            &stack.config.authgear,
            tokens["access_token"].as_str().unwrap(),
        ),
    ] {
        let (status, userinfo) = stack.userinfo(origin, token).await;
        assert_eq!(status, StatusCode::OK, "{origin}: {userinfo}");
        assert_eq!(userinfo["sub"], alice["authgear_user_id"]);
        assert_eq!(userinfo["email"], "alice@example.com");
        assert_eq!(userinfo["email_verified"], true);
        assert_eq!(userinfo["name"], "Alice Liddell");
        assert_eq!(userinfo["custom_attributes"]["member_id"], "1001");
        assert_eq!(
            userinfo["https://authgear.com/claims/user/identities"][0]["login_id_key"],
            "email"
        );
    }
    let state = stack.state().await;
    assert_eq!(
        state["counters"]["create_session"],
        json!({"total": 1, "successful": 1})
    );
    assert_eq!(
        state["counters"]["authgear_token"]["refresh_token"]["issued"],
        1
    );
    stack.stop().await;
}

#[tokio::test]
async fn bad_refresh_requests_get_authgears_errors() {
    let stack = Stack::start().await;
    let session = stack.create_session("bob@example.com").await;
    let good = session["refreshToken"].as_str().unwrap();
    let client = stack.config.client_id.clone();
    let invalid_grant =
        json!({"error": "invalid_grant", "error_description": "invalid refresh token"});
    for bad in [
        "garbage-without-a-dot".to_owned(),
        format!("{}.wrongsecret", good.split('.').next().unwrap()),
        format!(
            "00000000-0000-4000-8000-000000000000.{}",
            good.split('.').nth(1).unwrap()
        ),
    ] {
        assert_eq!(
            stack.refresh(&client, &bad).await,
            (StatusCode::BAD_REQUEST, invalid_grant.clone())
        );
    }
    assert_eq!(
        stack.refresh("no-such-client", good).await,
        (
            StatusCode::BAD_REQUEST,
            json!({"error": "invalid_client", "error_description": "invalid client ID"})
        )
    );
    assert_eq!(
        stack.refresh(&client, "").await,
        (
            StatusCode::BAD_REQUEST,
            json!({"error": "invalid_request", "error_description": "refresh token is required"})
        )
    );
    // The refresh token belongs to the SPA client.
    assert_eq!(
        stack
            .refresh(authgear_migrate_devstack::THIRD_PARTY_CLIENT_ID, good)
            .await,
        (
            StatusCode::BAD_REQUEST,
            json!({"error": "invalid_request", "error_description": "client id doesn't match the refresh token"})
        )
    );
    let unsupported = stack
        .http
        .post(stack.authgear("/oauth2/token"))
        .form(&[("grant_type", "password"), ("client_id", client.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(unsupported.status(), StatusCode::BAD_REQUEST);
    let body: Value = unsupported.json().await.unwrap();
    assert_eq!(body["error"], "unsupported_grant_type");
    // Still good after all that.
    assert_eq!(stack.refresh(&client, good).await.0, StatusCode::OK);
    stack.stop().await;
}

#[tokio::test]
async fn rotation_switch_issues_new_refresh_tokens_and_retires_old_ones() {
    let stack = Stack::start().await;
    stack
        .configure(json!({"refresh_token_rotation_enabled": true}))
        .await;
    let client = stack.config.client_id.clone();
    let first = stack.create_session("alice@example.com").await["refreshToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, tokens) = stack.refresh(&client, &first).await;
    assert_eq!(status, StatusCode::OK);
    let second = tokens["refresh_token"]
        .as_str()
        .expect("a rotated token")
        .to_owned();
    assert_eq!(
        second.split('.').next(),
        first.split('.').next(),
        "same grant"
    );
    assert_eq!(
        stack.refresh(&client, &first).await.1["error"],
        "invalid_grant"
    );
    assert_eq!(stack.refresh(&client, &second).await.0, StatusCode::OK);
    stack.stop().await;
}

#[tokio::test]
async fn revocation_ends_the_session_and_its_access_tokens() {
    let stack = Stack::start().await;
    let session = stack.create_session("alice@example.com").await;
    let refresh_token = session["refreshToken"].as_str().unwrap();
    let response = stack
        .http
        .post(stack.authgear("/oauth2/revoke"))
        .form(&[("token", refresh_token)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.bytes().await.unwrap().is_empty());
    let (status, _) = stack.refresh(&stack.config.client_id, refresh_token).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let userinfo = stack
        .http
        .get(stack.authgear("/oauth2/userinfo"))
        .bearer_auth(session["accessToken"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(userinfo.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        userinfo.headers()[WWW_AUTHENTICATE],
        r#"Bearer error="invalid_grant", error_description="invalid session""#
    );
    let body: Value = serde_json::from_str(&userinfo.text().await.unwrap()).unwrap();
    assert_eq!(
        body,
        json!({"error": "invalid_grant", "error_description": "invalid session"})
    );
    stack.stop().await;
}

#[tokio::test]
async fn a_disabled_user_gets_tokens_that_fail_at_the_first_refresh() {
    let stack = Stack::start().await;
    let session = stack.create_session("dave@example.com").await;
    let (status, body) = stack
        .refresh(
            &stack.config.client_id,
            session["refreshToken"].as_str().unwrap(),
        )
        .await;
    assert_eq!(
        (status, &body["error"]),
        (StatusCode::BAD_REQUEST, &json!("invalid_grant"))
    );
    let userinfo = stack
        .http
        .get(stack.authgear("/oauth2/userinfo"))
        .bearer_auth(session["accessToken"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(userinfo.status(), StatusCode::UNAUTHORIZED);
    stack.stop().await;
}

#[tokio::test]
async fn token_switches_change_form_and_lifetime() {
    let stack = Stack::start().await;
    stack
        .configure(json!({"issue_jwt_access_token": false, "access_token_lifetime_seconds": 60}))
        .await;
    let session = stack.create_session("carol@example.com").await;
    assert_eq!(session["expiresIn"], 60);
    let opaque = session["accessToken"].as_str().unwrap();
    assert!(!opaque.contains('.'), "an opaque token");
    let userinfo: Value = stack
        .http
        .get(stack.authgear("/oauth2/userinfo"))
        .bearer_auth(opaque)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(userinfo["email"], "carol@example.com");
    assert_eq!(userinfo["email_verified"], false);
    assert_eq!(
        userinfo["https://authgear.com/claims/user/is_verified"],
        false
    );
    stack.stop().await;
}

#[tokio::test]
async fn cors_answers_like_authgears_middleware() {
    let stack = Stack::start().await;
    let app = stack.config.app.clone();
    let preflight = stack
        .http
        .request(reqwest::Method::OPTIONS, stack.authgear("/oauth2/userinfo"))
        .header(ORIGIN, &app)
        .header("Access-Control-Request-Method", "GET")
        .header("Access-Control-Request-Headers", "authorization")
        .send()
        .await
        .unwrap();
    assert_eq!(preflight.status(), StatusCode::OK);
    let headers = preflight.headers();
    assert_eq!(headers[ACCESS_CONTROL_ALLOW_ORIGIN], app.as_str());
    assert_eq!(headers[ACCESS_CONTROL_ALLOW_CREDENTIALS], "true");
    assert_eq!(headers[ACCESS_CONTROL_ALLOW_METHODS], "GET");
    assert_eq!(headers[ACCESS_CONTROL_ALLOW_HEADERS], "authorization");

    // A credentialed token request from the app origin, and from the endpoint origin.
    let session = stack.create_session("alice@example.com").await;
    for origin in [app.clone(), stack.config.endpoint.clone()] {
        let response = stack
            .http
            .post(stack.authgear("/oauth2/token"))
            .header(ORIGIN, &origin)
            .form(&[
                ("grant_type", "refresh_token"),
                ("client_id", stack.config.client_id.as_str()),
                ("refresh_token", session["refreshToken"].as_str().unwrap()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            response.headers()[ACCESS_CONTROL_ALLOW_ORIGIN],
            origin.as_str()
        );
        assert_eq!(response.headers()[ACCESS_CONTROL_ALLOW_CREDENTIALS], "true");
        assert_eq!(response.headers()["vary"], "Origin");
    }

    // Another origin: no CORS headers, though the preflight is still a 200.
    let foreign = stack
        .http
        .request(reqwest::Method::OPTIONS, stack.authgear("/oauth2/token"))
        .header(ORIGIN, "http://evil.example")
        .header("Access-Control-Request-Method", "POST")
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), StatusCode::OK);
    assert!(foreign.headers().get(ACCESS_CONTROL_ALLOW_ORIGIN).is_none());
    stack.stop().await;
}
