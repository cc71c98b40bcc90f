//! The legacy IdP stand-in: the OIDC-ish provider a team migrates away from. Password and
//! rotating refresh-token grants, JWT (RS256) and opaque access tokens, userinfo, RFC 7662
//! introspection, an HttpOnly cookie session, and a JWKS with an RS256 and an ES256 key; for the
//! rolling migration, the generic provisioning call, a password reset, and the slice of Auth0's
//! Management API a provisioning target uses (`provision.rs`, `auth0_management.rs`).

mod auth0_management;
mod cors;
mod discovery;
mod introspect;
mod keys;
mod mint;
pub mod provision;
mod session;
mod store;
mod token;
mod tokens;
mod userinfo;
mod verify;

use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::routing::{get, post};
use serde::Serialize;

use crate::authgear::signup::SignUps;
use crate::counters::Counters;
use crate::jose::KeyError;
use crate::users::Directory;
use keys::LegacyKeys;
use store::Store;

pub use auth0_management::{AUTH0_CLIENT_ID, AUTH0_CLIENT_SECRET};
pub use provision::PROVISION_SECRET;

pub struct Legacy {
    origin: String,
    client_id: String,
    audience: String,
    keys: LegacyKeys,
    users: Arc<Directory>,
    counters: Arc<Counters>,
    store: Mutex<Store>,
    /// Users who signed up on Authgear: no account here until one is provisioned.
    signups: Arc<SignUps>,
    accounts: Mutex<provision::Accounts>,
    management_tokens: auth0_management::ManagementTokens,
}

pub struct LegacySetup {
    pub origin: String,
    pub client_id: String,
    pub audience: String,
    pub users: Arc<Directory>,
    pub counters: Arc<Counters>,
    pub signups: Arc<SignUps>,
}

/// How many live credentials the legacy IdP holds, for `/__devstack/state`.
#[derive(Serialize)]
pub struct LegacySessions {
    pub refresh_tokens_unspent: usize,
    pub opaque_access_tokens: usize,
    pub cookie_sessions: usize,
}

impl Legacy {
    pub fn new(setup: LegacySetup) -> Result<Arc<Self>, KeyError> {
        Ok(Arc::new(Self {
            origin: setup.origin,
            client_id: setup.client_id,
            audience: setup.audience,
            keys: LegacyKeys::load()?,
            users: setup.users,
            counters: setup.counters,
            store: Mutex::new(Store::default()),
            signups: setup.signups,
            accounts: Mutex::new(provision::Accounts::default()),
            management_tokens: auth0_management::ManagementTokens::default(),
        }))
    }

    /// `cors_origins` may call it from a browser, with credentials.
    pub fn router(self: &Arc<Self>, cors_origins: Vec<String>) -> Router {
        Router::new()
            .route(
                "/.well-known/openid-configuration",
                get(discovery::metadata),
            )
            .route("/jwks", get(keys::jwks))
            .route("/token", post(token::token))
            .route(
                "/userinfo",
                get(userinfo::userinfo).post(userinfo::userinfo),
            )
            .route("/introspect", post(introspect::introspect))
            .route("/session/login", post(session::login))
            .route("/session/check", get(session::check))
            .route("/session/logout", post(session::logout))
            .route("/provision", post(provision::provision))
            .route("/password-reset", post(provision::password_reset))
            .route(
                "/password-reset/confirm",
                post(provision::confirm_password_reset),
            )
            .route("/oauth/token", post(auth0_management::token))
            .route("/api/v2/users", post(auth0_management::create_user))
            .layer(axum::middleware::from_fn_with_state(
                cors::AllowedOrigins(cors_origins),
                cors::cors,
            ))
            .with_state(self.clone())
    }

    fn accounts(&self) -> MutexGuard<'_, provision::Accounts> {
        self.accounts.lock().expect("legacy accounts lock")
    }

    fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().expect("legacy store lock")
    }

    /// Forgets every token and session.
    pub fn reset(&self) {
        *self.store() = Store::default();
    }

    pub fn sessions(&self) -> LegacySessions {
        let store = self.store();
        LegacySessions {
            refresh_tokens_unspent: store.refresh.values().filter(|r| !r.spent).count(),
            opaque_access_tokens: store.opaque.len(),
            cookie_sessions: store.sessions.len(),
        }
    }
}
