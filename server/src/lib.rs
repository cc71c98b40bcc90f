//! The reference migration endpoint of authgear-migrate.
//!
//! It takes the form-encoded RFC 8693 token exchange that the client engine sends (see
//! [`wire`]), verifies the legacy token against the legacy IdP's JWKS, finds the Authgear user
//! the token's login ID belongs to, and answers with a new Authgear session from the Admin API's
//! `createSession`.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let config = authgear_migrate_server::Config::from_env()?;
//! let app = axum::Router::new()
//!     .nest("/api/authgear-migrate", authgear_migrate_server::router(config));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! axum::serve(listener, app).await?;
//! # Ok(()) }
//! ```
//!
//! One concern per module: [`Config`] (settings, validated once), `exchange` (the request flow),
//! `error` (every failure and its wire answer), `legacy_jwt` (verification), `authgear` (the
//! Admin API), `cors`, and `upstream` (the outgoing HTTP client).

mod authgear;
mod config;
mod cors;
mod error;
mod exchange;
mod legacy_jwt;
mod upstream;

use std::sync::Arc;

use axum::Router;
use axum::http::StatusCode;
use axum::http::header::{ALLOW, CACHE_CONTROL, HeaderName, PRAGMA};
use axum::response::IntoResponse;
use axum::routing::post;

pub use authgear::{AdminKey, LoginIdKey};
pub use authgear_migrate::wire;
pub use config::{AuthgearConfig, Config, ConfigError, LegacyConfig, Origin};
pub use legacy_jwt::Algorithm;

use exchange::Exchange;

/// The largest request body read. A legacy JWT is a few KiB at most; the form adds little.
pub(crate) const MAX_BODY_BYTES: usize = 16 * 1024;

/// The exchange endpoint at `/`: `POST` with the wire contract, `OPTIONS` (CORS preflight for the
/// configured origins). Nest it wherever the app serves it.
pub fn router(config: Config) -> Router {
    let exchange = Arc::new(Exchange::new(&config));
    let router = Router::new()
        .route("/", post(exchange::handle).options(allowed_methods))
        .with_state(exchange);
    // No origins, no CORS headers at all: same-origin callers need none.
    if config.cors_allowed_origins.is_empty() {
        router
    } else {
        router.layer(cors::layer(&config.cors_allowed_origins))
    }
}

/// A plain `OPTIONS` (not a CORS preflight, which the CORS layer answers first).
async fn allowed_methods() -> impl IntoResponse {
    (StatusCode::NO_CONTENT, [(ALLOW, "OPTIONS, POST")])
}

/// RFC 6749 §5.1: token responses, and their errors, must not be cached.
pub(crate) fn no_store() -> [(HeaderName, &'static str); 2] {
    [(CACHE_CONTROL, "no-store"), (PRAGMA, "no-cache")]
}
