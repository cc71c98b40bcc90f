//! The JWT that authenticates calls to Authgear's Admin API (the User Import API takes the same
//! one): RS256, header `kid` = the key ID the portal shows, `typ: JWT`; claims `aud` = project
//! ID, `iat`, `exp` = `iat` + 5 minutes (authgear/docs
//! `reference/apis/admin-api/authentication-and-security.md`; checked by authgear-server
//! pkg/lib/admin/authz/middleware.go). Reused until a minute before it expires.
//!
//! This mirrors server/src/authgear/admin_jwt.rs (same claims, lifetime and renewal) rather than
//! calling it: that type is crate-private there and carries the server's metrics.

use std::fmt;
use std::sync::{Mutex, PoisonError};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ring::rand::SystemRandom;
use ring::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use serde_json::json;

const LIFETIME_SECS: u64 = 5 * 60;
const RENEW_BEFORE_EXPIRY_SECS: u64 = 60;

/// An Admin API key: its ID and RSA private key.
pub struct AdminKey {
    id: String,
    pair: RsaKeyPair,
}

impl AdminKey {
    /// Reads the key the portal lets you download: an unencrypted PKCS#8 PEM
    /// (`-----BEGIN PRIVATE KEY-----`). Errors say what is wrong without echoing the key.
    pub fn from_pem(id: &str, pem: &str) -> Result<Self, String> {
        const BEGIN: &str = "-----BEGIN PRIVATE KEY-----";
        const END: &str = "-----END PRIVATE KEY-----";
        if pem.contains("-----BEGIN RSA PRIVATE KEY-----") {
            return Err(
                "found a PKCS#1 key (BEGIN RSA PRIVATE KEY); convert it with \
                        `openssl pkcs8 -topk8 -nocrypt -in old.pem -out key.pem`"
                    .into(),
            );
        }
        if pem.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----") {
            return Err("found an encrypted key; give the key unencrypted".into());
        }
        // A PEM passed through an environment file often has its line breaks written as `\n`.
        let pem = pem.replace("\\n", "\n");
        let start = pem
            .find(BEGIN)
            .map(|at| at + BEGIN.len())
            .ok_or_else(|| format!("found no `{BEGIN}` line"))?;
        let end = pem[start..]
            .find(END)
            .map(|at| at + start)
            .ok_or_else(|| format!("found no `{END}` line"))?;
        let body: String = pem[start..end]
            .chars()
            .filter(|c| !c.is_ascii_whitespace())
            .collect();
        let der = STANDARD
            .decode(body)
            .map_err(|_| "the PEM body is not base64".to_owned())?;
        let pair = RsaKeyPair::from_pkcs8(&der)
            .map_err(|rejected| format!("ring refuses the RSA key ({rejected})"))?;
        Ok(Self {
            id: id.trim().to_owned(),
            pair,
        })
    }
}

impl fmt::Debug for AdminKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AdminKey")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// Mints admin JWTs and reuses each until shortly before it expires.
pub struct AdminJwt {
    key: AdminKey,
    project_id: String,
    rng: SystemRandom,
    current: Mutex<Option<(String, u64)>>,
}

impl AdminJwt {
    pub fn new(key: AdminKey, project_id: String) -> Self {
        Self {
            key,
            project_id,
            rng: SystemRandom::new(),
            current: Mutex::new(None),
        }
    }

    /// A JWT valid at `now` (seconds since the epoch).
    pub fn at(&self, now: u64) -> Result<String, String> {
        let mut current = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((jwt, renew_at)) = current.as_ref() {
            if now < *renew_at {
                return Ok(jwt.clone());
            }
        }
        let header = json!({ "alg": "RS256", "kid": self.key.id, "typ": "JWT" });
        let claims = json!({ "aud": self.project_id, "iat": now, "exp": now + LIFETIME_SECS });
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let mut signature = vec![0; self.key.pair.public().modulus_len()];
        self.key
            .pair
            .sign(
                &RSA_PKCS1_SHA256,
                &self.rng,
                signing_input.as_bytes(),
                &mut signature,
            )
            .map_err(|_| "cannot sign the admin JWT".to_owned())?;
        let jwt = format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature));
        *current = Some((jwt.clone(), now + LIFETIME_SECS - RENEW_BEFORE_EXPIRY_SECS));
        Ok(jwt)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PEM: &str = include_str!("../../devstack/keys/authgear-admin.pem");

    #[test]
    fn mints_the_documented_claims_and_reuses_the_token() {
        let jwt = AdminJwt::new(AdminKey::from_pem("kid-1\n", PEM).unwrap(), "myapp".into());
        let first = jwt.at(1_000).unwrap();
        assert_eq!(jwt.at(1_000 + 239).unwrap(), first);
        assert_ne!(jwt.at(1_000 + 240).unwrap(), first);
        let parts: Vec<&str> = first.split('.').collect();
        let header: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
        let claims: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
        assert_eq!(
            header,
            json!({"alg": "RS256", "kid": "kid-1", "typ": "JWT"})
        );
        assert_eq!(claims, json!({"aud": "myapp", "iat": 1_000, "exp": 1_300}));
    }

    #[test]
    fn explains_keys_it_cannot_use() {
        let pkcs1 = "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----";
        assert!(
            AdminKey::from_pem("k", pkcs1)
                .unwrap_err()
                .contains("PKCS#1")
        );
        assert!(
            AdminKey::from_pem("k", "nothing")
                .unwrap_err()
                .contains("BEGIN PRIVATE KEY")
        );
    }
}
