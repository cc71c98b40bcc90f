//! What the legacy IdP remembers: refresh tokens (each usable once), opaque access tokens, and
//! cookie sessions.

use std::collections::HashMap;

use serde_json::{Map, Value};

pub struct RefreshRecord {
    pub sub: String,
    pub scope: String,
    pub expires_at: i64,
    /// Set when the token has been exchanged; a spent token is refused ever after.
    pub spent: bool,
}

pub struct OpaqueRecord {
    /// What userinfo and introspection answer for the token.
    pub claims: Map<String, Value>,
    pub expires_at: i64,
}

pub struct SessionRecord {
    pub sub: String,
    pub expires_at: i64,
}

#[derive(Default)]
pub struct Store {
    pub refresh: HashMap<String, RefreshRecord>,
    pub opaque: HashMap<String, OpaqueRecord>,
    pub sessions: HashMap<String, SessionRecord>,
}

/// An opaque random token (hex of 32 random bytes).
pub fn random_token() -> String {
    use ring::rand::{SecureRandom as _, SystemRandom};
    let mut bytes = [0u8; 32];
    SystemRandom::new()
        .fill(&mut bytes)
        .expect("the system RNG works");
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}
