//! The Admin API stand-in as a migration backend sees it: JWT authentication,
//! getUserByLoginID, createUser and createSession and their refusals, GraphQL errors.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::{ADMIN_KEY_ID, CREATE_SESSION, Stack, admin_jwt, now, sign_rs256};

const GET_USER: &str = "query ($key: String!, $value: String!) {
  getUserByLoginID(loginIDKey: $key, loginIDValue: $value) {
    id isDisabled standardAttributes customAttributes formattedName endUserAccountID __typename
  }
}";

const CREATE_USER: &str = "mutation createUser($input: CreateUserInput!) {
  createUser(input: $input) {
    user { id isDisabled standardAttributes customAttributes endUserAccountID __typename }
    __typename
  }
}";

#[tokio::test]
async fn admin_jwts_are_checked_as_authgear_checks_them() {
    let stack = Stack::start().await;
    let query = "{ __typename }";
    let kid = ADMIN_KEY_ID.trim();
    // Accepted: the docs' array and string audiences, and (as jwx does) no exp at all.
    for accepted in [
        admin_jwt(json!({})),
        admin_jwt(json!({"aud": "devstack"})),
        admin_jwt(json!({"exp": null})),
    ] {
        let (status, body) = stack.admin_with(&accepted, query, json!({})).await;
        assert_eq!(
            (status, body),
            (StatusCode::OK, json!({"data": {"__typename": "Query"}}))
        );
    }
    let claims = json!({"aud": ["devstack"], "iat": now(), "exp": now() + 300});
    let hs256 = {
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(json!({"alg": "HS256", "kid": kid}).to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, b"the public key, as a secret");
        let tag = ring::hmac::sign(&key, input.as_bytes());
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(tag.as_ref()))
    };
    let none = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(json!({"alg": "none", "kid": kid}).to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    for (case, token) in [
        (
            "wrong kid",
            sign_rs256(&json!({"alg": "RS256", "kid": "someone-else"}), &claims),
        ),
        ("no kid", sign_rs256(&json!({"alg": "RS256"}), &claims)),
        ("wrong aud", admin_jwt(json!({"aud": ["other-project"]}))),
        ("no aud", admin_jwt(json!({"aud": null}))),
        (
            "expired beyond the 5-minute skew",
            admin_jwt(json!({"exp": now() - 301})),
        ),
        (
            "issued in the future",
            admin_jwt(json!({"iat": now() + 400})),
        ),
        ("HS256", hs256),
        ("alg none", none),
        ("garbage", "not.a.jwt".to_owned()),
    ] {
        let (status, body) = stack.admin_with(&token, query, json!({})).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{case}");
        assert_eq!(body, json!("Forbidden\n"), "{case}");
    }
    let unauthenticated = stack
        .http
        .post(stack.authgear("/_api/admin/graphql"))
        .json(&json!({"query": query}))
        .send()
        .await
        .unwrap();
    assert_eq!(unauthenticated.status(), StatusCode::FORBIDDEN);
    stack.stop().await;
}

#[tokio::test]
async fn get_user_by_login_id_finds_imported_users() {
    let stack = Stack::start().await;
    let alice = stack.user("alice@example.com").await;
    // The email login ID is case-folded, as Authgear normalizes it.
    let (status, body) = stack
        .admin(
            GET_USER,
            json!({"key": "email", "value": "Alice@Example.COM"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let user = &body["data"]["getUserByLoginID"];
    assert_eq!(user["id"], alice["authgear_node_id"]);
    let decoded = URL_SAFE_NO_PAD
        .decode(user["id"].as_str().unwrap())
        .unwrap();
    assert_eq!(
        String::from_utf8(decoded).unwrap(),
        format!("User:{}", alice["authgear_user_id"].as_str().unwrap())
    );
    assert_eq!(user["isDisabled"], false);
    assert_eq!(user["standardAttributes"]["email"], "alice@example.com");
    assert_eq!(user["standardAttributes"]["email_verified"], true);
    assert_eq!(user["customAttributes"], json!({"member_id": "1001"}));
    assert_eq!(user["formattedName"], "Alice Liddell");
    assert_eq!(user["__typename"], "User");

    let (_, body) = stack
        .admin(
            GET_USER,
            json!({"key": "email", "value": "dave@example.com"}),
        )
        .await;
    assert_eq!(body["data"]["getUserByLoginID"]["isDisabled"], true);

    // No match is null, not an error.
    let (_, body) = stack
        .admin(
            GET_USER,
            json!({"key": "email", "value": "nobody@example.com"}),
        )
        .await;
    assert_eq!(body, json!({"data": {"getUserByLoginID": null}}));

    // Inline literals work too.
    let (_, body) = stack
        .admin(
            r#"{ u: getUserByLoginID(loginIDKey: "email", loginIDValue: "bob@example.com") { id } }"#,
            json!({}),
        )
        .await;
    assert!(body["data"]["u"]["id"].is_string());

    for (key, value, message) in [
        ("phone", "+85212345678", "invalid Login ID key"),
        ("email", "no-at-sign", "invalid Login ID value"),
    ] {
        let (status, body) = stack
            .admin(GET_USER, json!({"key": key, "value": value}))
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["data"], json!({"getUserByLoginID": null}));
        let error = &body["errors"][0];
        assert_eq!(error["message"], message);
        assert_eq!(
            error["extensions"],
            json!({"errorName": "Invalid", "reason": "GetUsersInvalidArgument"})
        );
        assert_eq!(error["path"], json!(["getUserByLoginID"]));
    }
    stack.stop().await;
}

/// createSession with `input`; the one error's message and extensions.
async fn refused(stack: &Stack, input: Value) -> (String, Value) {
    let (status, body) = stack.admin(CREATE_SESSION, json!({ "input": input })).await;
    assert_eq!(status, StatusCode::OK, "GraphQL errors come with 200");
    assert_eq!(body["data"], Value::Null, "{body}");
    let error = &body["errors"][0];
    assert_eq!(error["path"], json!(["createSession"]));
    assert_eq!(error["locations"], json!([{"line": 2, "column": 3}]));
    (
        error["message"].as_str().unwrap().to_owned(),
        error["extensions"].clone(),
    )
}

#[tokio::test]
async fn create_session_refuses_in_authgears_order() {
    let stack = Stack::start().await;
    let alice = stack.user("alice@example.com").await;
    let user_id = alice["authgear_node_id"].as_str().unwrap().to_owned();
    let client = stack.config.client_id.clone();
    let forbidden = |reason: &str| json!({"errorName": "Forbidden", "reason": reason});
    let invalid = json!({"errorName": "Invalid", "reason": "Invalid"});

    stack
        .configure(json!({"create_session_enabled": false}))
        .await;
    assert_eq!(
        refused(&stack, json!({"userID": user_id, "clientID": client})).await,
        (
            "CreateSession is disabled".to_owned(),
            forbidden("Forbidden")
        )
    );
    stack
        .configure(json!({"create_session_enabled": true}))
        .await;

    for bad_user in [
        "not-base64!".to_owned(),
        URL_SAFE_NO_PAD.encode("Session:abc"),
        URL_SAFE_NO_PAD.encode("User"),
    ] {
        assert_eq!(
            refused(&stack, json!({"userID": bad_user, "clientID": client})).await,
            ("invalid user ID".to_owned(), invalid.clone())
        );
    }
    for bad_device in [
        "%%%".to_owned(),
        URL_SAFE_NO_PAD.encode("[1, 2]"),
        URL_SAFE_NO_PAD.encode("not json"),
        // Padding is not base64url-without-padding.
        "e30=".to_owned(),
    ] {
        assert_eq!(
            refused(
                &stack,
                json!({"userID": user_id, "clientID": client, "deviceInfo": bad_device})
            )
            .await,
            ("invalid device info".to_owned(), invalid.clone())
        );
    }
    assert_eq!(
        refused(
            &stack,
            json!({"userID": user_id, "clientID": "no-such-client"})
        )
        .await,
        ("invalid client ID".to_owned(), invalid.clone())
    );
    assert_eq!(
        refused(
            &stack,
            json!({"userID": user_id, "clientID": authgear_migrate_devstack::THIRD_PARTY_CLIENT_ID})
        )
        .await,
        (
            "cannot create session for non-first party client".to_owned(),
            forbidden("Forbidden")
        )
    );
    let ghost = URL_SAFE_NO_PAD.encode("User:00000000-0000-4000-8000-000000000000");
    assert_eq!(
        refused(&stack, json!({"userID": ghost, "clientID": client})).await,
        (
            "user not found".to_owned(),
            json!({"errorName": "NotFound", "reason": "UserNotFound"})
        )
    );
    let counts = stack.state().await["counters"]["create_session"].clone();
    assert_eq!(counts, json!({"total": 11, "successful": 0}));
    assert_eq!(
        stack.state().await["sessions"]["authgear_offline_grants"],
        0
    );

    // A device info that decodes to a JSON object (or null) is accepted.
    for device in [
        URL_SAFE_NO_PAD.encode(r#"{"web":{"userAgent":"x"}}"#),
        URL_SAFE_NO_PAD.encode("null"),
    ] {
        let (_, body) = stack
            .admin(
                CREATE_SESSION,
                json!({"input": {"userID": user_id, "clientID": client, "deviceInfo": device}}),
            )
            .await;
        assert!(
            body["data"]["createSession"]["refreshToken"].is_string(),
            "{body}"
        );
    }
    stack.stop().await;
}

#[tokio::test]
async fn graphql_errors_follow_graphql_go() {
    let stack = Stack::start().await;
    // Validation: nothing runs, data is null.
    let (status, body) = stack
        .admin(
            "{ getUserByLoginID(loginIDKey: \"email\", loginIDValue: \"a@b.c\") { id password } }",
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["data"], Value::Null);
    assert_eq!(
        body["errors"][0]["message"],
        "Cannot query field \"password\" on type \"User\"."
    );
    assert_eq!(
        body["errors"][0]["locations"],
        json!([{"line": 1, "column": 69}])
    );

    let (_, body) = stack.admin(CREATE_SESSION, json!({})).await;
    assert_eq!(
        body["errors"][0]["message"],
        "Variable \"$input\" of required type \"CreateSessionInput!\" was not provided."
    );
    let (_, body) = stack
        .admin(CREATE_SESSION, json!({"input": {"userID": "x"}}))
        .await;
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .ends_with("In field \"clientID\": Expected \"String!\", found null."),
        "{body}"
    );

    // Parts of Authgear's schema the stand-in does not have say so.
    let (_, body) = stack.admin("{ roles { totalCount } }", json!({})).await;
    assert_eq!(body["errors"][0]["extensions"]["devstack"], "not emulated");
    let (_, body) = stack
        .admin("{ ...F } fragment F on Query { __typename }", json!({}))
        .await;
    assert_eq!(body["errors"][0]["extensions"]["devstack"], "not emulated");

    // graphqlutil/handler.go: a syntax error fails before execution, as an unexpected error.
    let (status, body) = stack.admin("{ getUserByLoginID(", json!({})).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(body["error"]["reason"], "UnexpectedError");

    // More than five mutation fields.
    let many: String = (0..6)
        .map(|i| format!("m{i}: createSession(input: $input) {{ accessToken }} "))
        .collect();
    let (status, body) = stack
        .admin(
            &format!("mutation ($input: CreateSessionInput!) {{ {many} }}"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["error"]["message"],
        "too many mutation fields in one request: got 6, limit is 5"
    );

    // Wrong content type, broken JSON.
    let plain = stack
        .http
        .post(stack.authgear("/_api/admin/graphql"))
        .bearer_auth(admin_jwt(json!({})))
        .header("content-type", "text/plain")
        .body("{ __typename }")
        .send()
        .await
        .unwrap();
    assert_eq!(plain.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let broken = stack
        .http
        .post(stack.authgear("/_api/admin/graphql"))
        .bearer_auth(admin_jwt(json!({})))
        .header("content-type", "application/json")
        .body("{\"query\":")
        .send()
        .await
        .unwrap();
    assert_eq!(broken.status(), StatusCode::BAD_REQUEST);
    let body: Value = broken.json().await.unwrap();
    assert_eq!(body["error"]["reason"], "InvalidJSON");
    // `application/graphql` takes the query as the body.
    let raw: Value = stack
        .http
        .post(stack.authgear("/_api/admin/graphql"))
        .bearer_auth(admin_jwt(json!({})))
        .header("content-type", "application/graphql")
        .body("mutation { __typename }")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(raw, json!({"data": {"__typename": "Mutation"}}));
    stack.stop().await;
}

#[tokio::test]
async fn create_user_makes_a_user_every_other_part_sees() {
    let stack = Stack::start().await;
    let seeded = stack.state().await["users"].as_array().unwrap().len();
    // user_mutation.go: `password: null` creates no password. loginid/provider.go: New trims
    // and normalizes the value.
    let input = json!({
        "definition": {"loginID": {"key": "email", "value": " Newcomer@Example.COM "}},
        "password": null,
    });
    let (status, body) = stack.admin(CREATE_USER, json!({ "input": input })).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.get("errors").is_none(), "{body}");
    let payload = &body["data"]["createUser"];
    assert_eq!(payload["__typename"], "CreateUserPayload");
    let user = &payload["user"];
    let id = user["id"].as_str().unwrap().to_owned();
    assert_eq!(user["isDisabled"], false);
    assert_eq!(user["__typename"], "User");
    assert_eq!(
        user["standardAttributes"]["email"], "newcomer@example.com",
        "identity-aware standard attributes come from the login ID"
    );
    assert_eq!(user["standardAttributes"]["email_verified"], false);
    assert_eq!(user["customAttributes"], json!({}));
    assert_eq!(user["endUserAccountID"], "newcomer@example.com");

    // getUserByLoginID finds it, with the same User node.
    let (_, found) = stack
        .admin(
            GET_USER,
            json!({"key": "email", "value": "NEWCOMER@example.com"}),
        )
        .await;
    assert_eq!(found["data"]["getUserByLoginID"]["id"], id.as_str());
    assert_eq!(
        found["data"]["getUserByLoginID"]["standardAttributes"],
        user["standardAttributes"]
    );

    // createSession gives it tokens that refresh; userinfo shows no password.
    let (_, session) = stack
        .admin(
            CREATE_SESSION,
            json!({"input": {"userID": id, "clientID": stack.config.client_id}}),
        )
        .await;
    let refresh_token = session["data"]["createSession"]["refreshToken"]
        .as_str()
        .unwrap_or_else(|| panic!("{session}"))
        .to_owned();
    let (status, tokens) = stack.refresh(&stack.config.client_id, &refresh_token).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    let (status, userinfo) = stack
        .userinfo(
            &stack.config.authgear,
            tokens["access_token"].as_str().unwrap(),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{userinfo}");
    let sub = userinfo["sub"].clone();
    assert_eq!(
        userinfo["https://authgear.com/claims/user/can_reauthenticate"],
        false
    );

    // The state lists it, and a reset keeps it as it keeps every user.
    let listed = stack.user("newcomer@example.com").await;
    assert_eq!(listed["authgear_node_id"], id.as_str());
    assert_eq!(listed["authgear_user_id"], sub);
    assert_eq!(
        stack.state().await["counters"]["create_user"],
        json!({"total": 1, "successful": 1})
    );
    stack.reset().await;
    let state = stack.state().await;
    assert_eq!(state["users"].as_array().unwrap().len(), seeded + 1);
    assert_eq!(stack.user("newcomer@example.com").await, listed);
    stack.stop().await;
}

/// createUser with `input`; the one error's message and extensions.
async fn create_user_refused(stack: &Stack, input: Value) -> (String, Value) {
    let (status, body) = stack.admin(CREATE_USER, json!({ "input": input })).await;
    assert_eq!(status, StatusCode::OK, "GraphQL errors come with 200");
    assert_eq!(body["data"], Value::Null, "{body}");
    let error = &body["errors"][0];
    assert_eq!(error["path"], json!(["createUser"]));
    (
        error["message"].as_str().unwrap().to_owned(),
        error["extensions"].clone(),
    )
}

fn login_id(key: &str, value: &str) -> Value {
    json!({"definition": {"loginID": {"key": key, "value": value}}})
}

#[tokio::test]
async fn create_user_refuses_as_authgear_does() {
    let stack = Stack::start().await;
    let users_before = stack.state().await["users"].clone();

    // identity.NewErrDuplicatedIdentity: the normalized login ID belongs to a seed user.
    assert_eq!(
        create_user_refused(&stack, login_id("email", "Alice@Example.com")).await,
        (
            "identity already exists".to_owned(),
            json!({"errorName": "Invalid", "reason": "InvariantViolated", "info": {
                "cause": {"kind": "DuplicatedIdentity"},
                "IdentityTypeExisting": "login_id", "IdentityTypeIncoming": "login_id",
                "LoginIDTypeExisting": "email", "LoginIDTypeIncoming": "email",
            }})
        )
    );
    // loginid/checker.go: the email format, as a validation error.
    let invalid_login_id = |kind: &str, details: Value| {
        let mut cause = json!({"location": "/login_id", "kind": kind});
        if !details.is_null() {
            cause["details"] = details;
        }
        (
            "invalid login ID".to_owned(),
            json!({"errorName": "Invalid", "reason": "ValidationFailed",
                   "info": {"causes": [cause]}}),
        )
    };
    assert_eq!(
        create_user_refused(&stack, login_id("email", "no-at-sign")).await,
        invalid_login_id("format", json!({"format": "email"}))
    );
    assert_eq!(
        create_user_refused(&stack, login_id("email", "   ")).await,
        invalid_login_id("required", Value::Null)
    );
    // admin/facade/user.go: a key the login ID config does not have.
    assert_eq!(
        create_user_refused(&stack, login_id("phone", "+85298765432")).await,
        (
            "invalid login ID key".to_owned(),
            json!({"errorName": "Invalid", "reason": "InvariantViolated",
                   "info": {"cause": {"kind": "InvalidLoginIDKey"}}})
        )
    );
    // admin/model/identity.go: ParseIdentityDef.
    let invalid = json!({"errorName": "Invalid", "reason": "Invalid"});
    assert_eq!(
        create_user_refused(&stack, login_id("email", "")).await,
        (
            "login ID key & value is required".to_owned(),
            invalid.clone()
        )
    );
    assert_eq!(
        create_user_refused(&stack, json!({"definition": {"loginID": null}})).await,
        (
            "exactly 1 field must be present in identity definition".to_owned(),
            invalid
        )
    );
    // A password is beyond the stand-in, and says so.
    let mut with_password = login_id("email", "newcomer@example.com");
    with_password["password"] = "correct horse".into();
    let (_, extensions) = create_user_refused(&stack, with_password).await;
    assert_eq!(extensions["devstack"], "not emulated");

    let state = stack.state().await;
    assert_eq!(state["users"], users_before, "nothing was created");
    assert_eq!(
        state["counters"]["create_user"],
        json!({"total": 7, "successful": 0})
    );
    stack.stop().await;
}
