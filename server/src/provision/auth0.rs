//! The Auth0 target: the Management API's `POST /api/v2/users` with a token from the client
//! credentials grant (`POST /oauth/token`, `audience` = the Management API), as Auth0's
//! Management API and Authentication API references describe them.
//!
//! The user is created in the configured database connection with `email`, `email_verified`
//! (as Authgear has it), `verify_email: false` (Authgear verified, or will verify, the address:
//! Auth0 must not mail the user about an account they did not ask for), a random password that
//! nobody ever sees (the old app's "forgot password" sets a real one), and the Authgear user ID
//! in `app_metadata.authgear_user_id`. Auth0 answers 409 when the connection has the user:
//! that is done as well.

use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::StatusCode;
use reqwest::header::AUTHORIZATION;
use ring::rand::{SecureRandom as _, SystemRandom};
use serde::Deserialize;
use serde_json::json;
use tokio::sync::Mutex;

use super::{AttemptError, NewUser, ProvisionError, Provisioned};
use crate::config::Auth0Target;
use crate::upstream;

/// A token is replaced this long before Auth0 said it expires.
const RENEW_BEFORE: Duration = Duration::from_secs(60);
/// Auth0's error answers are small JSON objects.
const MAX_ERROR_BYTES: usize = 16 * 1024;

pub(super) struct Auth0 {
    config: Auth0Target,
    http: reqwest::Client,
    token: Mutex<Option<(String, Instant)>>,
}

/// Auth0's error body: `{"statusCode", "error", "message", "errorCode"}` from the Management
/// API, `{"error", "error_description"}` from `/oauth/token`. Only the codes reach logs: the
/// messages may quote the user's data.
#[derive(Default, Deserialize)]
struct Auth0Error {
    #[serde(rename = "errorCode")]
    error_code: Option<String>,
    error: Option<String>,
}

impl Auth0 {
    pub(super) fn new(config: Auth0Target, http: reqwest::Client) -> Self {
        Self {
            config,
            http,
            token: Mutex::new(None),
        }
    }

    fn url(&self, path: &str) -> String {
        format!(
            "{}{path}",
            self.config.domain.as_str().trim_end_matches('/')
        )
    }

    pub(super) async fn provision(&self, user: &NewUser) -> Result<Provisioned, AttemptError> {
        let Some(email) = &user.email else {
            return Err(AttemptError::Final(ProvisionError::Unsuitable(
                "an Auth0 database connection needs an email address, and the user has none",
            )));
        };
        let token = self.token().await?;
        let body = json!({
            "connection": self.config.connection,
            "email": email,
            "email_verified": user.email_verified.unwrap_or(false),
            "verify_email": false,
            "password": unseen_password(),
            "app_metadata": { "authgear_user_id": user.authgear_user_id },
        });
        let response = self
            .http
            .post(self.url("/api/v2/users"))
            .header(AUTHORIZATION, format!("Bearer {token}"))
            .json(&body)
            .send()
            .await
            .map_err(|error| AttemptError::unreachable(&error))?;
        match response.status() {
            StatusCode::CREATED | StatusCode::OK => Ok(Provisioned::Created),
            StatusCode::CONFLICT => Ok(Provisioned::AlreadyThere),
            // The token was revoked or expired early: the next attempt gets a new one.
            StatusCode::UNAUTHORIZED => {
                *self.token.lock().await = None;
                Err(AttemptError::Transient {
                    cause: "Auth0 refused the Management API token (HTTP 401)".to_owned(),
                    retry_after: None,
                })
            }
            _ => Err(Self::error_of(response).await),
        }
    }

    /// A Management API token, from the cache while it lives.
    async fn token(&self) -> Result<String, AttemptError> {
        let mut cached = self.token.lock().await;
        if let Some((token, renew_at)) = cached.as_ref() {
            if Instant::now() < *renew_at {
                return Ok(token.clone());
            }
        }
        #[derive(Deserialize)]
        struct Granted {
            access_token: String,
            expires_in: u64,
        }
        let response = self
            .http
            .post(self.url("/oauth/token"))
            .json(&json!({
                "grant_type": "client_credentials",
                "client_id": self.config.client_id,
                "client_secret": String::from_utf8_lossy(self.config.client_secret.expose()),
                "audience": self.config.audience,
            }))
            .send()
            .await
            .map_err(|error| AttemptError::unreachable(&error))?;
        if response.status() != StatusCode::OK {
            return Err(Self::error_of(response).await);
        }
        let body = upstream::read_body(response, MAX_ERROR_BYTES)
            .await
            .map_err(|error| AttemptError::Transient {
                cause: error.to_string(),
                retry_after: None,
            })?;
        let granted: Granted = serde_json::from_slice(&body).map_err(|_| {
            AttemptError::Final(ProvisionError::Refused {
                status: 200,
                what: "Auth0's /oauth/token answer has no access_token and expires_in".to_owned(),
            })
        })?;
        let lifetime = Duration::from_secs(granted.expires_in).saturating_sub(RENEW_BEFORE);
        *cached = Some((granted.access_token.clone(), Instant::now() + lifetime));
        Ok(granted.access_token)
    }

    /// The failure an answer stands for, with Auth0's error code.
    async fn error_of(response: reqwest::Response) -> AttemptError {
        let status = response.status();
        if status.as_u16() == 429 || status.is_server_error() {
            return AttemptError::of_status(&response, String::new);
        }
        let body = upstream::read_body(response, MAX_ERROR_BYTES)
            .await
            .unwrap_or_default();
        let error: Auth0Error = serde_json::from_slice(&body).unwrap_or_default();
        let code = error
            .error_code
            .or(error.error)
            .unwrap_or_else(|| "no error code".to_owned());
        let hint = match status.as_u16() {
            400 => "check AUTH0_CONNECTION and the connection's password policy",
            401 | 403 => {
                "check AUTH0_CLIENT_ID, AUTH0_CLIENT_SECRET, AUTH0_AUDIENCE and that the \
                 application may use the create:users scope"
            }
            _ => "check AUTH0_DOMAIN",
        };
        AttemptError::Final(ProvisionError::Refused {
            status: status.as_u16(),
            what: format!("Auth0 error `{code}`: {hint}"),
        })
    }
}

/// 24 random bytes, base64url, and one character of each class a strict Auth0 password policy
/// asks for. Never stored, never logged, never shown.
fn unseen_password() -> String {
    let mut bytes = [0u8; 24];
    SystemRandom::new()
        .fill(&mut bytes)
        .expect("the system RNG works");
    format!("{}aZ7!", URL_SAFE_NO_PAD.encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unseen_passwords_are_new_each_time_and_strong() {
        let (one, two) = (unseen_password(), unseen_password());
        assert_ne!(one, two);
        assert!(one.len() >= 32 && one.len() <= 72);
        assert!(one.chars().any(|c| c.is_ascii_uppercase()));
        assert!(one.chars().any(|c| c.is_ascii_lowercase()));
        assert!(one.chars().any(|c| c.is_ascii_digit()));
        assert!(one.contains('!'));
    }
}
