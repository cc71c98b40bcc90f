//! Authgear's key material: the OIDC signing key (tokens, `/oauth2/jwks`) and the public half of
//! the Admin API key pair. Both are development-only keys committed under `devstack/keys/`.

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};
use std::sync::Arc;

use super::Authgear;
use crate::jose::{KeyError, RsaKey, RsaPublic};

/// The kid of the Admin API key, as the portal shows it (a UUID, as
/// pkg/util/secrets/generate.go: GenerateRSAKey makes).
pub const ADMIN_KEY_ID: &str = include_str!("../../keys/authgear-admin.kid");
/// The Admin API private key as the portal downloads it: PKCS#1 PEM (`-----BEGIN RSA PRIVATE
/// KEY-----`; pkg/portal/model/app.go, jwx `jwk.Pem`). The stand-in only needs the public half;
/// the migration endpoint signs with the private one.
pub const ADMIN_KEY_PEM: &str = include_str!("../../keys/authgear-admin.pem");

const OIDC_KEY_ID: &str = include_str!("../../keys/authgear-oidc.kid");
const OIDC_KEY_PEM: &str = include_str!("../../keys/authgear-oidc.pem");

pub struct Keys {
    /// pkg/lib/oauth/oidc/id_token.go: tokens are signed with `Secrets.Set.Key(0)`, RS256.
    pub signing: RsaKey,
    /// pkg/lib/admin/authz/middleware.go verifies against `jwk.PublicSetOf(AuthKey.Set)`.
    pub admin: RsaPublic,
}

impl Keys {
    pub fn load() -> Result<Self, KeyError> {
        let signing = RsaKey::from_pem(OIDC_KEY_ID.trim(), OIDC_KEY_PEM)
            .map_err(|err| KeyError::new(format!("keys/authgear-oidc.pem: {err}")))?;
        let admin = RsaKey::from_pem(ADMIN_KEY_ID.trim(), ADMIN_KEY_PEM)
            .map_err(|err| KeyError::new(format!("keys/authgear-admin.pem: {err}")))?
            .public()
            .clone();
        Ok(Self { signing, admin })
    }
}

/// `GET /oauth2/jwks`. pkg/auth/handler/oauth/jwks.go: the public key set, JSON-encoded.
pub async fn jwks(State(authgear): State<Arc<Authgear>>) -> Json<Value> {
    Json(json!({ "keys": [authgear.keys.signing.public().jwk()] }))
}
