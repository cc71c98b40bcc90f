//! `GET|POST /userinfo`: the user behind a bearer access token (JWT or opaque).

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

use super::Legacy;
use super::verify::Audience;
use crate::users::UserRecord;

pub async fn userinfo(State(legacy): State<Arc<Legacy>>, headers: HeaderMap) -> Response {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim());
    let claims = token
        .ok_or("no bearer token")
        .and_then(|token| legacy.verify_access_token(token, Audience::Ours, crate::time::now()));
    match claims {
        Ok(claims) => axum::Json(legacy.profile(&claims)).into_response(),
        Err(reason) => {
            let mut response = super::tokens::OAuthError {
                status: StatusCode::UNAUTHORIZED,
                error: "invalid_token",
                description: reason,
            }
            .into_response();
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(r#"Bearer error="invalid_token""#),
            );
            response
        }
    }
}

impl Legacy {
    /// The profile of a seed user.
    pub(super) fn user_profile(&self, user: &UserRecord) -> Value {
        let mut claims = Map::new();
        claims.insert("sub".into(), user.legacy_sub.clone().into());
        claims.insert("email".into(), user.seed.email.clone().into());
        claims.insert("email_verified".into(), user.seed.email_verified.into());
        self.profile(&claims)
    }

    /// The OIDC profile claims for a token's claims: `sub`, `email`, `email_verified`, and the
    /// user's `name` when the subject is a seed user.
    pub(super) fn profile(&self, claims: &Map<String, Value>) -> Value {
        let mut profile = Map::new();
        for name in ["sub", "email", "email_verified"] {
            if let Some(value) = claims.get(name) {
                profile.insert(name.into(), value.clone());
            }
        }
        let user = claims
            .get("sub")
            .and_then(Value::as_str)
            .and_then(|sub| self.users.by_legacy_sub(sub));
        if let Some(name) = user.and_then(|user| user.seed.standard_attributes.get("name")) {
            profile.insert("name".into(), name.clone());
        }
        Value::Object(profile)
    }
}
