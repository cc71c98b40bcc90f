//! The one user directory both stand-ins read: each seed user gets an Authgear user ID (a random
//! UUID, as the User Import API gives) and a legacy subject, so that a legacy token can be traced
//! to the Authgear user it should become.
//!
//! Users imported at run time through the User Import API (`authgear/import.rs`) join the same
//! directory, so `getUserByLoginID`, `createSession`, the token endpoint and the legacy IdP all
//! see them. A change never rewrites a record in place: the new version is appended to an arena
//! whose elements never move, and the index points at it, so every `&UserRecord` handed out
//! stays valid.

use std::collections::HashMap;
use std::sync::{OnceLock, PoisonError, RwLock};

use crate::seed::SeedUser;

pub struct UserRecord {
    /// Authgear's user ID: a UUID, the `sub` of Authgear tokens.
    pub authgear_id: String,
    /// The legacy IdP's subject, `legacy|<n>`.
    pub legacy_sub: String,
    pub seed: SeedUser,
    /// When the import happened: the devstack's start for seed users.
    pub created_at: i64,
}

pub struct Directory {
    /// The seed file's users, as loaded.
    seed: Vec<UserRecord>,
    /// Imported users and every later version of any user.
    versions: Arena<UserRecord>,
    index: RwLock<Index>,
}

/// Where the current version of a user lives.
#[derive(Clone, Copy)]
enum Slot {
    Seed(usize),
    Version(usize),
}

#[derive(Default)]
struct Index {
    /// The current version of each user, in creation order.
    users: Vec<Slot>,
    versions: usize,
    by_id: HashMap<String, usize>,
    by_sub: HashMap<String, usize>,
    /// Keyed by the normalized email, as Authgear stores a login ID's claims.
    by_email: HashMap<String, usize>,
}

/// Why a user could not be added: another user already has the (normalized) email.
#[derive(Debug, PartialEq, Eq)]
pub struct DuplicateEmail;

impl Directory {
    pub fn new(seed: Vec<SeedUser>, now: i64) -> Self {
        let seed: Vec<UserRecord> = seed
            .into_iter()
            .enumerate()
            .map(|(index, seed)| UserRecord {
                authgear_id: uuid::Uuid::new_v4().to_string(),
                legacy_sub: format!("legacy|{}", index + 1),
                seed,
                created_at: now,
            })
            .collect();
        let mut index = Index::default();
        for (position, user) in seed.iter().enumerate() {
            index.users.push(Slot::Seed(position));
            index.link(user, position);
        }
        Self {
            seed,
            versions: Arena::default(),
            index: RwLock::new(index),
        }
    }

    /// The seed file's users as it gave them (imports and later changes are not here: see
    /// [`Directory::current`]).
    pub fn all(&self) -> &[UserRecord] {
        &self.seed
    }

    /// Every user, seed and imported, in its current version, in creation order.
    pub fn current(&self) -> Vec<&UserRecord> {
        let index = self.read();
        index.users.iter().map(|slot| self.resolve(*slot)).collect()
    }

    pub fn by_authgear_id(&self, id: &str) -> Option<&UserRecord> {
        let slot = {
            let index = self.read();
            index.users[*index.by_id.get(id)?]
        };
        Some(self.resolve(slot))
    }

    pub fn by_legacy_sub(&self, sub: &str) -> Option<&UserRecord> {
        let slot = {
            let index = self.read();
            index.users[*index.by_sub.get(sub)?]
        };
        Some(self.resolve(slot))
    }

    /// Finds a user by an email that is already normalized (see [`normalize_email`]).
    ///
    /// This is also Authgear's `ListByClaim("email", value)` (pkg/lib/authn/identity/loginid/
    /// store.go), which compares the value as given with the normalized claim stored on the
    /// login ID: a value that is not normalized finds nobody.
    pub fn by_normalized_email(&self, normalized: &str) -> Option<&UserRecord> {
        let slot = {
            let index = self.read();
            index.users[*index.by_email.get(normalized)?]
        };
        Some(self.resolve(slot))
    }

    /// Adds a user with a new Authgear user ID (pkg/lib/userimport/service.go: insertRecordInTxn,
    /// `uuid.New()`). An empty email means the user has no email login ID.
    pub fn insert(&self, seed: SeedUser, now: i64) -> Result<&UserRecord, DuplicateEmail> {
        let mut index = self.write();
        let email = normalize_email(&seed.email);
        if email
            .as_ref()
            .is_some_and(|email| index.by_email.contains_key(email))
        {
            return Err(DuplicateEmail);
        }
        let position = index.users.len();
        let record = UserRecord {
            authgear_id: uuid::Uuid::new_v4().to_string(),
            legacy_sub: format!("legacy|{}", position + 1),
            seed,
            created_at: now,
        };
        let slot = Slot::Version(index.versions);
        self.versions.push(index.versions, record);
        index.versions += 1;
        index.users.push(slot);
        let record = self.resolve(slot);
        index.link(record, position);
        Ok(record)
    }

    /// Replaces what is known of a user, keeping its IDs and creation time. The email may change
    /// (an upsert keyed by another identifier), unless another user has the new one. `None` when
    /// there is no such user.
    pub fn update(
        &self,
        authgear_id: &str,
        seed: SeedUser,
    ) -> Option<Result<&UserRecord, DuplicateEmail>> {
        let mut index = self.write();
        let position = *index.by_id.get(authgear_id)?;
        let old = self.resolve(index.users[position]);
        let old_email = normalize_email(&old.seed.email);
        let new_email = normalize_email(&seed.email);
        if let Some(email) = &new_email {
            if index
                .by_email
                .get(email)
                .is_some_and(|&other| other != position)
            {
                return Some(Err(DuplicateEmail));
            }
        }
        let record = UserRecord {
            authgear_id: old.authgear_id.clone(),
            legacy_sub: old.legacy_sub.clone(),
            seed,
            created_at: old.created_at,
        };
        let slot = Slot::Version(index.versions);
        self.versions.push(index.versions, record);
        index.versions += 1;
        index.users[position] = slot;
        if let Some(email) = old_email {
            index.by_email.remove(&email);
        }
        if let Some(email) = new_email {
            index.by_email.insert(email, position);
        }
        Some(Ok(self.resolve(slot)))
    }

    fn resolve(&self, slot: Slot) -> &UserRecord {
        match slot {
            Slot::Seed(position) => &self.seed[position],
            Slot::Version(version) => self
                .versions
                .get(version)
                .expect("an indexed version was stored before it was indexed"),
        }
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Index> {
        self.index.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Index> {
        self.index.write().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Index {
    fn link(&mut self, user: &UserRecord, position: usize) {
        self.by_id.insert(user.authgear_id.clone(), position);
        self.by_sub.insert(user.legacy_sub.clone(), position);
        if let Some(email) = normalize_email(&user.seed.email) {
            self.by_email.insert(email, position);
        }
    }
}

/// Authgear's email login ID normalization with the default config (`case_sensitive: false`,
/// `ignore_dot_sign: false`): case-fold both parts around the last `@`.
/// pkg/lib/authn/identity/loginid/normalizer.go: EmailNormalizer.Normalize. (Authgear folds with
/// PRECIS and applies NFKC; lowercasing is the same for the ASCII addresses the devstack seeds.)
pub fn normalize_email(email: &str) -> Option<String> {
    let at = email.rfind('@')?;
    let (local, domain) = (&email[..at], &email[at + 1..]);
    Some(format!(
        "{}@{}",
        local.to_lowercase(),
        domain.to_lowercase()
    ))
}

/// An append-only list whose elements never move: buckets of doubling size, allocated when first
/// needed, each slot written once. Writers pick the index under the directory's write lock.
struct Arena<T> {
    buckets: [OnceLock<Box<[OnceLock<T>]>>; ARENA_BUCKETS],
}

/// The first bucket's size; bucket `b` holds `ARENA_FIRST << b` elements.
const ARENA_FIRST: usize = 64;
const ARENA_BUCKETS: usize = 32;

impl<T> Default for Arena<T> {
    fn default() -> Self {
        Self {
            buckets: std::array::from_fn(|_| OnceLock::new()),
        }
    }
}

impl<T> Arena<T> {
    fn locate(index: usize) -> (usize, usize) {
        let n = index / ARENA_FIRST + 1;
        let bucket = (usize::BITS - 1 - n.leading_zeros()) as usize;
        (bucket, index - ARENA_FIRST * ((1 << bucket) - 1))
    }

    fn push(&self, index: usize, value: T) {
        let (bucket, offset) = Self::locate(index);
        let slots = self.buckets[bucket].get_or_init(|| {
            (0..ARENA_FIRST << bucket)
                .map(|_| OnceLock::new())
                .collect()
        });
        assert!(
            slots[offset].set(value).is_ok(),
            "arena slot {index} written twice"
        );
    }

    fn get(&self, index: usize) -> Option<&T> {
        let (bucket, offset) = Self::locate(index);
        self.buckets.get(bucket)?.get()?.get(offset)?.get()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::Map;

    use super::*;

    fn user(email: &str) -> SeedUser {
        SeedUser {
            email: email.into(),
            email_verified: false,
            standard_attributes: Map::new(),
            custom_attributes: Map::new(),
            roles: Vec::new(),
            disabled: false,
            password_hash: None,
        }
    }

    #[test]
    fn arena_buckets_cover_every_index_once() {
        assert_eq!(Arena::<u8>::locate(0), (0, 0));
        assert_eq!(Arena::<u8>::locate(63), (0, 63));
        assert_eq!(Arena::<u8>::locate(64), (1, 0));
        assert_eq!(Arena::<u8>::locate(191), (1, 127));
        assert_eq!(Arena::<u8>::locate(192), (2, 0));
        let arena = Arena::default();
        for index in 0..1_000 {
            arena.push(index, index);
        }
        assert!((0..1_000).all(|index| arena.get(index) == Some(&index)));
        assert_eq!(arena.get(1_000), None);
    }

    #[test]
    fn inserted_and_updated_users_are_found_and_old_references_stay_valid() {
        let directory = Directory::new(vec![user("alice@example.com")], 1);
        let alice = directory.by_normalized_email("alice@example.com").unwrap();
        let imported = directory.insert(user("Erin@Example.com"), 2).unwrap();
        assert_eq!(imported.legacy_sub, "legacy|2");
        assert_eq!(
            directory.insert(user("erin@example.com"), 3).err(),
            Some(DuplicateEmail)
        );
        let id = imported.authgear_id.clone();
        let mut changed = user("erin@example.com");
        changed.disabled = true;
        let updated = directory.update(&id, changed).unwrap().unwrap();
        assert!(updated.seed.disabled);
        assert!(!imported.seed.disabled, "the old version is untouched");
        assert!(directory.by_authgear_id(&id).unwrap().seed.disabled);
        assert_eq!(directory.current().len(), 2);
        assert_eq!(directory.all().len(), 1);
        assert_eq!(alice.seed.email, "alice@example.com");
        // An email-less user is stored but found by no email.
        directory.insert(user(""), 4).unwrap();
        assert_eq!(directory.current().len(), 3);
    }
}
