//! Local stand-ins for the demo and the end-to-end tests of authgear-migrate: an Authgear
//! project (OIDC, token, userinfo, JWKS, Admin API) that follows authgear-server's sources, a
//! legacy IdP to migrate away from, the migration endpoint (crate `server/`), static hosting
//! of `www/` and `pkg/`, and fault switches on every route. Everything listens on 127.0.0.1.
//!
//! ```no_run
//! # async fn run() -> Result<(), authgear_migrate_devstack::StartError> {
//! let options = authgear_migrate_devstack::Options { port_base: 0, ..Default::default() };
//! let devstack = authgear_migrate_devstack::Devstack::start(&options).await?;
//! println!("{}", devstack.config().exchange_url);
//! devstack.stop().await;
//! # Ok(()) }
//! ```

/// One line on stderr, prefixed so that it stands out among a test runner's output.
macro_rules! log {
    ($($arg:tt)*) => {
        eprintln!("devstack: {}", format_args!($($arg)*))
    };
}
pub(crate) use log;

mod authgear;
mod config;
mod control;
mod counters;
mod endpoint;
mod faults;
mod form;
mod jose;
mod legacy;
mod seed;
mod serve;
mod static_files;
mod time;
mod users;

use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::http::{Method, Uri};
use axum::response::Response;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use config::{
    CLIENT_ID, Command, LEGACY_AUDIENCE, LEGACY_CLIENT_ID, Options, PROJECT_ID, PublicConfig,
    THIRD_PARTY_CLIENT_ID, USAGE,
};

pub use authgear::hooks::{WEBHOOK_SECRET, hmac_sha256_hex};
pub use legacy::{AUTH0_CLIENT_ID, AUTH0_CLIENT_SECRET, PROVISION_SECRET};

use authgear::hooks::Handler;
use authgear::signup::SignUps;
use authgear::{ApplicationType, Authgear, AuthgearSetup, OAuthClient};
use counters::Counters;
use faults::{Faults, Origin};
use legacy::{Legacy, LegacySetup};
use users::Directory;

/// Why the devstack could not start. Each names what to fix.
#[derive(Debug)]
#[non_exhaustive]
pub enum StartError {
    Seed(seed::SeedError),
    Keys(jose::KeyError),
    Bind {
        origin: &'static str,
        port: u16,
        source: std::io::Error,
    },
    Endpoint(authgear_migrate_server::ConfigError),
}

impl fmt::Display for StartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Seed(err) => err.fmt(f),
            Self::Keys(err) => write!(f, "development key: {err}"),
            Self::Bind {
                origin,
                port,
                source,
            } => write!(f, "cannot listen on 127.0.0.1:{port} ({origin}): {source}"),
            Self::Endpoint(err) => write!(f, "migration endpoint configuration: {err}"),
        }
    }
}

impl std::error::Error for StartError {}

/// A running devstack. Dropping it leaves the listeners running until the runtime ends; call
/// [`Devstack::stop`] to close them.
pub struct Devstack {
    config: PublicConfig,
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl Devstack {
    /// Loads the seed, binds the five listeners, and serves them on the current runtime.
    pub async fn start(options: &Options) -> Result<Self, StartError> {
        let users = Arc::new(Directory::new(
            seed::load(&options.seed).map_err(StartError::Seed)?,
            time::now(),
        ));
        for (flag, dir) in [("--www", &options.www), ("--pkg", &options.pkg)] {
            if !dir.is_dir() {
                log!(
                    "{flag} {} is not a directory: it will answer 404",
                    dir.display()
                );
            }
        }
        // The Authgear stand-in listens twice: at the origin the apps' SDK uses (a custom
        // domain) and at the origin the endpoint calls the Admin API at. Both are the one
        // project, with the one set of fault switches.
        let origins = [
            (Origin::App, "app"),
            (Origin::Authgear, "authgear"),
            (Origin::Legacy, "legacy"),
            (Origin::Endpoint, "endpoint"),
            (Origin::Authgear, "authgear admin"),
        ];
        let mut listeners = Vec::with_capacity(origins.len());
        for (offset, (_, name)) in (0u16..).zip(origins) {
            let port = if options.port_base == 0 {
                0
            } else {
                options.port_base + offset
            };
            let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
            let listener = TcpListener::bind(address)
                .await
                .map_err(|source| StartError::Bind {
                    origin: name,
                    port,
                    source,
                })?;
            listeners.push(listener);
        }
        let url = |index: usize| -> String {
            let port = listeners[index]
                .local_addr()
                .map_or(0, |address| address.port());
            format!("http://127.0.0.1:{port}")
        };
        let public = PublicConfig {
            app: url(0),
            authgear: url(1),
            authgear_admin: url(4),
            legacy: url(2),
            endpoint: url(3),
            exchange_url: format!("{}{}", url(0), endpoint::APP_PATH),
            client_id: CLIENT_ID.into(),
            legacy_client_id: LEGACY_CLIENT_ID.into(),
            legacy_audience: LEGACY_AUDIENCE.into(),
            project_id: PROJECT_ID.into(),
        };

        let counters = Arc::new(Counters::default());
        let signups = Arc::new(SignUps::default());
        let faults = Arc::new(Faults::default());
        let authgear = Authgear::new(AuthgearSetup {
            project_id: PROJECT_ID.into(),
            clients: vec![
                OAuthClient {
                    client_id: CLIENT_ID.into(),
                    application_type: ApplicationType::Spa,
                    redirect_uris: vec![format!("{}/", public.app)],
                },
                OAuthClient {
                    client_id: THIRD_PARTY_CLIENT_ID.into(),
                    application_type: ApplicationType::ThirdPartyApp,
                    redirect_uris: vec!["https://third-party.example/callback".into()],
                },
            ],
            users: users.clone(),
            counters: counters.clone(),
            // Authgear's portal default: every event, to the endpoint origin's receiver.
            hook_handlers: vec![Handler {
                events: vec!["*".into()],
                url: format!("{}{}", public.endpoint, endpoint::WEBHOOK_PATH),
            }],
            signups: signups.clone(),
        })
        .map_err(StartError::Keys)?;
        let legacy = Legacy::new(LegacySetup {
            origin: public.legacy.clone(),
            client_id: LEGACY_CLIENT_ID.into(),
            audience: LEGACY_AUDIENCE.into(),
            users: users.clone(),
            counters: counters.clone(),
            signups,
        })
        .map_err(StartError::Keys)?;
        let endpoints = endpoint::Endpoints::new(&public).map_err(StartError::Endpoint)?;
        let (app_endpoint, cross_origin_endpoint) = endpoints.routers();

        let app = control::router(control::Control {
            public: public.clone(),
            authgear: authgear.clone(),
            legacy: legacy.clone(),
            faults: faults.clone(),
            counters: counters.clone(),
            users,
            endpoints,
        })
        .merge(authgear::signup::control_router(authgear.clone()))
        .merge(legacy::provision::control_router(legacy.clone()))
        .merge(app_endpoint)
        .fallback({
            let (www, pkg) = (options.www.clone(), options.pkg.clone());
            move |method: Method, uri: Uri| static_route(www.clone(), pkg.clone(), method, uri)
        });
        // Authgear's `http.allowed_origins`: the cross-origin endpoint; the app origin is
        // allowed as the SPA client's redirect URI.
        let routers = [
            app,
            authgear.router(&public.authgear, vec![public.endpoint.clone()]),
            legacy.router(vec![public.app.clone()]),
            cross_origin_endpoint,
            authgear.router(&public.authgear_admin, vec![public.endpoint.clone()]),
        ];

        let (shutdown, stopped) = watch::channel(false);
        let tasks = listeners
            .into_iter()
            .zip(routers)
            .zip(origins)
            .map(|((listener, router), (origin, _))| {
                let router = faults::observed(router, origin, faults.clone(), counters.clone());
                tokio::spawn(serve::serve(listener, router, stopped.clone()))
            })
            .collect();
        log!(
            "app {} · authgear {} (Admin API at {}) · legacy {} · endpoint {}",
            public.app,
            public.authgear,
            public.authgear_admin,
            public.legacy,
            public.endpoint
        );
        Ok(Self {
            config: public,
            shutdown,
            tasks,
        })
    }

    /// Where everything listens: the JSON line `devstack` prints.
    pub fn config(&self) -> &PublicConfig {
        &self.config
    }

    /// Stops accepting, drops every open connection, and waits for the listeners to close.
    pub async fn stop(self) {
        let _ = self.shutdown.send(true);
        for task in self.tasks {
            let _ = task.await;
        }
    }
}

/// `/pkg` and below from the package folder, everything else from `www/`.
async fn static_route(www: PathBuf, pkg: PathBuf, method: Method, uri: Uri) -> Response {
    let path = uri.path();
    let (root, rest): (&Path, &str) = match path.strip_prefix("/pkg") {
        Some(rest) if rest.is_empty() || rest.starts_with('/') => (&pkg, rest),
        _ => (&www, path),
    };
    static_files::serve(root, &method, rest).await
}
