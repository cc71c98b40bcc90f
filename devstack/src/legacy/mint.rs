//! Test-only minting (`POST /__devstack/legacy/mint`): legacy tokens with chosen claims, keys,
//! algorithms and lifetimes, so that tests can exercise every refusal a verifier must make.

use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::Legacy;
use super::store::{OpaqueRecord, RefreshRecord, random_token};
use super::tokens::{ACCESS_TOKEN_SECONDS, DEFAULT_SCOPE};
use crate::jose::{self, Signer};

#[derive(Clone, Copy, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MintKind {
    /// A JWT access token (aud = legacyAudience).
    #[default]
    AccessToken,
    /// A JWT ID token (aud = legacyClientID).
    IdToken,
    /// An opaque access token, registered for `/userinfo` and `/introspect`.
    Opaque,
    /// A single-use refresh token, registered for the `refresh_token` grant.
    RefreshToken,
}

#[derive(Clone, Copy, Default, Deserialize)]
pub enum MintAlg {
    /// Signed with the RS256 key `/jwks` publishes.
    #[default]
    RS256,
    /// Signed with the ES256 key `/jwks` publishes.
    ES256,
    /// Unsigned (`alg: none`, empty signature).
    #[serde(rename = "none")]
    None,
    /// HMAC-SHA256 keyed with the RS256 public key's PEM (SubjectPublicKeyInfo): the
    /// key-confusion forgery a verifier that trusts the header's `alg` would accept.
    HS256,
}

/// The body of `POST /__devstack/legacy/mint`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MintSpec {
    /// The seed user's email; defaults to the first seed user.
    #[serde(default)]
    user: Option<String>,
    #[serde(default)]
    kind: MintKind,
    #[serde(default)]
    alg: MintAlg,
    /// Seconds from now to `exp`; negative mints an expired token. Default 3600.
    #[serde(default)]
    expires_in: Option<i64>,
    /// Seconds from now to `nbf`; positive mints a token not yet valid. Default 0.
    #[serde(default)]
    not_before_in: Option<i64>,
    /// Merged into the JOSE header; `null` removes a member (e.g. `{"kid": "unknown"}`).
    #[serde(default)]
    header: Map<String, Value>,
    /// Merged into the claims last; `null` removes a claim (e.g. `{"iss": "https://evil"}`).
    #[serde(default)]
    claims: Map<String, Value>,
}

impl Legacy {
    pub fn mint(&self, spec: MintSpec) -> Result<Value, String> {
        let user = match &spec.user {
            Some(email) => crate::users::normalize_email(email)
                .and_then(|email| self.users.by_normalized_email(&email))
                .ok_or_else(|| format!("no seed user has the email {email}"))?,
            None => self.users.all().first().ok_or("no seed users")?,
        };
        let now = crate::time::now();
        let expires_in = spec.expires_in.unwrap_or(ACCESS_TOKEN_SECONDS);
        let expires_at = now + expires_in;
        // An expired token is minted as one that lived its normal life and ended, not as one
        // issued after it expired.
        let issued_at = if expires_in <= 0 {
            expires_at - ACCESS_TOKEN_SECONDS
        } else {
            now
        };
        let mut claims = match spec.kind {
            MintKind::IdToken => self.id_claims(user, issued_at),
            _ => self.access_claims(user, DEFAULT_SCOPE, issued_at),
        };
        claims.insert("exp".into(), expires_at.into());
        if let Some(offset) = spec.not_before_in {
            claims.insert("nbf".into(), (now + offset).into());
        }
        merge(&mut claims, spec.claims);
        match spec.kind {
            MintKind::Opaque => {
                let token = random_token();
                self.store().opaque.insert(
                    token.clone(),
                    OpaqueRecord {
                        claims: claims.clone(),
                        expires_at,
                    },
                );
                Ok(json!({ "token": token, "claims": claims }))
            }
            MintKind::RefreshToken => {
                let token = random_token();
                self.store().refresh.insert(
                    token.clone(),
                    RefreshRecord {
                        sub: user.legacy_sub.clone(),
                        scope: DEFAULT_SCOPE.into(),
                        expires_at,
                        spent: false,
                    },
                );
                Ok(json!({ "token": token, "claims": {"sub": user.legacy_sub, "exp": expires_at} }))
            }
            MintKind::AccessToken | MintKind::IdToken => {
                let confusion_secret = self.keys.rs256.public().spki_pem();
                let (signer, kid) = match spec.alg {
                    MintAlg::RS256 => (Signer::Rs256(&self.keys.rs256), self.keys.rs256.kid()),
                    MintAlg::ES256 => (Signer::Es256(&self.keys.es256), self.keys.es256.kid()),
                    // The RS256 key's kid: a verifier must refuse these on `alg`, not on `kid`.
                    MintAlg::None => (Signer::None, self.keys.rs256.kid()),
                    MintAlg::HS256 => (
                        Signer::Hs256(confusion_secret.as_bytes()),
                        self.keys.rs256.kid(),
                    ),
                };
                let mut header = Map::new();
                header.insert("alg".into(), signer.alg().into());
                header.insert("kid".into(), kid.into());
                header.insert("typ".into(), "JWT".into());
                merge(&mut header, spec.header);
                let token = jose::encode(header.clone(), &Value::Object(claims.clone()), &signer);
                Ok(json!({ "token": token, "header": header, "claims": claims }))
            }
        }
    }
}

/// Overrides `target` with `changes`; a `null` change removes the member.
fn merge(target: &mut Map<String, Value>, changes: Map<String, Value>) {
    for (name, value) in changes {
        if value.is_null() {
            target.remove(&name);
        } else {
            target.insert(name, value);
        }
    }
}
