//! How legacy credentials are verified: which kinds are exchanged, and where each is checked.

use std::fmt;
use std::time::Duration;

use authgear_migrate::wire::SubjectTokenType;
use url::Url;

use super::parse::{ConfigError, Vars, parse_http_url, split_list};
use crate::authgear::LoginIdKey;
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
    /// `LEGACY_ISSUER`: the exact `iss` of legacy tokens, checked on every JWT and on every
    /// introspection answer that has an `iss`.
    pub issuer: Option<String>,
    /// `LEGACY_AUDIENCE`: a value an access token's `aud` must contain, checked on JWT access
    /// tokens and on every introspection answer (which must then have an `aud`).
    pub audience: Option<String>,
    /// The JWT checks, when any credential kind needs them.
    pub jwt: Option<JwtConfig>,
    /// `LEGACY_CLIENT_ID` and `LEGACY_CLIENT_SECRET`: the legacy OAuth client, for the token
    /// endpoint and introspection.
    pub client: Option<LegacyClient>,
    /// `LEGACY_TOKEN_URL`: where legacy refresh tokens are redeemed.
    pub token_url: Option<Url>,
    /// `LEGACY_SESSION_CHECK_URL` and `LEGACY_SESSION_COOKIES`: cookie mode.
    pub session_check: Option<SessionCheckConfig>,
    /// `LEGACY_LOGIN_ID_SOURCES` (else `LEGACY_LOGIN_ID_CLAIM` with `LEGACY_LOGIN_ID_KEY`): where
    /// the login ID comes from, the first usable source winning.
    pub login_ids: Vec<LoginIdSource>,
    /// `LEGACY_REQUIRE_VERIFIED` (default true): an `email` or `phone_number` counts only when
    /// the IdP vouched for it (`email_verified` / `phone_number_verified` true).
    pub require_verified: bool,
    /// `LEGACY_SUBJECT_ATTRIBUTE` and `LEGACY_SUBJECT_BINDING`: the found user must carry the
    /// credential's `sub` in this custom attribute.
    pub subject_binding: Option<SubjectBinding>,
    /// `LEGACY_ALLOWED_CLIENT_IDS`: the legacy applications whose tokens are exchanged (a
    /// JWT's `azp`, else `client_id`, else `cid`, else a single `aud`; introspection's
    /// `client_id`). Empty: any client of the tenant.
    pub allowed_client_ids: Vec<String>,
    /// `LEEWAY_SECONDS`: clock skew tolerated on `exp` and `nbf`.
    pub leeway: Duration,
}

/// One place a login ID may come from.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct LoginIdSource {
    /// The claim that holds it (`email`, `phone_number`, `preferred_username`, …).
    pub claim: String,
    /// The Authgear `loginIDKey` it is looked up (and created) as.
    pub key: LoginIdKey,
}

impl LoginIdSource {
    /// The OIDC claim by which the IdP vouches for this one (OpenID Connect Core §5.1), when
    /// there is such a claim.
    pub fn verified_claim(&self) -> Option<&'static str> {
        match self.claim.as_str() {
            "email" => Some("email_verified"),
            "phone_number" => Some("phone_number_verified"),
            _ => None,
        }
    }
}

/// The legacy subject each imported user carries, so that a login ID alone is not enough.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SubjectBinding {
    /// The custom attribute (its name, as in the portal and `--legacy-id-attribute`).
    pub attribute: String,
    /// `LEGACY_SUBJECT_BINDING=when-present`: a user without the attribute passes.
    pub when_present: bool,
}

/// How an access token is checked.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AccessTokenVerifier {
    /// A JWT, against the JWKS ([`JwtConfig`]).
    Jwt,
    /// Any token, by the legacy OIDC userinfo endpoint (`LEGACY_USERINFO_URL`). Userinfo says
    /// nothing of the client a token was issued to, so this needs
    /// `LEGACY_USERINFO_ACCEPTS_ANY_CLIENT=true`; nor of its audience or issuer, so it refuses
    /// `LEGACY_AUDIENCE` (and `LEGACY_ISSUER` unless JWTs are checked too).
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

/// Checks of legacy JWTs (access and ID tokens), beside [`LegacyConfig::issuer`] (required
/// with them) and [`LegacyConfig::audience`].
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct JwtConfig {
    /// `LEGACY_JWKS_URL`.
    pub jwks_url: Url,
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
const EXPECT_SOURCES: &str = "a comma-separated list of claims, each optionally with its \
                              Authgear login ID key, such as email,phone_number:phone,cognito:username";
const EXPECT_LOGIN_ID_KEY: &str = "email, phone or username";
const EXPECT_BINDING: &str = "required or when-present";
const EXPECT_ATTRIBUTE: &str = "the name of an Authgear custom attribute, such as legacy_user_id";
const EXPECT_CLIENT_IDS: &str = "a comma-separated list of legacy OAuth client IDs";
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
        Some("userinfo") => {
            // Any application's token of the tenant passes userinfo: an explicit choice.
            if vars.flag("LEGACY_USERINFO_ACCEPTS_ANY_CLIENT")? != Some(true) {
                return Err(ConfigError::Needed {
                    variable: "LEGACY_USERINFO_ACCEPTS_ANY_CLIENT",
                    expected: "true, to accept that userinfo checks no audience and no client",
                    because: "LEGACY_ACCESS_TOKEN_VERIFIER is userinfo".to_owned(),
                });
            }
            AccessTokenVerifier::Userinfo(vars.required_by(
                "LEGACY_USERINFO_URL",
                EXPECT_URL,
                "LEGACY_ACCESS_TOKEN_VERIFIER is userinfo",
                parse_http_url,
            )?)
        }
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

    // Access tokens come as such, or as a redeemed refresh token brings them. JWT checks serve
    // them in `jwt` mode, and ID tokens (also the ID token a refresh brings, when one comes).
    let access_tokens = has(SubjectTokenType::AccessToken) || has(SubjectTokenType::RefreshToken);
    let jwt_access = access_token_verifier == AccessTokenVerifier::Jwt && access_tokens;
    let jwt_needed = jwt_access || has(SubjectTokenType::IdToken);
    let jwt_optional = vars.is_set("LEGACY_JWKS_URL");

    // Read once, for every verifier that can see them: JWTs, and introspection answers.
    let issuer = vars.parsed("LEGACY_ISSUER", EXPECT_ISSUER, |iss| Ok(iss.to_owned()))?;
    let audience = vars.parsed("LEGACY_AUDIENCE", EXPECT_AUDIENCE, |aud| Ok(aud.to_owned()))?;
    if matches!(access_token_verifier, AccessTokenVerifier::Userinfo(_)) && access_tokens {
        // A userinfo answer is the user's profile: nothing in it says whom the token was for,
        // or who issued it. A check asked for and never made must not look made.
        if audience.is_some() {
            return Err(ConfigError::Uncheckable {
                variable: "LEGACY_AUDIENCE",
                because: "LEGACY_ACCESS_TOKEN_VERIFIER is userinfo, and a userinfo answer does \
                          not say which audience a token was issued for (verify access tokens \
                          by jwt or introspection, or unset LEGACY_AUDIENCE)"
                    .to_owned(),
            });
        }
        if issuer.is_some() && !(jwt_needed || jwt_optional) {
            return Err(ConfigError::Uncheckable {
                variable: "LEGACY_ISSUER",
                because: "LEGACY_ACCESS_TOKEN_VERIFIER is userinfo, a userinfo answer does not \
                          say who issued a token, and no LEGACY_JWKS_URL checks JWTs (unset \
                          LEGACY_ISSUER: the IdP at LEGACY_USERINFO_URL honours its own tokens \
                          only)"
                    .to_owned(),
            });
        }
    }
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
        if issuer.is_none() {
            return Err(ConfigError::Needed {
                variable: "LEGACY_ISSUER",
                expected: EXPECT_ISSUER,
                because: because.to_owned(),
            });
        }
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
            id_token_audience,
            algorithms,
            jwks_cooldown: JWKS_COOLDOWN,
            jwks_max_age: JWKS_MAX_AGE,
        })
    } else {
        None
    };

    let login_ids = login_id_sources(vars)?;
    let require_verified = vars.flag("LEGACY_REQUIRE_VERIFIED")?.unwrap_or(true);
    let subject_binding = subject_binding(vars)?;
    let allowed_client_ids = vars
        .parsed("LEGACY_ALLOWED_CLIENT_IDS", EXPECT_CLIENT_IDS, |list| {
            Ok(split_list(list).map(str::to_owned).collect())
        })?
        .unwrap_or_default();
    let leeway = vars
        .seconds("LEEWAY_SECONDS", EXPECT_LEEWAY, (0, MAX_LEEWAY_SECONDS))?
        .unwrap_or(DEFAULT_LEEWAY);

    Ok(LegacyConfig {
        credentials,
        access_token_verifier,
        issuer,
        audience,
        jwt,
        client: client_id.map(|id| LegacyClient {
            id,
            secret: client_secret,
        }),
        token_url,
        session_check,
        login_ids,
        require_verified,
        subject_binding,
        allowed_client_ids,
        leeway,
    })
}

impl LegacyConfig {
    /// Every legacy IdP URL the endpoint calls, with the variable that names it.
    pub(crate) fn upstreams(&self) -> Vec<(&'static str, &Url)> {
        let mut urls = Vec::new();
        if let Some(jwt) = &self.jwt {
            urls.push(("LEGACY_JWKS_URL", &jwt.jwks_url));
        }
        match &self.access_token_verifier {
            AccessTokenVerifier::Userinfo(url) => urls.push(("LEGACY_USERINFO_URL", url)),
            AccessTokenVerifier::Introspection(url) => {
                urls.push(("LEGACY_INTROSPECTION_URL", url));
            }
            AccessTokenVerifier::Jwt => {}
        }
        if let Some(url) = &self.token_url {
            urls.push(("LEGACY_TOKEN_URL", url));
        }
        if let Some(session) = &self.session_check {
            urls.push(("LEGACY_SESSION_CHECK_URL", &session.url));
        }
        urls
    }
}

/// `LEGACY_LOGIN_ID_SOURCES`, or the one source of `LEGACY_LOGIN_ID_CLAIM` (default `email`)
/// and `LEGACY_LOGIN_ID_KEY` (default: the key the claim's name implies).
fn login_id_sources<F: Fn(&str) -> Option<String>>(
    vars: &Vars<F>,
) -> Result<Vec<LoginIdSource>, ConfigError> {
    const SOURCES: &str = "LEGACY_LOGIN_ID_SOURCES";
    if vars.is_set(SOURCES) {
        for single in ["LEGACY_LOGIN_ID_CLAIM", "LEGACY_LOGIN_ID_KEY"] {
            if vars.is_set(single) {
                return Err(ConfigError::Conflict {
                    variable: SOURCES,
                    other: single,
                });
            }
        }
    }
    if let Some(sources) = vars.parsed(SOURCES, EXPECT_SOURCES, parse_sources)? {
        return Ok(sources);
    }
    let claim = vars
        .get("LEGACY_LOGIN_ID_CLAIM")
        .unwrap_or_else(|| "email".to_owned());
    let key = vars
        .parsed("LEGACY_LOGIN_ID_KEY", EXPECT_LOGIN_ID_KEY, |key| {
            key.parse().map_err(|()| format!("got `{key}`"))
        })?
        .unwrap_or_else(|| key_of_claim(&claim));
    Ok(vec![LoginIdSource { claim, key }])
}

fn parse_sources(list: &str) -> Result<Vec<LoginIdSource>, String> {
    let mut sources: Vec<LoginIdSource> = Vec::new();
    for item in split_list(list) {
        let source = parse_source(item)?;
        if source.claim.is_empty() {
            return Err(format!("`{item}` names no claim"));
        }
        if sources.iter().any(|known| known.claim == source.claim) {
            return Err(format!("`{}` is listed twice", source.claim));
        }
        sources.push(source);
    }
    if sources.is_empty() {
        return Err("it lists no claim".to_owned());
    }
    Ok(sources)
}

/// An item is `<claim>` or `<claim>:<key>`, and claim names may hold `:` themselves (Cognito's
/// `cognito:username`, `custom:…`, URL-named claims). A claim whose name implies a key is taken
/// whole; any other item with a `:` splits at its last one, and what follows must be a login ID
/// key (`email`, `phone`, `username`): so `custom:login` is written `custom:login:email`, and a
/// mistyped key (`mobile:phnoe`, `email:sms`) is refused rather than read as a claim no token
/// has.
fn parse_source(item: &str) -> Result<LoginIdSource, String> {
    if let Some(key) = implied_key(item) {
        return Ok(LoginIdSource {
            claim: item.to_owned(),
            key,
        });
    }
    if let Some((claim, key)) = item.rsplit_once(':') {
        let (claim, key) = (claim.trim(), key.trim());
        if let Ok(key) = key.parse() {
            return Ok(LoginIdSource {
                claim: claim.to_owned(),
                key,
            });
        }
        if key.is_empty() {
            return Err(format!("`{item}` names no key after its `:`"));
        }
        return Err(format!(
            "`{item}`: `{key}` is not email, phone or username (a claim that holds `:` takes its \
             key after a last `:`, such as `{item}:email`)"
        ));
    }
    Ok(LoginIdSource {
        claim: item.to_owned(),
        key: key_of_claim(item),
    })
}

/// The login ID key a claim's name implies: OIDC's `phone_number` is a phone, its
/// `preferred_username` (and a plain `username`, Cognito's `cognito:username`) a username,
/// anything else an email.
fn key_of_claim(claim: &str) -> LoginIdKey {
    implied_key(claim).unwrap_or(LoginIdKey::Email)
}

/// The claims whose names imply a key of their own.
fn implied_key(claim: &str) -> Option<LoginIdKey> {
    match claim {
        "email" => Some(LoginIdKey::Email),
        "phone_number" | "phone" => Some(LoginIdKey::Phone),
        "preferred_username" | "username" | "cognito:username" => Some(LoginIdKey::Username),
        _ => None,
    }
}

fn subject_binding<F: Fn(&str) -> Option<String>>(
    vars: &Vars<F>,
) -> Result<Option<SubjectBinding>, ConfigError> {
    let attribute = vars.parsed("LEGACY_SUBJECT_ATTRIBUTE", EXPECT_ATTRIBUTE, |name| {
        // Authgear's custom attribute pointers are `/name`; the name is what is compared.
        let name = name.strip_prefix('/').unwrap_or(name);
        if name.is_empty() || name.contains('/') {
            return Err(format!("got `{name}`"));
        }
        Ok(name.to_owned())
    })?;
    let when_present = vars.parsed("LEGACY_SUBJECT_BINDING", EXPECT_BINDING, |mode| match mode
        .to_ascii_lowercase()
        .as_str()
    {
        "required" => Ok(false),
        "when-present" => Ok(true),
        _ => Err(format!("got `{mode}`")),
    })?;
    match (attribute, when_present) {
        (Some(attribute), when_present) => Ok(Some(SubjectBinding {
            attribute,
            when_present: when_present.unwrap_or(false),
        })),
        (None, Some(_)) => Err(ConfigError::Needed {
            variable: "LEGACY_SUBJECT_ATTRIBUTE",
            expected: EXPECT_ATTRIBUTE,
            because: "LEGACY_SUBJECT_BINDING is set".to_owned(),
        }),
        (None, None) => Ok(None),
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn sources(list: &str) -> Result<Vec<(String, LoginIdKey)>, String> {
        parse_sources(list).map(|sources| {
            sources
                .into_iter()
                .map(|source| (source.claim, source.key))
                .collect()
        })
    }

    fn one(claim: &str, key: LoginIdKey) -> Vec<(String, LoginIdKey)> {
        vec![(claim.to_owned(), key)]
    }

    #[test]
    fn a_claim_with_a_colon_is_one_claim() {
        assert_eq!(
            sources("email,cognito:username"),
            Ok(vec![
                ("email".to_owned(), LoginIdKey::Email),
                ("cognito:username".to_owned(), LoginIdKey::Username),
            ])
        );
        assert_eq!(
            sources("cognito:username:username"),
            Ok(one("cognito:username", LoginIdKey::Username))
        );
        // A claim named like `<claim>:<key>` needs its key spelled out.
        assert_eq!(
            sources("custom:email:email"),
            Ok(one("custom:email", LoginIdKey::Email))
        );
        assert_eq!(
            sources("custom:login:phone"),
            Ok(one("custom:login", LoginIdKey::Phone))
        );
        // A URL-named claim (an Auth0 namespaced one) too.
        assert_eq!(
            sources("https://app.example/email:email"),
            Ok(one("https://app.example/email", LoginIdKey::Email))
        );
    }

    #[test]
    fn a_known_key_after_the_last_colon_is_the_key() {
        assert_eq!(sources("email:email"), Ok(one("email", LoginIdKey::Email)));
        assert_eq!(
            sources("phone_number : phone, preferred_username:username"),
            Ok(vec![
                ("phone_number".to_owned(), LoginIdKey::Phone),
                ("preferred_username".to_owned(), LoginIdKey::Username),
            ])
        );
        assert_eq!(sources("phone"), Ok(one("phone", LoginIdKey::Phone)));
    }

    #[test]
    fn a_known_claim_with_an_unknown_key_is_refused() {
        for (list, bad_key) in [
            ("email:nonsense", "nonsense"),
            ("phone_number:sms", "sms"),
            ("cognito:username:user", "user"),
            // A mistyped key, or none after a claim that holds `:`: not a claim no token has.
            ("mobile:phnoe", "phnoe"),
            ("upn:Email", "Email"),
            ("custom:login", "login"),
            ("https://app.example/email", "//app.example/email"),
        ] {
            let error = sources(list).unwrap_err();
            assert!(
                error.contains(&format!("`{bad_key}` is not")),
                "{list}: {error}"
            );
        }
    }

    #[test]
    fn an_item_needs_a_claim_and_a_key_after_its_colon() {
        assert!(sources(":email").unwrap_err().contains("names no claim"));
        for list in ["email:", "custom:login:"] {
            assert!(
                sources(list).unwrap_err().contains("names no key"),
                "{list}"
            );
        }
        assert!(
            sources("cognito:username,cognito:username:username")
                .unwrap_err()
                .contains("listed twice")
        );
        assert!(sources(" , ").is_err());
    }
}
