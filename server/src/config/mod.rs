//! The endpoint's settings, read from environment variables and validated once, at start.
//!
//! An empty variable counts as unset, so that `FOO=` in an env file means "use the default".
//! Every error names the variable to fix (see [`ConfigError`]); the README lists them all.

mod legacy;
mod ops;
mod parse;
mod rolling;
mod safety;

use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::path::Path;
use std::time::Duration;

use url::{Host, Url};

use crate::authgear::AdminKey;
use parse::{Vars, parse_http_url, parse_origin, split_list};

pub use legacy::{
    AccessTokenVerifier, JwtConfig, LegacyClient, LegacyConfig, LoginIdSource, SessionCheckConfig,
    SubjectBinding,
};
pub use ops::ProgressConfig;
pub use parse::ConfigError;
pub use rolling::{Auth0Target, ProvisionTarget, RollingConfig, Secret, WebhookConfig};
pub use safety::{ClientIpSource, LimitsConfig, RateLimit, RedisUrl, StoreConfig};

/// Everything the endpoint needs to know, checked.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Config {
    pub authgear: AuthgearConfig,
    pub legacy: LegacyConfig,
    pub limits: LimitsConfig,
    pub store: StoreConfig,
    pub progress: ProgressConfig,
    /// The rolling migration: the webhook receiver and the legacy provisioning target.
    pub rolling: RollingConfig,
    /// Origins allowed to call the endpoint from a browser (`CORS_ALLOWED_ORIGINS`); in cookie
    /// mode, also the only origins whose requests are exchanged.
    pub cors_allowed_origins: Vec<Origin>,
    /// Where the binary listens (`LISTEN_ADDR`). [`crate::router`] does not read it.
    pub listen_addr: SocketAddr,
    /// Where the binary serves the exchange (`EXCHANGE_PATH`). [`crate::router`] does not read it.
    pub exchange_path: String,
    /// Where the binary serves `/metrics` (`OPS_LISTEN_ADDR`, loopback by default); `None`:
    /// beside the exchange (`OPS_LISTEN_ADDR=beside-exchange`).
    pub ops_listen_addr: Option<SocketAddr>,
    /// How long the binary lets requests in flight, and exchanges whose client has gone, finish
    /// after SIGTERM (`SHUTDOWN_GRACE_SECONDS`).
    pub shutdown_grace: Duration,
    /// `ALLOW_INSECURE_UPSTREAMS`: plain-text upstreams off loopback are accepted (development
    /// only).
    pub allow_insecure_upstreams: bool,
}

/// The Authgear project the sessions are created in.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct AuthgearConfig {
    /// `AUTHGEAR_ENDPOINT`, e.g. `https://myapp.authgear.cloud`: where the Admin API is called.
    pub endpoint: Url,
    /// `AUTHGEAR_PUBLIC_ENDPOINT` (default: `AUTHGEAR_ENDPOINT`): the endpoint the apps' SDK
    /// uses, e.g. a custom domain `https://auth.example.com`. A JWT access token's `iss` is the
    /// origin the Admin API was called at (authgear-server pkg/lib/oauth/oidc/id_token.go
    /// `Iss()`), so when the two differ the apps must accept `endpoint` as an issuer too.
    pub public_endpoint: Url,
    /// `AUTHGEAR_PROJECT_ID`: the `aud` of the admin JWT.
    pub project_id: String,
    /// `AUTHGEAR_ADMIN_KEY_ID` with `AUTHGEAR_ADMIN_KEY_FILE` or `AUTHGEAR_ADMIN_KEY_PEM`.
    pub admin_key: AdminKey,
    /// `AUTHGEAR_CLIENT_IDS`: the only `client_id`s an exchange may name.
    pub client_ids: Vec<String>,
    /// `AUTHGEAR_CREATE_USERS`: create the user (Admin API `createUser`) when none has the
    /// login ID, instead of refusing with `user_not_found`.
    pub create_users: bool,
    /// `AUTHGEAR_MAX_CONCURRENCY`: exchanges talking to the Admin API at once, per instance.
    pub max_concurrency: usize,
    /// `AUTHGEAR_QUEUE_TIMEOUT_MS`: how long an exchange waits for a free slot before it is
    /// answered 503.
    pub queue_timeout: Duration,
}

/// A web origin, `scheme://host[:port]`, in its ASCII serialization.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin(String);

impl Origin {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl AuthgearConfig {
    /// `<endpoint>/_api/admin/graphql`, keeping any path prefix the endpoint has.
    pub(crate) fn admin_api_url(&self) -> Url {
        let mut url = self.endpoint.clone();
        let path = format!("{}/_api/admin/graphql", url.path().trim_end_matches('/'));
        url.set_path(&path);
        url
    }
}

const DEFAULT_LISTEN_ADDR: SocketAddr =
    SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 8080));
const DEFAULT_MAX_CONCURRENCY: usize = 16;
const DEFAULT_QUEUE_TIMEOUT: Duration = Duration::from_secs(2);
/// Within the 30 s Kubernetes waits after SIGTERM before it kills the process.
const DEFAULT_SHUTDOWN_GRACE: Duration = Duration::from_secs(25);
/// Paths the binary serves beside the exchange.
const OPS_PATHS: [&str; 2] = ["/healthz", "/metrics"];

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the settings through `lookup`, which answers a variable's value by its name.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let vars = Vars(lookup);
        let authgear = authgear(&vars)?;
        let legacy = legacy::read(&vars)?;
        let limits = safety::limits(&vars)?;
        let store = safety::store(&vars)?;
        let rolling = rolling::read(&vars)?;

        let cors_allowed_origins: Vec<Origin> = vars
            .parsed("CORS_ALLOWED_ORIGINS", EXPECT_ORIGINS, |list| {
                split_list(list).map(parse_origin).collect()
            })?
            .unwrap_or_default();
        if legacy
            .credentials
            .contains(&authgear_migrate::wire::SubjectTokenType::Cookie)
            && cors_allowed_origins.is_empty()
        {
            return Err(ConfigError::Needed {
                variable: "CORS_ALLOWED_ORIGINS",
                expected: EXPECT_ORIGINS,
                because:
                    "cookie mode exchanges only requests from these origins (LEGACY_CREDENTIALS \
                          includes cookie)"
                        .to_owned(),
            });
        }
        let listen_addr = vars
            .parsed("LISTEN_ADDR", EXPECT_LISTEN_ADDR, parse_addr)?
            .unwrap_or(DEFAULT_LISTEN_ADDR);
        let ops_listen_addr = ops::ops_listen_addr(&vars, listen_addr)?;
        let progress = ops::progress(&vars)?;
        let exchange_path = vars
            .parsed("EXCHANGE_PATH", EXPECT_PATH, parse_exchange_path)?
            .unwrap_or_else(|| "/".to_owned());
        if let Some(webhook) = &rolling.webhook {
            if webhook.path == exchange_path {
                return Err(ConfigError::Invalid {
                    variable: "WEBHOOK_PATH",
                    expected: "a path other than EXCHANGE_PATH's",
                    problem: format!("got `{}`, where the exchange is served", webhook.path),
                });
            }
        }
        let shutdown_grace = vars
            .seconds("SHUTDOWN_GRACE_SECONDS", EXPECT_GRACE, (0, 600))?
            .unwrap_or(DEFAULT_SHUTDOWN_GRACE);

        let allow_insecure_upstreams = vars.flag("ALLOW_INSECURE_UPSTREAMS")?.unwrap_or(false);
        if !allow_insecure_upstreams {
            let mut upstreams = legacy.upstreams();
            upstreams.extend(rolling.upstreams());
            upstreams.push(("AUTHGEAR_ENDPOINT", &authgear.endpoint));
            for (variable, url) in upstreams {
                safety::require_tls(variable, url)?;
            }
            if let Some(redis) = &store.redis_url {
                safety::require_tls_redis(redis)?;
            }
        }

        Ok(Self {
            allow_insecure_upstreams,
            authgear,
            legacy,
            limits,
            store,
            progress,
            rolling,
            cors_allowed_origins,
            listen_addr,
            exchange_path,
            ops_listen_addr,
            shutdown_grace,
        })
    }
}

fn authgear<F: Fn(&str) -> Option<String>>(vars: &Vars<F>) -> Result<AuthgearConfig, ConfigError> {
    let endpoint = vars.required("AUTHGEAR_ENDPOINT", EXPECT_ENDPOINT, parse_endpoint)?;
    let public_endpoint = vars
        .parsed("AUTHGEAR_PUBLIC_ENDPOINT", EXPECT_ENDPOINT, parse_endpoint)?
        .unwrap_or_else(|| endpoint.clone());
    let project_id = match vars.get("AUTHGEAR_PROJECT_ID") {
        Some(id) => id,
        None => default_project_id(&endpoint)?,
    };
    let key_id = vars.required("AUTHGEAR_ADMIN_KEY_ID", EXPECT_KEY_ID, |id| {
        Ok(id.to_owned())
    })?;
    let admin_key = admin_key(vars, key_id)?;
    let client_ids = vars.required("AUTHGEAR_CLIENT_IDS", EXPECT_CLIENT_IDS, |list| {
        let ids: Vec<String> = split_list(list).map(str::to_owned).collect();
        if ids.is_empty() {
            return Err("it lists no client ID".to_owned());
        }
        Ok(ids)
    })?;
    let max_concurrency = vars
        .parsed(
            "AUTHGEAR_MAX_CONCURRENCY",
            EXPECT_CONCURRENCY,
            |text| match text.parse::<usize>() {
                Ok(n) if (1..=1024).contains(&n) => Ok(n),
                _ => Err(format!("got `{text}`")),
            },
        )?
        .unwrap_or(DEFAULT_MAX_CONCURRENCY);
    let queue_timeout = vars
        .parsed(
            "AUTHGEAR_QUEUE_TIMEOUT_MS",
            EXPECT_QUEUE_TIMEOUT,
            |text| match text.parse::<u64>() {
                Ok(ms) if ms <= 30_000 => Ok(Duration::from_millis(ms)),
                _ => Err(format!("got `{text}`")),
            },
        )?
        .unwrap_or(DEFAULT_QUEUE_TIMEOUT);
    Ok(AuthgearConfig {
        endpoint,
        public_endpoint,
        project_id,
        admin_key,
        client_ids,
        create_users: vars.flag("AUTHGEAR_CREATE_USERS")?.unwrap_or(false),
        max_concurrency,
        queue_timeout,
    })
}

const EXPECT_ENDPOINT: &str =
    "the Authgear endpoint, an http(s) URL such as https://myapp.authgear.cloud";
const EXPECT_PROJECT_ID: &str = "the Authgear project ID, given explicitly when the host of \
                                 AUTHGEAR_ENDPOINT is an IP address and has no first label";
const EXPECT_KEY_ID: &str = "the Admin API key ID shown in the portal (Advanced > Admin API)";
const EXPECT_KEY: &str = "the Admin API private key: the PEM file the portal downloads (PKCS#1, \
                          or PKCS#8) in AUTHGEAR_ADMIN_KEY_FILE, or its text in \
                          AUTHGEAR_ADMIN_KEY_PEM";
const EXPECT_CLIENT_IDS: &str = "a comma-separated list of the Authgear client IDs to serve";
const EXPECT_CONCURRENCY: &str = "a whole number from 1 to 1024";
const EXPECT_QUEUE_TIMEOUT: &str = "a whole number of milliseconds from 0 to 30000";
const EXPECT_ORIGINS: &str = "a comma-separated list of origins such as https://app.example.com";
const EXPECT_LISTEN_ADDR: &str = "an IP address and port such as 127.0.0.1:8080";
const EXPECT_PATH: &str =
    "an absolute path such as /api/authgear-migrate (not /healthz or /metrics)";
const EXPECT_GRACE: &str = "a whole number of seconds from 0 to 600";

fn admin_key<F: Fn(&str) -> Option<String>>(
    vars: &Vars<F>,
    key_id: String,
) -> Result<AdminKey, ConfigError> {
    const FILE: &str = "AUTHGEAR_ADMIN_KEY_FILE";
    const PEM: &str = "AUTHGEAR_ADMIN_KEY_PEM";
    let (variable, key) = match (vars.get(FILE), vars.get(PEM)) {
        (Some(_), Some(_)) => {
            return Err(ConfigError::Conflict {
                variable: FILE,
                other: PEM,
            });
        }
        (None, None) => {
            return Err(ConfigError::Missing {
                variable: FILE,
                expected: EXPECT_KEY,
            });
        }
        (Some(path), None) => (FILE, AdminKey::from_file(key_id, Path::new(&path))),
        (None, Some(pem)) => (PEM, AdminKey::from_pem(key_id, &pem)),
    };
    key.map_err(|problem| ConfigError::Invalid {
        variable,
        expected: EXPECT_KEY,
        problem: problem.to_string(),
    })
}

fn parse_endpoint(text: &str) -> Result<Url, String> {
    let url = parse_http_url(text)?;
    if url.query().is_some() || url.fragment().is_some() {
        return Err(format!("got `{text}`, which has a query or a fragment"));
    }
    Ok(url)
}

/// Authgear's documentation: "It is the first part of your Authgear endpoint". An IP address
/// has no such part, so then the ID must be given.
fn default_project_id(endpoint: &Url) -> Result<String, ConfigError> {
    match endpoint.host() {
        Some(Host::Domain(domain)) => Ok(domain.split('.').next().unwrap_or(domain).to_owned()),
        _ => Err(ConfigError::Missing {
            variable: "AUTHGEAR_PROJECT_ID",
            expected: EXPECT_PROJECT_ID,
        }),
    }
}

fn parse_addr(addr: &str) -> Result<SocketAddr, String> {
    addr.parse().map_err(|_| format!("got `{addr}`"))
}

fn parse_exchange_path(path: &str) -> Result<String, String> {
    // The router takes the path literally: no route parameters, no wildcards.
    let literal = path.starts_with('/')
        && !path.contains(['{', '}', '*', '?', '#'])
        && (path == "/" || !path.ends_with('/'));
    if !literal || OPS_PATHS.contains(&path) {
        return Err(format!("got `{path}`"));
    }
    Ok(path.to_owned())
}
