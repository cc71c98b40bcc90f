//! `POST /token`: the `password` grant and a rotating `refresh_token` grant (each refresh token
//! works once; the answer carries its replacement; reuse is `invalid_grant`).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::Legacy;
use super::tokens::{DEFAULT_SCOPE, OAuthError, no_store};
use crate::form::Form;
use crate::users::normalize_email;

pub async fn token(
    State(legacy): State<Arc<Legacy>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form = Form::parse(uri.query(), &headers, &body);
    let grant_type = form.get("grant_type");
    let result = if form.get("client_id") != legacy.client_id {
        Err(OAuthError {
            status: StatusCode::UNAUTHORIZED,
            error: "invalid_client",
            description: "unknown client_id",
        })
    } else {
        match grant_type {
            "password" => legacy.password_grant(&form),
            "refresh_token" => legacy.refresh_grant(&form),
            _ => Err(OAuthError {
                status: StatusCode::BAD_REQUEST,
                error: "unsupported_grant_type",
                description: "grant_type must be password or refresh_token",
            }),
        }
    };
    legacy.counters.legacy_token(grant_type, result.is_ok());
    match result {
        Ok(tokens) => no_store(StatusCode::OK, tokens),
        Err(error) => error.into_response(),
    }
}

impl Legacy {
    fn password_grant(&self, form: &Form) -> Result<Value, OAuthError> {
        let user = self
            .check_password(form.get("username"), form.get("password"))
            .ok_or_else(|| OAuthError::invalid_grant("invalid username or password"))?;
        let scope = match form.get("scope") {
            "" => DEFAULT_SCOPE,
            scope => scope,
        };
        Ok(self.issue(&mut self.store(), user, scope, crate::time::now()))
    }

    fn refresh_grant(&self, form: &Form) -> Result<Value, OAuthError> {
        let invalid = OAuthError::invalid_grant;
        let now = crate::time::now();
        let mut store = self.store();
        let record = store
            .refresh
            .get_mut(form.get("refresh_token"))
            .ok_or_else(|| invalid("invalid refresh token"))?;
        if record.spent {
            self.counters.legacy_refresh_replayed();
            return Err(invalid("refresh token already used"));
        }
        if record.expires_at <= now {
            return Err(invalid("refresh token expired"));
        }
        record.spent = true;
        let (sub, scope) = (record.sub.clone(), record.scope.clone());
        self.counters.legacy_refresh_spent();
        let user = self
            .users
            .by_legacy_sub(&sub)
            .ok_or_else(|| invalid("unknown user"))?;
        Ok(self.issue(&mut store, user, &scope, now))
    }

    /// The seed user with this email and (bcrypt-checked) password.
    pub(super) fn check_password(
        &self,
        username: &str,
        password: &str,
    ) -> Option<&crate::users::UserRecord> {
        let user = self
            .users
            .by_normalized_email(&normalize_email(username)?)?;
        let hash = user.seed.password_hash.as_deref()?;
        bcrypt::verify(password, hash).ok()?.then_some(user)
    }
}
