//! Accounts made in the legacy system for users who signed up on Authgear, and the old app's
//! way into them.
//!
//! - `POST /provision`: the generic provisioning contract (server/README.md): JSON
//!   `{authgear_user_id, email, email_verified, …}` signed with `x-authgear-migrate-signature`
//!   (lowercase hex HMAC-SHA256 of the body under [`PROVISION_SECRET`]). 201 created, 409 the
//!   account exists, 401 a bad signature, 400 a body it cannot use.
//! - `POST /password-reset` `{"email"}`: always 202; when the account exists, a reset link goes
//!   to the devstack's outbox. `POST /password-reset/confirm` `{"token", "password"}`: 204, and
//!   the password grant and the cookie login take the new password.
//! - On the app origin: `GET /__devstack/legacy/accounts` (each provisioned account, and per
//!   email how many provisioning calls came and how many created it) and
//!   `GET /__devstack/legacy/outbox` (the mails sent).
//!
//! The legacy IdP has an account for a directory user unless they signed up on Authgear
//! (`authgear/signup.rs`) and were never provisioned.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::Legacy;
use super::store::random_token;
use crate::authgear::hooks::hmac_sha256_hex;
use crate::users::normalize_email;

/// The devstack's `LEGACY_PROVISION_SECRET`; it protects nothing real.
pub const PROVISION_SECRET: &str = "devstack-provision-secret-not-for-production";
const SIGNATURE_HEADER: &str = "x-authgear-migrate-signature";
/// How long a reset link works.
const RESET_SECONDS: i64 = 30 * 60;

/// One account the legacy system was asked to create.
#[derive(Clone, Serialize)]
pub struct Account {
    pub email: String,
    pub authgear_user_id: String,
    pub email_verified: bool,
    /// `generic` or `auth0`.
    pub via: &'static str,
    /// What an Auth0 create set (`app_metadata`), for tests.
    pub app_metadata: Value,
}

/// Provisioning calls for one email.
#[derive(Clone, Copy, Default, Serialize)]
pub struct Calls {
    pub requests: u64,
    pub created: u64,
    pub already_there: u64,
}

#[derive(Clone, Serialize)]
pub struct Mail {
    pub to: String,
    pub subject: &'static str,
    pub link: String,
}

#[derive(Default)]
pub struct Accounts {
    by_email: BTreeMap<String, Account>,
    calls: BTreeMap<String, Calls>,
    resets: HashMap<String, (String, i64)>,
    outbox: Vec<Mail>,
}

/// What a create did.
pub enum Created {
    New,
    Exists,
}

impl Legacy {
    /// Whether the legacy IdP has an account for this (normalized) email.
    pub(super) fn has_account(&self, accounts: &Accounts, email: &str) -> bool {
        accounts.by_email.contains_key(email)
            || self
                .users
                .by_normalized_email(email)
                .is_some_and(|user| !self.signups.contains(&user.authgear_id))
    }

    /// Creates the account unless it exists, counting the call.
    pub(super) fn create_account(&self, account: Account) -> Created {
        let mut accounts = self.accounts();
        let email = account.email.clone();
        let exists = self.has_account(&accounts, &email);
        let calls = accounts.calls.entry(email.clone()).or_default();
        calls.requests += 1;
        if exists {
            calls.already_there += 1;
            return Created::Exists;
        }
        calls.created += 1;
        crate::log!(
            "legacy: account provisioned ({}) for an Authgear sign-up",
            account.via
        );
        accounts.by_email.insert(email, account);
        Created::New
    }
}

pub fn control_router(legacy: Arc<Legacy>) -> Router {
    Router::new()
        .route("/__devstack/legacy/accounts", get(list_accounts))
        .route("/__devstack/legacy/outbox", get(outbox))
        .with_state(legacy)
}

fn error(status: StatusCode, message: &str) -> Response {
    (status, axum::Json(json!({ "error": message }))).into_response()
}

pub async fn provision(
    State(legacy): State<Arc<Legacy>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    #[derive(Deserialize)]
    struct Request {
        authgear_user_id: String,
        email: Option<String>,
        #[serde(default)]
        email_verified: bool,
    }
    let signature = headers
        .get(SIGNATURE_HEADER)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    let expected = hmac_sha256_hex(PROVISION_SECRET.as_bytes(), &body);
    // A stand-in: a plain comparison is enough here (the endpoint's own checks are constant time).
    if signature != expected {
        return error(StatusCode::UNAUTHORIZED, "invalid signature");
    }
    let request: Request = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(problem) => return error(StatusCode::BAD_REQUEST, &problem.to_string()),
    };
    let Some(email) = request.email.as_deref().and_then(normalize_email) else {
        return error(
            StatusCode::BAD_REQUEST,
            "this legacy system keys accounts by email address",
        );
    };
    let account = Account {
        email,
        authgear_user_id: request.authgear_user_id,
        email_verified: request.email_verified,
        via: "generic",
        app_metadata: Value::Null,
    };
    match legacy.create_account(account) {
        Created::New => {
            (StatusCode::CREATED, axum::Json(json!({ "created": true }))).into_response()
        }
        Created::Exists => error(StatusCode::CONFLICT, "the account exists"),
    }
}

pub async fn password_reset(State(legacy): State<Arc<Legacy>>, body: Bytes) -> Response {
    #[derive(Deserialize)]
    struct Request {
        email: String,
    }
    let request: Request = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(problem) => return error(StatusCode::BAD_REQUEST, &problem.to_string()),
    };
    let mut accounts = legacy.accounts();
    if let Some(email) = normalize_email(&request.email) {
        if legacy.has_account(&accounts, &email) {
            let token = random_token();
            let link = format!("{}/password-reset/confirm?token={token}", legacy.origin);
            let expires = crate::time::now() + RESET_SECONDS;
            accounts.resets.insert(token, (email.clone(), expires));
            accounts.outbox.push(Mail {
                to: email,
                subject: "Reset your password",
                link,
            });
        }
    }
    // The same answer either way: the form does not tell who has an account.
    (
        StatusCode::ACCEPTED,
        axum::Json(
            json!({ "message": "If an account has this email, a reset link is on its way." }),
        ),
    )
        .into_response()
}

pub async fn confirm_password_reset(State(legacy): State<Arc<Legacy>>, body: Bytes) -> Response {
    #[derive(Deserialize)]
    struct Request {
        token: String,
        password: String,
    }
    let request: Request = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(problem) => return error(StatusCode::BAD_REQUEST, &problem.to_string()),
    };
    if request.password.len() < 8 {
        return error(
            StatusCode::BAD_REQUEST,
            "the password needs at least 8 characters",
        );
    }
    let email = {
        let mut accounts = legacy.accounts();
        match accounts.resets.remove(&request.token) {
            Some((email, expires)) if expires > crate::time::now() => email,
            _ => return error(StatusCode::BAD_REQUEST, "the link is invalid or expired"),
        }
    };
    let Some(user) = legacy.users.by_normalized_email(&email) else {
        return error(
            StatusCode::BAD_REQUEST,
            "devstack: a reset for an account with no directory user is not emulated",
        );
    };
    // bcrypt cost 4, as the seed's hashes: the devstack is no place for slow hashing.
    let hash = bcrypt::hash(&request.password, 4).expect("bcrypt hashes");
    let mut seed = user.seed.clone();
    seed.password_hash = Some(hash);
    let authgear_id = user.authgear_id.clone();
    match legacy.users.update(&authgear_id, seed) {
        Some(Ok(_)) => StatusCode::NO_CONTENT.into_response(),
        _ => error(StatusCode::CONFLICT, "the account changed meanwhile"),
    }
}

async fn list_accounts(State(legacy): State<Arc<Legacy>>) -> impl IntoResponse {
    let accounts = legacy.accounts();
    axum::Json(json!({
        "accounts": accounts.by_email.values().collect::<Vec<_>>(),
        "calls": accounts.calls,
    }))
}

async fn outbox(State(legacy): State<Arc<Legacy>>) -> impl IntoResponse {
    axum::Json(json!({ "mails": legacy.accounts().outbox }))
}
