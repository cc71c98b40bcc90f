//! An access token checked by RFC 7662 introspection: the IdP says whether it is `active`, and
//! what it knows about it.
//!
//! The endpoint authenticates as the legacy client when `LEGACY_CLIENT_ID` is set (HTTP Basic
//! with `LEGACY_CLIENT_SECRET`, else `client_id` in the form); without it, the call carries no
//! client authentication, for IdPs that take none. `iss`, when the answer has it, is checked as a JWT's would
//! be; `aud` must be there and name `LEGACY_AUDIENCE` when that is set; `exp` with the leeway.
//! The answer's `client_id` is checked against `LEGACY_ALLOWED_CLIENT_IDS` by the exchange.

use std::sync::Arc;
use std::time::Duration;

use authgear_migrate::wire::GrantRefusal;
use reqwest::StatusCode;
use reqwest::header::ACCEPT;
use serde_json::Value;
use url::Url;

use super::call::{self, unexpected};
use super::{IssuedTo, LegacyError, Verified, replay_id};
use crate::config::{LegacyClient, LegacyConfig};
use crate::legacy_jwt::Claims;
use crate::metrics::Metrics;

const CALL: &str = "introspection";

pub(super) struct Introspection {
    url: Url,
    client: Option<LegacyClient>,
    issuer: Option<String>,
    audience: Option<String>,
    leeway: Duration,
    http: reqwest::Client,
    metrics: Arc<Metrics>,
}

impl Introspection {
    pub(super) fn new(
        url: Url,
        config: &LegacyConfig,
        http: reqwest::Client,
        metrics: Arc<Metrics>,
    ) -> Self {
        Self {
            url,
            client: config.client.clone(),
            issuer: config.issuer.clone(),
            audience: config.audience.clone(),
            leeway: config.leeway,
            http,
            metrics,
        }
    }

    pub(super) fn url(&self) -> &Url {
        &self.url
    }

    pub(super) async fn verify(&self, token: &str, now: f64) -> Result<Verified, LegacyError> {
        let mut form = vec![("token", token), ("token_type_hint", "access_token")];
        let mut request = self
            .http
            .post(self.url.clone())
            .header(ACCEPT, "application/json");
        if let Some(client) = &self.client {
            match &client.secret {
                Some(secret) => request = request.basic_auth(&client.id, Some(secret)),
                None => form.push(("client_id", &client.id)),
            }
        }
        let answer = call::send(request.form(&form), CALL, &self.metrics).await?;
        if answer.status != StatusCode::OK {
            // §2.3: 401 when the endpoint refuses *us*; nothing here is about the token.
            return Err(unexpected(CALL, &answer));
        }
        let claims = answer.object(CALL)?;
        let refused = |reason, detail| Err(LegacyError::Refused { reason, detail });
        if claims.get("active") != Some(&Value::Bool(true)) {
            return refused(
                GrantRefusal::Invalid,
                "the legacy IdP says the token is not active",
            );
        }
        // A refresh token is exchanged as one (spent at the token endpoint), never as an
        // access token that would leave it usable.
        if let Some(kind) = claims.get("token_type").and_then(Value::as_str) {
            if kind.contains("refresh") {
                return refused(
                    GrantRefusal::Invalid,
                    "the legacy IdP says the token is a refresh token",
                );
            }
        }
        if let (Some(issuer), Some(iss)) = (&self.issuer, claims.get("iss")) {
            if iss.as_str() != Some(issuer.as_str()) {
                return refused(
                    GrantRefusal::Invalid,
                    "the legacy token's `iss` is not the expected issuer",
                );
            }
        }
        if let Some(audience) = &self.audience {
            // Absent is not "any": a token for another resource server must not pass.
            let names = match claims.get("aud") {
                Some(Value::String(aud)) => aud == audience,
                Some(Value::Array(auds)) => auds.iter().any(|aud| aud.as_str() == Some(audience)),
                _ => false,
            };
            if !names {
                return refused(
                    GrantRefusal::Invalid,
                    "the legacy token's `aud` does not name the expected audience",
                );
            }
        }
        let claims = Claims::from_object(claims);
        if let Some(exp) = claims.expires_at() {
            if now >= exp + self.leeway.as_secs_f64() {
                return refused(GrantRefusal::Expired, "the legacy token has expired");
            }
        }
        Ok(Verified {
            expires_at: claims.expires_at(),
            replay_id: replay_id(token, Some(&claims)),
            claims,
            issued_to: IssuedTo::Introspection,
        })
    }
}
