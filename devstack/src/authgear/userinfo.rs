//! `GET|POST /oauth2/userinfo`, behind Authgear's session middleware and `RequireScope()`.

use std::sync::Arc;

use axum::Extension;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::grants::hash_token;
use super::{Authgear, RequestOrigin};
use crate::jose::Compact;

pub async fn userinfo(
    State(authgear): State<Arc<Authgear>>,
    Extension(RequestOrigin(origin)): Extension<RequestOrigin>,
    headers: HeaderMap,
) -> Response {
    match authgear.resolve_bearer(&origin, &headers) {
        // pkg/auth/handler/oauth/userinfo.go: `Content-Type: application/json`, json.Encoder.
        Some(claims) => (
            [(header::CONTENT_TYPE, "application/json")],
            format!("{}\n", Value::Object(claims)),
        )
            .into_response(),
        None => invalid_session(),
    }
}

/// pkg/lib/oauth/scope.go: RequireScope with no session — 401, the error in the body and in
/// `WWW-Authenticate`. No `Content-Type` is set, so Go's sniffing calls the JSON text/plain.
fn invalid_session() -> Response {
    let body = r#"{"error":"invalid_grant","error_description":"invalid session"}"#;
    let mut response = (StatusCode::UNAUTHORIZED, format!("{body}\n")).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    headers.insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static(
            r#"Bearer error="invalid_grant", error_description="invalid session""#,
        ),
    );
    response
}

impl Authgear {
    /// pkg/lib/oauth/resolver.go: resolveHeader / resolveAccessToken, then the user checks of
    /// pkg/lib/session/middleware.go. `None` means no valid session (missing or invalid alike).
    fn resolve_bearer(
        &self,
        origin: &str,
        headers: &HeaderMap,
    ) -> Option<serde_json::Map<String, Value>> {
        let token = bearer_token(headers)?;
        let now = crate::time::now();
        let token_hash = self.decode_access_token(origin, token, now)?;
        let grants = self.grants.lock().expect("grants lock");
        let grant = grants.resolve_access_grant(&token_hash, now)?;
        // "Standard session checking consider ErrUserNotFound and disabled as invalid."
        let user = self
            .users
            .by_authgear_id(&grant.user_id)
            .filter(|user| !user.seed.disabled)?;
        Some(super::users::userinfo(user))
    }

    /// pkg/lib/oauth/token_encoding.go: DecodeAccessToken. A token that does not look like or
    /// does not verify as a JWT is taken as opaque (and looked up by its hash); a verified JWT
    /// must pass `exp` (no clock skew allowed) and `aud` (the origin asked: a JWT access token
    /// issued at another host of the project is refused here), and names its grant by `jti`.
    fn decode_access_token(&self, origin: &str, token: &str, now: i64) -> Option<String> {
        if !token.starts_with("eyJ") {
            return Some(hash_token(token));
        }
        let key = self.keys.signing.public();
        let Some(jwt) = Compact::parse(token)
            .filter(|jwt| jwt.kid() == Some(key.kid.as_str()) && jwt.verify_rs256(key))
        else {
            return Some(hash_token(token));
        };
        let exp_ok = jwt.numeric("exp").is_none_or(|exp| now < exp);
        let iat_ok = jwt.numeric("iat").is_none_or(|iat| now >= iat);
        let nbf_ok = jwt.numeric("nbf").is_none_or(|nbf| now >= nbf);
        if !(exp_ok && iat_ok && nbf_ok && jwt.has_audience(origin)) {
            return None;
        }
        jwt.claims.get("jti")?.as_str().map(str::to_owned)
    }
}

/// pkg/lib/oauth/resolver.go: parseAuthorizationHeader — the scheme compared case-insensitively.
fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then_some(token)
}
