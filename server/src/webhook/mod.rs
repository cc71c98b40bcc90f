//! The receiver of Authgear's non-blocking webhooks (`POST WEBHOOK_PATH`): users who sign up on
//! Authgear get an account in the legacy system.
//!
//! Authgear (pkg/lib/hook/hook_web.go) signs the exact body bytes with HMAC-SHA256 and sends the
//! lowercase hex in `x-authgear-body-signature`; it delivers each event once, within 60 s, and
//! counts any 2xx as success. So the receiver checks the signature on the raw body (a
//! re-encoded body would not match: Go escapes `<`, `>`, `&`), answers at once, and provisions
//! afterwards. An event is acted on once per `id` (in Redis when `REDIS_URL` is set, so that
//! many instances behave as one). Nothing here is the guarantee: an event lost to an outage or
//! a crash is found again by `reconcile`.

mod event;

use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use tokio_util::task::TaskTracker;

use crate::config::Secret;
use crate::digest::{hmac_sha256_hex_matches, sha256_hex};
use crate::provision::{Provisioned, Provisioner};
use crate::store::{Claim, Store};
use event::Decision;

pub(crate) const SIGNATURE_HEADER: &str = "x-authgear-body-signature";
/// A `user.created` event is a few KiB; this leaves room for many custom attributes.
pub(crate) const MAX_BODY_BYTES: usize = 256 * 1024;
/// How long an event's `id` is remembered. Authgear never redelivers; duplicates are a second
/// handler with the same URL, or a captured request replayed.
const SEEN_TTL: Duration = Duration::from_secs(24 * 60 * 60);

pub(crate) struct Webhook {
    secret: Secret,
    store: Arc<Store>,
    provisioner: Arc<Provisioner>,
    /// Where provisioning runs after the answer, so that shutdown waits for it.
    tasks: TaskTracker,
}

impl Webhook {
    pub(crate) fn new(
        secret: Secret,
        store: Arc<Store>,
        provisioner: Arc<Provisioner>,
        tasks: TaskTracker,
    ) -> Self {
        Self {
            secret,
            store,
            provisioner,
            tasks,
        }
    }
}

/// 401 for a missing or wrong signature (nothing done), 400 for a signed body that is not an
/// event, 503 when the shared state is down (the event is then left to `reconcile`), else 200.
pub(crate) async fn receive(
    State(webhook): State<Arc<Webhook>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let signature = headers
        .get(SIGNATURE_HEADER)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    if !hmac_sha256_hex_matches(webhook.secret.expose(), &body, signature) {
        tracing::warn!("webhook refused: no valid {SIGNATURE_HEADER}");
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let user = match event::decide(&body) {
        Ok(Decision::Provision(user)) => user,
        Ok(Decision::Ignore(why)) => {
            tracing::debug!(why, "webhook event ignored");
            return accepted();
        }
        Err(problem) => {
            tracing::warn!(%problem, "webhook refused: a signed body that is not an event");
            return (StatusCode::BAD_REQUEST, Json(json!({ "error": problem }))).into_response();
        }
    };
    let event_id = user.event_id.clone().unwrap_or_default();
    let key = format!("webhook:event:{}", sha256_hex(&event_id));
    match webhook.store.claim(&key, b"1", SEEN_TTL).await {
        Ok(Claim::Claimed) => {}
        Ok(Claim::Taken(_)) => {
            tracing::info!(%event_id, "webhook event seen before: nothing to do");
            return accepted();
        }
        Err(error) => {
            tracing::error!(%event_id, %error, "webhook event not taken: reconcile will provision the user");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    }
    // Answer now; Authgear's delivery has a 60 s budget and no retry, and the target may take
    // longer than that with its retries.
    let provisioner = Arc::clone(&webhook.provisioner);
    webhook.tasks.spawn(async move {
        let user_id = user.authgear_user_id.as_str();
        match provisioner.provision(&user).await {
            Ok(done) => tracing::info!(
                %event_id,
                authgear_user_id = user_id,
                target = provisioner.kind(),
                outcome = match done {
                    Provisioned::Created => "created",
                    Provisioned::AlreadyThere => "already there",
                },
                "legacy account provisioned"
            ),
            Err(error) => tracing::warn!(
                %event_id,
                authgear_user_id = user_id,
                target = provisioner.kind(),
                %error,
                "legacy account not provisioned: reconcile will try again"
            ),
        }
    });
    accepted()
}

/// Some versions of Authgear read a non-blocking hook's answer as a hook response and log an
/// error when it is not one; this one is.
fn accepted() -> Response {
    Json(json!({ "is_allowed": true })).into_response()
}
