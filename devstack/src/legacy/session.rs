//! A cookie session, for legacy systems whose browser session is an HttpOnly cookie the page
//! cannot read: `POST /session/login` sets `legacy_session`, `GET /session/check` answers who
//! it belongs to (from the browser's cookie, or a Cookie header a backend forwards),
//! `POST /session/logout` ends it.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::Legacy;
use super::store::{SessionRecord, random_token};
use super::tokens::{SESSION_SECONDS, no_store};
use crate::form::Form;

pub const COOKIE_NAME: &str = "legacy_session";

/// Takes `username` (or `email`) and `password`, form-encoded or as JSON.
pub async fn login(
    State(legacy): State<Arc<Legacy>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (username, password) = match serde_json::from_slice::<Value>(&body) {
        Ok(json) => {
            let text = |name: &str| {
                json.get(name)
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned()
            };
            let username = if json.get("username").is_some() {
                text("username")
            } else {
                text("email")
            };
            (username, text("password"))
        }
        Err(_) => {
            let form = Form::parse(uri.query(), &headers, &body);
            let username = match form.get("username") {
                "" => form.get("email"),
                username => username,
            };
            (username.to_owned(), form.get("password").to_owned())
        }
    };
    let Some(user) = legacy.check_password(&username, &password) else {
        return no_store(
            StatusCode::UNAUTHORIZED,
            json!({"error": "invalid_credentials"}),
        );
    };
    let id = random_token();
    let expires_at = crate::time::now() + SESSION_SECONDS;
    legacy.store().sessions.insert(
        id.clone(),
        SessionRecord {
            sub: user.legacy_sub.clone(),
            expires_at,
        },
    );
    let mut response = no_store(
        StatusCode::OK,
        json!({"sub": user.legacy_sub, "email": user.seed.email, "session_expires_at": expires_at}),
    );
    let cookie =
        format!("{COOKIE_NAME}={id}; Path=/; Max-Age={SESSION_SECONDS}; HttpOnly; SameSite=Lax");
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

pub async fn check(State(legacy): State<Arc<Legacy>>, headers: HeaderMap) -> Response {
    let now = crate::time::now();
    let session = session_id(&headers).and_then(|id| {
        let store = legacy.store();
        store
            .sessions
            .get(&id)
            .filter(|session| session.expires_at > now)
            .map(|session| (session.sub.clone(), session.expires_at))
    });
    let Some(user) = session
        .as_ref()
        .and_then(|(sub, _)| legacy.users.by_legacy_sub(sub))
    else {
        return no_store(
            StatusCode::UNAUTHORIZED,
            json!({"error": "invalid_session"}),
        );
    };
    let mut claims = legacy.user_profile(user);
    claims["session_expires_at"] = session.map(|(_, expires_at)| expires_at).into();
    no_store(StatusCode::OK, claims)
}

pub async fn logout(State(legacy): State<Arc<Legacy>>, headers: HeaderMap) -> Response {
    if let Some(id) = session_id(&headers) {
        legacy.store().sessions.remove(&id);
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_static("legacy_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax"),
    );
    response
}

/// The `legacy_session` value from the (possibly several) Cookie headers. A value in double
/// quotes (RFC 6265 §4.1.1) is the value inside them, as Go's net/http and Node's `cookie` read it.
fn session_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE_NAME)
        .map(|(_, value)| {
            let unquoted = value
                .strip_prefix('"')
                .and_then(|value| value.strip_suffix('"'));
            unquoted.unwrap_or(value).to_owned()
        })
}
