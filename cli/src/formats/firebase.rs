//! Firebase Authentication, as `firebase auth:export users.json --format=json` writes it
//! (firebase-tools src/accountExporter.ts): `{"users": [...]}`, each user with `localId`,
//! `email`, `emailVerified`, `passwordHash` and `salt` (standard base64; present only for
//! accounts hashed with Firebase's own modified scrypt), `displayName`, `photoUrl`,
//! `lastSignedInAt`, `createdAt` (epoch milliseconds, as strings), `phoneNumber`, `disabled`,
//! `customAttributes` (the custom claims, a JSON string) and `providerUserInfo`
//! (`providerId`, `rawId`, `email`, `displayName`, `photoUrl` for google.com, facebook.com,
//! twitter.com and github.com).
//!
//! Mapped: `email`, `emailVerified` → `email_verified`, `phoneNumber` → `phone_number`,
//! `displayName` → `name`, `photoUrl` → `picture`, `disabled`; `localId` is the legacy ID.
//! Passwords are left out: Firebase's scrypt variant (with the project's signer key and salt
//! separator) is not bcrypt, and Authgear imports bcrypt only. Not mapped: custom claims,
//! dates, provider links.

use std::path::Path;

use super::source::{InputKind, read_rows};
use super::{PasswordSource, ReadError, SourceUser};

pub fn read(path: &Path) -> Result<Vec<SourceUser>, ReadError> {
    let rows = read_rows(path, InputKind::Json, &["users"])?;
    Ok(rows
        .into_iter()
        .map(|(position, raw)| {
            let mut user = SourceUser::new(position, raw);
            let raw = &user.raw;
            let record = &mut user.record;
            user.legacy_id = raw.text("localId");
            record.email = raw.text("email");
            record.email_verified = raw.flag("emailVerified");
            record.phone_number = raw.text("phoneNumber");
            record.name = raw.text("displayName");
            record.picture = raw.text("photoUrl");
            record.disabled = raw.flag("disabled");
            if raw.text("passwordHash").is_some() {
                user.password = PasswordSource::Unsupported("firebase-scrypt".into());
            }
            user
        })
        .collect())
}
