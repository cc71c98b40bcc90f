//! An access token checked by the legacy IdP's OIDC userinfo endpoint (OpenID Connect Core
//! §5.3): a token the IdP still honours answers the user's claims.
//!
//! Userinfo honours a token of any application of the tenant, and says nothing of its
//! audience or client: this verifier runs only when `LEGACY_USERINFO_ACCEPTS_ANY_CLIENT=true`
//! says that is accepted.

use std::sync::Arc;

use authgear_migrate::wire::GrantRefusal;
use reqwest::StatusCode;
use reqwest::header::ACCEPT;
use url::Url;

use super::call::{self, unexpected};
use super::{IssuedTo, LegacyError, Verified, replay_id};
use crate::legacy_jwt::Claims;
use crate::metrics::Metrics;

const CALL: &str = "userinfo";

pub(super) struct Userinfo {
    url: Url,
    http: reqwest::Client,
    metrics: Arc<Metrics>,
}

impl Userinfo {
    pub(super) fn new(url: Url, http: reqwest::Client, metrics: Arc<Metrics>) -> Self {
        Self { url, http, metrics }
    }

    pub(super) fn url(&self) -> &Url {
        &self.url
    }

    pub(super) async fn verify(&self, token: &str) -> Result<Verified, LegacyError> {
        let request = self
            .http
            .get(self.url.clone())
            .bearer_auth(token)
            .header(ACCEPT, "application/json");
        let answer = call::send(request, CALL, &self.metrics).await?;
        match answer.status {
            StatusCode::OK => {
                let claims = answer.object(CALL)?;
                // §5.3.2: `sub` is always there; without it, this is not a userinfo answer.
                if !claims.get("sub").is_some_and(serde_json::Value::is_string) {
                    return Err(LegacyError::Misconfigured {
                        call: CALL,
                        detail: "the answer has no `sub`: is this the userinfo URL?".to_owned(),
                    });
                }
                // Userinfo does not say when the token expires, and its `jti`, if any, would
                // be the answer's, not the token's.
                Ok(Verified {
                    claims: Claims::from_object(claims),
                    expires_at: None,
                    replay_id: replay_id(token, None),
                    issued_to: IssuedTo::Unknown,
                })
            }
            // RFC 6750 §3.1: `invalid_token` (401) for an expired, revoked or unknown token;
            // 400 for a malformed one.
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN | StatusCode::BAD_REQUEST => {
                Err(LegacyError::Refused {
                    reason: GrantRefusal::Invalid,
                    detail: "the legacy IdP's userinfo endpoint does not honour the token",
                })
            }
            _ => Err(unexpected(CALL, &answer)),
        }
    }
}
