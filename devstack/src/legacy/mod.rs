//! The legacy IdP stand-in: the OIDC-ish provider a team migrates away from. Password and
//! rotating refresh-token grants, JWT (RS256) and opaque access tokens, userinfo, RFC 7662
//! introspection, an HttpOnly cookie session, and a JWKS with an RS256 and an ES256 key.

mod cors;
mod discovery;
mod introspect;
mod keys;
mod mint;
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

use crate::counters::Counters;
use crate::jose::KeyError;
use crate::users::Directory;
use keys::LegacyKeys;
use store::Store;

pub struct Legacy {
    origin: String,
    client_id: String,
    audience: String,
    keys: LegacyKeys,
    users: Arc<Directory>,
    counters: Arc<Counters>,
    store: Mutex<Store>,
}

pub struct LegacySetup {
    pub origin: String,
    pub client_id: String,
    pub audience: String,
    pub users: Arc<Directory>,
    pub counters: Arc<Counters>,
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
            .layer(axum::middleware::from_fn_with_state(
                cors::AllowedOrigins(cors_origins),
                cors::cors,
            ))
            .with_state(self.clone())
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
