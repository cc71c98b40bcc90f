//! The control API on the app origin, under `/__devstack/`: state and counters, reset, the
//! Authgear switches, fault switches, and legacy token minting. JSON in, JSON out; a bad body is
//! `400 {"error": "…"}`.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::authgear::Authgear;
use crate::config::PublicConfig;
use crate::counters::Counters;
use crate::endpoint::Endpoints;
use crate::faults::Faults;
use crate::legacy::Legacy;
use crate::users::Directory;

#[derive(Clone)]
pub struct Control {
    pub public: PublicConfig,
    pub authgear: Arc<Authgear>,
    pub legacy: Arc<Legacy>,
    pub faults: Arc<Faults>,
    pub counters: Arc<Counters>,
    pub users: Arc<Directory>,
    pub endpoints: Endpoints,
}

pub fn router(control: Control) -> Router {
    Router::new()
        .route("/config.json", get(public_config))
        .route("/__devstack/state", get(state))
        .route("/__devstack/reset", post(reset))
        .route("/__devstack/config", get(get_config).post(set_config))
        .route(
            "/__devstack/faults",
            get(list_faults).post(add_fault).delete(clear_faults),
        )
        .route("/__devstack/legacy/mint", post(mint))
        .with_state(control)
}

fn json_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, String> {
    serde_json::from_slice(body).map_err(|err| err.to_string())
}

fn bad_request(message: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        axum::Json(json!({ "error": message })),
    )
        .into_response()
}

async fn public_config(State(control): State<Control>) -> impl IntoResponse {
    (
        [(axum::http::header::CACHE_CONTROL, "no-store")],
        axum::Json(control.public),
    )
}

async fn state(State(control): State<Control>) -> axum::Json<Value> {
    let users: Vec<Value> = control
        .users
        .current()
        .into_iter()
        .map(|user| {
            json!({
                "email": user.seed.email,
                "authgear_user_id": user.authgear_id,
                "authgear_node_id": Authgear::node_id(user),
                "legacy_sub": user.legacy_sub,
                "disabled": user.seed.disabled,
                "email_verified": user.seed.email_verified,
                "custom_attributes": user.seed.custom_attributes,
            })
        })
        .collect();
    axum::Json(json!({
        "config": control.authgear.settings(),
        "counters": control.counters.snapshot(),
        "faults": control.faults.list(),
        "sessions": {
            "authgear_offline_grants": control.authgear.session_count(),
            "legacy": control.legacy.sessions(),
        },
        "clients": control.authgear.clients(),
        "users": users,
    }))
}

/// Counters, faults, sessions, tokens and the endpoint's caches forgotten; Authgear switches
/// back to their defaults. The users (and their IDs) stay.
async fn reset(State(control): State<Control>) -> StatusCode {
    control.counters.reset();
    control.endpoints.reset();
    control.faults.clear();
    control.authgear.reset();
    control.legacy.reset();
    StatusCode::NO_CONTENT
}

async fn get_config(State(control): State<Control>) -> impl IntoResponse {
    axum::Json(control.authgear.settings())
}

async fn set_config(State(control): State<Control>, body: Bytes) -> Response {
    let patch = match json_body(&body) {
        Ok(patch) => patch,
        Err(message) => return bad_request(&message),
    };
    match control.authgear.change_settings(patch) {
        Ok(settings) => axum::Json(settings).into_response(),
        Err(message) => bad_request(&message),
    }
}

async fn list_faults(State(control): State<Control>) -> impl IntoResponse {
    axum::Json(control.faults.list())
}

async fn add_fault(State(control): State<Control>, body: Bytes) -> Response {
    let spec = match json_body(&body) {
        Ok(spec) => spec,
        Err(message) => return bad_request(&message),
    };
    match control.faults.add(spec) {
        Ok(rule) => (StatusCode::CREATED, axum::Json(rule)).into_response(),
        Err(message) => bad_request(&message),
    }
}

async fn clear_faults(State(control): State<Control>) -> StatusCode {
    control.faults.clear();
    StatusCode::NO_CONTENT
}

async fn mint(State(control): State<Control>, body: Bytes) -> Response {
    let spec = match json_body(&body) {
        Ok(spec) => spec,
        Err(message) => return bad_request(&message),
    };
    match control.legacy.mint(spec) {
        Ok(minted) => axum::Json(minted).into_response(),
        Err(message) => bad_request(&message),
    }
}
