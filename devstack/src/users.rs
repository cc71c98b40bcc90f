//! The one user directory both stand-ins read: each seed user gets an Authgear user ID (a random
//! UUID, as the User Import API gives) and a legacy subject, so that a legacy token can be traced
//! to the Authgear user it should become.

use crate::seed::SeedUser;

pub struct UserRecord {
    /// Authgear's user ID: a UUID, the `sub` of Authgear tokens.
    pub authgear_id: String,
    /// The legacy IdP's subject, `legacy|<n>`.
    pub legacy_sub: String,
    pub seed: SeedUser,
    /// When the import happened: the devstack's start.
    pub created_at: i64,
}

pub struct Directory {
    users: Vec<UserRecord>,
}

impl Directory {
    pub fn new(seed: Vec<SeedUser>, now: i64) -> Self {
        let users = seed
            .into_iter()
            .enumerate()
            .map(|(index, seed)| UserRecord {
                authgear_id: uuid::Uuid::new_v4().to_string(),
                legacy_sub: format!("legacy|{}", index + 1),
                seed,
                created_at: now,
            })
            .collect();
        Self { users }
    }

    pub fn all(&self) -> &[UserRecord] {
        &self.users
    }

    pub fn by_authgear_id(&self, id: &str) -> Option<&UserRecord> {
        self.users.iter().find(|user| user.authgear_id == id)
    }

    pub fn by_legacy_sub(&self, sub: &str) -> Option<&UserRecord> {
        self.users.iter().find(|user| user.legacy_sub == sub)
    }

    /// Finds a user by an email that is already normalized (see [`normalize_email`]).
    pub fn by_normalized_email(&self, normalized: &str) -> Option<&UserRecord> {
        self.users
            .iter()
            .find(|user| normalize_email(&user.seed.email).as_deref() == Some(normalized))
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
