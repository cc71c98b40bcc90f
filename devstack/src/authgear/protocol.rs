//! OAuth 2.0 answers as Authgear writes them.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

/// pkg/lib/oauth/protocol/error.go: OAuthProtocolError, `{"error","error_description"}`.
#[derive(Debug)]
pub struct OAuthError {
    /// pkg/lib/oauth/handler/result_token.go: a zero status code is written as 400.
    pub status: StatusCode,
    pub error: &'static str,
    pub description: String,
}

impl OAuthError {
    pub fn new(error: &'static str, description: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            error,
            description: description.into(),
        }
    }

    /// pkg/lib/oauth/handler/service_token.go: ErrInvalidRefreshToken, the one answer for a
    /// refresh token that is malformed, unknown, revoked, rotated away, or whose user is gone
    /// or disabled.
    pub fn invalid_refresh_token() -> Self {
        Self::new("invalid_grant", "invalid refresh token")
    }

    pub fn body(&self) -> Value {
        json!({ "error": self.error, "error_description": self.description })
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        no_store_json(self.status, &self.body())
    }
}

/// pkg/lib/oauth/handler/result_token.go: `Content-Type: application/json`,
/// `Cache-Control: no-store`, `Pragma: no-cache`, and Go's `json.Encoder` (keys sorted, a
/// trailing newline).
pub fn no_store_json(status: StatusCode, body: &Value) -> Response {
    let mut response = (status, format!("{body}\n")).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}

/// A token response: `access_token`, `token_type`, `expires_in`, and what else was issued.
/// pkg/lib/oauth/protocol/token.go: TokenResponse is a map, so the JSON keys come out sorted.
pub type TokenResponse = Map<String, Value>;
