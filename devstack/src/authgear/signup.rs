//! The smallest sign-up the rolling migration needs: a new user who never was in the legacy
//! system, made as Authgear's sign-up makes one (pkg/lib/facade/coordinator.go: the same
//! UserCreate as the Admin API's `createUser`, with the email login ID's checks), and announced
//! by `user.created` with `triggered_by: "user"`. The Authgear UI itself is not emulated: the
//! user has no password here (sessions come from `createSession`).
//!
//! Control routes on the app origin:
//! - `POST /__devstack/authgear/signup` `{"email"}` → 201 `{"authgear_user_id", "email", "event_id"}`,
//!   or 400 with Authgear's error (`invalid login ID`, `identity already exists`).
//! - `GET /__devstack/authgear/hooks` → `{"non_blocking_handlers", "deliveries"}`;
//!   `POST` with `{"non_blocking_handlers": [{"events": ["*"], "url"}]}` replaces the handlers.

use std::collections::HashSet;
use std::sync::{Arc, PoisonError, RwLock};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::json;

use super::Authgear;
use super::create_user::Refusal;
use super::hooks::{Handler, TriggeredBy};

/// The Authgear user IDs of users who signed up on Authgear: the legacy IdP has no account for
/// them until one is provisioned.
#[derive(Default)]
pub struct SignUps(RwLock<HashSet<String>>);

impl SignUps {
    pub fn contains(&self, authgear_id: &str) -> bool {
        self.0
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .contains(authgear_id)
    }

    fn insert(&self, authgear_id: String) {
        self.0
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(authgear_id);
    }
}

pub fn control_router(authgear: Arc<Authgear>) -> Router {
    Router::new()
        .route("/__devstack/authgear/signup", post(sign_up))
        .route("/__devstack/authgear/hooks", get(hooks).post(set_hooks))
        .with_state(authgear)
}

fn bad_request(message: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        axum::Json(json!({ "error": message })),
    )
        .into_response()
}

async fn sign_up(State(authgear): State<Arc<Authgear>>, body: Bytes) -> Response {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Form {
        email: String,
    }
    let form: Form = match serde_json::from_slice(&body) {
        Ok(form) => form,
        Err(error) => return bad_request(&error.to_string()),
    };
    let input = json!({ "definition": { "loginID": { "key": "email", "value": form.email } } });
    let user = match authgear.create_user(&input) {
        Ok(user) => user,
        Err(Refusal::Api(error)) => {
            return (
                StatusCode::BAD_REQUEST,
                axum::Json(json!({ "error": error })),
            )
                .into_response();
        }
        Err(Refusal::NotEmulated(what)) => return bad_request(what),
    };
    authgear.signups.insert(user.authgear_id.clone());
    let event_id = authgear.hooks.user_created(user, TriggeredBy::User);
    (
        StatusCode::CREATED,
        axum::Json(json!({
            "authgear_user_id": user.authgear_id,
            "email": user.seed.email,
            "event_id": event_id,
        })),
    )
        .into_response()
}

async fn hooks(State(authgear): State<Arc<Authgear>>) -> impl IntoResponse {
    axum::Json(json!({
        "non_blocking_handlers": authgear.hooks.handlers(),
        "deliveries": authgear.hooks.deliveries(),
    }))
}

async fn set_hooks(State(authgear): State<Arc<Authgear>>, body: Bytes) -> Response {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Config {
        non_blocking_handlers: Vec<Handler>,
    }
    match serde_json::from_slice::<Config>(&body) {
        Ok(config) => {
            authgear.hooks.set_handlers(config.non_blocking_handlers);
            axum::Json(json!({ "non_blocking_handlers": authgear.hooks.handlers() }))
                .into_response()
        }
        Err(error) => bad_request(&error.to_string()),
    }
}
