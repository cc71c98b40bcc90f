//! How legacy credentials are verified: which kinds are exchanged, and where each is checked.

use std::fmt;
use std::time::Duration;

use authgear_migrate::wire::SubjectTokenType;
use url::Url;

use super::parse::{ConfigError, Vars, parse_http_url, split_list};
use crate::legacy_jwt::Algorithm;

/// The legacy IdP whose credentials are exchanged.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct LegacyConfig {
    /// `LEGACY_CREDENTIALS`: the kinds of subject token exchanged; any other is answered
    /// `unsupported_token_type`.
    pub credentials: Vec<SubjectTokenType>,
    /// `LEGACY_ACCESS_TOKEN_VERIFIER`: how access tokens (and the access token a redeemed
    /// refresh token brings) are checked.
    pub access_token_verifier: AccessTokenVerifier,
    /// The JWT checks, when any credential kind needs them.
    pub jwt: Option<JwtConfig>,
    /// `LEGACY_CLIENT_ID` and `LEGACY_CLIENT_SECRET`: the legacy OAuth client, for the token
    /// endpoint and introspection.
    pub client: Option<LegacyClient>,
    /// `LEGACY_TOKEN_URL`: where legacy refresh tokens are redeemed.
    pub token_url: Option<Url>,
    /// `LEGACY_SESSION_CHECK_URL` and `LEGACY_SESSION_COOKIES`: cookie mode.
    pub session_check: Option<SessionCheckConfig>,
    /// `LEGACY_LOGIN_ID_CLAIM`: the claim holding the login ID.
    pub login_id_claim: String,
    /// `LEEWAY_SECONDS`: clock skew tolerated on `exp` and `nbf`.
    pub leeway: Duration,
}

/// How an access token is checked.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AccessTokenVerifier {
    /// A JWT, against the JWKS ([`JwtConfig`]).
    Jwt,
    /// Any token, by the legacy OIDC userinfo endpoint (`LEGACY_USERINFO_URL`).
    Userinfo(Url),
    /// Any token, by RFC 7662 introspection (`LEGACY_INTROSPECTION_URL`).
    Introspection(Url),
}

impl AccessTokenVerifier {
    pub fn name(&self) -> &'static str {
        match self {
            Self::Jwt => "jwt",
            Self::Userinfo(_) => "userinfo",
            Self::Introspection(_) => "introspection",
        }
    }
}

/// Checks of legacy JWTs (access and ID tokens).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct JwtConfig {
    /// `LEGACY_JWKS_URL`.
    pub jwks_url: Url,
    /// `LEGACY_ISSUER`: the exact `iss` of legacy tokens.
    pub issuer: String,
    /// `LEGACY_AUDIENCE`: a value an access token's `aud` must contain. `None` when access
    /// tokens are not checked as JWTs.
    pub audience: Option<String>,
    /// `LEGACY_ID_TOKEN_AUDIENCE` (else `LEGACY_CLIENT_ID`, else `LEGACY_AUDIENCE`): a value an
    /// ID token's `aud` must contain.
    pub id_token_audience: Option<String>,
    /// `LEGACY_ALGORITHMS`: the signature algorithms accepted.
    pub algorithms: Vec<Algorithm>,
    /// The least time between two JWKS downloads. Not read from the environment.
    pub jwks_cooldown: Duration,
    /// How long a downloaded JWKS is used before it is fetched again. Not read from the
    /// environment.
    pub jwks_max_age: Duration,
}

/// The legacy OAuth client the endpoint speaks as.
#[derive(Clone)]
pub struct LegacyClient {
    pub id: String,
    /// Sent with HTTP Basic (`client_secret_basic`) when set.
    pub secret: Option<String>,
}

// The secret never reaches a log line through `{:?}`.
impl fmt::Debug for LegacyClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LegacyClient")
            .field("id", &self.id)
            .field("has_secret", &self.secret.is_some())
            .finish()
    }
}

/// Cookie mode: the legacy session cookie, forwarded to a session-check URL.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct SessionCheckConfig {
    pub url: Url,
    /// The cookie names forwarded; every other cookie stays with the endpoint.
    pub cookies: Vec<String>,
}

/// The defaults of `jose`'s remote JWK Set: a 30 s cooldown, a 10 min cache.
const JWKS_COOLDOWN: Duration = Duration::from_secs(30);
const JWKS_MAX_AGE: Duration = Duration::from_secs(10 * 60);
const DEFAULT_LEEWAY: Duration = Duration::from_secs(60);
/// More than Authgear's own clock-skew allowance (5 min) would only hide a broken clock.
const MAX_LEEWAY_SECONDS: u64 = 300;

const EXPECT_CREDENTIALS: &str =
    "a comma-separated list of access_token, id_token, refresh_token, cookie";
const EXPECT_VERIFIER: &str = "jwt, userinfo or introspection";
const EXPECT_JWKS_URL: &str = "the legacy IdP's JWKS URL (http or https)";
const EXPECT_ISSUER: &str = "the `iss` of legacy tokens";
const EXPECT_AUDIENCE: &str = "a value of the `aud` of legacy access tokens";
const EXPECT_ID_AUDIENCE: &str = "a value of the `aud` of legacy ID tokens (the legacy client ID)";
const EXPECT_ALGORITHMS: &str =
    "a comma-separated list of RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, EdDSA";
const EXPECT_LEEWAY: &str = "a whole number of seconds from 0 to 300";
const EXPECT_URL: &str = "an http(s) URL of the legacy IdP";
const EXPECT_CLIENT_ID: &str = "the legacy OAuth client ID";
const EXPECT_COOKIES: &str = "a comma-separated list of cookie names, such as legacy_session";

pub(super) fn read<F: Fn(&str) -> Option<String>>(
    vars: &Vars<F>,
) -> Result<LegacyConfig, ConfigError> {
    let access_token_verifier = match vars
        .parsed(
            "LEGACY_ACCESS_TOKEN_VERIFIER",
            EXPECT_VERIFIER,
            |name| match name.to_ascii_lowercase().as_str() {
                "jwt" | "userinfo" | "introspection" => Ok(name.to_ascii_lowercase()),
                _ => Err(format!("got `{name}`")),
            },
        )?
        .as_deref()
    {
        None | Some("jwt") => AccessTokenVerifier::Jwt,
        Some("userinfo") => AccessTokenVerifier::Userinfo(vars.required_by(
            "LEGACY_USERINFO_URL",
            EXPECT_URL,
            "LEGACY_ACCESS_TOKEN_VERIFIER is userinfo",
            parse_http_url,
        )?),
        Some(_) => AccessTokenVerifier::Introspection(vars.required_by(
            "LEGACY_INTROSPECTION_URL",
            EXPECT_URL,
            "LEGACY_ACCESS_TOKEN_VERIFIER is introspection",
            parse_http_url,
        )?),
    };
    let credentials = vars
        .parsed("LEGACY_CREDENTIALS", EXPECT_CREDENTIALS, parse_credentials)?
        .unwrap_or_else(|| match access_token_verifier {
            AccessTokenVerifier::Jwt => {
                vec![SubjectTokenType::AccessToken, SubjectTokenType::IdToken]
            }
            _ => vec![SubjectTokenType::AccessToken],
        });
    let has = |kind| credentials.contains(&kind);

    let client_id = vars.parsed("LEGACY_CLIENT_ID", EXPECT_CLIENT_ID, |id| Ok(id.to_owned()))?;
    let client_secret = vars.get("LEGACY_CLIENT_SECRET");
    if client_secret.is_some() && client_id.is_none() {
        return Err(ConfigError::Needed {
            variable: "LEGACY_CLIENT_ID",
            expected: EXPECT_CLIENT_ID,
            because: "LEGACY_CLIENT_SECRET is set".to_owned(),
        });
    }

    let token_url = if has(SubjectTokenType::RefreshToken) {
        let because = "LEGACY_CREDENTIALS includes refresh_token";
        if client_id.is_none() {
            return Err(ConfigError::Needed {
                variable: "LEGACY_CLIENT_ID",
                expected: EXPECT_CLIENT_ID,
                because: because.to_owned(),
            });
        }
        Some(vars.required_by("LEGACY_TOKEN_URL", EXPECT_URL, because, parse_http_url)?)
    } else {
        None
    };
    let session_check = if has(SubjectTokenType::Cookie) {
        let because = "LEGACY_CREDENTIALS includes cookie";
        let url = vars.required_by(
            "LEGACY_SESSION_CHECK_URL",
            EXPECT_URL,
            because,
            parse_http_url,
        )?;
        let cookies =
            vars.required_by("LEGACY_SESSION_COOKIES", EXPECT_COOKIES, because, |list| {
                let names: Vec<String> = split_list(list).map(str::to_owned).collect();
                if let Some(bad) = names.iter().find(|name| !is_cookie_name(name)) {
                    return Err(format!("`{bad}` is not a cookie name"));
                }
                if names.is_empty() {
                    return Err("it lists no cookie".to_owned());
                }
                Ok(names)
            })?;
        Some(SessionCheckConfig { url, cookies })
    } else {
        None
    };

    // JWT checks serve access tokens in `jwt` mode (also those a refresh token brings), and ID
    // tokens (also the ID token a refresh brings, when one comes).
    let jwt_access = access_token_verifier == AccessTokenVerifier::Jwt
        && (has(SubjectTokenType::AccessToken) || has(SubjectTokenType::RefreshToken));
    let jwt_needed = jwt_access || has(SubjectTokenType::IdToken);
    let jwt_optional = vars.is_set("LEGACY_JWKS_URL");
    let algorithms = vars
        .parsed("LEGACY_ALGORITHMS", EXPECT_ALGORITHMS, parse_algorithms)?
        .unwrap_or_else(|| vec![Algorithm::Rs256]);
    let jwt = if jwt_needed || jwt_optional {
        let because = if jwt_access {
            "LEGACY_ACCESS_TOKEN_VERIFIER is jwt"
        } else {
            "LEGACY_CREDENTIALS includes id_token"
        };
        let jwks_url =
            vars.required_by("LEGACY_JWKS_URL", EXPECT_JWKS_URL, because, parse_http_url)?;
        let issuer = vars.required_by("LEGACY_ISSUER", EXPECT_ISSUER, because, |iss| {
            Ok(iss.to_owned())
        })?;
        let audience = vars.parsed("LEGACY_AUDIENCE", EXPECT_AUDIENCE, |aud| Ok(aud.to_owned()))?;
        if jwt_access && audience.is_none() {
            return Err(ConfigError::Needed {
                variable: "LEGACY_AUDIENCE",
                expected: EXPECT_AUDIENCE,
                because: because.to_owned(),
            });
        }
        let id_token_audience = vars
            .parsed("LEGACY_ID_TOKEN_AUDIENCE", EXPECT_ID_AUDIENCE, |aud| {
                Ok(aud.to_owned())
            })?
            .or_else(|| client_id.clone())
            .or_else(|| audience.clone());
        if has(SubjectTokenType::IdToken) && id_token_audience.is_none() {
            return Err(ConfigError::Needed {
                variable: "LEGACY_ID_TOKEN_AUDIENCE",
                expected: EXPECT_ID_AUDIENCE,
                because: "LEGACY_CREDENTIALS includes id_token".to_owned(),
            });
        }
        Some(JwtConfig {
            jwks_url,
            issuer,
            audience,
            id_token_audience,
            algorithms,
            jwks_cooldown: JWKS_COOLDOWN,
            jwks_max_age: JWKS_MAX_AGE,
        })
    } else {
        None
    };

    let login_id_claim = vars
        .get("LEGACY_LOGIN_ID_CLAIM")
        .unwrap_or_else(|| "email".to_owned());
    let leeway = vars
        .seconds("LEEWAY_SECONDS", EXPECT_LEEWAY, (0, MAX_LEEWAY_SECONDS))?
        .unwrap_or(DEFAULT_LEEWAY);

    Ok(LegacyConfig {
        credentials,
        access_token_verifier,
        jwt,
        client: client_id.map(|id| LegacyClient {
            id,
            secret: client_secret,
        }),
        token_url,
        session_check,
        login_id_claim,
        leeway,
    })
}

fn parse_credentials(list: &str) -> Result<Vec<SubjectTokenType>, String> {
    let mut kinds = Vec::new();
    for name in split_list(list) {
        let kind = match name {
            "access_token" => SubjectTokenType::AccessToken,
            "id_token" => SubjectTokenType::IdToken,
            "refresh_token" => SubjectTokenType::RefreshToken,
            "cookie" => SubjectTokenType::Cookie,
            _ => return Err(format!("got `{name}`")),
        };
        if !kinds.contains(&kind) {
            kinds.push(kind);
        }
    }
    if kinds.is_empty() {
        return Err("it lists no credential kind".to_owned());
    }
    Ok(kinds)
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

/// RFC 6265 §4.1.1: a cookie name is an RFC 2616 token.
fn is_cookie_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte))
}
