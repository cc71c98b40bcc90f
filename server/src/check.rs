//! `--check-config`: the configuration is valid (or the binary would not get here), and what it
//! points at answers: the shared state, the legacy JWKS (with keys for the allowed
//! algorithms), the Authgear Admin API (with the admin key, and the login ID key), and the
//! legacy IdP's other endpoints.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::authgear::{AdminError, LoginIdKey, Lookup};
use crate::config::{AccessTokenVerifier, Config};
use crate::upstream::Causes;
use crate::{Endpoint, wire::SubjectTokenType};

/// One thing checked.
#[derive(Debug)]
pub struct Check {
    pub name: String,
    pub ok: bool,
    pub detail: String,
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mark = if self.ok { "ok  " } else { "FAIL" };
        write!(f, "{mark} {}: {}", self.name, self.detail)
    }
}

fn check(name: impl Into<String>, result: Result<String, String>) -> Check {
    let (ok, detail) = match result {
        Ok(detail) => (true, detail),
        Err(detail) => (false, detail),
    };
    Check {
        name: name.into(),
        ok,
        detail,
    }
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
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |now| now.as_secs());
        let slot = authgear.slot().await.map_err(|error| error.to_string())?;
        match authgear.user_by_login_id(&slot, key, probe, now).await {
            Ok(Lookup::Found(_) | Lookup::Nobody | Lookup::Unusable) => Ok(format!(
                "getUserByLoginID answers for login ID key `{key}` with the admin JWT"
            )),
            Err(error @ AdminError::KeyRefused { .. }) => Err(error.to_string()),
            Err(error) => Err(error.to_string()),
        }
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
