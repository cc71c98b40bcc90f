//! The tokens the legacy IdP issues, and its OAuth error answers.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::Legacy;
use super::store::{RefreshRecord, Store, random_token};
use crate::jose::{self, Signer};
use crate::users::UserRecord;

pub const ACCESS_TOKEN_SECONDS: i64 = 60 * 60;
pub const REFRESH_TOKEN_SECONDS: i64 = 30 * 24 * 60 * 60;
pub const SESSION_SECONDS: i64 = 24 * 60 * 60;
pub const DEFAULT_SCOPE: &str = "openid profile email offline_access";

impl Legacy {
    /// The access token's claims: a JWT for `legacyAudience`.
    pub(super) fn access_claims(
        &self,
        user: &UserRecord,
        scope: &str,
        now: i64,
    ) -> Map<String, Value> {
        let mut claims = Map::new();
        claims.insert("iss".into(), self.origin.clone().into());
        claims.insert("aud".into(), self.audience.clone().into());
        claims.insert("sub".into(), user.legacy_sub.clone().into());
        claims.insert("email".into(), user.seed.email.clone().into());
        claims.insert("email_verified".into(), user.seed.email_verified.into());
        claims.insert("client_id".into(), self.client_id.clone().into());
        claims.insert("scope".into(), scope.into());
        claims.insert("iat".into(), now.into());
        claims.insert("nbf".into(), now.into());
        claims.insert("exp".into(), (now + ACCESS_TOKEN_SECONDS).into());
        claims.insert("jti".into(), uuid::Uuid::new_v4().to_string().into());
        claims
    }

    /// The ID token's claims: for the legacy client.
    pub(super) fn id_claims(&self, user: &UserRecord, now: i64) -> Map<String, Value> {
        let mut claims = Map::new();
        claims.insert("iss".into(), self.origin.clone().into());
        claims.insert("aud".into(), self.client_id.clone().into());
        claims.insert("sub".into(), user.legacy_sub.clone().into());
        claims.insert("email".into(), user.seed.email.clone().into());
        claims.insert("email_verified".into(), user.seed.email_verified.into());
        if let Some(name) = user.seed.standard_attributes.get("name") {
            claims.insert("name".into(), name.clone());
        }
        claims.insert("iat".into(), now.into());
        claims.insert("auth_time".into(), now.into());
        claims.insert("exp".into(), (now + ACCESS_TOKEN_SECONDS).into());
        // As Okta, Cognito and Keycloak do: without it, two sign-ins in one second would give
        // byte-identical ID tokens (RS256 is deterministic), one credential to the endpoint.
        claims.insert("jti".into(), uuid::Uuid::new_v4().to_string().into());
        claims
    }

    pub(super) fn sign_rs256(&self, claims: Map<String, Value>) -> String {
        let mut header = Map::new();
        header.insert("kid".into(), self.keys.rs256.kid().into());
        header.insert("typ".into(), "JWT".into());
        jose::encode(
            header,
            &Value::Object(claims),
            &Signer::Rs256(&self.keys.rs256),
        )
    }

    /// A fresh token set, with a new single-use refresh token.
    pub(super) fn issue(
        &self,
        store: &mut Store,
        user: &UserRecord,
        scope: &str,
        now: i64,
    ) -> Value {
        let refresh_token = random_token();
        store.refresh.insert(
            refresh_token.clone(),
            RefreshRecord {
                sub: user.legacy_sub.clone(),
                scope: scope.to_owned(),
                expires_at: now + REFRESH_TOKEN_SECONDS,
                spent: false,
            },
        );
        json!({
            "access_token": self.sign_rs256(self.access_claims(user, scope, now)),
            "token_type": "Bearer",
            "expires_in": ACCESS_TOKEN_SECONDS,
            "refresh_token": refresh_token,
            "id_token": self.sign_rs256(self.id_claims(user, now)),
            "scope": scope,
        })
    }
}

/// An RFC 6749 §5.2 error answer.
pub struct OAuthError {
    pub status: StatusCode,
    pub error: &'static str,
    pub description: &'static str,
}

impl OAuthError {
    pub fn invalid_grant(description: &'static str) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            error: "invalid_grant",
            description,
        }
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        no_store(
            self.status,
            json!({ "error": self.error, "error_description": self.description }),
        )
    }
}

/// JSON with `Cache-Control: no-store` (RFC 6749 §5.1).
pub fn no_store(status: StatusCode, body: Value) -> Response {
    let mut response = (status, axum::Json(body)).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
