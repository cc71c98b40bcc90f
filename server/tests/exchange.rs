//! The whole exchange over loopback HTTP, against the stand-in JWKS and Admin API, and every
//! error answer of the wire contract.

mod common;

use authgear_migrate_server::wire::{
    ErrorCode, ErrorResponse, GrantRefusal, SubjectTokenType, TOKEN_TYPE_REFRESH_TOKEN,
    TokenResponse,
};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::*;
use serde_json::json;

async fn setup() -> (Upstream, String) {
    let jwks = json!({ "keys": [Signer::rsa().jwk("legacy-rsa", Some("RS256"))] });
    let upstream = Upstream::start(jwks).await;
    let url = start_endpoint(upstream.config()).await;
    (upstream, url)
}

/// Asserts an error answer: status, `error`, `reason`, and `Cache-Control: no-store`.
async fn expect_error(
    response: reqwest::Response,
    status: u16,
    code: ErrorCode,
    reason: Option<GrantRefusal>,
) -> ErrorResponse {
    assert_eq!(response.status().as_u16(), status);
    assert_eq!(response.headers()["cache-control"], "no-store");
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let body: ErrorResponse = response.json().await.unwrap();
    assert_eq!(body.error, code, "{body:?}");
    assert_eq!(body.reason, reason, "{body:?}");
    body
}

#[tokio::test]
async fn a_valid_legacy_token_becomes_an_authgear_session() {
    let (upstream, url) = setup().await;
    let response = post_form(&url, form(&good_token(), SubjectTokenType::AccessToken)).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    assert_eq!(response.headers()["pragma"], "no-cache");
    let body = json_of(response).await;
    assert_eq!(
        body,
        json!({
            "access_token": "authgear-access-token",
            "token_type": "Bearer",
            "expires_in": 1800,
            "refresh_token": "authgear-refresh-token",
            "issued_token_type": TOKEN_TYPE_REFRESH_TOKEN,
        })
    );
    let _: TokenResponse = serde_json::from_value(body).unwrap();

    let sessions = upstream.state.sessions.lock().unwrap().clone();
    assert_eq!(
        sessions,
        vec![json!({ "userID": USER_ID, "clientID": CLIENT_ID })]
    );
}

#[tokio::test]
async fn an_id_token_is_exchanged_too_and_device_info_is_passed_on() {
    let (upstream, url) = setup().await;
    let device_info = URL_SAFE_NO_PAD.encode(r#"{"ios":{"uname":{"machine":"iPhone13,1"}}}"#);
    let body = format!(
        "{}&device_info={device_info}",
        form(&good_token(), SubjectTokenType::IdToken)
    );
    let response = post_form(&url, body).await;
    assert_eq!(response.status(), 200);
    let sessions = upstream.state.sessions.lock().unwrap().clone();
    assert_eq!(sessions[0]["deviceInfo"], device_info.as_str());
}

#[tokio::test]
async fn one_admin_jwt_serves_many_calls() {
    let (upstream, url) = setup().await;
    for _ in 0..2 {
        let response = post_form(&url, form(&good_token(), SubjectTokenType::AccessToken)).await;
        assert_eq!(response.status(), 200);
    }
    let jwts = upstream.state.admin_jwts.lock().unwrap().clone();
    // getUserByLoginID and createSession, twice, all with the one JWT the stand-in verified.
    assert_eq!(jwts.len(), 4);
    assert!(jwts.iter().all(|jwt| *jwt == jwts[0]));
}

#[tokio::test]
async fn an_unknown_user_is_refused_for_good() {
    let (_upstream, url) = setup().await;
    let token = mint(
        &Signer::rsa(),
        &json!({ "alg": "RS256", "kid": "legacy-rsa" }),
        &claims_for("nobody@example.com"),
    );
    let response = post_form(&url, form(&token, SubjectTokenType::AccessToken)).await;
    expect_error(
        response,
        400,
        ErrorCode::InvalidGrant,
        Some(GrantRefusal::UserNotFound),
    )
    .await;
}

#[tokio::test]
async fn a_login_id_authgear_cannot_read_belongs_to_nobody() {
    let (upstream, url) = setup().await;
    upstream.set_admin_mode(AdminMode::GetUserError(
        "Invalid",
        "GetUsersInvalidArgument",
        "invalid Login ID value",
    ));
    let response = post_form(&url, form(&good_token(), SubjectTokenType::AccessToken)).await;
    expect_error(
        response,
        400,
        ErrorCode::InvalidGrant,
        Some(GrantRefusal::UserNotFound),
    )
    .await;
}

/// A 500 tells the client only that the operator has something to fix; the cause (an
/// Authgear message, a variable name, a key ID) is in the log line, never in the body.
fn assert_no_detail(description: Option<String>, causes: &[&str]) {
    let description = description.unwrap();
    assert!(description.contains("its log"), "{description}");
    for cause in causes {
        assert!(!description.contains(cause), "{cause} in {description}");
    }
}

#[tokio::test]
async fn a_login_id_key_authgear_does_not_have_is_a_server_error() {
    let (upstream, url) = setup().await;
    upstream.set_admin_mode(AdminMode::GetUserError(
        "Invalid",
        "GetUsersInvalidArgument",
        "invalid Login ID key",
    ));
    let response = post_form(&url, form(&good_token(), SubjectTokenType::AccessToken)).await;
    let body = expect_error(response, 500, ErrorCode::ServerError, None).await;
    assert_no_detail(body.error_description, &["Login ID", "getUserByLoginID"]);
}

#[tokio::test]
async fn a_token_without_the_login_id_claim_finds_no_user() {
    let (_upstream, url) = setup().await;
    let mut claims = claims_for(USER_EMAIL);
    claims.as_object_mut().unwrap().remove("email");
    let token = mint(
        &Signer::rsa(),
        &json!({ "alg": "RS256", "kid": "legacy-rsa" }),
        &claims,
    );
    let response = post_form(&url, form(&token, SubjectTokenType::AccessToken)).await;
    let body = expect_error(
        response,
        400,
        ErrorCode::InvalidGrant,
        Some(GrantRefusal::UserNotFound),
    )
    .await;
    assert!(body.error_description.unwrap().contains("`email`"));
}

#[tokio::test]
async fn a_disabled_user_gets_no_session() {
    let (upstream, url) = setup().await;
    let token = mint(
        &Signer::rsa(),
        &json!({ "alg": "RS256", "kid": "legacy-rsa" }),
        &claims_for(DISABLED_EMAIL),
    );
    let response = post_form(&url, form(&token, SubjectTokenType::AccessToken)).await;
    expect_error(
        response,
        400,
        ErrorCode::InvalidGrant,
        Some(GrantRefusal::UserDisabled),
    )
    .await;
    assert!(upstream.state.sessions.lock().unwrap().is_empty());
}

#[tokio::test]
async fn a_client_outside_the_allowlist_is_refused() {
    let (_upstream, url) = setup().await;
    let body = form(&good_token(), SubjectTokenType::AccessToken)
        .replace("client_id=portal-client", "client_id=someone-else");
    let response = post_form(&url, body).await;
    expect_error(response, 401, ErrorCode::InvalidClient, None).await;
}

#[tokio::test]
async fn kinds_outside_the_default_credentials_are_unsupported() {
    let (_upstream, url) = setup().await;
    let refresh = post_form(&url, form("opaque", SubjectTokenType::RefreshToken)).await;
    expect_error(refresh, 400, ErrorCode::UnsupportedTokenType, None).await;

    let cookie = form("ignored", SubjectTokenType::Cookie).replace("&subject_token=ignored", "");
    let response = post_form(&url, cookie).await;
    expect_error(response, 400, ErrorCode::UnsupportedTokenType, None).await;

    let unknown = form("x", SubjectTokenType::AccessToken).replace("access_token", "saml2");
    let response = post_form(&url, unknown).await;
    expect_error(response, 400, ErrorCode::UnsupportedTokenType, None).await;
}

#[tokio::test]
async fn malformed_requests_are_invalid_requests() {
    let (_upstream, url) = setup().await;
    let good = form_with_key(&good_token(), SubjectTokenType::AccessToken, "idem-1");

    let missing = good.replace("&idempotency_key=idem-1", "");
    let body = expect_error(
        post_form(&url, missing).await,
        400,
        ErrorCode::InvalidRequest,
        None,
    )
    .await;
    assert!(body.error_description.unwrap().contains("idempotency_key"));

    let repeated = format!("{good}&client_id={CLIENT_ID}");
    expect_error(
        post_form(&url, repeated).await,
        400,
        ErrorCode::InvalidRequest,
        None,
    )
    .await;

    let grant = good.replace("token-exchange", "password");
    expect_error(
        post_form(&url, grant).await,
        400,
        ErrorCode::UnsupportedGrantType,
        None,
    )
    .await;

    let device_info = format!("{good}&device_info=bm90IGpzb24"); // "not json"
    expect_error(
        post_form(&url, device_info).await,
        400,
        ErrorCode::InvalidRequest,
        None,
    )
    .await;

    let huge = format!("{good}&padding={}", "a".repeat(20 * 1024));
    let body = expect_error(
        post_form(&url, huge).await,
        400,
        ErrorCode::InvalidRequest,
        None,
    )
    .await;
    assert!(body.error_description.unwrap().contains("larger than"));

    let client = reqwest::Client::new();
    for content_type in [Some("application/json"), Some("text/plain"), None] {
        let mut request = client.post(&url).body(good.clone());
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        let response = request.send().await.unwrap();
        expect_error(response, 400, ErrorCode::InvalidRequest, None).await;
    }

    // Parameters after the media type are fine.
    let response = client
        .post(&url)
        .header(
            "content-type",
            "Application/X-WWW-Form-Urlencoded; charset=UTF-8",
        )
        .body(good)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn authgear_unavailable_means_try_later() {
    let (upstream, url) = setup().await;

    upstream.set_admin_mode(AdminMode::Status(503, Some("42")));
    let response = post_form(&url, form(&good_token(), SubjectTokenType::AccessToken)).await;
    assert_eq!(response.headers()["retry-after"], "42");
    expect_error(response, 503, ErrorCode::TemporarilyUnavailable, None).await;

    upstream.set_admin_mode(AdminMode::Status(429, None));
    let response = post_form(&url, form(&good_token(), SubjectTokenType::AccessToken)).await;
    assert_eq!(response.headers()["retry-after"], "10");
    expect_error(response, 503, ErrorCode::TemporarilyUnavailable, None).await;

    upstream.set_admin_mode(AdminMode::CreateSessionError(
        "InternalError",
        "UnexpectedError",
        "unexpected error",
    ));
    let response = post_form(&url, form(&good_token(), SubjectTokenType::AccessToken)).await;
    assert!(response.headers().contains_key("retry-after"));
    expect_error(response, 503, ErrorCode::TemporarilyUnavailable, None).await;
}

#[tokio::test]
async fn authgear_unreachable_means_try_later() {
    let upstream =
        Upstream::start(json!({ "keys": [Signer::rsa().jwk("legacy-rsa", None)] })).await;
    // A port that was just free: nothing listens there.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let closed_addr = closed.local_addr().unwrap();
    drop(closed);
    let mut env = upstream.env();
    env.insert("AUTHGEAR_ENDPOINT", format!("http://{closed_addr}"));
    let url = start_endpoint(config_from(&env)).await;

    let response = post_form(&url, form(&good_token(), SubjectTokenType::AccessToken)).await;
    assert!(response.headers().contains_key("retry-after"));
    expect_error(response, 503, ErrorCode::TemporarilyUnavailable, None).await;
}

#[tokio::test]
async fn authgear_refusals_are_server_errors_without_detail() {
    let (upstream, url) = setup().await;
    for (name, reason, message) in [
        ("Forbidden", "Forbidden", "CreateSession is disabled"),
        ("Invalid", "ValidationFailed", "invalid client ID"),
    ] {
        upstream.set_admin_mode(AdminMode::CreateSessionError(name, reason, message));
        let response = post_form(&url, form(&good_token(), SubjectTokenType::AccessToken)).await;
        let body = expect_error(response, 500, ErrorCode::ServerError, None).await;
        assert_no_detail(body.error_description, &[message, "createSession"]);
    }
}

#[tokio::test]
async fn a_refused_admin_key_is_a_server_error_without_detail() {
    let upstream =
        Upstream::start(json!({ "keys": [Signer::rsa().jwk("legacy-rsa", None)] })).await;
    let mut env = upstream.env();
    env.insert("AUTHGEAR_PROJECT_ID", "another-project".to_owned());
    let url = start_endpoint(config_from(&env)).await;

    let response = post_form(&url, form(&good_token(), SubjectTokenType::AccessToken)).await;
    let body = expect_error(response, 500, ErrorCode::ServerError, None).await;
    assert_no_detail(
        body.error_description,
        &["AUTHGEAR_ADMIN_KEY_ID", "admin JWT", "403"],
    );
}

#[tokio::test]
async fn no_answer_echoes_the_legacy_token() {
    let (upstream, url) = setup().await;
    let token = good_token();
    upstream.set_admin_mode(AdminMode::Status(500, None));
    let response = post_form(&url, form(&token, SubjectTokenType::AccessToken)).await;
    let text = response.text().await.unwrap();
    let signature = token.rsplit('.').next().unwrap();
    assert!(!text.contains(signature));
}

#[tokio::test]
async fn cors_answers_configured_origins_only() {
    let upstream =
        Upstream::start(json!({ "keys": [Signer::rsa().jwk("legacy-rsa", None)] })).await;
    let mut env = upstream.env();
    env.insert(
        "CORS_ALLOWED_ORIGINS",
        "https://app.example.com, http://localhost:3000".to_owned(),
    );
    let url = start_endpoint(config_from(&env)).await;
    let client = reqwest::Client::new();

    let allowed = client
        .post(&url)
        .header("origin", "https://app.example.com")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(&good_token(), SubjectTokenType::AccessToken))
        .send()
        .await
        .unwrap();
    assert_eq!(allowed.status(), 200);
    let headers = allowed.headers();
    assert_eq!(
        headers["access-control-allow-origin"],
        "https://app.example.com"
    );
    assert_eq!(headers["access-control-allow-credentials"], "true");
    assert!(
        headers["access-control-expose-headers"]
            .to_str()
            .unwrap()
            .contains("retry-after")
    );

    let stranger = client
        .post(&url)
        .header("origin", "https://evil.example.net")
        .header("content-type", "application/x-www-form-urlencoded")
        .body("")
        .send()
        .await
        .unwrap();
    assert!(
        !stranger
            .headers()
            .contains_key("access-control-allow-origin")
    );

    let preflight = client
        .request(reqwest::Method::OPTIONS, &url)
        .header("origin", "http://localhost:3000")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type")
        .send()
        .await
        .unwrap();
    assert!(preflight.status().is_success());
    assert_eq!(
        preflight.headers()["access-control-allow-origin"],
        "http://localhost:3000"
    );
    assert!(
        preflight.headers()["access-control-allow-methods"]
            .to_str()
            .unwrap()
            .contains("POST")
    );
}

#[tokio::test]
async fn without_origins_there_are_no_cors_headers_and_options_says_what_is_allowed() {
    let (_upstream, url) = setup().await;
    let client = reqwest::Client::new();
    let response = client
        .request(reqwest::Method::OPTIONS, &url)
        .header("origin", "https://app.example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    assert_eq!(response.headers()["allow"], "OPTIONS, POST");
    assert!(
        !response
            .headers()
            .contains_key("access-control-allow-origin")
    );

    let get = client.get(&url).send().await.unwrap();
    assert_eq!(get.status(), 405);
}
