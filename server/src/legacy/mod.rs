//! Verification of legacy credentials: one verifier per kind of credential, chosen by
//! configuration (`LEGACY_CREDENTIALS`, `LEGACY_ACCESS_TOKEN_VERIFIER`).
//!
//! | credential | verified by |
//! |---|---|
//! | access token | the JWKS (`jwt`), the userinfo endpoint, or RFC 7662 introspection |
//! | ID token | the JWKS |
//! | refresh token | redeemed at the token endpoint; the tokens it brings are then verified |
//! | session cookie | forwarded to the session-check URL |
//!
//! Each answers the same thing: the legacy user's claims, and when the credential stops being
//! valid (for the replay cache).

mod call;
mod cookie;
mod identity;
mod introspection;
mod refresh;
mod replay_id;
mod userinfo;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use authgear_migrate::wire::{GrantRefusal, LegacyTokens, SubjectTokenType};
use axum::http::HeaderMap;

use crate::config::{AccessTokenVerifier, LegacyConfig};
use crate::legacy_jwt::{self, Claims, VerifyError};
use crate::metrics::Metrics;
use cookie::SessionCheck;
use introspection::Introspection;
use refresh::TokenEndpoint;
use userinfo::Userinfo;

pub(crate) use identity::{IdentityError, IdentityRules, LoginId};
pub(crate) use replay_id::replay_id;

/// What a verified credential says.
#[derive(Debug)]
pub(crate) struct Verified {
    pub(crate) claims: Claims,
    /// When the credential expires (seconds since the epoch), when the IdP says.
    pub(crate) expires_at: Option<f64>,
    /// What the replay cache knows the credential by: the same for every encoding of it
    /// ([`replay_id`]).
    pub(crate) replay_id: String,
    /// Where the claims say which legacy application the credential was issued to.
    pub(crate) issued_to: IssuedTo,
}

/// Which claims name the application a credential was issued to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum IssuedTo {
    /// A JWT: `azp`, else `client_id`, else `cid`, else a single `aud`.
    Jwt,
    /// An RFC 7662 answer: `client_id`.
    Introspection,
    /// Userinfo (accepted for any client by configuration) and session checks say nothing.
    Unknown,
}

/// RFC 6750 §2.1 `b64token`: `1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`.
/// Nothing else (no space, tab or line break, inside or around) is a bearer token; the spellings
/// left (padding, a signature's unused bits) are one [`replay_id`].
pub(crate) fn is_b64token(token: &str) -> bool {
    let body = token.trim_end_matches('=');
    !body.is_empty()
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~+/".contains(&b))
}

/// A JWT verifier bound to the audience its kind of token must name.
struct Jwt {
    verifier: Arc<legacy_jwt::Verifier>,
    audience: String,
}

impl Jwt {
    async fn verify(&self, token: &str, now: f64) -> Result<Verified, LegacyError> {
        let claims = self.verifier.verify(token, &self.audience, now).await?;
        Ok(Verified {
            expires_at: claims.expires_at(),
            replay_id: replay_id(token, Some(&claims)),
            claims,
            issued_to: IssuedTo::Jwt,
        })
    }
}

enum AccessVerifier {
    Jwt(Jwt),
    Userinfo(Userinfo),
    Introspection(Introspection),
}

pub(crate) struct Legacy {
    kinds: Vec<SubjectTokenType>,
    jwt: Option<Arc<legacy_jwt::Verifier>>,
    access: Option<AccessVerifier>,
    id_token: Option<Jwt>,
    token_endpoint: Option<TokenEndpoint>,
    session_check: Option<SessionCheck>,
}

impl Legacy {
    pub(crate) fn new(
        config: &LegacyConfig,
        http: &reqwest::Client,
        metrics: &Arc<Metrics>,
    ) -> Self {
        // The configuration never has a JWKS without an issuer (a library caller that removes
        // it gets `NotConfigured`, not unchecked tokens).
        let jwt = config
            .jwt
            .as_ref()
            .zip(config.issuer.as_ref())
            .map(|(jwt, issuer)| {
                Arc::new(legacy_jwt::Verifier::new(
                    jwt,
                    issuer,
                    config.leeway,
                    http.clone(),
                    Arc::clone(metrics),
                ))
            });
        let bound = |audience: Option<&String>| {
            Some(Jwt {
                verifier: Arc::clone(jwt.as_ref()?),
                audience: audience?.clone(),
            })
        };
        let jwt_config = config.jwt.as_ref();
        let access = match &config.access_token_verifier {
            AccessTokenVerifier::Jwt => bound(config.audience.as_ref()).map(AccessVerifier::Jwt),
            AccessTokenVerifier::Userinfo(url) => Some(AccessVerifier::Userinfo(Userinfo::new(
                url.clone(),
                http.clone(),
                Arc::clone(metrics),
            ))),
            AccessTokenVerifier::Introspection(url) => Some(AccessVerifier::Introspection(
                Introspection::new(url.clone(), config, http.clone(), Arc::clone(metrics)),
            )),
        };
        Self {
            kinds: config.credentials.clone(),
            id_token: bound(jwt_config.and_then(|jwt| jwt.id_token_audience.as_ref())),
            jwt,
            access,
            token_endpoint: config.token_url.as_ref().zip(config.client.as_ref()).map(
                |(url, client)| {
                    TokenEndpoint::new(
                        url.clone(),
                        client.clone(),
                        http.clone(),
                        Arc::clone(metrics),
                    )
                },
            ),
            session_check: config
                .session_check
                .as_ref()
                .map(|session| SessionCheck::new(session, http.clone(), Arc::clone(metrics))),
        }
    }

    /// Whether this kind of credential is exchanged.
    pub(crate) fn accepts(&self, kind: SubjectTokenType) -> bool {
        self.kinds.contains(&kind)
    }

    pub(crate) fn jwt(&self) -> Option<&legacy_jwt::Verifier> {
        self.jwt.as_deref()
    }

    /// The IdP URLs the configuration calls, other than the JWKS, for `--check-config`.
    pub(crate) fn endpoints(&self) -> Vec<(&'static str, &url::Url)> {
        let mut urls = Vec::new();
        match &self.access {
            Some(AccessVerifier::Userinfo(userinfo)) => urls.push(("userinfo", userinfo.url())),
            Some(AccessVerifier::Introspection(introspection)) => {
                urls.push(("introspection", introspection.url()));
            }
            _ => {}
        }
        if let Some(token) = &self.token_endpoint {
            urls.push(("token", token.url()));
        }
        if let Some(session) = &self.session_check {
            urls.push(("session check", session.url()));
        }
        urls
    }

    pub(crate) async fn verify_access_token(
        &self,
        token: &str,
        now: f64,
    ) -> Result<Verified, LegacyError> {
        match &self.access {
            Some(AccessVerifier::Jwt(jwt)) => jwt.verify(token, now).await,
            Some(AccessVerifier::Userinfo(userinfo)) => userinfo.verify(token).await,
            Some(AccessVerifier::Introspection(introspection)) => {
                introspection.verify(token, now).await
            }
            None => Err(LegacyError::NotConfigured("access tokens")),
        }
    }

    pub(crate) async fn verify_id_token(
        &self,
        token: &str,
        now: f64,
    ) -> Result<Verified, LegacyError> {
        match &self.id_token {
            Some(jwt) => jwt.verify(token, now).await,
            None => Err(LegacyError::NotConfigured("ID tokens")),
        }
    }

    /// Spends `refresh_token` at the legacy token endpoint: the tokens that replace it.
    pub(crate) async fn redeem(&self, refresh_token: &str) -> Result<LegacyTokens, LegacyError> {
        match &self.token_endpoint {
            Some(endpoint) => endpoint.redeem(refresh_token).await,
            None => Err(LegacyError::NotConfigured("refresh tokens")),
        }
    }

    /// Who the tokens a redeemed refresh token brought belong to: the ID token when one came
    /// and ID tokens can be checked (it carries the profile claims), else the access token.
    pub(crate) async fn verify_redeemed(
        &self,
        tokens: &LegacyTokens,
        now: f64,
    ) -> Result<Verified, LegacyError> {
        if let (Some(id_token), Some(_)) = (&tokens.id_token, &self.id_token) {
            return self.verify_id_token(id_token, now).await;
        }
        match &tokens.access_token {
            Some(access_token) => self.verify_access_token(access_token, now).await,
            None => Err(LegacyError::Misconfigured {
                call: "token",
                detail: "the legacy token endpoint answered no access token".to_owned(),
            }),
        }
    }

    /// The configured session cookies of the request, as the Cookie header forwarded; `None`
    /// unless the request carries every one of them.
    pub(crate) fn session_cookies(&self, headers: &HeaderMap) -> Option<String> {
        self.session_check.as_ref()?.cookies_of(headers)
    }

    pub(crate) async fn check_session(&self, cookies: &str) -> Result<Verified, LegacyError> {
        match &self.session_check {
            Some(session) => session.check(cookies).await,
            None => Err(LegacyError::NotConfigured("session cookies")),
        }
    }
}

/// Why a legacy credential is not exchanged, or cannot be now. Messages never quote it.
#[derive(Debug)]
#[non_exhaustive]
pub(crate) enum LegacyError {
    /// A legacy JWT that does not verify.
    Jwt(VerifyError),
    /// The IdP says the credential is not, or no longer, valid.
    Refused {
        reason: GrantRefusal,
        detail: &'static str,
    },
    /// The IdP cannot answer now.
    Unavailable {
        call: &'static str,
        detail: String,
        retry_after: Option<Duration>,
    },
    /// The IdP's answer means the configuration is wrong (an unknown URL, a refused client).
    Misconfigured { call: &'static str, detail: String },
    /// A verifier the configuration does not set up (ruled out at start; kept for safety).
    NotConfigured(&'static str),
}

impl From<VerifyError> for LegacyError {
    fn from(error: VerifyError) -> Self {
        Self::Jwt(error)
    }
}

impl fmt::Display for LegacyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Jwt(error) => error.fmt(f),
            Self::Refused { detail, .. } => f.write_str(detail),
            Self::Unavailable { call, detail, .. } => {
                write!(
                    f,
                    "the legacy IdP's {call} endpoint cannot answer now: {detail}"
                )
            }
            Self::Misconfigured { call, detail } => {
                write!(f, "the legacy IdP's {call} endpoint: {detail}")
            }
            Self::NotConfigured(what) => write!(f, "no verifier is configured for {what}"),
        }
    }
}

impl std::error::Error for LegacyError {}
