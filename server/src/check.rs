//! `--check-config`: the configuration is valid (or the binary would not get here), and what it
//! points at answers: the shared state, the legacy JWKS (with keys for the allowed
//! algorithms), the Authgear Admin API (with the admin key, and the login ID key), that
//! `createSession` is usable for each client ID (without creating anything), the issuer the
//! apps must accept, and the legacy IdP's other endpoints.
//!
//! Each line is `ok`, `WARN` (works, but something must be set elsewhere) or `FAIL`; the binary
//! exits 1 when any line is `FAIL`.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::authgear::{AdminError, LoginIdKey, Lookup, SessionProbe};
use crate::config::{AccessTokenVerifier, Config};
use crate::upstream::Causes;
use crate::{Endpoint, wire::SubjectTokenType};

/// How a check came out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Status {
    Ok,
    /// Works, but something must be set elsewhere (the detail says what).
    Warn,
    Fail,
}

/// One thing checked.
#[derive(Debug)]
pub struct Check {
    pub name: String,
    pub status: Status,
    pub detail: String,
}

impl Check {
    /// False only for `FAIL`.
    pub fn passed(&self) -> bool {
        self.status != Status::Fail
    }
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mark = match self.status {
            Status::Ok => "ok  ",
            Status::Warn => "WARN",
            Status::Fail => "FAIL",
        };
        write!(f, "{mark} {}: {}", self.name, self.detail)
    }
}

fn check(name: impl Into<String>, result: Result<String, String>) -> Check {
    let (status, detail) = match result {
        Ok(detail) => (Status::Ok, detail),
        Err(detail) => (Status::Fail, detail),
    };
    Check {
        name: name.into(),
        status,
        detail,
    }
}

fn warning(name: impl Into<String>, detail: String) -> Check {
    Check {
        name: name.into(),
        status: Status::Warn,
        detail,
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |now| now.as_secs())
}

impl Endpoint {
    /// Reaches everything the configuration names. Each check says what it found.
    pub async fn check(&self) -> Vec<Check> {
        let exchange = &self.shared.exchange;
        let mut checks = Vec::new();

        let store = exchange.store.kind();
        checks.push(check(
            format!("shared state ({store})"),
            match exchange.store.ping().await {
                Ok(()) if store == "memory" => {
                    Ok("in this process: one instance only (set REDIS_URL for more)".to_owned())
                }
                Ok(()) => Ok("Redis answers PING".to_owned()),
                Err(error) => Err(error.to_string()),
            },
        ));

        checks.push(crate::progress::check(exchange, self.imported_users).await);

        if let Some(jwt) = exchange.legacy.jwt() {
            checks.push(check(
                "legacy JWKS (LEGACY_JWKS_URL)",
                match jwt.key_set().await {
                    Ok(keys) => {
                        let usable: Vec<String> = jwt
                            .algorithms()
                            .iter()
                            .map(|alg| format!("{} for {alg}", keys.count_for(*alg)))
                            .collect();
                        let total: usize = jwt
                            .algorithms()
                            .iter()
                            .map(|alg| keys.count_for(*alg))
                            .sum();
                        let found = format!("keys: {}", usable.join(", "));
                        if total == 0 {
                            Err(format!("{found}: none fits LEGACY_ALGORITHMS"))
                        } else {
                            Ok(found)
                        }
                    }
                    Err(error) => Err(error.to_string()),
                },
            ));
        }

        for &key in &self.login_id_keys {
            checks.push(check(
                format!("Authgear Admin API (AUTHGEAR_ENDPOINT, admin key, login ID key `{key}`)"),
                self.check_admin_api(key).await,
            ));
        }
        for client_id in self.shared.exchange.authgear.client_ids() {
            checks.push(check(
                format!("Authgear createSession for client `{client_id}` (AUTHGEAR_CLIENT_IDS)"),
                self.check_create_session(client_id).await,
            ));
        }
        checks.push(self.check_issuer());

        for (name, url) in exchange.legacy.endpoints() {
            checks.push(check(
                format!("legacy {name} endpoint {url}"),
                reachable(url).await,
            ));
        }
        checks
    }

    async fn check_admin_api(&self, key: LoginIdKey) -> Result<String, String> {
        let authgear = &self.shared.exchange.authgear;
        // A login ID nobody has, valid for its kind, so that Authgear looks it up.
        let probe = match key {
            LoginIdKey::Email => "authgear-migrate-check@example.com",
            LoginIdKey::Phone => "+14155550100",
            LoginIdKey::Username => "authgear-migrate-check",
        };
        let slot = authgear.slot().await.map_err(|error| error.to_string())?;
        match authgear.user_by_login_id(&slot, key, probe, now()).await {
            Ok(Lookup::Found(_) | Lookup::Nobody | Lookup::Unusable) => Ok(format!(
                "getUserByLoginID answers for login ID key `{key}` with the admin JWT"
            )),
            Err(error @ AdminError::KeyRefused { .. }) => Err(error.to_string()),
            Err(error) => Err(error.to_string()),
        }
    }

    /// A `createSession` for a user who does not exist must be refused with "user not found":
    /// every check before that one passed, and nothing was created.
    async fn check_create_session(&self, client_id: &str) -> Result<String, String> {
        let authgear = &self.shared.exchange.authgear;
        let slot = authgear.slot().await.map_err(|error| error.to_string())?;
        let probe = authgear
            .probe_create_session(&slot, client_id, now())
            .await
            .map_err(|error| error.to_string())?;
        match probe {
            SessionProbe::Usable => Ok(
                "usable: a session for a user who does not exist is refused as \"user not \
                 found\", so the feature is on and the client is first-party"
                    .to_owned(),
            ),
            SessionProbe::FeatureDisabled => Err(
                "Authgear answers \"CreateSession is disabled\": the project's feature \
                 admin_api.create_session_enabled is off (the default); ask Authgear support to \
                 turn it on"
                    .to_owned(),
            ),
            SessionProbe::UnknownClient => Err(format!(
                "Authgear answers \"invalid client ID\": the project has no client `{client_id}`; \
                 copy the client ID from the portal (Applications)"
            )),
            SessionProbe::NotFirstParty => Err(format!(
                "Authgear answers \"cannot create session for non-first party client\": \
                 `{client_id}` is a third-party client; name the app's own (first-party) client"
            )),
            SessionProbe::Created => Err(
                "Authgear created a session for the nil user ID, which no user should have: \
                 revoke it in the portal"
                    .to_owned(),
            ),
        }
    }

    /// The issuer the apps must accept. A JWT access token's `iss` is the origin the Admin API
    /// was called at (authgear-server pkg/lib/oauth/oidc/id_token.go `Iss()`, from the request
    /// host), not the custom domain the apps' SDK uses.
    fn check_issuer(&self) -> Check {
        const NAME: &str = "Authgear issuer (AUTHGEAR_ENDPOINT, AUTHGEAR_PUBLIC_ENDPOINT)";
        let (admin, public) = self.shared.exchange.authgear.origins();
        if admin == public {
            return check(
                NAME,
                Ok(format!(
                    "the apps and the Admin API use {admin}: a JWT access token's `iss` is the \
                     apps' authgear.endpoint"
                )),
            );
        }
        warning(
            NAME,
            format!(
                "the apps use {public} but the Admin API is called at {admin}, so a JWT access \
                 token from createSession has `iss` {admin}: set `authgear.issuer: \"{admin}\"` \
                 in the apps' migrateSession options (opaque access tokens, Authgear's default, \
                 carry no issuer to check)"
            ),
        )
    }
}

/// Any HTTP answer below 500 means the URL is served (a request without credentials is
/// expected to be refused).
async fn reachable(url: &url::Url) -> Result<String, String> {
    let http = crate::upstream::client();
    match http.get(url.clone()).send().await {
        Ok(response) if !response.status().is_server_error() => Ok(format!(
            "answers (HTTP {} without credentials)",
            response.status().as_u16()
        )),
        Ok(response) => Err(format!("HTTP {}", response.status())),
        Err(error) => Err(format!("unreachable ({})", Causes(&error))),
    }
}

impl Config {
    /// Settings that are valid but leave a door open, one line each naming the risk.
    pub fn warnings(&self) -> Vec<String> {
        let legacy = &self.legacy;
        let mut warnings = Vec::new();
        if !legacy.require_verified {
            warnings.push(
                "LEGACY_REQUIRE_VERIFIED=false: an email or phone number the legacy IdP did not \
                 verify finds the Authgear user who owns it; anyone who can put that address in \
                 their own legacy token takes over that account (no user is ever created from one)"
                    .to_owned(),
            );
        }
        let flagless: Vec<&str> = legacy
            .login_ids
            .iter()
            .filter(|source| source.verified_claim().is_none())
            .map(|source| source.claim.as_str())
            .collect();
        if !flagless.is_empty() && legacy.subject_binding.is_none() {
            warnings.push(format!(
                "login ID claim `{}` has no verified flag and LEGACY_SUBJECT_ATTRIBUTE is unset: \
                 a user who can change that claim at the legacy IdP can take over the account \
                 of whoever has the new value",
                flagless.join("`, `")
            ));
        }
        if legacy.subject_binding.is_none() {
            warnings.push(
                "LEGACY_SUBJECT_ATTRIBUTE is unset: a verified login ID alone picks the Authgear \
                 user; an address that moved between legacy accounts picks its new owner"
                    .to_owned(),
            );
        }
        if legacy
            .subject_binding
            .as_ref()
            .is_some_and(|binding| binding.when_present)
        {
            warnings.push(
                "LEGACY_SUBJECT_BINDING=when-present: users imported without the subject \
                 attribute are found by login ID alone"
                    .to_owned(),
            );
        }
        let tokens = legacy.credentials.iter().any(|kind| {
            matches!(
                kind,
                SubjectTokenType::AccessToken
                    | SubjectTokenType::IdToken
                    | SubjectTokenType::RefreshToken
            )
        });
        if tokens && legacy.allowed_client_ids.is_empty() {
            warnings.push(
                "LEGACY_ALLOWED_CLIENT_IDS is unset: a token any application of the legacy tenant \
                 received becomes a first-party Authgear session"
                    .to_owned(),
            );
        }
        if matches!(
            legacy.access_token_verifier,
            AccessTokenVerifier::Userinfo(_)
        ) {
            warnings.push(
                "LEGACY_ACCESS_TOKEN_VERIFIER=userinfo: userinfo checks neither audience nor \
                 client; an access token of any application of the tenant is exchanged"
                    .to_owned(),
            );
        }
        if self.allow_insecure_upstreams {
            warnings.push(
                "ALLOW_INSECURE_UPSTREAMS=true: tokens and the admin JWT may travel in plain \
                 text; for development only"
                    .to_owned(),
            );
        }
        warnings
    }
}
