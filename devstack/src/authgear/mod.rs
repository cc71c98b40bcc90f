//! The Authgear stand-in: OIDC discovery, the `refresh_token` grant, userinfo, revocation, JWKS,
//! the Admin API's `getUserByLoginID`, `createUser` and `createSession`, and the User Import API
//! (`import.rs`), the Admin API's `users` list, non-blocking webhooks (`hooks.rs`) and the
//! smallest sign-up that fires them (`signup.rs`). Each file follows the authgear-server source
//! it names.

mod admin_auth;
mod admin_graphql;
mod admin_schema;
mod clients;
mod cors;
mod create_user;
mod discovery;
mod grants;
mod graphql;
pub mod hooks;
mod import;
mod import_record;
mod import_schema;
pub mod keys;
mod protocol;
mod revoke;
mod settings;
pub mod signup;
mod token;
mod tokens;
mod user_list;
mod userinfo;
mod users;

pub(crate) use graphql::top_level_fields;
pub(crate) use import_record::NON_IDENTITY_AWARE_STANDARD_ATTRIBUTES;

use std::sync::{Arc, Mutex};

use axum::routing::{get, post};
use axum::{Extension, Router};

use clients::Clients;
pub use clients::{ApplicationType, OAuthClient};
use grants::Grants;
use keys::Keys;
use settings::{Settings, SettingsPatch};

use crate::counters::Counters;
use crate::jose::KeyError;
use crate::users::{Directory, UserRecord};

pub struct Authgear {
    /// The project ID: the `aud` an Admin API JWT must carry.
    project_id: String,
    keys: Keys,
    clients: Clients,
    users: Arc<Directory>,
    counters: Arc<Counters>,
    settings: Mutex<Settings>,
    grants: Mutex<Grants>,
    /// User Import API jobs (import.rs).
    imports: import::Imports,
    /// Non-blocking webhooks (hooks.rs).
    hooks: hooks::Hooks,
    /// Who signed up here rather than coming from the legacy system (signup.rs).
    signups: Arc<signup::SignUps>,
}

pub struct AuthgearSetup {
    pub project_id: String,
    pub clients: Vec<OAuthClient>,
    pub users: Arc<Directory>,
    pub counters: Arc<Counters>,
    /// `hook.non_blocking_handlers` at start and after a reset.
    pub hook_handlers: Vec<hooks::Handler>,
    pub signups: Arc<signup::SignUps>,
}

impl Authgear {
    pub fn new(setup: AuthgearSetup) -> Result<Arc<Self>, KeyError> {
        Ok(Arc::new(Self {
            project_id: setup.project_id.clone(),
            keys: Keys::load()?,
            clients: Clients::new(setup.clients),
            users: setup.users,
            counters: setup.counters,
            settings: Mutex::new(Settings::default()),
            grants: Mutex::new(Grants::default()),
            imports: import::Imports::default(),
            hooks: hooks::Hooks::new(setup.project_id.clone(), setup.hook_handlers),
            signups: setup.signups,
        }))
    }

    /// Routes and their middleware chains as pkg/auth/routes.go and pkg/admin/routes.go set
    /// them up, served at `origin`. A project answers every route at each of its hosts
    /// (`<project>.authgear.cloud` and a custom domain alike), and what it issues names the host
    /// asked (see [`RequestOrigin`]): the devstack serves this router on two listeners.
    /// `cors_origins` are the origins the matched CORS policy lets in besides the clients'
    /// redirect URIs (Authgear's `http.allowed_origins`).
    pub fn router(self: &Arc<Self>, origin: &str, cors_origins: Vec<String>) -> Router {
        // pkg/lib/infra/middleware/cors_matcher.go: the allowed origins, then every client's
        // redirect URIs.
        let mut allowed = cors_origins;
        for client in self.clients.all() {
            allowed.extend(client.redirect_uris.iter().cloned());
        }
        let oauth_static = Router::new()
            .route(
                "/.well-known/openid-configuration",
                get(discovery::metadata),
            )
            .route(
                "/.well-known/oauth-authorization-server",
                get(discovery::metadata),
            )
            .route("/oauth2/jwks", get(keys::jwks))
            .layer(axum::middleware::from_fn(cors::star));
        let oauth_api = Router::new()
            .route("/oauth2/token", post(token::token))
            .route("/oauth2/revoke", post(revoke::revoke))
            .route(
                "/oauth2/userinfo",
                get(userinfo::userinfo).post(userinfo::userinfo),
            )
            .layer(axum::middleware::from_fn(no_store))
            .layer(axum::middleware::from_fn_with_state(
                cors::AllowedOrigins(allowed),
                cors::matched,
            ));
        // The Admin API has no CORS middleware: browsers are not meant to call it.
        let admin = Router::new()
            .route(
                "/_api/admin/graphql",
                post(admin_graphql::graphql).layer(axum::middleware::from_fn(no_store)),
            )
            .route(
                "/_api/admin/users/import",
                post(import::create).layer(axum::middleware::from_fn(no_store)),
            )
            .route(
                "/_api/admin/users/import/{id}",
                get(import::get).layer(axum::middleware::from_fn(no_store)),
            );
        oauth_static
            .merge(oauth_api)
            .merge(admin)
            .layer(Extension(RequestOrigin(origin.into())))
            .with_state(self.clone())
    }

    pub fn settings(&self) -> Settings {
        self.settings.lock().expect("settings lock").clone()
    }

    pub fn change_settings(&self, patch: SettingsPatch) -> Result<Settings, String> {
        let mut settings = self.settings.lock().expect("settings lock");
        settings.apply(patch)?;
        Ok(settings.clone())
    }

    /// Forgets every session and restores the default settings.
    pub fn reset(&self) {
        self.grants.lock().expect("grants lock").clear();
        *self.settings.lock().expect("settings lock") = Settings::default();
        self.hooks.reset();
    }

    pub fn clients(&self) -> &[OAuthClient] {
        self.clients.all()
    }

    pub fn session_count(&self) -> usize {
        self.grants
            .lock()
            .expect("grants lock")
            .offline_grant_count()
    }

    /// The global node ID the Admin API uses for this user.
    pub fn node_id(user: &UserRecord) -> String {
        users::node_id(user)
    }
}

/// The origin a request was made at. Authgear takes a token's `iss` from it
/// (pkg/lib/oauth/oidc/id_token.go `Iss()`) and a JWT access token's `aud` too, and checks a
/// presented JWT access token's `aud` against it (pkg/lib/oauth/token_encoding.go
/// `BaseURL.Origin()`); pkg/lib/endpoints builds both from the request's host. So a JWT access
/// token from `createSession` at the Admin API host names that host, not the custom domain.
#[derive(Clone)]
pub struct RequestOrigin(pub Arc<str>);

/// pkg/util/httputil/no_store.go: NoStore.
async fn no_store(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::http::{HeaderValue, header};
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}
