//! The legacy IdP's signing keys: an RS256 key (committed, development-only) that signs every
//! token it issues, and an ES256 key (generated at start) that it also publishes, so that a
//! verifier can be tested against both key types.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use super::Legacy;
use crate::jose::{EcKey, KeyError, RsaKey};

const RS256_KEY_ID: &str = include_str!("../../keys/legacy-rs256.kid");
const RS256_KEY_PEM: &str = include_str!("../../keys/legacy-rs256.pem");
const ES256_KEY_ID: &str = "legacy-es256";

pub struct LegacyKeys {
    pub rs256: RsaKey,
    pub es256: EcKey,
}

impl LegacyKeys {
    pub fn load() -> Result<Self, KeyError> {
        Ok(Self {
            rs256: RsaKey::from_pem(RS256_KEY_ID.trim(), RS256_KEY_PEM)
                .map_err(|err| KeyError::new(format!("keys/legacy-rs256.pem: {err}")))?,
            es256: EcKey::generate(ES256_KEY_ID),
        })
    }
}

/// `GET /jwks`.
pub async fn jwks(State(legacy): State<Arc<Legacy>>) -> Json<Value> {
    Json(json!({
        "keys": [legacy.keys.rs256.public().jwk(), legacy.keys.es256.jwk()]
    }))
}
