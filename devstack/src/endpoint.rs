//! The migration endpoint (crate `server/`), configured through the same `Config::from_lookup`
//! a deployment uses, with the variables a deployment would set, pointing at the stand-ins.

use authgear_migrate_server::{Config, ConfigError, router};
use axum::Router;

use crate::authgear::keys::{ADMIN_KEY_ID, ADMIN_KEY_PEM};
use crate::config::PublicConfig;

/// Where the app origin serves the endpoint (same-origin for the demo page).
pub const APP_PATH: &str = "/api/authgear-migrate";

/// Overrides any variable below: `DEVSTACK_ENDPOINT_LEGACY_ALGORITHMS=RS256,ES256` sets
/// `LEGACY_ALGORITHMS`. The plain names are never read from the environment, so that a shell
/// configured for a real deployment cannot point the devstack at it.
const OVERRIDE_PREFIX: &str = "DEVSTACK_ENDPOINT_";

/// The endpoint's environment, as a deployment next to these stand-ins would write it.
fn variables(public: &PublicConfig) -> Vec<(&'static str, String)> {
    vec![
        ("AUTHGEAR_ENDPOINT", public.authgear.clone()),
        ("AUTHGEAR_PROJECT_ID", public.project_id.clone()),
        ("AUTHGEAR_ADMIN_KEY_ID", ADMIN_KEY_ID.trim().to_owned()),
        ("AUTHGEAR_ADMIN_KEY_PEM", ADMIN_KEY_PEM.to_owned()),
        ("AUTHGEAR_CLIENT_IDS", public.client_id.clone()),
        ("LEGACY_JWKS_URL", format!("{}/jwks", public.legacy)),
        ("LEGACY_ISSUER", public.legacy.clone()),
        ("LEGACY_AUDIENCE", public.legacy_audience.clone()),
        ("LEGACY_ALGORITHMS", "RS256".to_owned()),
        ("LEGACY_LOGIN_ID_CLAIM", "email".to_owned()),
        ("LEGACY_LOGIN_ID_KEY", "email".to_owned()),
        // The cross-origin instance is called from the app origin.
        ("CORS_ALLOWED_ORIGINS", public.app.clone()),
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

/// Two instances: one nested at [`APP_PATH`] for the app origin, one at `/` for the endpoint
/// origin (the cross-origin deployment).
pub fn routers(public: &PublicConfig) -> Result<(Router, Router), ConfigError> {
    let app = Router::new().nest(APP_PATH, router(config(public)?));
    let cross_origin = router(config(public)?);
    Ok((app, cross_origin))
}
