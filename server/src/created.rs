//! The users this endpoint created just in time, remembered until they carry the legacy subject
//! they were created for (`LEGACY_SUBJECT_ATTRIBUTE`).
//!
//! Authgear's `createUser` takes no custom attributes (pkg/admin/graphql/user_mutation.go), so
//! binding a new user is a second call, `updateUser`, which can fail once the user exists. A
//! later exchange then finds an unbound user, and may bind them only when this record says
//! that this endpoint created that very user for that very subject. Anyone else's unbound user
//! (a sign-up, an import without the attribute, a user another subject's exchange created) is
//! refused as before: binding them would hand their account to whoever holds this credential.
//!
//! The record is written once `createUser` has answered with the user's ID, never before: a
//! record that cannot name the user would let a retry bind whoever registered the login ID in
//! between.

use std::sync::Arc;
use std::time::Duration;

use crate::digest::sha256_hex;
use crate::metrics::Metrics;
use crate::store::{Store, StoreError};

/// Longer than any retry of the engine waits: a binding left undone is finished by the next
/// exchange of its subject, however late.
const KEEP: Duration = Duration::from_secs(30 * 24 * 60 * 60);

pub(crate) struct CreatedUsers {
    store: Arc<Store>,
    metrics: Arc<Metrics>,
}

impl CreatedUsers {
    pub(crate) fn new(store: Arc<Store>, metrics: Arc<Metrics>) -> Self {
        Self { store, metrics }
    }

    /// This endpoint just created `user_id` for the legacy `subject`.
    pub(crate) async fn remember(&self, user_id: &str, subject: &str) -> Result<(), StoreError> {
        // A user ID is a new UUID: nothing else was recorded under it.
        self.store
            .claim(&key(user_id), sha256_hex(subject).as_bytes(), KEEP)
            .await
            .map(drop)
    }

    /// Whether this endpoint created `user_id` for the legacy `subject`.
    pub(crate) async fn created_for(
        &self,
        user_id: &str,
        subject: &str,
    ) -> Result<bool, StoreError> {
        let found = self.store.get(&key(user_id)).await?;
        Ok(found.is_some_and(|found| found == sha256_hex(subject).as_bytes()))
    }

    /// The user is bound: nothing is left to finish.
    pub(crate) async fn forget(&self, user_id: &str, subject: &str) {
        let subject = sha256_hex(subject);
        if let Err(error) = self
            .store
            .delete_if(&key(user_id), subject.as_bytes())
            .await
        {
            // The record then lives out its time; the user is bound already, so it is never used.
            self.metrics.store_error();
            tracing::warn!(%error, "cannot forget a user created just in time");
        }
    }
}

/// Keyed by the user, holding their subject's hash: the store holds no legacy subject.
fn key(user_id: &str) -> String {
    format!("created:{}", sha256_hex(user_id))
}
