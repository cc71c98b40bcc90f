//! The hashes a legacy credential is known by in the shared state. The credential itself is
//! never stored; each use has its own domain-separated SHA-256, so that one hash cannot stand
//! in for another.

use ring::digest::{SHA256, digest};
use ring::hmac;

pub(crate) struct Digests {
    /// What an idempotency record is bound to (hex): a retry must present the same credential.
    pub(crate) binding: String,
    /// The key that seals a stored answer: only whoever presents the credential again can open
    /// it, so a copy of the store yields no Authgear session.
    pub(crate) seal: [u8; 32],
}

impl Digests {
    /// `credential` is the subject token, or in cookie mode the forwarded cookies.
    pub(crate) fn of(credential: &str) -> Self {
        let hash = |purpose: &str| {
            let mut input = Vec::with_capacity(purpose.len() + 1 + credential.len());
            input.extend_from_slice(purpose.as_bytes());
            input.push(0);
            input.extend_from_slice(credential.as_bytes());
            let mut out = [0; 32];
            out.copy_from_slice(digest(&SHA256, &input).as_ref());
            out
        };
        Self {
            binding: hex(&hash("authgear-migrate/idempotency-binding/v1")),
            seal: hash("authgear-migrate/idempotency-seal/v1"),
        }
    }
}

/// The replay cache's key (hex) for a credential's replay identity (see
/// [`crate::legacy::Verified::replay_id`]): one credential, one key, however it is spelled.
pub(crate) fn replay_key(replay_id: &str) -> String {
    let mut input = b"authgear-migrate/replay/v2\0".to_vec();
    input.extend_from_slice(replay_id.as_bytes());
    hex(digest(&SHA256, &input).as_ref())
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// SHA-256 of `text`, in hex: how client-chosen strings (idempotency keys, subjects) become
/// keys of fixed shape.
pub(crate) fn sha256_hex(text: &str) -> String {
    hex(digest(&SHA256, text.as_bytes()).as_ref())
}

/// Lowercase hex HMAC-SHA256 of `data` under `key`: how Authgear signs webhook bodies and how
/// the endpoint signs its provisioning calls.
pub(crate) fn hmac_sha256_hex(key: &[u8], data: &[u8]) -> String {
    hex(hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, key), data).as_ref())
}

/// Whether `signature_hex` is the HMAC-SHA256 of `data` under `key`, compared in constant time.
pub(crate) fn hmac_sha256_hex_matches(key: &[u8], data: &[u8], signature_hex: &str) -> bool {
    let Some(tag) = unhex(signature_hex) else {
        return false;
    };
    hmac::verify(&hmac::Key::new(hmac::HMAC_SHA256, key), data, &tag).is_ok()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if text.len() % 2 != 0 || !text.is_ascii() {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|at| u8::from_str_radix(&text[at..at + 2], 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_purpose_has_its_own_hash() {
        let one = Digests::of("token-1");
        let replay = replay_key("token-1");
        assert_ne!(replay, one.binding);
        assert_ne!(one.binding, hex(&one.seal));
        assert_eq!(one.binding, Digests::of("token-1").binding);
        assert_ne!(one.binding, Digests::of("token-2").binding);
        assert_ne!(replay, replay_key("token-2"));
        assert!(!replay.contains("token"));
    }

    #[test]
    fn hmac_signatures_verify_only_for_their_bytes() {
        // RFC 4231 test case 2.
        let tag = hmac_sha256_hex(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(
            tag,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert!(hmac_sha256_hex_matches(
            b"Jefe",
            b"what do ya want for nothing?",
            &tag
        ));
        assert!(!hmac_sha256_hex_matches(
            b"Jefe",
            b"what do ya want for nothing!",
            &tag
        ));
        assert!(!hmac_sha256_hex_matches(b"Jefe", b"x", "zz"));
        assert!(!hmac_sha256_hex_matches(b"Jefe", b"x", ""));
    }
}
