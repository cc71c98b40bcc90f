//! `/healthz`, for load balancers (`/metrics` is in `metrics`).

use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::CACHE_CONTROL;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::Shared;

/// 200 while this instance can exchange; 503 while it drains (after SIGTERM, so that the load
/// balancer stops sending before it stops) or cannot reach its shared state. The kill switch
/// does not make an instance unhealthy: it answers, with 503s of its own.
pub(crate) async fn healthz(State(shared): State<Arc<Shared>>) -> Response {
    let exchange = &shared.exchange;
    let store = exchange.store.kind();
    let kill_switch = exchange.kill_switch.is_on();
    let (status, body) = if shared.draining.load(Ordering::Relaxed) {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            json!({ "status": "draining", "store": store, "kill_switch": kill_switch }),
        )
    } else {
        match exchange.store.ping().await {
            Ok(()) => (
                StatusCode::OK,
                json!({ "status": "ok", "store": store, "kill_switch": kill_switch }),
            ),
            Err(error) => {
                // The Redis error may name hosts and ports: the log has it, the probe does not.
                tracing::warn!(%error, "healthz: the shared state does not answer");
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    json!({
                        "status": "unavailable", "store": store, "kill_switch": kill_switch,
                        "problem": "the shared state does not answer",
                    }),
                )
            }
        }
    };
    (status, [(CACHE_CONTROL, "no-store")], Json(body)).into_response()
}
