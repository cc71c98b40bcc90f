//! The slice of Auth0 the provisioning target calls, on the legacy origin, as Auth0's
//! Authentication API and Management API references describe it:
//!
//! - `POST /oauth/token` (JSON or form): `grant_type=client_credentials` with
//!   [`AUTH0_CLIENT_ID`] / [`AUTH0_CLIENT_SECRET`] and `audience` = `<origin>/api/v2/` →
//!   `{access_token, scope, expires_in: 86400, token_type: "Bearer"}`; wrong credentials → 401
//!   `{"error":"access_denied","error_description":"Unauthorized"}`; another audience → 403
//!   `access_denied`; another grant → 403 `unauthorized_client`.
//! - `POST /api/v2/users` with that Bearer token: creates the user in the database connection
//!   `Username-Password-Authentication` → 201 `{user_id: "auth0|…", email, email_verified,
//!   app_metadata, identities, …}`; an email the connection has → 409 "The user already exists."
//!   (`auth0_idp_error`); another connection → 400 `inexistent_connection`; no `email` or
//!   `password` → 400 `invalid_body`; no or unknown token → 401.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::Legacy;
use super::provision::{Account, Created};
use super::store::random_token;
use crate::users::normalize_email;

pub const AUTH0_CLIENT_ID: &str = "devstack-m2m-client";
/// The devstack's machine-to-machine secret; it protects nothing real.
pub const AUTH0_CLIENT_SECRET: &str = "devstack-m2m-secret-not-for-production";
const AUTH0_CONNECTION: &str = "Username-Password-Authentication";

/// Management API tokens issued.
#[derive(Default)]
pub struct ManagementTokens(Mutex<HashSet<String>>);

impl ManagementTokens {
    fn issue(&self) -> String {
        let token = random_token();
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(token.clone());
        token
    }

    fn knows(&self, token: &str) -> bool {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .contains(token)
    }
}

fn management_error(status: StatusCode, message: &str, code: Option<&str>) -> Response {
    let mut body = json!({
        "statusCode": status.as_u16(),
        "error": status.canonical_reason().unwrap_or_default(),
        "message": message,
    });
    if let Some(code) = code {
        body["errorCode"] = code.into();
    }
    (status, axum::Json(body)).into_response()
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        axum::Json(json!({ "error": error, "error_description": description })),
    )
        .into_response()
}

pub async fn token(State(legacy): State<Arc<Legacy>>, headers: HeaderMap, body: Bytes) -> Response {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/json"));
    let form: Value = if is_json {
        serde_json::from_slice(&body).unwrap_or(Value::Null)
    } else {
        form_urlencoded::parse(&body)
            .map(|(name, value)| (name.into_owned(), Value::String(value.into_owned())))
            .collect::<serde_json::Map<_, _>>()
            .into()
    };
    let text = |name: &str| form.get(name).and_then(Value::as_str).unwrap_or_default();
    if text("grant_type") != "client_credentials" {
        return oauth_error(
            StatusCode::FORBIDDEN,
            "unauthorized_client",
            "Grant type not allowed for the client.",
        );
    }
    if text("client_id") != AUTH0_CLIENT_ID || text("client_secret") != AUTH0_CLIENT_SECRET {
        return oauth_error(StatusCode::UNAUTHORIZED, "access_denied", "Unauthorized");
    }
    let audience = format!("{}/api/v2/", legacy.origin);
    if text("audience") != audience {
        return oauth_error(
            StatusCode::FORBIDDEN,
            "access_denied",
            &format!("Service not enabled within domain: {}", text("audience")),
        );
    }
    axum::Json(json!({
        "access_token": legacy.management_tokens.issue(),
        "scope": "read:users create:users",
        "expires_in": 86_400,
        "token_type": "Bearer",
    }))
    .into_response()
}

pub async fn create_user(
    State(legacy): State<Arc<Legacy>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "));
    if !token.is_some_and(|token| legacy.management_tokens.knows(token)) {
        return management_error(StatusCode::UNAUTHORIZED, "Invalid token", None);
    }
    let Ok(user) = serde_json::from_slice::<Value>(&body) else {
        return management_error(
            StatusCode::BAD_REQUEST,
            "Invalid request payload JSON format",
            None,
        );
    };
    let text = |name: &str| user.get(name).and_then(Value::as_str);
    let Some(connection) = text("connection") else {
        return management_error(
            StatusCode::BAD_REQUEST,
            "Payload validation error: 'Missing required property: connection'.",
            Some("invalid_body"),
        );
    };
    if connection != AUTH0_CONNECTION {
        return management_error(
            StatusCode::BAD_REQUEST,
            "The connection does not exist.",
            Some("inexistent_connection"),
        );
    }
    for required in ["email", "password"] {
        if text(required).is_none() {
            return management_error(
                StatusCode::BAD_REQUEST,
                &format!("Payload validation error: 'Missing required property: {required}'."),
                Some("invalid_body"),
            );
        }
    }
    let Some(email) = text("email").and_then(normalize_email) else {
        return management_error(
            StatusCode::BAD_REQUEST,
            "Payload validation error: 'Object didn't pass validation for format email'.",
            Some("invalid_body"),
        );
    };
    let email_verified = user
        .get("email_verified")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let app_metadata = user
        .get("app_metadata")
        .cloned()
        .unwrap_or_else(|| json!({}));
    let account = Account {
        email: email.clone(),
        authgear_user_id: app_metadata["authgear_user_id"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        email_verified,
        via: "auth0",
        app_metadata: app_metadata.clone(),
    };
    match legacy.create_account(account) {
        Created::Exists => management_error(
            StatusCode::CONFLICT,
            "The user already exists.",
            Some("auth0_idp_error"),
        ),
        Created::New => {
            let id = random_token()[..24].to_owned();
            let now = crate::time::rfc3339(crate::time::now());
            (
                StatusCode::CREATED,
                axum::Json(json!({
                    "user_id": format!("auth0|{id}"),
                    "email": email,
                    "email_verified": email_verified,
                    "app_metadata": app_metadata,
                    "identities": [{
                        "connection": AUTH0_CONNECTION,
                        "user_id": id,
                        "provider": "auth0",
                        "isSocial": false,
                    }],
                    "created_at": now,
                    "updated_at": now,
                })),
            )
                .into_response()
        }
    }
}
