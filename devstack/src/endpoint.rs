//! The migration endpoint (crate `server/`), configured through the same `Config::from_lookup`
//! a deployment uses, with the variables a deployment would set, pointing at the stand-ins.

use std::convert::Infallible;
use std::sync::{Arc, RwLock};

use authgear_migrate_server::{Config, ConfigError, Endpoint};
use axum::Router;
use axum::extract::Request;
use axum::response::Response;
use tower::{Service, ServiceExt, service_fn};

use crate::authgear::hooks::WEBHOOK_SECRET;
use crate::authgear::keys::{ADMIN_KEY_ID, ADMIN_KEY_PEM};
use crate::config::PublicConfig;
use crate::legacy::{AUTH0_CLIENT_ID, AUTH0_CLIENT_SECRET, PROVISION_SECRET};

/// Where the app origin serves the endpoint (same-origin for the demo page).
pub const APP_PATH: &str = "/api/authgear-migrate";

/// Where the endpoint origin's instance receives the Authgear stand-in's webhooks.
pub const WEBHOOK_PATH: &str = "/authgear-events";

/// Overrides any variable below: `DEVSTACK_ENDPOINT_LEGACY_ALGORITHMS=RS256,ES256` sets
/// `LEGACY_ALGORITHMS`. The plain names are never read from the environment, so that a shell
/// configured for a real deployment cannot point the devstack at it.
const OVERRIDE_PREFIX: &str = "DEVSTACK_ENDPOINT_";

/// The endpoint's environment, as a deployment next to these stand-ins would write it.
fn variables(public: &PublicConfig) -> Vec<(&'static str, String)> {
    vec![
        // The Admin API at the project's own host, the apps at its custom domain.
        ("AUTHGEAR_ENDPOINT", public.authgear_admin.clone()),
        ("AUTHGEAR_PUBLIC_ENDPOINT", public.authgear.clone()),
        ("AUTHGEAR_PROJECT_ID", public.project_id.clone()),
        ("AUTHGEAR_ADMIN_KEY_ID", ADMIN_KEY_ID.trim().to_owned()),
        ("AUTHGEAR_ADMIN_KEY_PEM", ADMIN_KEY_PEM.to_owned()),
        ("AUTHGEAR_CLIENT_IDS", public.client_id.clone()),
        // Every kind of legacy credential the legacy stand-in issues.
        (
            "LEGACY_CREDENTIALS",
            "access_token,id_token,refresh_token,cookie".to_owned(),
        ),
        ("LEGACY_JWKS_URL", format!("{}/jwks", public.legacy)),
        ("LEGACY_ISSUER", public.legacy.clone()),
        ("LEGACY_AUDIENCE", public.legacy_audience.clone()),
        // ID tokens name the legacy client (LEGACY_ID_TOKEN_AUDIENCE defaults to it).
        ("LEGACY_CLIENT_ID", public.legacy_client_id.clone()),
        ("LEGACY_ALGORITHMS", "RS256".to_owned()),
        ("LEGACY_TOKEN_URL", format!("{}/token", public.legacy)),
        (
            "LEGACY_SESSION_CHECK_URL",
            format!("{}/session/check", public.legacy),
        ),
        ("LEGACY_SESSION_COOKIES", "legacy_session".to_owned()),
        ("LEGACY_LOGIN_ID_CLAIM", "email".to_owned()),
        ("LEGACY_LOGIN_ID_KEY", "email".to_owned()),
        // The cross-origin instance is called from the app origin (and cookie mode, on
        // either instance, only from there).
        ("CORS_ALLOWED_ORIGINS", public.app.clone()),
        // Every request comes from 127.0.0.1 and the seed has four users: a deployment's
        // defaults (60/1m, 10/1h) would trip the demo and the end-to-end tests.
        ("RATE_LIMIT_PER_IP", "1000/1m".to_owned()),
        ("RATE_LIMIT_PER_SUBJECT", "100/1m".to_owned()),
        // The rolling migration: Authgear sign-ups get a legacy account, through the generic
        // contract (or, with DEVSTACK_ENDPOINT_LEGACY_PROVISION_TARGET=auth0, the legacy
        // stand-in's slice of Auth0's Management API).
        ("AUTHGEAR_WEBHOOK_SECRET", WEBHOOK_SECRET.to_owned()),
        ("WEBHOOK_PATH", WEBHOOK_PATH.to_owned()),
        ("LEGACY_PROVISION_TARGET", "generic".to_owned()),
        (
            "LEGACY_PROVISION_URL",
            format!("{}/provision", public.legacy),
        ),
        ("LEGACY_PROVISION_SECRET", PROVISION_SECRET.to_owned()),
        ("AUTH0_DOMAIN", public.legacy.clone()),
        ("AUTH0_CLIENT_ID", AUTH0_CLIENT_ID.to_owned()),
        ("AUTH0_CLIENT_SECRET", AUTH0_CLIENT_SECRET.to_owned()),
    ]
}

fn config(public: &PublicConfig) -> Result<Config, ConfigError> {
    let variables = variables(public);
    Config::from_lookup(|name| {
        std::env::var(format!("{OVERRIDE_PREFIX}{name}"))
            .ok()
            .or_else(|| {
                variables
                    .iter()
                    .find(|(variable, _)| *variable == name)
                    .map(|(_, value)| value.clone())
            })
    })
}

/// Two instances, each with its own in-memory state: one nested at [`APP_PATH`] for the app
/// origin, one at `/` for the endpoint origin (the cross-origin deployment), which also serves
/// `/healthz` and `/metrics` as the standalone binary does. A reset replaces both with fresh
/// instances, so that no replay, idempotency or rate-limit entry outlives a test.
#[derive(Clone)]
pub struct Endpoints {
    config: Config,
    app: Arc<RwLock<Router>>,
    cross_origin: Arc<RwLock<Router>>,
}

impl Endpoints {
    pub fn new(public: &PublicConfig) -> Result<Self, ConfigError> {
        let config = config(public)?;
        let (app, cross_origin) = instances(&config);
        Ok(Self {
            config,
            app: Arc::new(RwLock::new(app)),
            cross_origin: Arc::new(RwLock::new(cross_origin)),
        })
    }

    /// The app origin's router (the endpoint at [`APP_PATH`]) and the endpoint origin's.
    pub fn routers(&self) -> (Router, Router) {
        (
            Router::new().nest_service(APP_PATH, current(Arc::clone(&self.app))),
            Router::new().fallback_service(current(Arc::clone(&self.cross_origin))),
        )
    }

    /// Both instances start over: caches, limits and metrics forgotten.
    pub fn reset(&self) {
        let (app, cross_origin) = instances(&self.config);
        *self.app.write().expect("endpoint lock") = app;
        *self.cross_origin.write().expect("endpoint lock") = cross_origin;
    }
}

fn instances(config: &Config) -> (Router, Router) {
    let app = Endpoint::new(config).router();
    let cross_origin = Endpoint::new(config);
    let cross_origin_routes = cross_origin
        .router()
        .merge(cross_origin.ops_router())
        .merge(cross_origin.webhook_router());
    (app, cross_origin_routes)
}

/// Forwards each request to whichever router the slot holds when it arrives.
fn current(
    slot: Arc<RwLock<Router>>,
) -> impl Service<Request, Response = Response, Error = Infallible, Future = impl Send> + Clone {
    service_fn(move |request: Request| {
        let router = slot.read().expect("endpoint lock").clone();
        router.oneshot(request)
    })
}
