//! The idempotency cache: an answer is kept for `IDEMPOTENCY_TTL_SECONDS` under the request's
//! `(client_id, idempotency_key)`, bound to a hash of its subject token, and served again to a
//! retry that presents the same key and the same token. A lost response then never costs a
//! second Authgear session, nor a second spend of a rotating legacy refresh token.
//!
//! - A request finds the key free: it marks it "in flight" and runs the exchange, renewing the
//!   marker while it runs, so that no exchange, however slow, outlives its own marker (a retry
//!   would then run it again and be told "replayed"); a crashed instance's marker still ends
//!   within its short lifetime.
//! - It finds it in flight (the first request is still running, on this instance or another):
//!   it waits for the answer, polling, up to [`WAIT_LIMIT`]; then it is answered 503.
//! - It finds an answer: the same status, `Retry-After` and body, byte for byte.
//! - The key is bound to another token: 400 `invalid_request`, never that token's answer.
//!
//! Kept: successes, permanent refusals (4xx but 429), and any answer that hands back spent
//! legacy tokens. Not kept: transient failures (the marker is removed, so a retry runs again).
//! Answers are sealed (AES-256-GCM) with a key derived from the subject token, so that the
//! store holds no usable Authgear token for someone who does not hold the legacy one.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom as _, SystemRandom};
use serde::{Deserialize, Serialize};

use crate::digest::{Digests, hex, sha256_hex};
use crate::metrics::Metrics;
use crate::store::{Claim, Store, StoreError};

/// How long a retry waits for the request in flight before it is answered 503.
const WAIT_LIMIT: Duration = Duration::from_secs(15);
const FIRST_POLL: Duration = Duration::from_millis(20);
const MAX_POLL: Duration = Duration::from_millis(250);

pub(crate) struct Idempotency {
    store: Arc<Store>,
    ttl: Duration,
    in_flight_ttl: Duration,
    metrics: Arc<Metrics>,
    rng: SystemRandom,
}

/// An answer as it is kept and served again.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct StoredAnswer {
    pub(crate) status: u16,
    pub(crate) retry_after: Option<u64>,
    /// The JSON body, as sent.
    pub(crate) body: String,
}

#[derive(Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
enum Record {
    InFlight { binding: String, owner: String },
    Done { binding: String, sealed: String },
}

/// The outcome of [`Idempotency::begin`].
pub(crate) enum Begin {
    /// Run the exchange, then [`Idempotency::finish`] or [`Idempotency::abandon`].
    Run(InFlight),
    /// Serve this answer again.
    Replay(StoredAnswer),
    /// The key belongs to another subject token.
    Conflict,
    /// The first request is still running after [`WAIT_LIMIT`].
    StillRunning,
}

/// This request's "in flight" marker.
pub(crate) struct InFlight {
    key: String,
    marker: Vec<u8>,
}

impl Idempotency {
    pub(crate) fn new(
        store: Arc<Store>,
        ttl: Duration,
        in_flight_ttl: Duration,
        metrics: Arc<Metrics>,
    ) -> Self {
        Self {
            store,
            ttl,
            in_flight_ttl,
            metrics,
            rng: SystemRandom::new(),
        }
    }

    pub(crate) async fn begin(
        &self,
        client_id: &str,
        idempotency_key: &str,
        digests: &Digests,
    ) -> Result<Begin, StoreError> {
        let key = format!("idem:{}", attempt_id(client_id, idempotency_key));
        let mut owner = [0u8; 16];
        let _ = self.rng.fill(&mut owner);
        let marker = serde_json::to_vec(&Record::InFlight {
            binding: digests.binding.clone(),
            owner: hex(&owner),
        })
        .expect("a record serializes");
        let deadline = tokio::time::Instant::now() + WAIT_LIMIT;
        let mut pause = FIRST_POLL;
        let mut waited = false;
        loop {
            let found = match self.store.claim(&key, &marker, self.in_flight_ttl).await? {
                Claim::Claimed => {
                    self.metrics.cache("idempotency", "miss");
                    return Ok(Begin::Run(InFlight { key, marker }));
                }
                Claim::Taken(found) => found,
            };
            match serde_json::from_slice::<Record>(&found) {
                Ok(Record::InFlight { binding, .. } | Record::Done { binding, .. })
                    if binding != digests.binding =>
                {
                    self.metrics.cache("idempotency", "conflict");
                    return Ok(Begin::Conflict);
                }
                Ok(Record::Done { sealed, .. }) => {
                    return Ok(match open(&sealed, &digests.seal, &key) {
                        Some(answer) => {
                            self.metrics.cache("idempotency", "hit");
                            Begin::Replay(answer)
                        }
                        None => {
                            tracing::warn!("an idempotency record cannot be opened");
                            Begin::Conflict
                        }
                    });
                }
                Ok(Record::InFlight { .. }) => {}
                Err(_) => {
                    tracing::warn!("an idempotency record cannot be read");
                    return Ok(Begin::Conflict);
                }
            }
            if !waited {
                waited = true;
                self.metrics.cache("idempotency", "wait");
            }
            if tokio::time::Instant::now() + pause > deadline {
                return Ok(Begin::StillRunning);
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(MAX_POLL);
        }
    }

    /// Renews this request's marker every third of its lifetime, for as long as it is polled
    /// (beside the exchange it marks). Never completes.
    pub(crate) async fn keep_in_flight(&self, in_flight: &InFlight) -> std::convert::Infallible {
        let period = self.in_flight_ttl / 3;
        loop {
            tokio::time::sleep(period).await;
            let renewed = self
                .store
                .replace_if(
                    &in_flight.key,
                    &in_flight.marker,
                    &in_flight.marker,
                    self.in_flight_ttl,
                )
                .await;
            match renewed {
                Ok(true) => {}
                Ok(false) => tracing::warn!("an idempotency marker expired before it was renewed"),
                Err(error) => {
                    self.metrics.store_error();
                    tracing::warn!(%error, "cannot renew an idempotency marker");
                }
            }
        }
    }

    /// Keeps `answer` for the key, in place of this request's marker.
    pub(crate) async fn finish(
        &self,
        in_flight: InFlight,
        answer: &StoredAnswer,
        digests: &Digests,
    ) {
        let mut nonce = [0u8; NONCE_LEN];
        if self.rng.fill(&mut nonce).is_err() {
            // Without a fresh nonce nothing may be sealed; the retry runs again instead.
            self.abandon(in_flight).await;
            return;
        }
        let record = Record::Done {
            binding: digests.binding.clone(),
            sealed: seal(answer, &digests.seal, nonce, &in_flight.key),
        };
        let record = serde_json::to_vec(&record).expect("a record serializes");
        match self
            .store
            .replace_if(&in_flight.key, &in_flight.marker, &record, self.ttl)
            .await
        {
            Ok(true) => {}
            // The marker expired and another request took the key: its answer stands.
            Ok(false) => tracing::warn!("an idempotency marker expired before its answer was kept"),
            Err(error) => {
                self.metrics.store_error();
                tracing::warn!(%error, "cannot keep an answer in the idempotency cache");
            }
        }
    }

    /// Removes this request's marker: the answer is not kept, a retry runs again.
    pub(crate) async fn abandon(&self, in_flight: InFlight) {
        if let Err(error) = self
            .store
            .delete_if(&in_flight.key, &in_flight.marker)
            .await
        {
            self.metrics.store_error();
            tracing::warn!(%error, "cannot remove an idempotency marker");
        }
    }
}

/// What names one attempt of the client, whichever request of it (the first, or a retry): a
/// digest of its `client_id` and `idempotency_key`.
pub(crate) fn attempt_id(client_id: &str, idempotency_key: &str) -> String {
    sha256_hex(&format!("{client_id}\0{idempotency_key}"))
}

fn cipher(key: &[u8; 32]) -> LessSafeKey {
    LessSafeKey::new(UnboundKey::new(&AES_256_GCM, key).expect("a 32-byte AES-256 key"))
}

/// base64url(nonce ‖ ciphertext ‖ tag); the storage key is the associated data, so a sealed
/// answer moved to another key does not open.
fn seal(answer: &StoredAnswer, key: &[u8; 32], nonce: [u8; NONCE_LEN], aad: &str) -> String {
    let mut buffer = serde_json::to_vec(answer).expect("an answer serializes");
    cipher(key)
        .seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(aad.as_bytes()),
            &mut buffer,
        )
        .expect("AES-GCM seals any buffer this size");
    let mut sealed = nonce.to_vec();
    sealed.extend_from_slice(&buffer);
    URL_SAFE_NO_PAD.encode(sealed)
}

fn open(sealed: &str, key: &[u8; 32], aad: &str) -> Option<StoredAnswer> {
    let bytes = URL_SAFE_NO_PAD.decode(sealed).ok()?;
    if bytes.len() < NONCE_LEN {
        return None;
    }
    let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
    let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
    let mut buffer = ciphertext.to_vec();
    let plain = cipher(key)
        .open_in_place(nonce, Aad::from(aad.as_bytes()), &mut buffer)
        .ok()?;
    serde_json::from_slice(plain).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_answer_opens_with_its_token_and_key_only() {
        let answer = StoredAnswer {
            status: 200,
            retry_after: None,
            body: r#"{"refresh_token":"secret"}"#.to_owned(),
        };
        let digests = Digests::of("legacy-token");
        let sealed = seal(&answer, &digests.seal, [7; NONCE_LEN], "idem:a");
        assert!(!sealed.contains("secret"));
        assert_eq!(open(&sealed, &digests.seal, "idem:a"), Some(answer));
        assert_eq!(open(&sealed, &Digests::of("other").seal, "idem:a"), None);
        assert_eq!(open(&sealed, &digests.seal, "idem:b"), None);
    }
}
