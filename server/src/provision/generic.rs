//! The generic target: the contract a home-made legacy backend implements (server/README.md,
//! "Rolling migration").
//!
//! `POST LEGACY_PROVISION_URL`, `Content-Type: application/json`, the body [`NewUser`] (absent
//! attributes left out), and `x-authgear-migrate-signature`: the lowercase hex HMAC-SHA256 of the
//! exact body bytes under `LEGACY_PROVISION_SECRET`. Any 2xx means created, 409 means the user
//! is there already; 429 and 5xx are retried; any other status is a refusal.

use reqwest::header::CONTENT_TYPE;
use url::Url;

use super::{AttemptError, NewUser, Provisioned};
use crate::config::Secret;
use crate::digest::hmac_sha256_hex;

pub(crate) const SIGNATURE_HEADER: &str = "x-authgear-migrate-signature";

pub(super) struct Generic {
    url: Url,
    secret: Secret,
    http: reqwest::Client,
}

impl Generic {
    pub(super) fn new(url: Url, secret: Secret, http: reqwest::Client) -> Self {
        Self { url, secret, http }
    }

    pub(super) async fn provision(&self, user: &NewUser) -> Result<Provisioned, AttemptError> {
        let body = serde_json::to_vec(user).expect("a NewUser serializes");
        let signature = hmac_sha256_hex(self.secret.expose(), &body);
        let response = self
            .http
            .post(self.url.clone())
            .header(CONTENT_TYPE, "application/json")
            .header(SIGNATURE_HEADER, signature)
            .body(body)
            .send()
            .await
            .map_err(|error| AttemptError::unreachable(&error))?;
        match response.status().as_u16() {
            200..=299 => Ok(Provisioned::Created),
            409 => Ok(Provisioned::AlreadyThere),
            // The backend's body is not read into logs: it may echo the user's data.
            _ => Err(AttemptError::of_status(&response, || {
                "check LEGACY_PROVISION_URL, LEGACY_PROVISION_SECRET and the backend's contract"
                    .to_owned()
            })),
        }
    }
}
