//! The endpoint's settings, read from environment variables and validated once, at start.
//!
//! An empty variable counts as unset, so that `FOO=` in an env file means "use the default".

use std::fmt;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::time::Duration;

use url::{Host, Url};

use crate::authgear::{AdminKey, LoginIdKey};
use crate::legacy_jwt::Algorithm;

/// Everything the endpoint needs to know, checked.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Config {
    pub authgear: AuthgearConfig,
    pub legacy: LegacyConfig,
    /// Origins allowed to call the endpoint from a browser (`CORS_ALLOWED_ORIGINS`).
    pub cors_allowed_origins: Vec<Origin>,
    /// Where the binary listens (`LISTEN_ADDR`). [`crate::router`] does not read it.
    pub listen_addr: SocketAddr,
    /// Where the binary serves the exchange (`EXCHANGE_PATH`). [`crate::router`] does not read it.
    pub exchange_path: String,
}

/// The Authgear project the sessions are created in.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct AuthgearConfig {
    /// `AUTHGEAR_ENDPOINT`, e.g. `https://myapp.authgear.cloud`.
    pub endpoint: Url,
    /// `AUTHGEAR_PROJECT_ID`: the `aud` of the admin JWT.
    pub project_id: String,
    /// `AUTHGEAR_ADMIN_KEY_ID` with `AUTHGEAR_ADMIN_KEY_FILE` or `AUTHGEAR_ADMIN_KEY_PEM`.
    pub admin_key: AdminKey,
    /// `AUTHGEAR_CLIENT_IDS`: the only `client_id`s an exchange may name.
    pub client_ids: Vec<String>,
    /// `LEGACY_LOGIN_ID_KEY`: the kind of login ID the users were imported with.
    pub login_id_key: LoginIdKey,
}

/// The legacy IdP whose tokens are exchanged.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct LegacyConfig {
    /// `LEGACY_JWKS_URL`.
    pub jwks_url: Url,
    /// `LEGACY_ISSUER`: the exact `iss` of legacy tokens.
    pub issuer: String,
    /// `LEGACY_AUDIENCE`: a value the tokens' `aud` must contain.
    pub audience: String,
    /// `LEGACY_ALGORITHMS`: the signature algorithms accepted.
    pub algorithms: Vec<Algorithm>,
    /// `LEGACY_LOGIN_ID_CLAIM`: the claim holding the login ID.
    pub login_id_claim: String,
    /// `LEEWAY_SECONDS`: clock skew tolerated on `exp` and `nbf`.
    pub leeway: Duration,
    /// The least time between two JWKS downloads. Not read from the environment.
    pub jwks_cooldown: Duration,
    /// How long a downloaded JWKS is used before it is fetched again. Not read from the
    /// environment.
    pub jwks_max_age: Duration,
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

/// The defaults of `jose`'s remote JWK Set: a 30 s cooldown, a 10 min cache.
const JWKS_COOLDOWN: Duration = Duration::from_secs(30);
const JWKS_MAX_AGE: Duration = Duration::from_secs(10 * 60);
const DEFAULT_LEEWAY: Duration = Duration::from_secs(60);
const DEFAULT_LISTEN_ADDR: SocketAddr =
    SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 8080));
/// More than Authgear's own clock-skew allowance (5 min) would only hide a broken clock.
const MAX_LEEWAY_SECONDS: u64 = 300;

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the settings through `lookup`, which answers a variable's value by its name.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let vars = Vars(lookup);

        let endpoint = vars.required("AUTHGEAR_ENDPOINT", EXPECT_ENDPOINT, parse_endpoint)?;
        let project_id = match vars.get("AUTHGEAR_PROJECT_ID") {
            Some(id) => id,
            None => default_project_id(&endpoint)?,
        };
        let key_id = vars.required("AUTHGEAR_ADMIN_KEY_ID", EXPECT_KEY_ID, |id| {
            Ok(id.to_owned())
        })?;
        let admin_key = admin_key(&vars, key_id)?;
        let client_ids = vars.required("AUTHGEAR_CLIENT_IDS", EXPECT_CLIENT_IDS, |list| {
            let ids: Vec<String> = split_list(list).map(str::to_owned).collect();
            if ids.is_empty() {
                return Err("it lists no client ID".to_owned());
            }
            Ok(ids)
        })?;
        let login_id_key = vars
            .parsed("LEGACY_LOGIN_ID_KEY", EXPECT_LOGIN_ID_KEY, |key| {
                key.parse().map_err(|()| format!("got `{key}`"))
            })?
            .unwrap_or(LoginIdKey::Email);

        let jwks_url = vars.required("LEGACY_JWKS_URL", EXPECT_JWKS_URL, parse_http_url)?;
        let issuer = vars.required("LEGACY_ISSUER", EXPECT_ISSUER, |iss| Ok(iss.to_owned()))?;
        let audience =
            vars.required("LEGACY_AUDIENCE", EXPECT_AUDIENCE, |aud| Ok(aud.to_owned()))?;
        let algorithms = vars
            .parsed("LEGACY_ALGORITHMS", EXPECT_ALGORITHMS, parse_algorithms)?
            .unwrap_or_else(|| vec![Algorithm::Rs256]);
        let login_id_claim = vars
            .get("LEGACY_LOGIN_ID_CLAIM")
            .unwrap_or_else(|| "email".to_owned());
        let leeway = vars
            .parsed("LEEWAY_SECONDS", EXPECT_LEEWAY, |text| match text.parse() {
                Ok(seconds) if seconds <= MAX_LEEWAY_SECONDS => Ok(Duration::from_secs(seconds)),
                _ => Err(format!("got `{text}`")),
            })?
            .unwrap_or(DEFAULT_LEEWAY);

        let cors_allowed_origins = vars
            .parsed("CORS_ALLOWED_ORIGINS", EXPECT_ORIGINS, |list| {
                split_list(list).map(parse_origin).collect()
            })?
            .unwrap_or_default();
        let listen_addr = vars
            .parsed("LISTEN_ADDR", EXPECT_LISTEN_ADDR, |addr| {
                addr.parse().map_err(|_| format!("got `{addr}`"))
            })?
            .unwrap_or(DEFAULT_LISTEN_ADDR);
        let exchange_path = vars
            .parsed("EXCHANGE_PATH", EXPECT_PATH, parse_exchange_path)?
            .unwrap_or_else(|| "/".to_owned());

        Ok(Self {
            authgear: AuthgearConfig {
                endpoint,
                project_id,
                admin_key,
                client_ids,
                login_id_key,
            },
            legacy: LegacyConfig {
                jwks_url,
                issuer,
                audience,
                algorithms,
                login_id_claim,
                leeway,
                jwks_cooldown: JWKS_COOLDOWN,
                jwks_max_age: JWKS_MAX_AGE,
            },
            cors_allowed_origins,
            listen_addr,
            exchange_path,
        })
    }
}

const EXPECT_ENDPOINT: &str =
    "the Authgear endpoint, an http(s) URL such as https://myapp.authgear.cloud";
const EXPECT_PROJECT_ID: &str = "the Authgear project ID, given explicitly when the host of \
                                 AUTHGEAR_ENDPOINT is an IP address and has no first label";
const EXPECT_KEY_ID: &str = "the Admin API key ID shown in the portal (Advanced > Admin API)";
const EXPECT_KEY: &str = "the Admin API private key: a PKCS#8 PEM file (AUTHGEAR_ADMIN_KEY_FILE) \
                          or its text (AUTHGEAR_ADMIN_KEY_PEM)";
const EXPECT_CLIENT_IDS: &str = "a comma-separated list of the Authgear client IDs to serve";
const EXPECT_LOGIN_ID_KEY: &str = "email, phone or username";
const EXPECT_JWKS_URL: &str = "the legacy IdP's JWKS URL (http or https)";
const EXPECT_ISSUER: &str = "the `iss` of legacy tokens";
const EXPECT_AUDIENCE: &str = "a value of the `aud` of legacy tokens";
const EXPECT_ALGORITHMS: &str =
    "a comma-separated list of RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, EdDSA";
const EXPECT_LEEWAY: &str = "a whole number of seconds from 0 to 300";
const EXPECT_ORIGINS: &str = "a comma-separated list of origins such as https://app.example.com";
const EXPECT_LISTEN_ADDR: &str = "an IP address and port such as 127.0.0.1:8080";
const EXPECT_PATH: &str = "an absolute path such as /api/authgear-migrate";

/// The environment, as `lookup` answers it.
struct Vars<F>(F);

impl<F: Fn(&str) -> Option<String>> Vars<F> {
    fn get(&self, name: &str) -> Option<String> {
        (self.0)(name)
            .map(|value| value.trim().to_owned())
            .filter(|value| !value.is_empty())
    }

    /// The parsed value, or `None` when the variable is unset.
    fn parsed<T>(
        &self,
        variable: &'static str,
        expected: &'static str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<Option<T>, ConfigError> {
        self.get(variable)
            .map(|value| {
                parse(&value).map_err(|problem| ConfigError::Invalid {
                    variable,
                    expected,
                    problem,
                })
            })
            .transpose()
    }

    fn required<T>(
        &self,
        variable: &'static str,
        expected: &'static str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<T, ConfigError> {
        self.parsed(variable, expected, parse)?
            .ok_or(ConfigError::Missing { variable, expected })
    }
}

fn admin_key<F: Fn(&str) -> Option<String>>(
    vars: &Vars<F>,
    key_id: String,
) -> Result<AdminKey, ConfigError> {
    const FILE: &str = "AUTHGEAR_ADMIN_KEY_FILE";
    const PEM: &str = "AUTHGEAR_ADMIN_KEY_PEM";
    let (variable, pem) = match (vars.get(FILE), vars.get(PEM)) {
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
        (Some(path), None) => {
            let pem = std::fs::read_to_string(&path).map_err(|error| ConfigError::Invalid {
                variable: FILE,
                expected: EXPECT_KEY,
                problem: format!("cannot read {path}: {error}"),
            })?;
            (FILE, pem)
        }
        (None, Some(pem)) => (PEM, pem),
    };
    AdminKey::from_pem(key_id, &pem).map_err(|problem| ConfigError::Invalid {
        variable,
        expected: EXPECT_KEY,
        problem,
    })
}

fn parse_http_url(text: &str) -> Result<Url, String> {
    let url = Url::parse(text).map_err(|error| format!("got `{text}` ({error})"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(format!("got `{text}`"));
    }
    Ok(url)
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

fn parse_algorithms(list: &str) -> Result<Vec<Algorithm>, String> {
    let mut algorithms = Vec::new();
    for name in split_list(list) {
        if name.eq_ignore_ascii_case("none") || name.to_ascii_uppercase().starts_with("HS") {
            return Err(format!(
                "`{name}` is refused: legacy tokens are checked with public keys only"
            ));
        }
        let alg = Algorithm::from_name(name).ok_or_else(|| format!("got `{name}`"))?;
        if !algorithms.contains(&alg) {
            algorithms.push(alg);
        }
    }
    if algorithms.is_empty() {
        return Err("it lists no algorithm".to_owned());
    }
    Ok(algorithms)
}

fn parse_origin(text: &str) -> Result<Origin, String> {
    let url = parse_http_url(text)?;
    // An origin is scheme, host and port: a path, a query or credentials mean a typo.
    let bare = url.path() == "/"
        && url.query().is_none()
        && url.fragment().is_none()
        && url.username().is_empty()
        && url.password().is_none();
    if !bare {
        return Err(format!("got `{text}`, which is more than an origin"));
    }
    Ok(Origin(url.origin().ascii_serialization()))
}

fn parse_exchange_path(path: &str) -> Result<String, String> {
    // The router takes the path literally: no route parameters, no wildcards.
    let literal = path.starts_with('/')
        && !path.contains(['{', '}', '*', '?', '#'])
        && (path == "/" || !path.ends_with('/'));
    if !literal {
        return Err(format!("got `{path}`"));
    }
    Ok(path.to_owned())
}

fn split_list(list: &str) -> impl Iterator<Item = &str> {
    list.split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
}

/// A setting that is missing or unusable. The message names the variable and what it should be,
/// and never repeats a secret.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// A required variable is unset or empty.
    Missing {
        variable: &'static str,
        expected: &'static str,
    },
    /// A variable's value cannot be used.
    Invalid {
        variable: &'static str,
        expected: &'static str,
        problem: String,
    },
    /// Two variables that exclude each other are both set.
    Conflict {
        variable: &'static str,
        other: &'static str,
    },
}

impl ConfigError {
    /// The variable to fix.
    pub fn variable(&self) -> &'static str {
        match self {
            Self::Missing { variable, .. }
            | Self::Invalid { variable, .. }
            | Self::Conflict { variable, .. } => variable,
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Missing { variable, expected } => {
                write!(f, "{variable} is not set: expected {expected}")
            }
            Self::Invalid {
                variable,
                expected,
                problem,
            } => write!(f, "{variable} is invalid: expected {expected}; {problem}"),
            Self::Conflict { variable, other } => {
                write!(f, "{variable} and {other} are both set: set exactly one")
            }
        }
    }
}

impl std::error::Error for ConfigError {}
