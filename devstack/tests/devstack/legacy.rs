//! The legacy IdP: grants, rotation, userinfo, introspection, the cookie session, JWKS, and the
//! minted refusal cases.

use reqwest::StatusCode;
use reqwest::header::{ACCESS_CONTROL_ALLOW_CREDENTIALS, ACCESS_CONTROL_ALLOW_ORIGIN, ORIGIN};
use serde_json::{Value, json};

use crate::common::{Stack, claims, header, now};

async fn token_request(stack: &Stack, form: &[(&str, &str)]) -> (StatusCode, Value) {
    let response = stack
        .http
        .post(stack.legacy("/token"))
        .form(form)
        .send()
        .await
        .unwrap();
    (response.status(), response.json().await.unwrap())
}

async fn userinfo(stack: &Stack, token: &str) -> (StatusCode, Value) {
    let response = stack
        .http
        .get(stack.legacy("/userinfo"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    (response.status(), response.json().await.unwrap())
}

async fn introspect(stack: &Stack, token: &str) -> Value {
    stack
        .http
        .post(stack.legacy("/introspect"))
        .form(&[("token", token)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn password_grant_then_single_use_refresh_tokens() {
    let stack = Stack::start().await;
    let client = stack.config.legacy_client_id.clone();
    let tokens = stack.legacy_login("alice@example.com").await;
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 3600);
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(header(access)["alg"], "RS256");
    assert!(header(access)["kid"].is_string());
    let at = claims(access);
    assert_eq!(at["iss"], stack.config.legacy);
    assert_eq!(at["aud"], stack.config.legacy_audience);
    assert_eq!(at["sub"], "legacy|1");
    assert_eq!(at["email"], "alice@example.com");
    assert_eq!(at["email_verified"], true);
    for claim in ["exp", "iat", "nbf", "jti"] {
        assert!(!at[claim].is_null(), "{claim}");
    }
    assert_eq!(claims(tokens["id_token"].as_str().unwrap())["aud"], client);

    let first = tokens["refresh_token"].as_str().unwrap().to_owned();
    let (status, rotated) = token_request(
        &stack,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", &client),
            ("refresh_token", &first),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let second = rotated["refresh_token"].as_str().unwrap();
    assert_ne!(second, first);
    // Spent: refused, and counted as a replay.
    let (status, body) = token_request(
        &stack,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", &client),
            ("refresh_token", &first),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_grant");
    assert_eq!(body["error_description"], "refresh token already used");
    let counters = stack.state().await["counters"].clone();
    assert_eq!(counters["legacy_refresh_tokens_spent"], 1);
    assert_eq!(counters["legacy_refresh_token_replays"], 1);
    assert_eq!(counters["legacy_token"]["password"]["issued"], 1);
    assert_eq!(
        counters["legacy_token"]["refresh_token"],
        json!({"issued": 1, "refused": 1})
    );

    let (status, body) = token_request(
        &stack,
        &[
            ("grant_type", "password"),
            ("client_id", &client),
            ("username", "alice@example.com"),
            ("password", "wrong"),
        ],
    )
    .await;
    assert_eq!(
        (status, &body["error"]),
        (StatusCode::BAD_REQUEST, &json!("invalid_grant"))
    );
    let (status, body) = token_request(
        &stack,
        &[
            ("grant_type", "password"),
            ("client_id", "other"),
            ("username", "alice@example.com"),
            ("password", "password"),
        ],
    )
    .await;
    assert_eq!(
        (status, &body["error"]),
        (StatusCode::UNAUTHORIZED, &json!("invalid_client"))
    );
    stack.stop().await;
}

#[tokio::test]
async fn userinfo_and_introspection_take_jwt_and_opaque_tokens() {
    let stack = Stack::start().await;
    let tokens = stack.legacy_login("bob@example.com").await;
    let access = tokens["access_token"].as_str().unwrap();
    let refresh = tokens["refresh_token"].as_str().unwrap();
    let (status, profile) = userinfo(&stack, access).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        profile,
        json!({"sub": "legacy|2", "email": "bob@example.com", "email_verified": true, "name": "Bob Builder"})
    );

    let opaque = stack
        .mint(json!({"user": "carol@example.com", "kind": "opaque"}))
        .await["token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(!opaque.contains('.'));
    let (status, profile) = userinfo(&stack, &opaque).await;
    assert_eq!(
        (status, &profile["sub"]),
        (StatusCode::OK, &json!("legacy|3"))
    );

    let active = introspect(&stack, access).await;
    assert_eq!(active["active"], true);
    assert_eq!(active["token_type"], "access_token");
    assert_eq!(active["sub"], "legacy|2");
    assert_eq!(active["client_id"], stack.config.legacy_client_id);
    assert!(active["exp"].as_i64().unwrap() > now());
    let active = introspect(&stack, refresh).await;
    assert_eq!(
        (&active["active"], &active["token_type"]),
        (&json!(true), &json!("refresh_token"))
    );
    assert_eq!(introspect(&stack, &opaque).await["active"], true);
    assert_eq!(
        introspect(&stack, "garbage").await,
        json!({"active": false})
    );

    // Spending the refresh token deactivates it.
    stack
        .http
        .post(stack.legacy("/token"))
        .form(&[
            ("grant_type", "refresh_token"),
            ("client_id", stack.config.legacy_client_id.as_str()),
            ("refresh_token", refresh),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(introspect(&stack, refresh).await, json!({"active": false}));

    let (status, body) = userinfo(&stack, "garbage").await;
    assert_eq!(
        (status, &body["error"]),
        (StatusCode::UNAUTHORIZED, &json!("invalid_token"))
    );
    stack.stop().await;
}

#[tokio::test]
async fn introspection_answers_for_every_resource_server_and_userinfo_for_its_own() {
    let stack = Stack::start().await;
    // RFC 7662: the IdP says what it knows of any token it issued; the caller checks `aud`.
    let other_api = stack
        .mint(json!({"claims": {"aud": "https://other-api.example"}}))
        .await;
    let token = other_api["token"].as_str().unwrap();
    let answer = introspect(&stack, token).await;
    assert_eq!(
        (&answer["active"], &answer["aud"]),
        (&json!(true), &json!("https://other-api.example"))
    );
    assert_eq!(userinfo(&stack, token).await.0, StatusCode::UNAUTHORIZED);
    // An ID token is no access token, to either.
    let id_token = stack.mint(json!({"kind": "id_token"})).await;
    let id_token = id_token["token"].as_str().unwrap();
    assert_eq!(introspect(&stack, id_token).await, json!({"active": false}));
    assert_eq!(userinfo(&stack, id_token).await.0, StatusCode::UNAUTHORIZED);
    stack.stop().await;
}

#[tokio::test]
async fn a_re_spelled_jwt_is_the_same_token_to_userinfo_and_introspection() {
    let stack = Stack::start().await;
    let minted = stack.mint(json!({"user": "alice@example.com"})).await;
    let token = minted["token"].as_str().unwrap();
    // An RS256 signature is 256 bytes: 342 characters, the last with 4 unused bits.
    let (signed, signature) = token.rsplit_once('.').unwrap();
    assert_eq!(signature.len() % 4, 2);
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let last = signature.as_bytes()[signature.len() - 1];
    let flipped = ALPHABET[ALPHABET.iter().position(|c| *c == last).unwrap() ^ 1] as char;
    let spellings = [
        format!("{token}=="),
        format!("{signed}.{}{flipped}", &signature[..signature.len() - 1]),
    ];
    for spelling in &spellings {
        assert_ne!(spelling, token);
        assert_eq!(
            userinfo(&stack, spelling).await.0,
            StatusCode::OK,
            "{spelling}"
        );
        let answer = introspect(&stack, spelling).await;
        assert_eq!(answer["jti"], minted["claims"]["jti"], "{spelling}");
    }
    // The signed part is still what the signature covers.
    let payload = signed.split_once('.').unwrap().1;
    let padded_payload = signed.replace(payload, &format!("{payload}="));
    let tampered = format!("{padded_payload}.{signature}");
    assert_eq!(
        userinfo(&stack, &tampered).await.0,
        StatusCode::UNAUTHORIZED
    );
    stack.stop().await;
}

#[tokio::test]
async fn minted_tokens_cover_the_refusal_cases() {
    let stack = Stack::start().await;
    // ES256 with the published EC key is a valid token too.
    let es256 = stack.mint(json!({"alg": "ES256"})).await;
    assert_eq!(es256["header"]["alg"], "ES256");
    assert_eq!(
        userinfo(&stack, es256["token"].as_str().unwrap()).await.0,
        StatusCode::OK
    );
    let jwks: Value = stack
        .http
        .get(stack.legacy("/jwks"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let kids: Vec<&Value> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|key| &key["kid"])
        .collect();
    assert!(kids.contains(&&es256["header"]["kid"]));
    assert_eq!(jwks["keys"].as_array().unwrap().len(), 2);

    let expired = stack.mint(json!({"expires_in": -60})).await;
    let (exp, iat) = (
        expired["claims"]["exp"].as_i64().unwrap(),
        expired["claims"]["iat"].as_i64().unwrap(),
    );
    assert!(
        exp < now() && iat < exp,
        "an expired token that once was valid"
    );
    let none = stack.mint(json!({"alg": "none"})).await;
    assert!(
        none["token"].as_str().unwrap().ends_with('.'),
        "empty signature"
    );
    let hs256 = stack.mint(json!({"alg": "HS256"})).await;
    assert_eq!(hs256["header"]["alg"], "HS256");
    let unknown_kid = stack.mint(json!({"header": {"kid": "unknown"}})).await;
    let wrong_aud = stack
        .mint(json!({"claims": {"aud": "https://other.example"}}))
        .await;
    let wrong_iss = stack
        .mint(json!({"claims": {"iss": "https://evil.example"}}))
        .await;
    let future = stack.mint(json!({"not_before_in": 600})).await;
    let id_token = stack.mint(json!({"kind": "id_token"})).await;
    assert_eq!(id_token["claims"]["aud"], stack.config.legacy_client_id);
    // Each token is a credential of its own (the endpoint exchanges each once), even two minted
    // in the same second.
    let again = stack.mint(json!({"kind": "id_token"})).await;
    assert_ne!(again["token"], id_token["token"]);
    assert!(id_token["claims"]["jti"].is_string());
    for (case, minted) in [
        ("expired", &expired),
        ("alg none", &none),
        ("HS256 keyed with the public key", &hs256),
        ("unknown kid", &unknown_kid),
        ("wrong aud", &wrong_aud),
        ("wrong iss", &wrong_iss),
        ("future nbf", &future),
        ("an ID token", &id_token),
    ] {
        let (status, _) = userinfo(&stack, minted["token"].as_str().unwrap()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{case}");
    }
    // A claim can be removed, and a minted refresh token works once.
    let no_email = stack.mint(json!({"claims": {"email": null}})).await;
    assert!(no_email["claims"].get("email").is_none());
    let refresh = stack
        .mint(json!({"user": "bob@example.com", "kind": "refresh_token"}))
        .await;
    let (status, _) = token_request(
        &stack,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", &stack.config.legacy_client_id),
            ("refresh_token", refresh["token"].as_str().unwrap()),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let bad = stack
        .http
        .post(stack.app("/__devstack/legacy/mint"))
        .json(&json!({"user": "nobody@example.com"}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    stack.stop().await;
}

#[tokio::test]
async fn the_cookie_session_is_httponly_and_checkable() {
    let stack = Stack::start().await;
    let app = stack.config.app.clone();
    let login = stack
        .http
        .post(stack.legacy("/session/login"))
        .header(ORIGIN, &app)
        .json(&json!({"username": "alice@example.com", "password": "password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::OK);
    assert_eq!(login.headers()[ACCESS_CONTROL_ALLOW_ORIGIN], app.as_str());
    assert_eq!(login.headers()[ACCESS_CONTROL_ALLOW_CREDENTIALS], "true");
    let cookie = login.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("legacy_session="));
    assert!(cookie.contains("HttpOnly"));
    let pair = cookie.split(';').next().unwrap().to_owned();

    // As a backend forwards it: other cookies around it.
    let check = stack
        .http
        .get(stack.legacy("/session/check"))
        .header("cookie", format!("theme=dark; {pair}; other=1"))
        .send()
        .await
        .unwrap();
    assert_eq!(check.status(), StatusCode::OK);
    let who: Value = check.json().await.unwrap();
    assert_eq!(who["sub"], "legacy|1");
    assert_eq!(who["email"], "alice@example.com");
    assert!(who["session_expires_at"].as_i64().unwrap() > now());
    // In double quotes, the same session (as Go's net/http and Node's `cookie` read it).
    let (name, value) = pair.split_once('=').unwrap();
    let quoted = stack
        .http
        .get(stack.legacy("/session/check"))
        .header("cookie", format!("{name}=\"{value}\""))
        .send()
        .await
        .unwrap();
    assert_eq!(quoted.status(), StatusCode::OK);

    let anonymous = stack
        .http
        .get(stack.legacy("/session/check"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    let forged = stack
        .http
        .get(stack.legacy("/session/check"))
        .header("cookie", "legacy_session=forged")
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::UNAUTHORIZED);

    // A form login works too; logout ends the session and clears the cookie.
    let form = stack
        .http
        .post(stack.legacy("/session/login"))
        .form(&[("username", "bob@example.com"), ("password", "password")])
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), StatusCode::OK);
    let bob = form.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let check = |cookie: String| {
        let request = stack
            .http
            .get(stack.legacy("/session/check"))
            .header("cookie", cookie);
        async move { request.send().await.unwrap().status() }
    };
    assert_eq!(check(bob.clone()).await, StatusCode::OK);
    let logout = stack
        .http
        .post(stack.legacy("/session/logout"))
        .header("cookie", &bob)
        .send()
        .await
        .unwrap();
    assert_eq!(logout.status(), StatusCode::NO_CONTENT);
    assert!(
        logout.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    assert_eq!(check(bob).await, StatusCode::UNAUTHORIZED);
    let wrong = stack
        .http
        .post(stack.legacy("/session/login"))
        .form(&[("username", "bob@example.com"), ("password", "nope")])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    stack.stop().await;
}

#[tokio::test]
async fn the_app_origin_may_call_the_legacy_idp_with_credentials() {
    let stack = Stack::start().await;
    let preflight = stack
        .http
        .request(reqwest::Method::OPTIONS, stack.legacy("/token"))
        .header(ORIGIN, &stack.config.app)
        .header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", "content-type")
        .send()
        .await
        .unwrap();
    assert_eq!(preflight.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        preflight.headers()[ACCESS_CONTROL_ALLOW_ORIGIN],
        stack.config.app.as_str()
    );
    assert_eq!(
        preflight.headers()[ACCESS_CONTROL_ALLOW_CREDENTIALS],
        "true"
    );
    assert_eq!(
        preflight.headers()["access-control-allow-headers"],
        "content-type"
    );
    let foreign = stack
        .http
        .get(stack.legacy("/jwks"))
        .header(ORIGIN, "http://evil.example")
        .send()
        .await
        .unwrap();
    assert!(foreign.headers().get(ACCESS_CONTROL_ALLOW_ORIGIN).is_none());
    let discovery: Value = stack
        .http
        .get(stack.legacy("/.well-known/openid-configuration"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(discovery["issuer"], stack.config.legacy);
    assert_eq!(
        discovery["jwks_uri"],
        format!("{}/jwks", stack.config.legacy)
    );
    stack.stop().await;
}
