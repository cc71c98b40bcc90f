//! The rolling migration's settings: the Authgear webhook receiver and the legacy provisioning
//! target that users who sign up on Authgear are copied to (so that old app versions, still
//! signing in at the legacy system, find their account).

use std::fmt;

use url::Url;

use super::parse::{ConfigError, Vars, parse_http_url};

/// Where new Authgear users are provisioned, and how they are heard of.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct RollingConfig {
    /// The receiver of Authgear's `user.created` webhooks; `None` when
    /// `AUTHGEAR_WEBHOOK_SECRET` is unset.
    pub webhook: Option<WebhookConfig>,
    /// `None` when no target is configured (then neither the receiver nor `reconcile` runs).
    pub target: Option<ProvisionTarget>,
}

impl RollingConfig {
    /// The upstreams secrets and user data travel to, for the one TLS rule of `config`.
    pub(crate) fn upstreams(&self) -> Vec<(&'static str, &Url)> {
        match &self.target {
            Some(ProvisionTarget::Generic { url, .. }) => vec![("LEGACY_PROVISION_URL", url)],
            Some(ProvisionTarget::Auth0(auth0)) => vec![("AUTH0_DOMAIN", &auth0.domain)],
            None => Vec::new(),
        }
    }
}

#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct WebhookConfig {
    /// `AUTHGEAR_WEBHOOK_SECRET`: the key of `x-authgear-body-signature`.
    pub secret: Secret,
    /// `WEBHOOK_PATH`, default `/authgear-events`.
    pub path: String,
}

/// The legacy system's side of provisioning (`LEGACY_PROVISION_TARGET`).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum ProvisionTarget {
    /// A home-made legacy backend implementing the documented contract.
    Generic { url: Url, secret: Secret },
    /// Auth0's Management API, with a machine-to-machine application's client credentials.
    Auth0(Auth0Target),
}

#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Auth0Target {
    /// `AUTH0_DOMAIN`: `https://<tenant>.auth0.com` (a bare host means https).
    pub domain: Url,
    pub client_id: String,
    pub client_secret: Secret,
    /// `AUTH0_CONNECTION`, default `Username-Password-Authentication`.
    pub connection: String,
    /// `AUTH0_AUDIENCE`, default `<domain>/api/v2/`.
    pub audience: String,
}

/// A secret setting: compared and used, never printed.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub(crate) fn expose(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(…)")
    }
}

const DEFAULT_WEBHOOK_PATH: &str = "/authgear-events";
const DEFAULT_AUTH0_CONNECTION: &str = "Username-Password-Authentication";
/// HMAC keys shorter than this are guessable offline from one signed request.
const MIN_SECRET_CHARS: usize = 16;

const EXPECT_WEBHOOK_SECRET: &str = "the webhook signature secret Authgear's portal shows under \
     Advanced > Hooks (self-hosted: the base64url-decoded `k` of the `webhook` key)";
const EXPECT_WEBHOOK_PATH: &str = "an absolute path such as /authgear-events";
const EXPECT_TARGET: &str = "generic or auth0";
const EXPECT_PROVISION_URL: &str =
    "the legacy backend's provisioning URL (https, or http on loopback)";
const EXPECT_PROVISION_SECRET: &str =
    "a shared secret of at least 16 characters for x-authgear-migrate-signature";
const EXPECT_AUTH0_DOMAIN: &str = "the Auth0 tenant's domain such as myapp.us.auth0.com";
const EXPECT_AUTH0_CLIENT: &str = "the client ID of an Auth0 machine-to-machine application \
     allowed the Management API scope create:users";
const EXPECT_AUTH0_SECRET: &str = "that application's client secret";
const EXPECT_AUTH0_CONNECTION: &str = "the Auth0 database connection's name";
const EXPECT_AUTH0_AUDIENCE: &str = "the Management API's identifier, https://<domain>/api/v2/";

pub(super) fn read<F: Fn(&str) -> Option<String>>(
    vars: &Vars<F>,
) -> Result<RollingConfig, ConfigError> {
    let target = target(vars)?;
    let webhook = match vars.parsed("AUTHGEAR_WEBHOOK_SECRET", EXPECT_WEBHOOK_SECRET, secret)? {
        None => None,
        Some(secret) => {
            if target.is_none() {
                return Err(ConfigError::Needed {
                    variable: "LEGACY_PROVISION_URL",
                    expected: EXPECT_PROVISION_URL,
                    because: "AUTHGEAR_WEBHOOK_SECRET turns the webhook receiver on, and it \
                              provisions new users there (or set AUTH0_DOMAIN)"
                        .to_owned(),
                });
            }
            let path = vars
                .parsed("WEBHOOK_PATH", EXPECT_WEBHOOK_PATH, parse_path)?
                .unwrap_or_else(|| DEFAULT_WEBHOOK_PATH.to_owned());
            Some(WebhookConfig { secret, path })
        }
    };
    Ok(RollingConfig { webhook, target })
}

fn target<F: Fn(&str) -> Option<String>>(
    vars: &Vars<F>,
) -> Result<Option<ProvisionTarget>, ConfigError> {
    let named = vars.parsed(
        "LEGACY_PROVISION_TARGET",
        EXPECT_TARGET,
        |text| match text {
            "generic" | "auth0" => Ok(text.to_owned()),
            _ => Err(format!("got `{text}`")),
        },
    )?;
    let kind = match named.as_deref() {
        Some(kind) => kind,
        None => match (
            vars.is_set("LEGACY_PROVISION_URL"),
            vars.is_set("AUTH0_DOMAIN"),
        ) {
            (true, true) => {
                return Err(ConfigError::Conflict {
                    variable: "LEGACY_PROVISION_URL",
                    other: "AUTH0_DOMAIN",
                });
            }
            (true, false) => "generic",
            (false, true) => "auth0",
            (false, false) => return Ok(None),
        },
    };
    let because = |kind: &str| format!("LEGACY_PROVISION_TARGET is {kind}");
    Ok(Some(if kind == "generic" {
        ProvisionTarget::Generic {
            url: vars.required_by(
                "LEGACY_PROVISION_URL",
                EXPECT_PROVISION_URL,
                &because(kind),
                parse_http_url,
            )?,
            secret: vars.required_by(
                "LEGACY_PROVISION_SECRET",
                EXPECT_PROVISION_SECRET,
                "LEGACY_PROVISION_URL is set: every call is signed",
                secret,
            )?,
        }
    } else {
        let domain = vars.required_by(
            "AUTH0_DOMAIN",
            EXPECT_AUTH0_DOMAIN,
            &because(kind),
            parse_auth0_domain,
        )?;
        let audience = vars
            .parsed("AUTH0_AUDIENCE", EXPECT_AUTH0_AUDIENCE, |text| {
                Ok(text.to_owned())
            })?
            .unwrap_or_else(|| format!("{}/api/v2/", domain.as_str().trim_end_matches('/')));
        ProvisionTarget::Auth0(Auth0Target {
            client_id: vars.required_by(
                "AUTH0_CLIENT_ID",
                EXPECT_AUTH0_CLIENT,
                "AUTH0_DOMAIN is set",
                |text| Ok(text.to_owned()),
            )?,
            client_secret: vars.required_by(
                "AUTH0_CLIENT_SECRET",
                EXPECT_AUTH0_SECRET,
                "AUTH0_DOMAIN is set",
                |text| Ok(Secret(text.to_owned())),
            )?,
            connection: vars
                .parsed("AUTH0_CONNECTION", EXPECT_AUTH0_CONNECTION, |text| {
                    Ok(text.to_owned())
                })?
                .unwrap_or_else(|| DEFAULT_AUTH0_CONNECTION.to_owned()),
            audience,
            domain,
        })
    }))
}

fn secret(text: &str) -> Result<Secret, String> {
    // Never echo the value: say only what is wrong with it.
    if text.chars().count() < MIN_SECRET_CHARS {
        return Err(format!("it is shorter than {MIN_SECRET_CHARS} characters"));
    }
    Ok(Secret(text.to_owned()))
}

fn parse_path(path: &str) -> Result<String, String> {
    let literal = path.starts_with('/')
        && path.len() > 1
        && !path.ends_with('/')
        && !path.contains(['{', '}', '*', '?', '#']);
    if !literal || ["/healthz", "/metrics"].contains(&path) {
        return Err(format!("got `{path}`"));
    }
    Ok(path.to_owned())
}

fn parse_auth0_domain(text: &str) -> Result<Url, String> {
    let with_scheme = if text.contains("://") {
        text.to_owned()
    } else {
        format!("https://{text}")
    };
    let url = parse_http_url(&with_scheme)?;
    if url.path() != "/" || url.query().is_some() {
        return Err(format!("got `{text}`, which is more than a domain"));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn read_from(pairs: &[(&str, &str)]) -> Result<RollingConfig, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
            .collect();
        read(&Vars(|name: &str| map.get(name).cloned()))
    }

    #[test]
    fn nothing_set_turns_nothing_on() {
        let config = read_from(&[]).unwrap();
        assert!(config.webhook.is_none() && config.target.is_none());
    }

    #[test]
    fn a_webhook_needs_a_target_and_a_long_secret() {
        let error = read_from(&[("AUTHGEAR_WEBHOOK_SECRET", "0123456789abcdef")]).unwrap_err();
        assert_eq!(error.variable(), "LEGACY_PROVISION_URL");
        let error = read_from(&[
            ("AUTHGEAR_WEBHOOK_SECRET", "short-secret"),
            ("LEGACY_PROVISION_URL", "https://legacy.example/provision"),
            ("LEGACY_PROVISION_SECRET", "0123456789abcdef"),
        ])
        .unwrap_err();
        assert_eq!(error.variable(), "AUTHGEAR_WEBHOOK_SECRET");
        assert!(!error.to_string().contains("short-secret"));
    }

    #[test]
    fn the_generic_target_is_signed_and_held_to_the_tls_rule() {
        let error = read_from(&[("LEGACY_PROVISION_URL", "https://legacy.example/p")]).unwrap_err();
        assert_eq!(error.variable(), "LEGACY_PROVISION_SECRET");
        // Plain http abroad is refused by the one rule for every upstream (tests/config.rs).
        let abroad = read_from(&[
            ("LEGACY_PROVISION_URL", "http://legacy.example/p"),
            ("LEGACY_PROVISION_SECRET", "0123456789abcdef"),
        ])
        .unwrap();
        let listed = abroad.upstreams();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].0, "LEGACY_PROVISION_URL");
        let config = read_from(&[
            ("AUTHGEAR_WEBHOOK_SECRET", "0123456789abcdef"),
            ("LEGACY_PROVISION_URL", "http://127.0.0.1:9/p"),
            ("LEGACY_PROVISION_SECRET", "0123456789abcdef"),
        ])
        .unwrap();
        assert_eq!(config.webhook.unwrap().path, "/authgear-events");
        assert!(format!("{:?}", config.target).contains("Secret(…)"));
    }

    #[test]
    fn auth0_takes_a_bare_domain_and_defaults() {
        let config = read_from(&[
            ("AUTH0_DOMAIN", "myapp.us.auth0.com"),
            ("AUTH0_CLIENT_ID", "m2m"),
            ("AUTH0_CLIENT_SECRET", "s3cret"),
        ])
        .unwrap();
        let Some(ProvisionTarget::Auth0(auth0)) = config.target else {
            panic!("not auth0");
        };
        assert_eq!(auth0.domain.as_str(), "https://myapp.us.auth0.com/");
        assert_eq!(auth0.audience, "https://myapp.us.auth0.com/api/v2/");
        assert_eq!(auth0.connection, "Username-Password-Authentication");
        let error = read_from(&[
            ("AUTH0_DOMAIN", "myapp.us.auth0.com"),
            ("LEGACY_PROVISION_URL", "https://legacy.example/p"),
        ])
        .unwrap_err();
        assert_eq!(error.variable(), "LEGACY_PROVISION_URL");
        let error = read_from(&[("LEGACY_PROVISION_TARGET", "okta")]).unwrap_err();
        assert_eq!(error.variable(), "LEGACY_PROVISION_TARGET");
    }
}
