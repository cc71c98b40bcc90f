//! A legacy refresh token, redeemed at the legacy token endpoint (RFC 6749 §6).
//!
//! Redeeming spends a rotating refresh token: the tokens that come back are then the user's only
//! legacy session. Whatever happens after, they go back to the client (`legacy_session`) unless
//! the exchange succeeds.

use std::sync::Arc;

use authgear_migrate::wire::{GrantRefusal, LegacyTokens};
use reqwest::StatusCode;
use reqwest::header::ACCEPT;
use serde::Deserialize;
use url::Url;

use super::LegacyError;
use super::call::{self, unexpected};
use crate::config::LegacyClient;
use crate::metrics::Metrics;

const CALL: &str = "token";

pub(super) struct TokenEndpoint {
    url: Url,
    client: LegacyClient,
    http: reqwest::Client,
    metrics: Arc<Metrics>,
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: Option<String>,
    refresh_token: Option<String>,
    id_token: Option<String>,
}

impl TokenEndpoint {
    pub(super) fn new(
        url: Url,
        client: LegacyClient,
        http: reqwest::Client,
        metrics: Arc<Metrics>,
    ) -> Self {
        Self {
            url,
            client,
            http,
            metrics,
        }
    }

    pub(super) fn url(&self) -> &Url {
        &self.url
    }

    pub(super) async fn redeem(&self, refresh_token: &str) -> Result<LegacyTokens, LegacyError> {
        let form = [
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
            ("client_id", self.client.id.as_str()),
        ];
        let mut request = self
            .http
            .post(self.url.clone())
            .header(ACCEPT, "application/json")
            .form(&form);
        if let Some(secret) = &self.client.secret {
            request = request.basic_auth(&self.client.id, Some(secret));
        }
        let answer = call::send(request, CALL, &self.metrics).await?;
        match answer.status {
            StatusCode::OK => {
                let tokens: TokenAnswer = serde_json::from_value(answer.object(CALL)?.into())
                    .map_err(|_| LegacyError::Misconfigured {
                        call: CALL,
                        detail: "the answer is not a token response".to_owned(),
                    })?;
                if tokens.access_token.is_none() && tokens.id_token.is_none() {
                    return Err(LegacyError::Misconfigured {
                        call: CALL,
                        detail: "the answer has neither an access token nor an ID token".to_owned(),
                    });
                }
                Ok(LegacyTokens {
                    access_token: tokens.access_token,
                    refresh_token: tokens.refresh_token,
                    id_token: tokens.id_token,
                })
            }
            // §5.2: `invalid_grant` is the token's fault (expired, revoked, already used);
            // anything else (`invalid_client`, `unauthorized_client`, …) is the configuration's.
            StatusCode::BAD_REQUEST | StatusCode::UNAUTHORIZED
                if answer.oauth_error().as_deref() == Some("invalid_grant") =>
            {
                Err(LegacyError::Refused {
                    reason: GrantRefusal::Revoked,
                    detail: "the legacy IdP refuses the refresh token (expired, revoked or already used)",
                })
            }
            _ => Err(unexpected(CALL, &answer)),
        }
    }
}
