//! Auth0 exports, both NDJSON (one user object per line):
//!
//! - The bulk user export (`POST /api/v2/jobs/users-exports` with `"format": "json"`): the
//!   fields asked for, named as in Auth0's user profile structure: `user_id` (`auth0|…`,
//!   `google-oauth2|…`), `email`, `email_verified`, `username`, `phone_number`,
//!   `phone_verified`, `name`, `given_name`, `family_name`, `nickname`, `picture`, `blocked`,
//!   `identities`, `user_metadata`, `app_metadata`, `created_at`, `last_login`, …
//! - The password hashes export Auth0 support provides on request: `_id` (`{"$oid": …}`),
//!   `email`, `email_verified`, `passwordHash` (bcrypt, `$2b$10$…`), `connection`, `tenant`,
//!   optional `alt_id` (a custom user ID), `identifiers` (`[{"type": "email", "value": …,
//!   "verified": …}]`, which may stand in for the root `email`).
//!
//! Given the bulk export, the hashes (from `--auth0-password-hashes`, or hash lines in the same
//! file) are joined by user ID — `auth0|<alt_id or _id.$oid>` — then by email. Given only the
//! hashes export, its lines are the users.
//!
//! Mapped: `email`, `email_verified`, `username` → `preferred_username`, `phone_number`,
//! `phone_verified` → `phone_number_verified`, `name`, `given_name`, `family_name`, `nickname`,
//! `picture`, `locale` (social profiles), `blocked` → `disabled`; `user_id` is the legacy ID.
//! Not mapped: metadata, dates, logins, identities (a social user has no password and keeps
//! only the email login ID).

use std::collections::HashMap;
use std::path::Path;

use serde_json::{Map, Value};

use super::source::{InputKind, Raw, classify_hash, read_rows};
use super::{PasswordSource, ReadError, SourceUser};

pub fn read(path: &Path, hashes: Option<&Path>) -> Result<Vec<SourceUser>, ReadError> {
    let rows = read_rows(path, InputKind::Ndjson, &[])?;
    let mut profiles = Vec::new();
    let mut hash_lines = Vec::new();
    for (position, raw) in rows {
        let Raw::Json(object) = &raw else {
            unreachable!("NDJSON rows are objects")
        };
        if object.contains_key("user_id") {
            profiles.push((position, raw));
        } else if object.contains_key("_id") || object.contains_key("passwordHash") {
            hash_lines.push((position, raw));
        } else {
            return Err(ReadError::new(
                path,
                Some(position),
                "neither a bulk export line (no `user_id`) nor a password hashes line (no `_id`)",
            ));
        }
    }
    if profiles.is_empty() {
        // The hashes export alone: each line is a user.
        if let Some(hashes) = hashes {
            return Err(ReadError::new(
                hashes,
                None,
                "--auth0-password-hashes needs the bulk user export as the input",
            ));
        }
        return Ok(hash_lines
            .into_iter()
            .map(|(position, raw)| from_hash_line(position, raw))
            .collect());
    }

    let mut index = HashIndex::default();
    for (_, raw) in &hash_lines {
        index.add(raw);
    }
    if let Some(hashes) = hashes {
        for (position, raw) in read_rows(hashes, InputKind::Ndjson, &[])? {
            let Raw::Json(object) = &raw else {
                unreachable!("NDJSON rows are objects")
            };
            if !object.contains_key("passwordHash") && !object.contains_key("_id") {
                return Err(ReadError::new(
                    hashes,
                    Some(position),
                    "not a password hashes line (no `_id` or `passwordHash`)",
                ));
            }
            index.add(&raw);
        }
    }
    Ok(profiles
        .into_iter()
        .map(|(position, raw)| from_profile(position, raw, &index))
        .collect())
}

/// A bulk export line.
fn from_profile(position: usize, raw: Raw, hashes: &HashIndex) -> SourceUser {
    let mut user = SourceUser::new(position, raw);
    let raw = &user.raw;
    let record = &mut user.record;
    user.legacy_id = raw.text("user_id");
    record.email = raw.text("email");
    record.email_verified = raw.flag("email_verified");
    record.preferred_username = raw.text("username");
    record.phone_number = raw.text("phone_number");
    record.phone_number_verified = raw.flag("phone_verified");
    record.name = raw.text("name");
    record.given_name = raw.text("given_name");
    record.family_name = raw.text("family_name");
    record.nickname = raw.text("nickname");
    record.picture = raw.text("picture");
    // Social connections pass the provider's `locale` on.
    record.locale = raw.text("locale");
    record.disabled = raw.flag("blocked");
    // Auth0 sets `name` to the email when nothing better is known; it is not a name.
    if record.name.is_some() && record.name == record.email {
        record.name = None;
    }
    // A line that carries its own hash (exports merged beforehand) wins over the join.
    let own = raw.text("passwordHash");
    let hash = own
        .as_ref()
        .or_else(|| {
            user.legacy_id
                .as_deref()
                .and_then(|id| hashes.by_user_id.get(id))
        })
        .or_else(|| {
            record
                .email
                .as_deref()
                .and_then(|email| hashes.by_email.get(&email.to_lowercase()))
        });
    if let Some(hash) = hash {
        user.password = classify_hash(hash);
    }
    user
}

/// A password hashes export line, as a user of its own.
fn from_hash_line(position: usize, raw: Raw) -> SourceUser {
    let mut user = SourceUser::new(position, raw);
    let Raw::Json(object) = &user.raw else {
        unreachable!("NDJSON rows are objects")
    };
    user.legacy_id = hash_line_user_id(object);
    let (email, verified) = hash_line_email(object);
    user.record.email = email;
    user.record.email_verified = verified;
    user.record.preferred_username = identifier_value(object, "username");
    user.record.phone_number = identifier_value(object, "phone_number");
    user.password = object
        .get("passwordHash")
        .and_then(Value::as_str)
        .map_or(PasswordSource::None, classify_hash);
    user
}

/// `auth0|<alt_id>` when the line has one, else `auth0|<_id.$oid>`.
fn hash_line_user_id(object: &Map<String, Value>) -> Option<String> {
    let id = object
        .get("alt_id")
        .and_then(Value::as_str)
        .or_else(|| object.get("_id")?.get("$oid")?.as_str())
        .or_else(|| object.get("_id")?.as_str())?;
    Some(format!("auth0|{id}"))
}

/// The root `email` / `email_verified`, or the `identifiers` entry of type `email`.
fn hash_line_email(object: &Map<String, Value>) -> (Option<String>, Option<bool>) {
    if let Some(email) = object.get("email").and_then(Value::as_str) {
        return (
            Some(email.to_owned()),
            object.get("email_verified").and_then(Value::as_bool),
        );
    }
    let entry = identifier_entry(object, "email");
    (
        entry
            .and_then(|entry| entry.get("value"))
            .and_then(Value::as_str)
            .map(str::to_owned),
        entry
            .and_then(|entry| entry.get("verified"))
            .and_then(Value::as_bool),
    )
}

fn identifier_entry<'a>(object: &'a Map<String, Value>, kind: &str) -> Option<&'a Value> {
    object
        .get("identifiers")?
        .as_array()?
        .iter()
        .find(|entry| entry.get("type").and_then(Value::as_str) == Some(kind))
}

fn identifier_value(object: &Map<String, Value>, kind: &str) -> Option<String> {
    identifier_entry(object, kind)?
        .get("value")?
        .as_str()
        .map(str::to_owned)
}

#[derive(Default)]
struct HashIndex {
    by_user_id: HashMap<String, String>,
    by_email: HashMap<String, String>,
}

impl HashIndex {
    fn add(&mut self, raw: &Raw) {
        let Raw::Json(object) = raw else { return };
        let Some(hash) = object.get("passwordHash").and_then(Value::as_str) else {
            return;
        };
        if let Some(id) = hash_line_user_id(object) {
            self.by_user_id.insert(id, hash.to_owned());
        }
        if let (Some(email), _) = hash_line_email(object) {
            self.by_email.insert(email.to_lowercase(), hash.to_owned());
        }
    }
}
