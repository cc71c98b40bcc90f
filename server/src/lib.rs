//! The reference migration endpoint of authgear-migrate.
//!
//! It takes the form-encoded RFC 8693 token exchange that the client engine sends (see
//! [`wire`]), verifies the legacy credential (a JWT against the legacy JWKS, an opaque token by
//! userinfo or introspection, a refresh token by redeeming it, or a session cookie by a session
//! check), finds the Authgear user the credential's login ID belongs to (or creates them), and
//! answers with a new Authgear session from the Admin API's `createSession`. It exchanges each
//! credential at most once, serves retries from an idempotency cache, limits rates per address
//! and per user, and shares that state through Redis when several instances run.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let config = authgear_migrate_server::Config::from_env()?;
//! let app = axum::Router::new()
//!     .nest("/api/authgear-migrate", authgear_migrate_server::router(config));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! // The per-address rate limit reads the peer address from the connect info.
//! axum::serve(listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>()).await?;
//! # Ok(()) }
//! ```
//!
//! One concern per module: [`Config`] (settings, validated once), `exchange` (the request flow),
//! `error` (every failure and its wire answer), `legacy` (one verifier per credential kind),
//! `legacy_jwt` (JWT verification), `authgear` (the Admin API), `store` (shared state, memory or
//! Redis), `replay`, `idempotency`, `created` (users created just in time, until bound), `limits`
//! (rate limits, kill switch), `metrics`, `health`,
//! `check` (`--check-config`), `progress`, `cors`, `upstream` (the outgoing HTTP client), and
//! for the rolling migration `webhook` (Authgear's `user.created`), `provision` (the legacy
//! targets) and `reconcile` (the guarantee: [`reconcile()`]).

mod authgear;
mod check;
mod config;
mod cors;
mod created;
mod digest;
mod error;
mod exchange;
mod health;
mod idempotency;
mod legacy;
mod legacy_jwt;
mod limits;
mod listener;
mod metrics;
mod progress;
mod provision;
mod reconcile;
mod replay;
mod store;
mod upstream;
mod webhook;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::http::header::{ALLOW, CACHE_CONTROL, HeaderName, PRAGMA};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use tokio_util::task::TaskTracker;

pub use authgear::{AdminJwt, AdminKey, LoginIdKey, SigningFailed};
pub use authgear_migrate::wire;
pub use check::{Check, Status};
pub use config::{
    AccessTokenVerifier, Auth0Target, AuthgearConfig, ClientIpSource, Config, ConfigError,
    JwtConfig, LegacyClient, LegacyConfig, LimitsConfig, LoginIdSource, Origin, ProgressConfig,
    ProvisionTarget, RateLimit, RedisUrl, RollingConfig, Secret, SessionCheckConfig, StoreConfig,
    SubjectBinding, WebhookConfig,
};
pub use legacy_jwt::Algorithm;
pub use listener::{HEADER_READ_TIMEOUT, serve};
pub use reconcile::{ReconcileError, ReconcileOptions, ReconcileReport, reconcile};

use exchange::Exchange;
use provision::Provisioner;
use webhook::Webhook;

/// The largest request body read. A legacy JWT is a few KiB at most; the form adds little.
pub(crate) const MAX_BODY_BYTES: usize = 16 * 1024;
/// The engine's keys are 32 hex digits; this leaves room for other clients' UUIDs and the like.
pub(crate) const MAX_IDEMPOTENCY_KEY_BYTES: usize = 128;

/// What the exchange and the operational routes share.
pub(crate) struct Shared {
    exchange: Arc<Exchange>,
    draining: AtomicBool,
    /// The exchanges and webhook provisioning under way, each in a task of its own.
    tasks: TaskTracker,
}

/// One endpoint instance: the exchange, its caches and limits, its metrics. Build it once and
/// take its routers; they share everything.
#[derive(Clone)]
pub struct Endpoint {
    shared: Arc<Shared>,
    cors: Vec<Origin>,
    login_id_keys: Vec<LoginIdKey>,
    imported_users: Option<u64>,
    /// The webhook receiver and its path, when `AUTHGEAR_WEBHOOK_SECRET` is set.
    webhook: Option<(String, Arc<Webhook>)>,
}

impl Endpoint {
    pub fn new(config: &Config) -> Self {
        let mut metrics = metrics::Metrics::new();
        if let Some(imported) = config.progress.imported_users {
            metrics.imported_users(imported);
        }
        let metrics = Arc::new(metrics);
        let tasks = TaskTracker::new();
        let exchange = Arc::new(Exchange::new(config, metrics, tasks.clone()));
        let rolling = &config.rolling;
        let webhook =
            rolling
                .webhook
                .as_ref()
                .zip(rolling.target.as_ref())
                .map(|(hook, target)| {
                    let provisioner = Provisioner::new(target, upstream::client());
                    let receiver = Webhook::new(
                        hook.secret.clone(),
                        Arc::clone(&exchange.store),
                        Arc::new(provisioner),
                        tasks.clone(),
                    );
                    (hook.path.clone(), Arc::new(receiver))
                });
        Self {
            shared: Arc::new(Shared {
                exchange,
                draining: AtomicBool::new(false),
                tasks,
            }),
            cors: config.cors_allowed_origins.clone(),
            login_id_keys: config
                .legacy
                .login_ids
                .iter()
                .fold(Vec::new(), |mut keys, source| {
                    if !keys.contains(&source.key) {
                        keys.push(source.key);
                    }
                    keys
                }),
            imported_users: config.progress.imported_users,
            webhook,
        }
    }

    /// The exchange at `/`: `POST` with the wire contract, `OPTIONS` (CORS preflight for the
    /// configured origins). Nest it wherever the app serves it.
    pub fn router(&self) -> Router {
        let router = Router::new()
            .route("/", post(exchange::handle).options(allowed_methods))
            .with_state(Arc::clone(&self.shared.exchange));
        // No origins, no CORS headers at all: same-origin callers need none.
        if self.cors.is_empty() {
            router
        } else {
            router.layer(cors::layer(&self.cors))
        }
    }

    /// `POST WEBHOOK_PATH`: Authgear's webhooks, when `AUTHGEAR_WEBHOOK_SECRET` is set (else
    /// no route at all). Serve it beside the exchange, at the root.
    pub fn webhook_router(&self) -> Router {
        match &self.webhook {
            None => Router::new(),
            Some((path, receiver)) => Router::new()
                .route(path, post(webhook::receive))
                .layer(DefaultBodyLimit::max(webhook::MAX_BODY_BYTES))
                .with_state(Arc::clone(receiver)),
        }
    }

    /// `GET /healthz` and `GET /metrics`.
    pub fn ops_router(&self) -> Router {
        Router::new()
            .route("/healthz", get(health::healthz))
            .route("/metrics", get(metrics::serve))
            .with_state(Arc::clone(&self.shared))
    }

    /// `GET /healthz` alone.
    pub fn health_router(&self) -> Router {
        Router::new()
            .route("/healthz", get(health::healthz))
            .with_state(Arc::clone(&self.shared))
    }

    /// From now on `/healthz` answers 503, so that load balancers stop sending new exchanges
    /// while those in flight finish.
    pub fn start_draining(&self) {
        self.shared.draining.store(true, Ordering::Relaxed);
    }

    /// Completes when every exchange and every webhook provisioning under way has finished,
    /// those whose client has gone included (they run on in tasks of their own). Await it after
    /// the server stopped, before the process exits: an exchange cut short between
    /// `createSession` (or redeeming a rotating refresh token) and keeping its answer leaves its
    /// retry `replayed`, and the user unable to migrate.
    pub async fn finish_in_flight(&self) {
        self.shared.tasks.close();
        self.shared.tasks.wait().await;
    }
}

/// The exchange endpoint at `/` of a new [`Endpoint`].
pub fn router(config: Config) -> Router {
    Endpoint::new(&config).router()
}

/// A plain `OPTIONS` (not a CORS preflight, which the CORS layer answers first).
async fn allowed_methods() -> impl IntoResponse {
    (StatusCode::NO_CONTENT, [(ALLOW, "OPTIONS, POST")])
}

/// RFC 6749 §5.1: token responses, and their errors, must not be cached.
pub(crate) fn no_store() -> [(HeaderName, &'static str); 2] {
    [(CACHE_CONTROL, "no-store"), (PRAGMA, "no-cache")]
}
