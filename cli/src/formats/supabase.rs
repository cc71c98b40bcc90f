//! Supabase Auth's `auth.users` table (supabase/auth internal/models/user.go), exported as CSV
//! (`\copy auth.users to 'users.csv' csv header`, or the dashboard's CSV export of a query) or
//! as JSON rows (an array, or `{"users": [...]}`). Columns read: `id`, `email`,
//! `encrypted_password`, `email_confirmed_at` (or the older `confirmed_at`), `phone`,
//! `phone_confirmed_at`, `raw_user_meta_data` (jsonb: a JSON object, or its text in CSV),
//! `banned_until`, `deleted_at`, `is_anonymous`.
//!
//! Mapped: `email`; `email_confirmed_at` set → `email_verified`; `phone` (stored without `+`)
//! → `phone_number` in E.164; `phone_confirmed_at` set → `phone_number_verified`;
//! `raw_user_meta_data.full_name` (or `.name`) → `name`, `.avatar_url` (or `.picture`) →
//! `picture`; `banned_until` in the future → `disabled`; `id` is the legacy ID (the `sub` of
//! Supabase JWTs). `encrypted_password` is imported when it is bcrypt (`$2a$…`, what Supabase
//! writes); argon2 or Firebase-scrypt hashes (imported into Supabase earlier) are left out.
//! Soft-deleted (`deleted_at` set) and anonymous users are not imported.

use std::path::Path;

use serde_json::Value;

use super::source::{InputKind, Raw, classify_hash, parse_timestamp, read_rows};
use super::{ReadError, SourceUser};

pub fn read(path: &Path, kind: Option<InputKind>) -> Result<Vec<SourceUser>, ReadError> {
    let kind = kind
        .or_else(|| InputKind::guess(path))
        .unwrap_or(InputKind::Csv);
    let rows = read_rows(path, kind, &["users"])?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs() as i64);
    rows.into_iter()
        .map(|(position, raw)| {
            from_row(position, raw, now)
                .map_err(|message| ReadError::new(path, Some(position), message))
        })
        .collect()
}

fn from_row(position: usize, raw: Raw, now: i64) -> Result<SourceUser, String> {
    let mut user = SourceUser::new(position, raw);
    let raw = &user.raw;
    user.legacy_id = raw.text("id");
    user.record.email = raw.text("email");
    let confirmed = raw
        .text("email_confirmed_at")
        .or_else(|| raw.text("confirmed_at"));
    if user.record.email.is_some() && confirmed.is_some() {
        user.record.email_verified = Some(true);
    }
    if let Some(phone) = raw.text("phone") {
        user.record.phone_number = Some(if phone.starts_with('+') {
            phone
        } else {
            format!("+{phone}")
        });
        if raw.text("phone_confirmed_at").is_some() {
            user.record.phone_number_verified = Some(true);
        }
    }
    let metadata = match raw.get("raw_user_meta_data") {
        Some(Value::Object(object)) => Some(object),
        Some(Value::String(text)) => match serde_json::from_str::<Value>(&text) {
            Ok(Value::Object(object)) => Some(object),
            Ok(_) => None,
            Err(error) => return Err(format!("raw_user_meta_data is not JSON: {error}")),
        },
        _ => None,
    };
    if let Some(metadata) = metadata {
        let text = |key: &str| {
            metadata
                .get(key)
                .and_then(Value::as_str)
                .filter(|text| !text.is_empty())
                .map(str::to_owned)
        };
        user.record.name = text("full_name").or_else(|| text("name"));
        user.record.picture = text("avatar_url").or_else(|| text("picture"));
    }
    if let Some(until) = raw.text("banned_until") {
        let until = parse_timestamp(&until)
            .ok_or_else(|| format!("banned_until `{until}` is not a timestamp"))?;
        if until > now {
            user.record.disabled = Some(true);
        }
    }
    if raw.text("deleted_at").is_some() {
        user.exclude = Some("deleted in Supabase (deleted_at is set)".into());
    } else if raw.flag("is_anonymous") == Some(true) {
        user.exclude = Some("anonymous Supabase user".into());
    }
    if let Some(hash) = raw.text("encrypted_password") {
        user.password = classify_hash(&hash);
    }
    Ok(user)
}
